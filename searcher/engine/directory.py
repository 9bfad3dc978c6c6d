"""The index folder: generations, the pointers to them, the one-writer lock, and who may have
written any of it (tantivy's ``Directory``; nothing here knows how a generation stores its
documents).

    index/
      CURRENT          name of the live generation (replaced atomically)
      PREVIOUS         the one it replaced, kept until the next publish for readers still on it
      gen-…/           a generation: the backend's files, searcher.json (versions, settings,
                       provenance), checksums.json (``integrity``), and the query dictionary
      .lock            held (flock) by the one writer; names its holder

``CURRENT`` and ``PREVIOUS`` name a generation of this folder (``gen-…``, nothing else). A
rebuild writes a new generation beside the live one and publishes it by replacing ``CURRENT``,
so a reader sees the old index or the new one, never half of one, and a crash mid-build
leaves the old one live. The lock is an ``flock``: the kernel drops it when its holder dies,
so a killed writer never leaves a stale lock behind. Under the lock, SIGTERM interrupts a
write as Ctrl-C does, so that the write is undone, and a full disk is one line naming the
index (``DiskFullError``).

An index is data this program trusts (its pickles are allow-listed, but a planted file could
still make searches lie), so, as ssh treats ``authorized_keys``, an index folder, its
pointers or any file of its live generation that another user owns, or that group or others
may write, is refused with one line (``refuse_unsafe``). For the same reason everything
written here is created without group or other write whatever the umask, and never through a
symbolic link (``create_file``, ``make_folder``); what is read is a regular file of its
folder, named as a plain name, opened without following a link or waiting on a FIFO
(``open_inside``: anything else is a damaged index).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import multiprocessing
import os
import re
import shutil
import signal
import stat
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from searcher.atomic_files import fsync_dir, fsync_tree, replace_file
from searcher.engine.format.records import FormatError
from searcher.engine.integrity import record_checksums
from searcher.errors import DiskFullError, IndexDamagedError, IndexLockedError, IndexUnsafeError
from searcher.index_markers import CURRENT, LOCK
from searcher.regular_files import NotRegularFileError, open_regular

PREVIOUS = "PREVIOUS"  # the generation CURRENT named before the last publish
META = "searcher.json"
GENERATION_NAME = re.compile(r"gen-[0-9A-Za-z_.-]+\Z")  # no separator: inside the folder
FILE_MODE = 0o644  # the umask may take more away, never add group or other write
FOLDER_MODE = 0o755
# A name the backend or searcher gives a file of a generation: one entry of the folder,
# nothing that leads out of it.
FILE_NAME = re.compile(r"[0-9A-Za-z_][0-9A-Za-z_.-]*\Z")
PR_SET_PDEATHSIG = 1  # Linux's prctl option: a signal for this process when its parent dies


# --- pointers and generations ------------------------------------------------------------

def current_generation(index_dir: Path, pointer: str = CURRENT) -> Path | None:
    """The generation ``CURRENT`` (or ``PREVIOUS``) names, if any; ``IndexDamagedError`` when
    it holds anything but the name of a generation in ``index_dir``."""
    generation, problem = read_pointer(index_dir, pointer)
    if problem:
        raise damaged(index_dir, problem)
    return generation


def named_generation(index_dir: Path, pointer: str = CURRENT) -> Path | None:
    """``current_generation``, None when the pointer is damaged (for what goes on regardless:
    a writer about to replace it, the roots a rebuild defaults to)."""
    return read_pointer(index_dir, pointer)[0]


def read_pointer(index_dir: Path, pointer: str) -> tuple[Path | None, str | None]:
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


def damaged(index_dir: Path, problem: str) -> IndexDamagedError:
    """The error of an index whose files are not what they should be (``problem``)."""
    return IndexDamagedError(f"index at {index_dir} is damaged: {problem}", index_dir)


def index_exists(index_dir: Path) -> bool:
    """Whether ``CURRENT`` names a generation (a damaged one counts: opening it says so)."""
    try:
        return current_generation(index_dir) is not None
    except IndexDamagedError:
        return True


def read_meta(index_dir: Path) -> dict | None:
    """The live generation's metadata, or None when there is none to read."""
    generation = named_generation(index_dir)
    try:
        return json.loads((generation / META).read_text(encoding="utf-8")) if generation else None
    except (OSError, ValueError):
        return None


def new_generation(index_dir: Path) -> Path:
    """A new, empty generation folder (named by the time and this process: never one that
    exists), not yet published."""
    make_folder(index_dir, parents=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    generation = index_dir / f"gen-{stamp}-{os.getpid()}"
    generation.mkdir(mode=FOLDER_MODE)
    return generation


def write_meta(generation: Path, meta: dict) -> None:
    """Replace a generation's metadata atomically."""
    replace_file(generation / META, json.dumps(meta, indent=1))  # ASCII: roots may not be UTF-8


def publish(index_dir: Path, generation: Path) -> None:
    """Make ``generation`` the live index (atomic), then drop generations no longer needed.

    The one it replaces stays until the next publish: a search that read ``CURRENT`` just
    before the swap can still open it."""
    record_checksums(generation)
    fsync_tree(generation)
    previous = named_generation(index_dir)
    replace_file(index_dir / PREVIOUS, (previous.name if previous else "") + "\n")
    replace_file(index_dir / CURRENT, generation.name + "\n")
    fsync_dir(index_dir)
    remove_stale_generations(index_dir)


def remove_stale_generations(index_dir: Path) -> None:
    """Delete generations neither live nor just replaced, such as the half-built one of a
    killed writer (call with the lock held)."""
    keep = {named_generation(index_dir), named_generation(index_dir, PREVIOUS)}
    for path in index_dir.glob("gen-*"):
        if path not in keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def discard(generation: Path) -> None:
    """Remove an unpublished generation (a build that failed); the live one is kept (a
    publish that failed after making it live)."""
    if named_generation(generation.parent) != generation:
        shutil.rmtree(generation, ignore_errors=True)


# --- the writer lock ---------------------------------------------------------------------

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
                        f"({holder or 'unknown holder'})", index_dir) from None
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


def die_with_parent() -> None:
    """End this process when its parent dies: a worker left running after a ``kill -9`` of
    ``searcher index`` would keep the writer lock (it inherited the lock's open file, and the
    kernel drops an ``flock`` only when every copy is closed), refusing the next writer. On
    Linux the kernel kills it at once (``PR_SET_PDEATHSIG``; the signal comes when the parent
    *thread* that started it ends: the writer's, which lives until the commit or cancel);
    elsewhere a thread looks for a new parent every second."""
    parent = multiprocessing.parent_process().pid
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before this process asked to follow it
        os._exit(1)


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


# --- who may have written the folder, and how files are made and opened -----------------

def make_folder(path: Path, parents: bool = False) -> None:
    """Create ``path`` (if missing) without group or other write."""
    path.mkdir(mode=FOLDER_MODE, parents=parents, exist_ok=True)


def create_file(path: Path, exclusive: bool = False) -> int:
    """A file descriptor open on ``path`` (for writing, and reading back), created without
    group or other write, never through a symbolic link (one planted there makes it fail with
    ``ELOOP``)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | (os.O_EXCL if exclusive else os.O_TRUNC)
    return os.open(path, flags, FILE_MODE)


def open_inside(folder: Path, name: str):
    """The file ``name`` of ``folder`` opened for reading, if ``name`` is a plain name and the
    file a regular file (not a link, a FIFO or a device); else ``FormatError``."""
    if not FILE_NAME.match(name):
        raise FormatError(f"{name!r} is not the name of a file of the index")
    try:
        return open_regular(folder / name, follow_links=False)
    except NotRegularFileError as error:
        raise FormatError(f"{name} is {error.kind}, not a file of the index") from None
    except FileNotFoundError:
        raise FormatError(f"{name} is missing") from None
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        raise FormatError(f"{name} is a symbolic link, not a file of the index") from None


def refuse_unsafe(index_dir: Path, paths: list[Path]) -> None:
    """Refuse the index at ``index_dir`` if ``index_dir`` or any of ``paths`` (which must not
    be symbolic links) is owned by another user (root aside) or writable by group or others."""
    me = os.geteuid()
    for path in [index_dir, *paths]:
        try:
            info = os.stat(path) if path == index_dir else os.lstat(path)
        except FileNotFoundError:
            continue  # not there (yet): nothing to trust
        # The fix each cause has: chmod cannot give a file back to its owner.
        if stat.S_ISLNK(info.st_mode):
            problem, fix = "is a symbolic link", "remove it, or rebuild the index elsewhere"
        elif info.st_uid not in (me, 0):
            problem = f"is owned by another user (uid {info.st_uid})"
            fix = (f'`chown -R "$USER" {index_dir}` as root, or rebuild the index '
                   f"elsewhere with --index")
        elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            problem, fix = "is writable by group or others", f"`chmod -R go-w {index_dir}`"
        else:
            continue
        raise IndexUnsafeError(
            f"refusing the index at {index_dir}: {path} {problem}, so anyone could change "
            f"what searches read; only you may write an index (fix: {fix})")


def generation_entries(generation: Path) -> list[Path]:
    """Everything in a generation folder (one level: a backend's temporary folders included)."""
    try:
        return [generation / name for name in os.listdir(generation)]
    except (FileNotFoundError, NotADirectoryError):
        return []


def refuse_unsafe_generation(index_dir: Path, generation: Path) -> None:
    """Refuse a generation, or the pointers to it, that someone else could have written."""
    refuse_unsafe(index_dir, [index_dir / CURRENT, index_dir / PREVIOUS, generation,
                              *generation_entries(generation)])
