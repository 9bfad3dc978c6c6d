"""The on-disk index: a folder of generations, one of them current, and one writer at a time.

    index/
      CURRENT          name of the live generation (replaced atomically)
      PREVIOUS         the one it replaced, kept until the next publish for readers still on it
      gen-…/           a Whoosh index, searcher.json (versions, settings, provenance) and the
                       query dictionary (``analysis.query_dictionary``)
      .lock            held (flock) by the one writer; names its holder

``CURRENT`` and ``PREVIOUS`` name a generation of this folder (``gen-…``, nothing else). Opening
a generation refuses a folder others could write (``storage.refuse_unsafe``) and verifies its
small files against their checksums (``integrity``); ``check_index`` verifies every file.

A rebuild writes a new generation beside the live one and publishes it by replacing
``CURRENT``, so a reader sees the old index or the new one, never half of one, and a crash
mid-build leaves the old one live. The lock is an ``flock``: the kernel drops it when its
holder dies, so a killed writer never leaves a stale lock behind.

A write that fails leaves nothing of itself: a build discards its generation, an incremental
run restores the live one (``rollback``), a writer removes what a killed one left; under the
lock, SIGTERM interrupts a write as Ctrl-C does, so that this happens, and a full disk is one
line naming the index (``DiskFullError``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh import index as whoosh_index

from searcher.analysis.chain import AnalysisChain
from searcher.analysis.query_dictionary import QUERY_WORDS, SortedWords, write_query_words
from searcher.analysis.settings import (
    ANALYSIS_VERSION, AnalysisSettings, variant_sources_sha256)
from searcher.analysis.segmenters import SEGMENTERS
from searcher.atomic_files import fsync_dir, fsync_tree, replace_file
from searcher.engine import held, integrity
from searcher.engine.claims import is_damage, verify_structure
from searcher.engine.codec import FormatError
from searcher.engine.integrity import Damage, record_checksums
from searcher.engine.reader import GenerationReader
from searcher.engine.schema import SCHEMA_VERSION, build_schema
from searcher.engine.storage import (
    FOLDER_MODE, IndexStorage, generation_entries, make_folder, refuse_unsafe)
from searcher.errors import (
    DiskFullError, IndexDamagedError, IndexIncompatibleError, IndexLockedError,
    IndexMissingError)

if TYPE_CHECKING:
    from searcher.engine.writers import DocumentWriter

CURRENT = "CURRENT"
PREVIOUS = "PREVIOUS"  # the generation CURRENT named before the last publish
OPEN_ATTEMPTS = 3
META = "searcher.json"
LOCK = ".lock"
GENERATION_NAME = re.compile(r"gen-[0-9A-Za-z_.-]+\Z")  # no separator: inside the folder
log = logging.getLogger(__name__)


@dataclass
class OpenIndex:
    """A generation opened for reading or writing, with its analysis chain."""

    index_dir: Path
    generation: Path
    meta: dict
    chain: AnalysisChain
    whoosh: whoosh_index.Index  # the Whoosh index itself: for the engine, and tests comparing with it
    _reader: GenerationReader | None = field(default=None, repr=False)

    def reader(self) -> GenerationReader:
        """One reader for the life of this object (opening one costs more than most
        queries). It sees the generation as it was when first asked for."""
        if self._reader is None:
            with reading(self):
                self._reader = GenerationReader(self.whoosh.reader())
        return self._reader

    def writer(self, procs: int = 1) -> "DocumentWriter":
        """A writer adding to this generation, using ``procs`` processes (call with the lock
        held). In a live generation, what a killed writer left is removed first, what this one
        writes is undone if it fails before its commit, and its checksums are marked as being
        rewritten until ``record_checksums``; a query dictionary that is missing or damaged is
        written again."""
        from searcher.engine.rollback import Snapshot, remove_leftovers
        from searcher.engine.writers import DocumentWriter  # searches never load the writers

        published = (self.generation / integrity.CHECKSUMS).is_file()  # not one being built
        snapshot = None
        if published:
            remove_leftovers(self.whoosh)
            snapshot = Snapshot(self.generation)
        repair = (published and self.chain.query_dictionary is None
                  and self.chain.settings.segmenter == "rjieba")
        try:
            integrity.begin_writing(self.generation,
                                    rewriting=(QUERY_WORDS,) if repair else ())
            if repair:
                write_query_words(self.generation / QUERY_WORDS,
                                  self.chain.segmenter.user_frequencies)
            return DocumentWriter(self.whoosh, procs, snapshot)
        except BaseException:
            if snapshot is not None:
                snapshot.restore()
            raise


@contextlib.contextmanager
def reading(index: OpenIndex) -> Iterator[None]:
    """Turn a failure inside Whoosh while reading the index, or a file of ours failing its
    checks (``codec.FormatError``), into ``IndexDamagedError`` naming the fix; our own bugs
    keep their traceback."""
    try:
        yield
    except Exception as error:
        if not is_damage(error):
            raise
        raise IndexDamagedError(
            f"index at {index.index_dir} is damaged ({type(error).__name__}: {error}); "
            f"rebuild it with `{rebuild_command(index.index_dir)}`") from error


def rebuild_command(index_dir: Path) -> str:
    return f"searcher index --rebuild --index {index_dir}"


def current_generation(index_dir: Path, pointer: str = CURRENT) -> Path | None:
    """The generation ``CURRENT`` (or ``PREVIOUS``) names, if any; ``IndexDamagedError`` when
    it holds anything but the name of a generation in ``index_dir``."""
    generation, problem = _read_pointer(index_dir, pointer)
    if problem:
        raise _damaged(index_dir, problem)
    return generation


def _named_generation(index_dir: Path, pointer: str = CURRENT) -> Path | None:
    """``current_generation``, None when the pointer is damaged (for what goes on regardless:
    a writer about to replace it, the roots a rebuild defaults to)."""
    return _read_pointer(index_dir, pointer)[0]


def _read_pointer(index_dir: Path, pointer: str) -> tuple[Path | None, str | None]:
    """``(generation or None, None)``, or ``(None, what is wrong with the pointer)``."""
    try:
        with open(index_dir / pointer, "rb") as file:
            raw = file.read(256)
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    except OSError as error:
        return None, f"{pointer} cannot be read ({error.strerror})"
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None, f"{pointer} is not text"
    if not name:
        return None, None
    if not GENERATION_NAME.match(name):
        return None, f"{pointer} names {name!r}, not a generation of the folder"
    return index_dir / name, None


def _damaged(index_dir: Path, problem: str) -> IndexDamagedError:
    return IndexDamagedError(f"index at {index_dir} is damaged: {problem}; rebuild it with "
                             f"`{rebuild_command(index_dir)}`")


def index_exists(index_dir: Path) -> bool:
    """Whether ``CURRENT`` names a generation (a damaged one counts: opening it says so)."""
    try:
        return current_generation(index_dir) is not None
    except IndexDamagedError:
        return True


def read_meta(index_dir: Path) -> dict | None:
    """The live generation's metadata, or None when there is none to read."""
    generation = _named_generation(index_dir)
    try:
        return json.loads((generation / META).read_text(encoding="utf-8")) if generation else None
    except (OSError, ValueError):
        return None


def open_index(index_dir: Path, for_writer: bool = False) -> OpenIndex:
    """Open the live generation; refuses a missing or incompatible index with the fix. A
    writer's open also reads whole the large files that are not as recorded
    (``integrity.verify``'s ``touched``). A generation the search server holds unchanged
    (``held``) is not opened again."""
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
        raise _damaged(index_dir, f"{name!r} is not a generation of the folder")
    return _open_generation(index_dir, index_dir / name)


def _open_generation(index_dir: Path, generation: Path | None,
                     for_writer: bool = False) -> OpenIndex:
    if generation is None:
        raise IndexMissingError(
            f"no index at {index_dir}: build it with `searcher index PATH --index {index_dir}`")
    _refuse_unsafe(index_dir, generation)
    damage = (integrity.verify_settled(generation, touched=for_writer)
              if generation.is_dir() else [])
    # A damaged query dictionary is left unused (queries are cut with the full dictionary:
    # the same words, slower) and rewritten by the next writer; any other damage is fatal.
    dictionary_sound = not any(d.file == QUERY_WORDS for d in damage)
    damage = [d for d in damage if d.file != QUERY_WORDS]
    if damage:
        raise _damaged(index_dir, f"{generation.name}/" + integrity.describe(damage))
    try:
        meta = json.loads((generation / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexIncompatibleError(
            f"index at {index_dir} is damaged ({error}); rebuild it with "
            f"`{rebuild_command(index_dir)}`") from error
    if (meta.get("schema_version"), meta.get("analysis_version")) != (SCHEMA_VERSION,
                                                                        ANALYSIS_VERSION):
        raise IndexIncompatibleError(
            f"index at {index_dir} was built by an incompatible version of searcher "
            f"(schema {meta.get('schema_version')}, analysis {meta.get('analysis_version')}; "
            f"this one needs {SCHEMA_VERSION}, {ANALYSIS_VERSION}): rebuild it with "
            f"`{rebuild_command(index_dir)}`")
    try:  # mapped now: the generation may go later
        query_dictionary = SortedWords(generation / QUERY_WORDS) if dictionary_sound else None
    except (OSError, ValueError, IndexError):
        query_dictionary = None  # none, or damaged: queries load the full dictionary (slower)
    chain = AnalysisChain(AnalysisSettings.from_json(meta["settings"]), query_dictionary)
    try:
        # Our own schema, not the pickled one: readers and writers get the live chain, and
        # Whoosh never unpickles analyzer classes from disk.
        ix = IndexStorage(str(generation)).open_index(schema=build_schema(chain))
    except (IndexDamagedError, FormatError) as error:  # a pickle refused, a claim past bounds
        raise _damaged(index_dir, str(error)) from error
    except Exception as error:  # Whoosh raises many types for a damaged folder
        raise IndexIncompatibleError(
            f"index at {index_dir} cannot be opened ({type(error).__name__}: {error}); "
            f"rebuild it with `{rebuild_command(index_dir)}`") from error
    return OpenIndex(index_dir, generation, meta, chain, ix)


def _refuse_unsafe(index_dir: Path, generation: Path) -> None:
    """Refuse a generation, or the pointers to it, that someone else could have written."""
    refuse_unsafe(index_dir, [index_dir / CURRENT, index_dir / PREVIOUS, generation,
                              *generation_entries(generation)])


def create_generation(index_dir: Path, settings: AnalysisSettings, meta: dict) -> OpenIndex:
    """A new, empty, unpublished generation."""
    make_folder(index_dir, parents=True)
    _say_if_damaged(index_dir)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    generation = index_dir / f"gen-{stamp}-{os.getpid()}"
    generation.mkdir(mode=FOLDER_MODE)
    try:
        return _start_generation(index_dir, generation, settings, meta)
    except BaseException:
        discard(generation)
        raise


def _start_generation(index_dir: Path, generation: Path, settings: AnalysisSettings,
                      meta: dict) -> OpenIndex:
    """A new generation's metadata, query dictionary and empty Whoosh index."""
    full_meta = {
        "schema_version": SCHEMA_VERSION,
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
        write_query_words(generation / QUERY_WORDS, chain.segmenter.user_frequencies)
    ix = IndexStorage(str(generation)).create_index(build_schema(chain))
    return OpenIndex(index_dir, generation, full_meta, chain, ix)


def _say_if_damaged(index_dir: Path) -> None:
    """Tell (on the ``searcher`` log, which Python prints on stderr unless told otherwise)
    that the live index a rebuild replaces is damaged: its files, not the settings, are why it
    is rebuilt."""
    live, problem = _read_pointer(index_dir, CURRENT)
    if live is not None and live.is_dir():
        damage = integrity.verify_settled(live, touched=True)
        problem = f"{live.name}/{integrity.describe(damage)}" if damage else None
    if problem:
        log.warning("searcher: warning: index at %s is damaged (%s); rebuilding it",
                    index_dir, problem)


def write_meta(generation: Path, meta: dict) -> None:
    """Replace a generation's metadata atomically."""
    replace_file(generation / META, json.dumps(meta, indent=1))  # ASCII: roots may not be UTF-8


def publish(index_dir: Path, generation: Path) -> None:
    """Make ``generation`` the live index (atomic), then drop generations no longer needed.

    The one it replaces stays until the next publish: a search that read ``CURRENT`` just
    before the swap can still open it."""
    record_checksums(generation)
    fsync_tree(generation)
    previous = _named_generation(index_dir)
    replace_file(index_dir / PREVIOUS, (previous.name if previous else "") + "\n")
    replace_file(index_dir / CURRENT, generation.name + "\n")
    fsync_dir(index_dir)
    remove_stale_generations(index_dir)


def remove_stale_generations(index_dir: Path) -> None:
    """Delete generations neither live nor just replaced, such as the half-built one of a
    killed writer (call with the lock held)."""
    keep = {_named_generation(index_dir), _named_generation(index_dir, PREVIOUS)}
    for path in index_dir.glob("gen-*"):
        if path not in keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def discard(generation: Path) -> None:
    """Remove an unpublished generation (a build that failed); the live one is kept (a
    publish that failed after making it live)."""
    if _named_generation(generation.parent) != generation:
        shutil.rmtree(generation, ignore_errors=True)


@contextlib.contextmanager
def writer_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's one-writer lock; wait up to ``wait`` seconds for it, else refuse."""
    make_folder(index_dir, parents=True)
    refuse_unsafe(index_dir, [index_dir / LOCK, index_dir / CURRENT, index_dir / PREVIOUS])
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                    raise IndexLockedError(
                        f"index at {index_dir} is being written by another process "
                        f"({holder or 'unknown holder'}); try again later or pass --wait SECONDS"
                    ) from None
                time.sleep(0.1)
        try:  # who holds it, for the refusal of the next writer: a full disk may say no
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} since "
                          f"{datetime.now().isoformat(timespec='seconds')}".encode(), 0)
        except OSError:
            pass
        with _undone_if_failed(index_dir):
            yield
    finally:
        os.close(fd)  # closing releases the flock


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived during a write: raised where the write was, so that it is undone on
    the way out (as Ctrl-C's ``KeyboardInterrupt`` is); then the process ends by SIGTERM."""


@contextlib.contextmanager
def _undone_if_failed(index_dir: Path) -> Iterator[None]:
    """A write under the lock: SIGTERM (in the main thread, unless ignored) becomes
    ``Terminated``, and a full disk a ``DiskFullError`` naming the index, and the file when
    known ("No space left on device" alone names neither)."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.getsignal(signal.SIGTERM)
        if previous in (signal.SIG_IGN, None):
            previous = None  # ignored on purpose, or not Python's to handle: left as it is
        else:
            signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    except Terminated:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
            os.kill(os.getpid(), signal.SIGTERM)  # undone: now end as SIGTERM asks
        raise  # its handler, if Python's, returned
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        where = error.filename or f"the index at {index_dir}"
        raise DiskFullError(f"no space left on device writing {where}: free space and run "
                            f"again; nothing indexed before is lost") from error
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the undoing
    raise Terminated()


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
        return (f"index at {self.index_dir} is damaged: {where}{integrity.describe(self.damage)}; "
                f"rebuild it with `{rebuild_command(self.index_dir)}`")

    def to_json(self) -> dict:
        return {"index": str(self.index_dir),
                "generation": self.generation.name if self.generation else None,
                "healthy": self.healthy, "files": self.files, "bytes": self.bytes,
                "damaged": [{"file": d.file, "problem": d.problem} for d in self.damage],
                "repair": None if self.healthy else rebuild_command(self.index_dir),
                "seconds": round(self.seconds, 3)}


def check_index(index_dir: Path, wait: float = 30.0) -> CheckReport:
    """Verify every file of the live generation against its checksums, then open it (which
    reads its table of contents through the allow-list) and read everything it claims
    (``claims.verify_structure``), like Lucene's CheckIndex. Holds the
    writer lock meanwhile, so no writer is half way through a change; a folder this process
    cannot write (read-only) has no writer either."""
    started = time.monotonic()
    if not index_exists(index_dir):
        raise IndexMissingError(
            f"no index at {index_dir}: build it with `searcher index PATH --index {index_dir}`")
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
        _refuse_unsafe(index_dir, generation)
        if not generation.is_dir():
            damage = [Damage(CURRENT, f"names {generation.name}, which is not there")]
        else:
            damage = integrity.verify(generation, full=True)
        if not damage:  # the files are as written: is what they claim sound?
            damage = verify_structure(open_index(index_dir).whoosh)
        files, size = integrity.verified_bytes(generation) if generation.is_dir() else (0, 0)
        return CheckReport(index_dir, generation, files, size, damage,
                           time.monotonic() - started)
