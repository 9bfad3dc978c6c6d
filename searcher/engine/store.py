"""Opening the index: its live generation, through the backend, with its analysis chain.

The folder (generations, ``CURRENT``, the writer lock, who may have written it) is
``directory``'s; how a generation stores its documents is the backend's (``engine.whoosh``,
behind ``engine.interface``). Here a generation is opened (``open_index``: refused if others
could write it, its small files verified against their checksums by ``integrity``, its
versions checked) or created (``create_generation``), and handed out as an ``OpenIndex``: its
metadata, its analysis chain, and the backend's ``Generation``, whose reader and writers
search and indexing use. ``check_index`` verifies every file, then what they claim.

A write that fails leaves nothing of itself: a build discards its generation, an incremental
run restores the live one (``rollback``), a writer removes what a killed one left.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from searcher.analysis.chain import AnalysisChain
from searcher.analysis.query_dictionary import (
    QUERY_FILES, QUERY_WORDS, open_query_words, write_query_words)
from searcher.analysis.settings import (
    ANALYSIS_VERSION, AnalysisSettings, variant_sources_sha256)
from searcher.analysis.segmenters import SEGMENTERS
from searcher.engine import held, integrity
from searcher.engine.cache import CachingReader, postings_budget
from searcher.engine.directory import (
    CURRENT, GENERATION_NAME, META, current_generation, damaged, discard, index_exists,
    new_generation, read_pointer, refuse_unsafe_generation, write_meta, writer_lock)
from searcher.engine.format.records import FormatError
from searcher.engine.integrity import Damage
from searcher.engine.interface import Backend, Generation, IndexReader, IndexWriter
from searcher.errors import IndexDamagedError, IndexIncompatibleError, IndexMissingError

OPEN_ATTEMPTS = 3
log = logging.getLogger(__name__)


def backend() -> Backend:
    """The backend generations are stored by (imported when first needed)."""
    from searcher.engine.whoosh.generation import WHOOSH

    return WHOOSH


@dataclass
class OpenIndex:
    """A generation opened for reading or writing, with its analysis chain."""

    index_dir: Path
    generation: Path
    meta: dict
    chain: AnalysisChain
    opened: Generation  # the backend's: for the engine, and tests comparing with Whoosh
    _reader: IndexReader | None = field(default=None, repr=False)

    def reader(self) -> IndexReader:
        """One reader for the life of this object (opening one costs more than most
        queries), keeping what searches read again (``cache``). It sees the generation as it
        was when first asked for."""
        if self._reader is None:
            with reading(self):
                self._reader = CachingReader(self.opened.reader(),
                                             postings_budget(self.generation))
        return self._reader

    def writer(self, procs: int = 1) -> IndexWriter:
        """A writer adding to this generation, using ``procs`` processes (call with the lock
        held). In a live generation, what a killed writer left is removed first, what this one
        writes is undone if it fails before its commit, and its checksums are marked as being
        rewritten until ``record_checksums``; a query dictionary that is missing or damaged is
        written again."""
        from searcher.engine.rollback import Snapshot

        published = (self.generation / integrity.CHECKSUMS).is_file()  # not one being built
        snapshot = None
        if published:
            self.opened.remove_leftovers()
            snapshot = Snapshot(self.generation)
        repair = (published and self.chain.query_dictionary is None
                  and self.chain.settings.segmenter == "rjieba")
        try:
            integrity.begin_writing(self.generation, rewriting=QUERY_FILES if repair else ())
            if repair:  # in the current layout, an older generation's whole copy dropped
                write_query_words(self.generation, self.chain.segmenter.user_frequencies)
                (self.generation / QUERY_WORDS).unlink(missing_ok=True)
            return self.opened.writer(procs, snapshot)
        except BaseException:
            if snapshot is not None:
                snapshot.restore()
            raise


@contextlib.contextmanager
def reading(index: OpenIndex) -> Iterator[None]:
    """Turn a failure inside the backend while reading the index, or a file of ours failing
    its checks (``FormatError``), into ``IndexDamagedError``; our own bugs keep their
    traceback."""
    try:
        yield
    except Exception as error:
        if not backend().is_damage(error):
            raise
        raise IndexDamagedError(
            f"index at {index.index_dir} is damaged ({type(error).__name__}: {error})",
            index.index_dir) from error


def open_index(index_dir: Path, for_writer: bool = False) -> OpenIndex:
    """Open the live generation; refuses a missing or incompatible index. A writer's open
    also reads whole the large files that are not as recorded (``integrity.verify``'s
    ``touched``). A generation the search server holds unchanged (``held``) is not opened
    again."""
    if not for_writer and (index := held.reuse(index_dir)) is not None:
        return index
    for _ in range(OPEN_ATTEMPTS - 1):
        generation = current_generation(index_dir)
        try:
            return _open_generation(index_dir, generation, for_writer)
        except IndexIncompatibleError:
            if current_generation(index_dir) == generation:
                raise
            # a writer published a new generation while we were opening: try that one
    return _open_generation(index_dir, current_generation(index_dir), for_writer)


def open_generation(index_dir: Path, name: str) -> OpenIndex:
    """Open the generation ``name`` of the folder, live or not: a sharded index reads each
    shard's generation as its own record names it (``searcher.cluster.layout``)."""
    if not GENERATION_NAME.match(name):
        raise damaged(index_dir, f"{name!r} is not a generation of the folder")
    return _open_generation(index_dir, index_dir / name)


def _open_generation(index_dir: Path, generation: Path | None,
                     for_writer: bool = False) -> OpenIndex:
    if generation is None:
        raise IndexMissingError(f"no index at {index_dir}", index_dir)
    refuse_unsafe_generation(index_dir, generation)
    damage = (integrity.verify_settled(generation, touched=for_writer)
              if generation.is_dir() else [])
    # A damaged query dictionary is left unused (queries are cut with the full dictionary:
    # the same words, slower) and rewritten by the next writer; any other damage is fatal.
    dictionary_sound = not any(d.file in QUERY_FILES for d in damage)
    damage = [d for d in damage if d.file not in QUERY_FILES]
    if damage:
        raise damaged(index_dir, f"{generation.name}/" + integrity.describe(damage))
    meta = _read_versions(index_dir, generation)
    # read (or mapped) now: the generation may go later; none, or damaged: queries load the
    # full dictionary (slower)
    query_dictionary = open_query_words(generation) if dictionary_sound else None
    chain = AnalysisChain(AnalysisSettings.from_json(meta["settings"]), query_dictionary)
    try:
        opened = backend().open(generation, chain)
    except (IndexDamagedError, FormatError) as error:  # a pickle refused, a claim past bounds
        raise damaged(index_dir, str(error)) from error
    except Exception as error:  # a backend raises many types for a damaged folder
        raise IndexIncompatibleError(
            f"index at {index_dir} cannot be opened ({type(error).__name__}: {error})",
            index_dir) from error
    return OpenIndex(index_dir, generation, meta, chain, opened)


def _read_versions(index_dir: Path, generation: Path) -> dict:
    """The generation's metadata, if written by this version of the backend and analysis."""
    try:
        meta = json.loads((generation / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexIncompatibleError(f"index at {index_dir} is damaged ({error})",
                                     index_dir) from error
    needed = (backend().schema_version, ANALYSIS_VERSION)
    if (meta.get("schema_version"), meta.get("analysis_version")) != needed:
        raise IndexIncompatibleError(
            f"index at {index_dir} was built by an incompatible version of searcher "
            f"(schema {meta.get('schema_version')}, analysis {meta.get('analysis_version')}; "
            f"this one needs {needed[0]}, {needed[1]})", index_dir)
    return meta


def create_generation(index_dir: Path, settings: AnalysisSettings, meta: dict) -> OpenIndex:
    """A new, empty, unpublished generation."""
    _say_if_damaged(index_dir)
    generation = new_generation(index_dir)
    try:
        return _start_generation(index_dir, generation, settings, meta)
    except BaseException:
        discard(generation)
        raise


def _start_generation(index_dir: Path, generation: Path, settings: AnalysisSettings,
                      meta: dict) -> OpenIndex:
    """A new generation's metadata, query dictionary and empty backend index."""
    full_meta = {
        "schema_version": backend().schema_version,
        "analysis_version": ANALYSIS_VERSION,
        "fingerprint": settings.fingerprint,
        "variants_sha256": settings.variants_sha256,
        "segmenter": SEGMENTERS[settings.segmenter].version(),
        "userwords": len(settings.userwords),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **meta,
        "settings": settings.to_json(),
    }
    write_meta(generation, full_meta)
    chain = AnalysisChain(settings)
    if settings.segmenter == "rjieba":  # the dictionary queries are segmented with
        write_query_words(generation, chain.segmenter.user_frequencies)
    return OpenIndex(index_dir, generation, full_meta, chain, backend().create(generation, chain))


def _say_if_damaged(index_dir: Path) -> None:
    """Tell (on the ``searcher`` log, which Python prints on stderr unless told otherwise)
    that the live index a rebuild replaces is damaged: its files, not the settings, are why it
    is rebuilt."""
    live, problem = read_pointer(index_dir, CURRENT)
    if live is not None and live.is_dir():
        damage = integrity.verify_settled(live, touched=True)
        problem = f"{live.name}/{integrity.describe(damage)}" if damage else None
    if problem:
        log.warning("searcher: warning: index at %s is damaged (%s); rebuilding it",
                    index_dir, problem)


def variants_changed(index: OpenIndex, user_variant_files: tuple[Path, ...]) -> bool:
    """Whether the variant table's sources on disk (the shipped tables, the files the index
    was built with, and the user's default file) differ from the ones it was built with."""
    recorded = [Path(p) for p in index.chain.settings.variant_files]
    now = tuple(dict.fromkeys(recorded + list(user_variant_files)))
    return variant_sources_sha256(now) != index.meta.get("variant_sources_sha256")


@dataclass
class CheckReport:
    """What ``check_index`` found: every file of the live generation read and verified."""

    index_dir: Path
    generation: Path | None
    files: int
    bytes: int
    damage: list[Damage]
    seconds: float

    @property
    def healthy(self) -> bool:
        return not self.damage

    def message(self) -> str:
        if self.healthy:
            return (f"index at {self.index_dir} is healthy: {self.files} files, "
                    f"{self.bytes / 1e6:.1f} MB verified in {self.seconds:.2f} s")
        where = f"{self.generation.name}/" if self.generation else ""
        return f"index at {self.index_dir} is damaged: {where}{integrity.describe(self.damage)}"

    def to_json(self, repair: str | None = None) -> dict:
        """The report as JSON; ``repair``: how to repair a damaged index (the caller's words)."""
        return {"index": str(self.index_dir),
                "generation": self.generation.name if self.generation else None,
                "healthy": self.healthy, "files": self.files, "bytes": self.bytes,
                "damaged": [{"file": d.file, "problem": d.problem} for d in self.damage],
                "repair": None if self.healthy else repair,
                "seconds": round(self.seconds, 3)}


def check_index(index_dir: Path, wait: float = 30.0) -> CheckReport:
    """Verify every file of the live generation against its checksums, then open it (which
    reads its table of contents through the allow-list) and read everything it claims
    (the backend's ``verify_structure``), like Lucene's CheckIndex. Holds the
    writer lock meanwhile, so no writer is half way through a change; a folder this process
    cannot write (read-only) has no writer either."""
    started = time.monotonic()
    if not index_exists(index_dir):
        raise IndexMissingError(f"no index at {index_dir}", index_dir)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(writer_lock(index_dir, wait))
        except OSError as error:
            if not isinstance(error, PermissionError) and error.errno != errno.EROFS:
                raise
        try:
            generation = current_generation(index_dir)
        except IndexDamagedError:
            return CheckReport(index_dir, None, 0, 0,
                               [Damage(CURRENT, "does not name a generation of the folder")],
                               time.monotonic() - started)
        refuse_unsafe_generation(index_dir, generation)
        if not generation.is_dir():
            damage = [Damage(CURRENT, f"names {generation.name}, which is not there")]
        else:
            damage = integrity.verify(generation, full=True)
        if not damage:  # the files are as written: is what they claim sound?
            damage = open_index(index_dir).opened.verify_structure()
        files, size = integrity.verified_bytes(generation) if generation.is_dir() else (0, 0)
        return CheckReport(index_dir, generation, files, size, damage,
                           time.monotonic() - started)
