"""Build and update an index from corpus files.

``update_index`` mirrors the given paths: new files are added, changed files (size and mtime,
then content hash) re-indexed, vanished files removed, unchanged files only stat'ed. What each
file held is kept in a manifest beside the index (``files.json``), so nothing stored is read
back. A rebuild (asked for, or forced by new analysis settings or an incompatible index) writes
a fresh generation and publishes it atomically. A file that cannot be read is skipped with its
reason; the run goes on and the report says so.

Reading, decoding, parsing and analysis run in worker processes (``procs``); the parent only
feeds Whoosh's writer, which is single-threaded. Workers and the parent run the same
``prepare`` function on the same chain, so the index is the same for any ``procs``.

    >>> report = update_index(Path("index"), [Path("corpus")], AnalysisSettings.default())
    >>> report.added
    5
"""

from __future__ import annotations

import collections
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from searcher.analysis import AnalysisChain, AnalysisSettings, variant_sources_sha256
from searcher.dates import day_number
from searcher.documents import corpus_files, parse_file
from searcher.errors import DocumentError, IndexIncompatibleError
from searcher.models import Document
from searcher.schema import ANALYZED_FIELDS, Postings, attach_chain, build_schema
from searcher.store import (
    OpenIndex, create_generation, index_exists, open_index, publish, remove_stale_generations,
    write_meta, writer_lock)

Progress = Callable[[int, int], None]
MANIFEST = "files.json"
WRITER_MB = 256  # Whoosh's posting pool; bounds the writer's memory


@dataclass
class IndexReport:
    """What one run did, counted in documents."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[str] = field(default_factory=list)  # parts of files lost, dates unread
    encodings: dict[str, str] = field(default_factory=dict)  # file → encoding, files read
    rebuilt: bool = False
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed,
                "unchanged": self.unchanged, "skipped": len(self.skipped),
                "skipped_files": [{"file": f, "reason": r} for f, r in self.skipped],
                "warnings": self.warnings, "rebuilt": self.rebuilt,
                "seconds": round(self.seconds, 3)}


def document_id(path: str) -> str:
    """A short id for a document path, the same in every index built from it."""
    return hashlib.sha1(path.encode("utf-8")).hexdigest()[:12]


def document_fields(doc: Document, file: str) -> dict:
    """The Whoosh fields of one document, text fields still as text."""
    fields = {
        "path": doc.path, "path_units": doc.path, "doc_id": document_id(doc.path),
        "title": doc.title, "title_units": doc.title,
        "body": doc.body, "body_units": doc.body,
        "date": doc.date, "source": doc.source, "url": doc.url, "file": file,
    }
    if doc.author:
        fields["author"] = fields["author_units"] = doc.author
    if doc.tags:
        fields["tags"] = ",".join(doc.tags)
    if doc.date:
        fields["day"] = day_number(doc.date)
    return fields


# --- the work done per file or document, in a worker or in the parent -------------------

_schema = None  # this process's schema with its chain attached (see _start_worker)


def _start_worker(settings: AnalysisSettings, chain: AnalysisChain | None = None) -> None:
    global _schema
    _schema = build_schema()
    attach_chain(_schema, chain or AnalysisChain(settings))


def prepare(doc: Document, file: str) -> dict:
    """Whoosh fields for ``doc`` with every text field analysed into ``Postings``."""
    fields = document_fields(doc, file)
    for name in ANALYZED_FIELDS:
        if name in fields:
            if _schema[name].stored:
                fields["_stored_" + name] = fields[name]
            fields[name] = Postings(_schema[name].index(fields[name]))
    return fields


@dataclass
class FileJob:
    file: str
    root: str
    previous: dict | None  # the manifest entry from the last run


@dataclass
class FileResult:
    file: str
    entry: dict | None = None  # new manifest entry (None: skipped)
    prepared: list[dict] = field(default_factory=list)
    changed: bool = False
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def read_file(job: FileJob) -> FileResult:
    """Read, decode, parse and analyse one corpus file, unless it is unchanged."""
    file = Path(job.file)
    result = FileResult(job.file)
    previous = job.previous
    try:
        stat = file.stat()
        entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        if previous and (previous["size"], previous["mtime_ns"]) == (entry["size"],
                                                                     entry["mtime_ns"]):
            result.entry = previous
            return result
        data = file.read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        if previous and previous.get("sha256") == entry["sha256"]:
            result.entry = {**previous, **entry}
            return result
        relative = file.relative_to(job.root).as_posix() if job.file != job.root else file.name
        parsed = parse_file(data, relative, result.warnings)
    except OSError as error:
        result.error = error.strerror or str(error)
        return result
    except DocumentError as error:
        result.error = str(error)
        return result
    result.encoding = parsed.encoding
    result.changed = True
    result.prepared = [prepare(doc, job.file) for doc in parsed.documents]
    result.entry = {**entry, "paths": [fields["path"] for fields in result.prepared]}
    return result


def _prepare_document(doc: Document) -> dict:
    return prepare(doc, doc.path)


# --- running the work ---------------------------------------------------------------------

def _results(work: Callable, jobs: Iterable, chain: AnalysisChain, procs: int) -> Iterator:
    """``work(job)`` for every job, in order; in ``procs`` worker processes when > 1, with at
    most a few jobs in flight each, so memory stays bounded whatever the corpus size."""
    if procs <= 1:
        _start_worker(chain.settings, chain)
        yield from map(work, jobs)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(procs, initializer=_start_worker, initargs=(chain.settings,)) as pool:
        pending: collections.deque = collections.deque()
        for job in jobs:
            pending.append(pool.apply_async(work, (job,)))
            if len(pending) >= procs * 4:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def default_procs(files: int) -> int:
    """One worker per core once there are enough files to repay starting them."""
    return max(1, min(os.cpu_count() or 1, files // 50))


def update_index(index_dir: Path, paths: list[Path], settings: AnalysisSettings,
                 rebuild: bool = False, wait: float = 0.0, progress: Progress | None = None,
                 procs: int | None = None) -> IndexReport:
    """Bring the index at ``index_dir`` in line with the files under ``paths``."""
    started = time.monotonic()
    report = IndexReport()
    with writer_lock(index_dir, wait):
        remove_stale_generations(index_dir)  # left by a writer that was killed
        files = list(corpus_files(paths))
        procs = procs or default_procs(len(files))
        live = None
        if not rebuild and index_exists(index_dir):
            try:
                live = open_index(index_dir)
            except IndexIncompatibleError:
                live = None  # built by another version: rebuild beside it
            if live and live.meta.get("fingerprint") != settings.fingerprint:
                live = None  # new analysis settings: every term may change
        report.rebuilt = live is None
        meta = {"roots": [str(p.resolve()) for p in paths],
                "variant_sources_sha256": variant_sources_sha256(settings.variant_files)}
        target = live or create_generation(index_dir, settings, meta)
        manifest = _read_manifest(target.generation) if live else {}
        new_manifest = _write_files(target, files, manifest, report, progress, procs,
                                    incremental=live is not None)
        _write_manifest(target.generation, new_manifest)
        if live is None:
            publish(index_dir, target.generation)
        else:
            write_meta(target.generation, {**target.meta, **meta})
    report.seconds = time.monotonic() - started
    return report


def _write_files(target: OpenIndex, files: list[tuple[Path, Path]], manifest: dict,
                 report: IndexReport, progress: Progress | None, procs: int,
                 incremental: bool) -> dict:
    jobs = (FileJob(str(f), str(r), manifest.get(str(f))) for f, r in files)
    new_manifest: dict[str, dict] = {}
    writer = target.whoosh.writer(limitmb=WRITER_MB)
    try:
        for done, result in enumerate(_results(read_file, jobs, target.chain, procs), 1):
            report.warnings.extend(result.warnings)
            previous_paths = set((manifest.get(result.file) or {}).get("paths", []))
            if result.error is not None:
                report.skipped.append((result.file, result.error))
                if result.file in manifest:  # keep what was indexed before
                    new_manifest[result.file] = manifest[result.file]
            elif not result.changed:
                report.unchanged += len(result.entry.get("paths", []))
                new_manifest[result.file] = result.entry
            else:
                report.encodings[result.file] = result.encoding
                new_manifest[result.file] = result.entry
                for fields in result.prepared:
                    if fields["path"] in previous_paths:
                        report.updated += 1
                        writer.update_document(**fields)
                    else:
                        report.added += 1
                        (writer.update_document if incremental else writer.add_document)(
                            **fields)
                for path in previous_paths - set(result.entry["paths"]):
                    writer.delete_by_term("path", path)
                    report.removed += 1
            if progress:
                progress(done, len(files))
        for file in manifest.keys() - new_manifest.keys():
            for path in manifest[file].get("paths", []):
                writer.delete_by_term("path", path)
                report.removed += 1
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return new_manifest


def index_documents(index_dir: Path, documents: Iterable[Document], settings: AnalysisSettings,
                    procs: int = 1) -> IndexReport:
    """Build a fresh index from documents that are not files (benchmarks, evaluations)."""
    started = time.monotonic()
    report = IndexReport(rebuilt=True)
    with writer_lock(index_dir):
        target = create_generation(index_dir, settings, {"roots": []})
        writer = target.whoosh.writer(limitmb=WRITER_MB)
        try:
            for fields in _results(_prepare_document, documents, target.chain, procs):
                writer.add_document(**fields)
                report.added += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        publish(index_dir, target.generation)
    report.seconds = time.monotonic() - started
    return report


def _read_manifest(generation: Path) -> dict:
    try:
        return json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # every file will be read again, which is safe


def _write_manifest(generation: Path, manifest: dict) -> None:
    temporary = generation / (MANIFEST + ".tmp")
    temporary.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, generation / MANIFEST)
