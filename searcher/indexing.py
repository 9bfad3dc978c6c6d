"""Build and update an index from corpus files.

``update_index`` mirrors the given paths: new files are added, changed files (size, mtime,
then content hash) re-indexed, vanished files removed, unchanged files only stat'ed. A rebuild
(asked for, or forced by new analysis settings) writes a fresh generation and publishes it
atomically. A file that cannot be read is skipped with its reason; the run goes on.

    >>> report = update_index(Path("index"), [Path("corpus")], AnalysisSettings.default())
    >>> report.added
    5
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from searcher.analysis import AnalysisSettings, variant_sources_sha256
from searcher.dates import day_number
from searcher.documents import corpus_files, parse_file
from searcher.errors import DocumentError, IndexIncompatibleError
from searcher.models import Document
from searcher.store import (
    OpenIndex, create_generation, index_exists, open_index, publish, write_meta, writer_lock)

Progress = Callable[[int, int], None]


@dataclass
class IndexReport:
    """What one run did, counted in documents."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[str] = field(default_factory=list)  # parts of files lost, dates unread
    rebuilt: bool = False
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed,
                "unchanged": self.unchanged, "skipped": len(self.skipped),
                "skipped_files": [{"file": f, "reason": r} for f, r in self.skipped],
                "warnings": self.warnings,
                "rebuilt": self.rebuilt, "seconds": round(self.seconds, 3)}


def document_id(path: str) -> str:
    """A short id for a document path, the same in every index built from it."""
    return hashlib.sha1(path.encode("utf-8")).hexdigest()[:12]


def document_fields(doc: Document, file: Path, fingerprint: dict) -> dict:
    """The Whoosh fields of one document."""
    fields = {
        "path": doc.path, "path_units": doc.path, "doc_id": document_id(doc.path),
        "title": doc.title, "title_units": doc.title,
        "body": doc.body, "body_units": doc.body,
        "date": doc.date, "source": doc.source, "url": doc.url,
        "file": str(file), "fingerprint": fingerprint,
    }
    if doc.author:
        fields["author"] = fields["author_units"] = doc.author
    if doc.date:
        fields["day"] = day_number(doc.date)
    return fields


def _file_stat(file: Path) -> dict:
    stat = file.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def update_index(index_dir: Path, paths: list[Path], settings: AnalysisSettings,
                 rebuild: bool = False, wait: float = 0.0, progress: Progress | None = None,
) -> IndexReport:
    """Bring the index at ``index_dir`` in line with the files under ``paths``."""
    started = time.monotonic()
    report = IndexReport()
    with writer_lock(index_dir, wait):
        files = list(corpus_files(paths))
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
        _write(target, files, report, progress, incremental=live is not None)
        if live is None:
            publish(index_dir, target.generation)
        else:
            write_meta(target.generation, {**target.meta, **meta})
    report.seconds = time.monotonic() - started
    return report


def _write(target: OpenIndex, files: list[tuple[Path, Path]], report: IndexReport,
           progress: Progress | None, incremental: bool) -> None:
    by_file: dict[str, list[dict]] = {}  # what the index holds, by the corpus file it came from
    if incremental:
        with target.whoosh.searcher() as searcher:
            for stored in searcher.all_stored_fields():
                by_file.setdefault(stored["file"], []).append(stored)
    writer = target.whoosh.writer(limitmb=256)
    try:
        seen: set[str] = set()
        for done, (file, root) in enumerate(files, 1):
            previous = by_file.get(str(file), [])
            seen.update(_write_file(writer, file, root, previous, report, incremental))
            if progress:
                progress(done, len(files))
        for stored in (s for docs in by_file.values() for s in docs):
            if stored["path"] not in seen:
                writer.delete_by_term("path", stored["path"])
                report.removed += 1
        writer.commit(optimize=not incremental)
    except BaseException:
        writer.cancel()
        raise


def _write_file(writer, file: Path, root: Path, previous: list[dict], report: IndexReport,
                incremental: bool) -> set[str]:
    """Index one file if it changed; returns the paths of its documents now in the index."""
    previous_paths = {s["path"] for s in previous}
    relative = file.relative_to(root).as_posix() if file != root else file.name
    try:
        stat = _file_stat(file)
        if previous and all(_same_stat(s["fingerprint"], stat) for s in previous):
            report.unchanged += len(previous)
            return previous_paths
        data = file.read_bytes()
        fingerprint = {**stat, "sha256": hashlib.sha256(data).hexdigest()}
        if previous and all(s["fingerprint"]["sha256"] == fingerprint["sha256"] for s in previous):
            report.unchanged += len(previous)
            return previous_paths
        documents = parse_file(data, relative, report.warnings)
    except (OSError, DocumentError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        report.skipped.append((str(file), reason))
        return previous_paths  # keep what was indexed before
    add = writer.update_document if incremental else writer.add_document
    for doc in documents:
        if doc.path in previous_paths:
            report.updated += 1
        else:
            report.added += 1
        add(**document_fields(doc, file, fingerprint))
    return {doc.path for doc in documents}


def index_documents(index_dir: Path, documents: Iterable[Document],
                    settings: AnalysisSettings) -> IndexReport:
    """Build a fresh index from documents that are not files (benchmarks, evaluations)."""
    started = time.monotonic()
    report = IndexReport(rebuilt=True)
    with writer_lock(index_dir):
        target = create_generation(index_dir, settings, {"roots": []})
        writer = target.whoosh.writer(limitmb=256)
        try:
            for doc in documents:
                writer.add_document(**document_fields(doc, Path(doc.path), {}))
                report.added += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        publish(index_dir, target.generation)
    report.seconds = time.monotonic() - started
    return report


def _same_stat(stored: dict, stat: dict) -> bool:
    return stored.get("size") == stat["size"] and stored.get("mtime_ns") == stat["mtime_ns"]
