"""Build and update an index from corpus files.

``update_index`` mirrors the given paths: new files are added, changed files (size and mtime,
then content hash) re-indexed, vanished files removed, unchanged files only stat'ed. What each
file held is kept in a manifest beside the index (``files.json``), so nothing stored is read
back. A rebuild (asked for, or forced by new analysis settings or an incompatible index) writes
a fresh generation and publishes it atomically. A file that cannot be read is skipped with its
reason; the run goes on and the report says so.

Files are read and parsed in this process, one at a time (large JSON Lines files in chunks of
whole lines), so memory stays bounded whatever the corpus size; analysis and writing run in
``procs`` Whoosh writer processes (``writers``), each with the same chain.

    >>> report = update_index(Path("index"), [Path("corpus")], AnalysisSettings.default())
    >>> report.added
    5
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from searcher.analysis import AnalysisSettings, variant_sources_sha256
from searcher.dates import day_number
from searcher.documents import JSONL_SUFFIXES, corpus_files, parse_file, parse_jsonl_range
from searcher.errors import DocumentError, IndexIncompatibleError
from searcher.models import Document
from searcher.segmenter_words import QUERY_WORDS
from searcher.store import (
    OpenIndex, create_generation, index_exists, open_index, publish, remove_stale_generations,
    write_meta, write_query_words_for, writer_lock)
from searcher.writers import merge_small_segments, open_writer

Progress = Callable[[int, int], None]
MANIFEST = "files.json"
PARALLEL_BYTES = 2_000_000  # a corpus this big gets a writer process per core, up to the cores
JSONL_CHUNK_BYTES = 4_000_000  # larger JSON Lines files are read in chunks of about this


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


@dataclass
class FileJob:
    """Read one whole file (unless its stat or hash says it is unchanged)."""

    file: str
    root: str
    previous: dict | None  # the manifest entry from the last run


@dataclass
class ChunkJob:
    """Read the JSON Lines that start in bytes ``[start, end)`` of a large file."""

    file: str
    root: str
    start: int
    end: int
    newlines_before: int  # in bytes [0, start): gives the line numbers
    entry: dict | None  # the file's new manifest entry, on its last chunk only


@dataclass
class Unchanged:
    file: str
    entry: dict


@dataclass
class FileResult:
    file: str
    entry: dict | None = None  # the manifest entry, on a file's last result (paths added later)
    documents: list[Document] = field(default_factory=list)
    changed: bool = False
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def _relative(file: str, root: str) -> str:
    return Path(file).relative_to(root).as_posix() if file != root else Path(file).name


def _stat_entry(file: Path) -> dict:
    stat = file.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _same_stat(previous: dict | None, entry: dict) -> bool:
    return bool(previous) and (previous["size"], previous["mtime_ns"]) == (entry["size"],
                                                                          entry["mtime_ns"])


def read_file(job: FileJob) -> FileResult:
    """Read, decode, parse and analyse one corpus file, unless it is unchanged."""
    file = Path(job.file)
    result = FileResult(job.file)
    try:
        entry = _stat_entry(file)
        if _same_stat(job.previous, entry):
            result.entry = job.previous
            return result
        data = file.read_bytes()
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        if job.previous and job.previous.get("sha256") == entry["sha256"]:
            result.entry = {**job.previous, **entry}
            return result
        parsed = parse_file(data, _relative(job.file, job.root), result.warnings)
    except (OSError, DocumentError) as error:
        result.error = (error.strerror if isinstance(error, OSError) and error.strerror
                        else str(error))
        return result
    result.encoding = parsed.encoding
    result.changed = True
    result.documents = parsed.documents
    result.entry = entry
    return result


def read_chunk(job: ChunkJob) -> FileResult:
    """Parse and analyse the lines of one chunk of a large JSON Lines file."""
    result = FileResult(job.file, entry=job.entry, changed=True, encoding="utf-8")
    try:
        with open(job.file, "rb") as handle:
            handle.seek(max(job.start - 1, 0))
            first_line = job.newlines_before + 1
            if job.start > 0 and handle.read(1) != b"\n":
                handle.readline()  # the line in progress belongs to the previous chunk
                first_line += 1
            lines = []
            while handle.tell() < job.end:
                line = handle.readline()
                if not line:
                    break
                lines.append(line.rstrip(b"\r\n"))
    except OSError as error:
        result.error = error.strerror or str(error)
        return result
    documents = parse_jsonl_range(b"\n".join(lines), first_line,
                                  _relative(job.file, job.root), result.warnings)
    result.documents = documents
    return result


def _run_job(job: FileJob | ChunkJob | Unchanged) -> FileResult:
    if isinstance(job, FileJob):
        return read_file(job)
    if isinstance(job, ChunkJob):
        return read_chunk(job)
    return FileResult(job.file, entry=job.entry)


def plan_jobs(files: list[tuple[Path, Path]], manifest: dict) -> Iterator:
    """The jobs for a run: a whole file each, except large JSON Lines files, which are cut
    into chunks of whole lines so that they are read in parallel and never held whole."""
    for file, root in files:
        previous = manifest.get(str(file))
        if file.suffix.lower() not in JSONL_SUFFIXES:
            yield FileJob(str(file), str(root), previous)
            continue
        try:
            entry = _stat_entry(file)
            if entry["size"] <= JSONL_CHUNK_BYTES or _same_stat(previous, entry):
                yield FileJob(str(file), str(root), previous)
                continue
            digest, boundaries = _scan(file)
        except OSError:
            yield FileJob(str(file), str(root), previous)  # reports the error
            continue
        entry["sha256"] = digest
        if previous and previous.get("sha256") == digest:
            yield Unchanged(str(file), {**previous, **entry})
            continue
        for i, (start, newlines) in enumerate(boundaries):
            end = boundaries[i + 1][0] if i + 1 < len(boundaries) else entry["size"]
            last = i + 1 == len(boundaries)
            yield ChunkJob(str(file), str(root), start, end, newlines, entry if last else None)


def _scan(file: Path) -> tuple[str, list[tuple[int, int]]]:
    """SHA-256 of a file and its chunk starts, each with the newlines before it."""
    digest = hashlib.sha256()
    boundaries = [(0, 0)]
    newlines = 0
    offset = 0
    with open(file, "rb") as handle:
        while block := handle.read(JSONL_CHUNK_BYTES):
            digest.update(block)
            newlines += block.count(b"\n")
            offset += len(block)
            boundaries.append((offset, newlines))
    return digest.hexdigest(), [b for b in boundaries if b[0] < offset] or [(0, 0)]


def default_procs(files: list[tuple[Path, Path]]) -> int:
    """One process per core once the corpus is big enough to repay starting them."""
    size = 0
    for file, _ in files:
        try:
            size += file.stat().st_size
        except OSError:
            pass
    return max(1, min(os.cpu_count() or 1, int(size // PARALLEL_BYTES)))


def update_index(index_dir: Path, paths: list[Path], settings: AnalysisSettings,
                 rebuild: bool = False, wait: float = 0.0, progress: Progress | None = None,
                 procs: int | None = None) -> IndexReport:
    """Bring the index at ``index_dir`` in line with the files under ``paths``."""
    started = time.monotonic()
    report = IndexReport()
    files = list(corpus_files(paths))  # before the lock: a wrong path leaves nothing behind
    with writer_lock(index_dir, wait):
        remove_stale_generations(index_dir)  # left by a writer that was killed
        procs = procs or default_procs(files)
        live = None
        if not rebuild and index_exists(index_dir):
            try:
                live = open_index(index_dir)
            except IndexIncompatibleError:
                live = None  # built by another version: rebuild beside it
            if live and live.meta.get("fingerprint") != settings.fingerprint:
                live = None  # new analysis settings: every term may change
        report.rebuilt = live is None
        meta = _provenance(paths, settings)
        target = live or create_generation(index_dir, settings, meta)
        manifest = _read_manifest(target.generation) if live else {}
        try:
            new_manifest = _write_files(target, files, manifest, report, progress, procs,
                                        incremental=live is not None)
            _write_manifest(target.generation, new_manifest)
        except BaseException:
            if live is None:  # a half-built generation is of no use to anyone
                shutil.rmtree(target.generation, ignore_errors=True)
            raise
        if live is None:
            publish(index_dir, target.generation)
        else:
            write_meta(target.generation, {**target.meta, **meta})
            if not (target.generation / QUERY_WORDS).is_file():  # built by an older version
                write_query_words_for(target.generation, settings)
    report.seconds = time.monotonic() - started
    return report


def _write_files(target: OpenIndex, files: list[tuple[Path, Path]], manifest: dict,
                 report: IndexReport, progress: Progress | None, procs: int,
                 incremental: bool) -> dict:
    new_manifest: dict[str, dict] = {}
    written: list[str] = []  # paths of the file in progress (a large one spans results)
    failed: set[str] = set()  # files (or chunks of files) that could not be read
    done = 0
    writer = open_writer(target.whoosh, procs)
    try:
        for result in map(_run_job, plan_jobs(files, manifest)):
            report.warnings.extend(result.warnings)
            previous = manifest.get(result.file) or {}
            previous_paths = set(previous.get("paths", []))
            if result.error is not None:
                if result.file not in failed:
                    report.skipped.append((result.file, result.error))
                    failed.add(result.file)
            elif not result.changed:
                report.unchanged += len(result.entry.get("paths", []))
                new_manifest[result.file] = result.entry
            else:
                report.encodings[result.file] = result.encoding
                for doc in result.documents:
                    fields = document_fields(doc, result.file)
                    if doc.path in previous_paths:
                        report.updated += 1
                        writer.update_document(**fields)
                    else:
                        report.added += 1
                        (writer.update_document if incremental else writer.add_document)(
                            **fields)
                    written.append(doc.path)
            if result.entry is None and result.error is None:
                continue  # more chunks of this file to come
            if result.file in failed:
                # Keep what was indexed before and delete nothing; a stat that matches no
                # file makes the next run read it again.
                kept = set(new_manifest.get(result.file, {}).get("paths", []))
                new_manifest[result.file] = {"size": -1, "mtime_ns": -1,
                                             "paths": sorted(previous_paths | kept |
                                                             set(written))}
            elif result.changed:
                new_manifest[result.file] = {**result.entry, "paths": written}
                for path in previous_paths - set(written):
                    writer.delete_by_term("path", path)
                    report.removed += 1
            written = []
            if result.entry is None:
                continue  # a failed chunk before the file's last one
            done += 1
            if progress:
                progress(done, len(files))
        for file in manifest.keys() - new_manifest.keys():
            for path in manifest[file].get("paths", []):
                writer.delete_by_term("path", path)
                report.removed += 1
        if report.added or report.updated or report.removed:
            writer.commit(mergetype=merge_small_segments)
        else:
            writer.cancel()  # nothing to write: the live index stays as it is
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
        target = create_generation(index_dir, settings, _provenance([], settings))
        writer = open_writer(target.whoosh, procs)
        try:
            for doc in documents:
                writer.add_document(**document_fields(doc, doc.path))
                report.added += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            shutil.rmtree(target.generation, ignore_errors=True)
            raise
        publish(index_dir, target.generation)
    report.seconds = time.monotonic() - started
    return report


def _provenance(paths: list[Path], settings: AnalysisSettings) -> dict:
    """What an index records of where it came from: its roots and its variant sources."""
    return {"roots": [str(p.resolve()) for p in paths],
            "variant_sources_sha256": variant_sources_sha256(settings.variant_files)}


def _read_manifest(generation: Path) -> dict:
    try:
        return json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # every file will be read again, which is safe


def _write_manifest(generation: Path, manifest: dict) -> None:
    temporary = generation / (MANIFEST + ".tmp")
    temporary.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, generation / MANIFEST)
