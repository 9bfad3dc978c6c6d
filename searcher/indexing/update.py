"""Build and update an index from corpus files.

``update_index`` mirrors the given paths: new files are added, changed files (size and mtime,
then content hash) re-indexed, vanished files removed, unchanged files only stat'ed (see
``manifest``). A rebuild (asked for, or forced by new analysis settings or an incompatible
index) writes a fresh generation and publishes it atomically. A file that cannot be read is
skipped with its reason; the run goes on and the report says so.

Files are read and parsed in this process, one at a time (``reading``); analysis and writing
run in ``procs`` writer processes (``searcher.engine.writers``), each with the same chain.

    >>> report = update_index(Path("index"), [Path("corpus")], AnalysisSettings.default())  # doctest: +SKIP
    >>> report.added                                                # doctest: +SKIP
    5
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from searcher.analysis.settings import AnalysisSettings, variant_sources_sha256
from searcher.engine.store import (
    OpenIndex, create_generation, discard, index_exists, open_index, publish,
    record_checksums, remove_stale_generations, write_meta, writer_lock)
from searcher.errors import IndexIncompatibleError
from searcher.indexing.manifest import failed_entry, read_manifest, write_manifest
from searcher.indexing.reading import MAX_FILE_BYTES, read_files
from searcher.ingest.walk import corpus_files
from searcher.models import Document

Progress = Callable[[int, int], None]
PARALLEL_BYTES = 2_000_000  # a corpus this big gets a writer process per core, up to the cores


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


def default_procs(files: list[tuple[Path, Path]]) -> int:
    """One writer process per core once the corpus is big enough to repay starting them."""
    size = 0
    for file, _ in files:
        try:
            size += file.stat().st_size
        except OSError:
            pass
    return max(1, min(os.cpu_count() or 1, int(size // PARALLEL_BYTES)))


def update_index(index_dir: Path, paths: list[Path], settings: AnalysisSettings,
                 rebuild: bool = False, wait: float = 0.0, progress: Progress | None = None,
                 procs: int | None = None, follow_outside: bool = False,
                 max_file_bytes: int = MAX_FILE_BYTES) -> IndexReport:
    """Bring the index at ``index_dir`` in line with the files under ``paths``. Links to
    files outside ``paths`` are followed only with ``follow_outside``; a file larger than
    ``max_file_bytes`` (or a JSON line longer) is skipped."""
    started = time.monotonic()
    report = IndexReport()
    # before the lock: a wrong path leaves nothing behind
    files = list(corpus_files(paths, follow_outside, refused=report.skipped))
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
        manifest = read_manifest(target.generation) if live else {}
        try:
            new_manifest = _write_files(target, files, manifest, report, progress, procs,
                                        incremental=live is not None,
                                        max_file_bytes=max_file_bytes)
            write_manifest(target.generation, new_manifest)
        except BaseException:
            if live is None:  # a half-built generation is of no use to anyone
                discard(target.generation)
            raise
        if live is None:
            publish(index_dir, target.generation)
        else:
            write_meta(target.generation, {**target.meta, **meta})
            record_checksums(target.generation)  # the commit's files, for verification
    report.seconds = time.monotonic() - started
    return report


def _write_files(target: OpenIndex, files: list[tuple[Path, Path]], manifest: dict,
                 report: IndexReport, progress: Progress | None, procs: int,
                 incremental: bool, max_file_bytes: int) -> dict:
    new_manifest: dict[str, dict] = {}
    written: list[str] = []  # paths of the file in progress (a large one spans results)
    failed: set[str] = set()  # files (or chunks of files) that could not be read
    done = 0
    writer = target.writer(procs)
    try:
        for result in read_files(files, manifest, max_file_bytes):
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
                    if doc.path in previous_paths:
                        report.updated += 1
                        writer.replace(doc, result.file)
                    else:
                        report.added += 1
                        (writer.replace if incremental else writer.add)(doc, result.file)
                    written.append(doc.path)
            if result.entry is None and result.error is None:
                continue  # more chunks of this file to come
            if result.file in failed:
                # Keep what was indexed before and delete nothing.
                kept = new_manifest.get(result.file, {}).get("paths", [])
                new_manifest[result.file] = failed_entry(
                    list(previous_paths | set(kept) | set(written)))
            elif result.changed:
                new_manifest[result.file] = {**result.entry, "paths": written}
                for path in previous_paths - set(written):
                    writer.delete(path)
                    report.removed += 1
            written = []
            if result.entry is None:
                continue  # a failed chunk before the file's last one
            done += 1
            if progress:
                progress(done, len(files))
        # a file under a folder that could not be listed keeps what it held, as a file that
        # could not be read does
        unlisted = tuple(f"{skipped}{os.sep}" for skipped, _ in report.skipped)
        for file in manifest.keys() - new_manifest.keys():
            if file.startswith(unlisted):
                new_manifest[file] = manifest[file]
                continue
            for path in manifest[file].get("paths", []):
                writer.delete(path)
                report.removed += 1
        if report.added or report.updated or report.removed:
            writer.commit()
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
        writer = target.writer(procs)
        try:
            for doc in documents:
                writer.add(doc, doc.path)
                report.added += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            discard(target.generation)
            raise
        publish(index_dir, target.generation)
    report.seconds = time.monotonic() - started
    return report


def _provenance(paths: list[Path], settings: AnalysisSettings) -> dict:
    """What an index records of where it came from: its roots and its variant sources."""
    return {"roots": [str(p.resolve()) for p in paths],
            "variant_sources_sha256": variant_sources_sha256(settings.variant_files)}
