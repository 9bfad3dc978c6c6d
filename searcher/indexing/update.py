"""Build and update an index from corpus files.

``update_index`` mirrors its roots (the paths given, else those it was built from): new files
are added, changed files (size and mtime, then content hash) re-indexed, vanished files
removed, unchanged files only stat'ed (see ``manifest``). ``add`` and ``remove`` change the
recorded roots, ``exclude`` globs are recorded and kept by later runs, and ``dry_run`` reads
everything and writes nothing. Paths given that would remove most of the index's documents are
refused unless ``replace`` says so (a folder typed for ``--add`` must not wipe an archive).
A rebuild (asked for, or forced by new analysis settings, an incompatible index, or a root
outside the index's base folder) writes a fresh generation and publishes it atomically. A file
that cannot be read is skipped with its reason; the run goes on and the report says so.

Files are read and parsed in ``procs`` reader processes, each file within a deadline
(``reading``); analysis and writing run in ``procs`` writer processes
(the engine's writer), each with the same chain.

    >>> report = update_index(Path("index"), [Path("corpus")], AnalysisSettings.default())  # doctest: +SKIP
    >>> report.added                                                # doctest: +SKIP
    5
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from searcher.analysis.settings import AnalysisSettings, variant_sources_sha256
from searcher.analysis.stemming import NO_STEMMING, STEMMING
from searcher.atomic_files import fsync_tree
from searcher.engine.directory import (
    META, current_generation, discard, index_exists, publish, read_meta,
    remove_stale_generations, write_meta, writer_lock)
from searcher.engine.integrity import record_checksums
from searcher.engine.store import OpenIndex, create_generation, open_index
from searcher.errors import IndexDamagedError, IndexIncompatibleError, IndexRootsError
from searcher.indexing.manifest import MANIFEST, failed_entry, read_manifest, write_manifest
from searcher.indexing.reading import FILE_SECONDS, MAX_FILE_BYTES, read_files
from searcher.indexing.unread import carry_unread
from searcher.ingest.ocr import find_tesseract
from searcher.ingest.walk import corpus_files, default_base, resolve_roots
from searcher.models import Document

Progress = Callable[[int, int], None]
Selection = Callable[[Path, Path], bool]  # (file, base) → whether the file is this index's
PARALLEL_BYTES = 2_000_000  # a corpus this big gets a writer process per core, up to the cores
# What became of each corpus file: read and indexed; unchanged; read but holding no document
# (empty, or every JSON line skipped); removed (gone from disk, or from the roots).
FILE_OUTCOMES = ("indexed", "unchanged", "empty", "removed")


@dataclass
class IndexReport:
    """What one run did: ``added`` … ``unchanged`` count documents, ``files`` each corpus
    file's outcome (``FILE_OUTCOMES``); ``skipped`` and ``ignored`` hold what was not read."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[str] = field(default_factory=list)  # parts of files lost, dates unread
    encodings: dict[str, str] = field(default_factory=dict)  # file → encoding, files read
    files: dict[str, str] = field(default_factory=dict)  # file → outcome
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (file or folder, why)
    roots: list[str] = field(default_factory=list)
    rebuilt: bool = False
    dry_run: bool = False
    seconds: float = 0.0
    generation: str | None = None  # the new generation a run that does not publish wrote
    ocr_read: int = 0  # pages (image files, PDF pages) read by OCR: by Tesseract…
    ocr_cached: int = 0  # …or from its cache
    ocr: bool = False  # images and PDF pages without text were read by OCR

    def file_counts(self) -> dict[str, int]:
        """Files by outcome, with the skipped and ignored ones and the warnings."""
        outcomes = Counter(self.files.values())
        return {**{outcome: outcomes[outcome] for outcome in FILE_OUTCOMES},
                "skipped": len(self.skipped), "ignored": len(self.ignored),
                "warnings": len(self.warnings)}

    def complete(self, strict: bool = False) -> bool:
        """Whether every file was read (and, ``strict``, without a warning)."""
        return not self.skipped and not (strict and self.warnings)

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed,
                "unchanged": self.unchanged, "skipped": len(self.skipped),
                "skipped_files": [{"file": f, "reason": r} for f, r in self.skipped],
                "warnings": self.warnings, "rebuilt": self.rebuilt,
                "seconds": round(self.seconds, 3), "files": self.file_counts(),
                "ignored_files": [{"file": f, "reason": r} for f, r in self.ignored],
                "roots": self.roots, "dry_run": self.dry_run,
                "ocr_pages": self.ocr_read + self.ocr_cached, "ocr_cached": self.ocr_cached}


@dataclass
class _Plan:
    """The roots, base folder and exclusions of a run, from what was given and recorded."""

    roots: list[Path]
    base: Path
    exclude: list[str]
    base_moved: bool  # document paths change: every document is written again
    guarded: bool  # paths were given in place of the recorded roots, without ``replace``
    ocr: bool  # images and PDF pages without text are read by OCR


def default_procs(files: list[tuple[Path, Path]]) -> int:
    """One writer process per core once the corpus is big enough to repay starting them."""
    size = 0
    for file, _ in files:
        try:
            size += file.stat().st_size
        except OSError:
            pass
    return max(1, min(os.cpu_count() or 1, int(size // PARALLEL_BYTES)))


def update_index(index_dir: Path, paths: Sequence[Path], settings: AnalysisSettings,
                 rebuild: bool = False, wait: float = 0.0, progress: Progress | None = None,
                 procs: int | None = None, follow_outside: bool = False,
                 max_file_bytes: int = MAX_FILE_BYTES, add: Sequence[Path] = (),
                 remove: Sequence[Path] = (), replace: bool = False,
                 exclude: Sequence[str] = (), dry_run: bool = False,
                 fallback: Sequence[Path] = (),
                 file_seconds: float = FILE_SECONDS, select: Selection | None = None,
                 publish_generation: bool = True, ocr: bool | None = None) -> IndexReport:
    """Bring the index at ``index_dir`` in line with the files under its roots: ``paths``,
    else the recorded roots, else ``fallback``; plus ``add``, minus ``remove``. Paths that
    would remove more than half of the indexed documents raise ``IndexRootsError`` unless
    ``replace`` (which also drops the recorded ``exclude`` globs). ``exclude`` globs (matched
    against paths relative to their root) add to the recorded ones. ``dry_run`` reports
    what would change and writes nothing, not even the lock. Links to files outside the
    roots are followed only with ``follow_outside``; a file larger than ``max_file_bytes``
    (or a JSON line longer), or taking longer than ``file_seconds`` to read, is skipped.

    ``select``: only the corpus files it accepts belong to this index (a shard's, of a
    sharded index: ``searcher.cluster``). Without ``publish_generation`` the run writes a new
    generation (a file not read keeps the live one's documents, ``unread``, unless rebuilt),
    seals it (checksums recorded, every file synced) and leaves the live one live: the
    caller publishes it (``store.publish``) or discards it; ``IndexReport.generation`` names it.

    ``ocr``: images, and PDF pages without text, are read by Tesseract (``OcrUnavailableError``
    first when it is not installed); None: as the index was last built (recorded), else not.
    A run that turns it on or off reads the index's PDFs again."""
    started = time.monotonic()
    recorded = read_meta(index_dir) or {}
    plan = _plan(index_dir, recorded, paths, add, remove, replace, exclude, fallback, ocr)
    tesseract = find_tesseract() if plan.ocr else None
    report = IndexReport(dry_run=dry_run, ocr=plan.ocr)
    report.roots = [str(root) for root in plan.roots]
    # before the lock: a wrong path leaves nothing behind
    files = list(corpus_files(plan.roots, follow_outside, refused=report.skipped,
                              base=plan.base, exclude=plan.exclude, ignored=report.ignored,
                              skip=[index_dir], ocr=plan.ocr))
    if select is not None:
        files = [(file, base) for file, base in files if select(file, base)]
    with contextlib.nullcontext() if dry_run else writer_lock(index_dir, wait):
        if not dry_run:
            remove_stale_generations(index_dir)  # left by a writer that was killed
        previous = _live_manifest(index_dir)
        if plan.guarded:
            _refuse_wipe(index_dir, previous, plan.roots)
        procs = procs or default_procs(files)
        live = None if rebuild or plan.base_moved else _writable_live(index_dir, settings)
        lender, live = (live, None) if not publish_generation else (None, live)
        report.rebuilt = live is None
        manifest = previous if live else {}
        if plan.ocr != (recorded.get("ocr") is True):
            manifest = _read_pdfs_again(manifest)
        reading = (max_file_bytes, file_seconds, procs, tesseract)
        if dry_run:
            _write_files(_DryRun(), files, manifest, report, progress, live is not None, reading)
        else:
            _write(index_dir, live, settings, _provenance(settings, plan), files, manifest,
                   report, progress, procs, reading, publish_generation, lender)
    report.seconds = time.monotonic() - started
    return report


def _writable_live(index_dir: Path, settings: AnalysisSettings) -> OpenIndex | None:
    """The live index, to be written in place, or None when the run must build a new
    generation: none yet, built by another version, or with other analysis settings."""
    if not index_exists(index_dir):
        return None
    try:
        live = open_index(index_dir, for_writer=True)
    except IndexIncompatibleError:
        return None  # built by another version: rebuild beside it
    # new analysis settings: every term may change
    return live if live.meta.get("fingerprint") == settings.fingerprint else None


def _write(index_dir: Path, live: OpenIndex | None, settings: AnalysisSettings, meta: dict,
           files: list[tuple[Path, Path]], manifest: dict, report: IndexReport,
           progress: Progress | None, procs: int, reading: tuple,
           publish_generation: bool = True, lender: OpenIndex | None = None) -> None:
    """Write the run into the live generation, or into a new one then published (or only
    sealed, without ``publish_generation``; ``lender``: the live one, which lends the new
    one what the run cannot read)."""
    target = live or create_generation(index_dir, settings, meta)
    try:
        new_manifest = _write_files(target.writer(procs), files, manifest, report, progress,
                                    live is not None, reading, lender)
        write_manifest(target.generation, new_manifest)
        if live is None and publish_generation:
            publish(index_dir, target.generation)
        elif live is None:
            record_checksums(target.generation)
            fsync_tree(target.generation)
            report.generation = target.generation.name
    except BaseException:
        if live is None:  # a half-built generation is of no use to anyone (if not live yet)
            discard(target.generation)
        raise
    if live is not None:
        write_meta(target.generation, {**target.meta, **meta})
        # the commit's files, for verification (the manifest and metadata written again)
        record_checksums(target.generation, rewritten=(MANIFEST, META))


def _write_files(writer, files: list[tuple[Path, Path]], manifest: dict,
                 report: IndexReport, progress: Progress | None, incremental: bool,
                 reading: tuple, lender: OpenIndex | None = None) -> dict:
    """Read the files into ``writer`` (an ``IndexWriter``, or ``_DryRun``), counting
    documents and file outcomes in ``report``; the new manifest. ``reading``: the most bytes
    and seconds a file may take, how many processes read, and Tesseract (or None)."""
    new_manifest: dict[str, dict] = {}
    written: list[str] = []  # paths of the file in progress (a large one spans results)
    failed: set[str] = set()  # files (or chunks of files) that could not be read
    done = 0
    try:
        for result in read_files(files, manifest, *reading):
            report.warnings.extend(result.warnings)
            report.ocr_read += result.ocr_read
            report.ocr_cached += result.ocr_cached
            previous = manifest.get(result.file) or {}
            previous_paths = set(previous.get("paths", []))
            if result.vanished:
                # gone since the walk (a sync tool's race): removed below, as if never found
                report.files[result.file] = "removed"
            elif result.error is not None:
                if result.file not in failed:
                    report.skipped.append((result.file, result.error))
                    failed.add(result.file)
            elif not result.changed:
                report.unchanged += len(result.entry.get("paths", []))
                new_manifest[result.file] = result.entry
                report.files[result.file] = "unchanged"
            else:
                report.encodings[result.file] = result.encoding
                written += _add_documents(writer, result, previous_paths, incremental, report)
            if result.entry is None and result.error is None and not result.vanished:
                continue  # more chunks of this file to come
            if result.file in failed:
                # Keep what was indexed before and delete nothing.
                kept = new_manifest.get(result.file, {}).get("paths", [])
                new_manifest[result.file] = failed_entry(
                    list(previous_paths | set(kept) | set(written)))
            elif result.changed:
                new_manifest[result.file] = {**result.entry, "paths": written}
                report.files[result.file] = "indexed" if written else "empty"
                for path in previous_paths - set(written):
                    writer.delete(path)
                    report.removed += 1
            written = []
            if result.entry is None and not result.vanished:
                continue  # a failed chunk before the file's last one
            done += 1
            if progress:
                progress(done, len(files))
        carried = carry_unread(writer, lender, failed, new_manifest, report) if lender else 0
        _remove_gone(writer, manifest, new_manifest, report)
        if report.added or report.updated or report.removed or carried:
            writer.commit()
        else:
            writer.cancel()  # nothing to write: the live index stays as it is
    except BaseException:
        writer.cancel()
        raise
    return new_manifest


def _add_documents(writer, result, previous_paths: set[str], incremental: bool,
                   report: IndexReport) -> list[str]:
    """Write a changed file's documents (those it held before replace their old versions);
    their paths."""
    written = []
    for doc in result.documents:
        if doc.path in previous_paths:
            report.updated += 1
            writer.replace(doc, result.file)
        else:
            report.added += 1
            (writer.replace if incremental else writer.add)(doc, result.file)
        written.append(doc.path)
    return written


def _remove_gone(writer, manifest: dict, new_manifest: dict, report: IndexReport) -> None:
    """Delete the documents of the files the run did not find, except those under a folder
    that could not be listed: such a file keeps what it held, as a file that could not be
    read does."""
    unlisted = tuple(f"{skipped}{os.sep}" for skipped, _ in report.skipped)
    for file in manifest.keys() - new_manifest.keys():
        if file.startswith(unlisted):
            new_manifest[file] = manifest[file]
            report.files[file] = "unchanged"
            continue
        for path in manifest[file].get("paths", []):
            writer.delete(path)
            report.removed += 1
        report.files[file] = "removed"


class _DryRun:
    """A writer that writes nothing: ``--dry-run`` counts what a run would do."""

    def add(self, doc: Document, file: str) -> None:
        pass

    replace = add

    def delete(self, path: str) -> None:
        pass

    def commit(self) -> None:
        pass

    cancel = commit


def index_roots(index_dir: Path, paths: Sequence[Path] = (),
                fallback: Sequence[Path] = ()) -> list[Path]:
    """The roots a run of ``update_index`` with these ``paths`` and ``fallback`` would index
    (resolved), without reading or writing anything."""
    return _plan(index_dir, read_meta(index_dir) or {}, paths, (), (), False, (),
                 fallback).roots


def _plan(index_dir: Path, recorded: dict, paths: Sequence[Path], add: Sequence[Path],
          remove: Sequence[Path], replace: bool, exclude: Sequence[str],
          fallback: Sequence[Path], ocr: bool | None = None) -> _Plan:
    """The run's roots, base, exclusions and OCR (``ocr``, else as recorded). The base
    stays the recorded one while every root is inside it, so that adding or removing a root
    leaves document paths alone."""
    recorded_roots = [Path(root) for root in recorded.get("roots", [])]
    given = resolve_roots(paths)
    roots = given or recorded_roots or ([] if add else resolve_roots(fallback))
    roots = list(dict.fromkeys(roots + resolve_roots(add)))
    for path in remove:
        root = path.resolve()  # it may be gone from disk already
        if root not in roots:
            raise IndexRootsError(
                f"{path} is not a root of the index at {index_dir}; its roots: "
                f"{', '.join(map(str, recorded_roots)) or 'none'}")
        roots.remove(root)
    if not roots:
        raise IndexRootsError(f"no folder left to index into {index_dir}: give a path (or "
                              f"delete the index folder to drop the index)")
    recorded_base = (Path(recorded["base"]) if recorded.get("base")
                     else default_base(recorded_roots) if recorded_roots else None)
    base = recorded_base
    if replace or base is None or not all(root.is_relative_to(base) for root in roots):
        base = default_base(roots)
    kept = [] if replace else recorded.get("exclude", [])
    return _Plan(roots, base, list(dict.fromkeys([*kept, *exclude])),
                 base_moved=recorded_base is not None and base != recorded_base,
                 guarded=bool(given) and not replace,
                 ocr=recorded.get("ocr") is True if ocr is None else ocr)


def _read_pdfs_again(manifest: dict) -> dict:
    """``manifest`` with its PDFs' entries matching no file (their documents kept until they
    are read again): a PDF's pages without text are read, or no longer read, by OCR."""
    return {file: {**entry, "size": -1, "sha256": None} if file.lower().endswith(".pdf")
            else entry for file, entry in manifest.items()}


def _live_manifest(index_dir: Path) -> dict:
    """The manifest of the live generation; empty when there is none (or it is damaged: a
    rebuild follows, and there is nothing to compare with)."""
    try:
        generation = current_generation(index_dir)
    except IndexDamagedError:
        return {}
    return read_manifest(generation) if generation else {}


def _refuse_wipe(index_dir: Path, manifest: dict, roots: list[Path]) -> None:
    """Refuse roots that would remove more than half of the indexed documents: most often a
    new folder given where ``--add`` was meant."""
    total = dropped = 0
    for file, entry in manifest.items():
        count = len(entry.get("paths", []))
        total += count
        if not any(Path(file).is_relative_to(root) for root in roots):
            dropped += count
    if dropped * 2 > total:
        raise IndexRootsError(
            f"indexing only {', '.join(map(str, roots))} would remove {dropped:,} of the "
            f"{total:,} documents in {index_dir}: add a folder with --add PATH, or pass "
            f"--replace to index only the paths given")


def index_documents(index_dir: Path, documents: Iterable[Document], settings: AnalysisSettings,
                    procs: int = 1) -> IndexReport:
    """Build a fresh index from documents that are not files (benchmarks, evaluations)."""
    started = time.monotonic()
    report = IndexReport(rebuilt=True)
    with writer_lock(index_dir):
        target = create_generation(index_dir, settings, _provenance(settings))
        writer = target.writer(procs)
        try:
            for doc in documents:
                writer.add(doc, doc.path)
                report.added += 1
            writer.commit()
            publish(index_dir, target.generation)
        except BaseException:
            writer.cancel()
            discard(target.generation)
            raise
    report.seconds = time.monotonic() - started
    return report


def recorded_stemming(index_dir: Path) -> str:
    """The stemming the live index at ``index_dir`` was built with (none without one): what a
    run that does not say keeps."""
    settings = (read_meta(index_dir) or {}).get("settings")
    stemming = settings.get("stemming") if isinstance(settings, dict) else None
    return stemming if stemming in STEMMING else NO_STEMMING


def _provenance(settings: AnalysisSettings, plan: _Plan | None = None) -> dict:
    """What an index records of where it came from: its roots, their base folder and the
    globs excluded (so later runs keep them), and its variant sources."""
    meta = {"roots": [str(root) for root in plan.roots] if plan else [],
            "variant_sources_sha256": variant_sources_sha256(settings.variant_files)}
    if plan:
        meta.update(base=str(plan.base), exclude=plan.exclude, ocr=plan.ocr)
    return meta
