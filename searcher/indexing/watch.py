"""Keep an index in line with its folders as they change (``searcher watch``).

A watch is ``update_index`` run again each time the folders change, and nothing of its own:
each update is the run a ``searcher index`` with no paths would make (the index's recorded
roots and exclusions, its manifest; unchanged files are only stat'ed), so the index a watch
leaves is the one such a run would leave.

- inotify (the ``watchdog`` library) watches each root, recursively (a root that is a file:
  its folder), and each root's parent, which alone sees the root itself deleted, renamed or
  replaced.
- What is seen is collected; once the folders have been quiet for ``debounce`` seconds (or
  have not stopped changing for ``MAX_DELAY``), one update runs. A change seen during an
  update brings another update after it. An update runs at the start too, so a watch
  started on a stale index catches up.
- Each update runs in a process of its own, forked, so that the watch stays small and a
  crash costs one update. The index's writer lock is the one every writer takes: an update
  waits up to ``LOCK_WAIT`` seconds for another writer (``searcher index``, cron) to finish.
- An update that fails (a full disk, the lock held too long) is reported and tried again at
  the next change, or after a back-off (``RETRY_FIRST`` seconds, doubling up to
  ``RETRY_MOST``). Roots that would wipe the index (``IndexRootsError``) or an index folder
  others could write end the watch: waiting would not mend them.
- A root that is gone (deleted, renamed, unmounted) is reported; its documents stay in the
  index, as a ``searcher index`` run would leave them (it refuses a missing root), and no
  update runs until it is back: its nearest existing folder is watched for it, and it is
  looked for every ``MISSING_POLL`` seconds (a mount point shows no event).
- Changes in the index folder, in hidden folders, and to files that are not corpus files
  start no update (the walk decides what is indexed in any case).
- A watchdog thread that fails (its inotify bookkeeping raises ``KeyError`` under heavy
  churn, and the thread would end without a word, leaving the watch deaf) is reported, and
  the folders are watched anew by new threads and updated.

    >>> watch(Path("index"), [Path("corpus")], settings, listener)   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn, Protocol, TypeVar

from searcher.analysis.settings import AnalysisSettings
from searcher.errors import IndexRootsError, IndexUnsafeError, SearcherError
from searcher.indexing.update import IndexReport, index_roots, update_index
from searcher.ingest.formats import CORPUS_SUFFIXES

MAX_DELAY = 60.0  # seconds: folders that never stop changing are indexed this often
LOCK_WAIT = 600.0  # seconds to wait for another writer, as searcher-cron does
RETRY_FIRST = 5.0  # seconds before a failed update is tried again without a change …
RETRY_MOST = 300.0  # … doubling up to this
MISSING_POLL = 30.0  # seconds between looks for a root that is gone
# What inotify should report: a file or folder created, deleted, moved or written. Not a
# file opened or read (each update reads the files it indexes: that would start another).
EVENT_TYPES = ("created", "deleted", "moved", "modified", "closed")
INSTALL = "pip install watchdog==6.0.0"
T = TypeVar("T")
STOPPING = {signal.SIGINT, signal.SIGTERM}


class WatchListener(Protocol):
    """What a watch reports, as it happens."""

    def watching(self, roots: list[Path]) -> None: ...  # the roots watched from now on

    def updated(self, report: IndexReport) -> None: ...

    def failed(self, error: Exception, retry_seconds: float) -> None: ...

    def gone(self, root: Path) -> None: ...

    def back(self, root: Path) -> None: ...

    def rewatching(self, error: Exception) -> None: ...  # a watching thread failed


class UpdateProcessError(SearcherError):
    """The process an update ran in ended without a word: killed, or crashed."""


class WatchUnavailableError(SearcherError):
    """The folders cannot be watched: watchdog is missing, or inotify's limits are reached."""


FATAL = (IndexRootsError, IndexUnsafeError, WatchUnavailableError)  # no retry mends these


def watch(index_dir: Path, paths: Sequence[Path], settings: AnalysisSettings,
          listener: WatchListener, debounce: float,
          fallback: Sequence[Path] = (), **options) -> NoReturn:
    """Watch the roots of the index at ``index_dir`` (``paths``, else its recorded roots,
    else ``fallback``) and update it as they change, ``debounce`` seconds after they are
    quiet, until interrupted. ``options`` are more of ``update_index``'s (the limits on a
    file). A path given that does not exist, roots that would wipe the index, an unsafe
    index folder and inotify's limits raise, at once or when met; every other failure goes
    to ``listener`` and is retried."""
    observer_class = _observer_class()
    roots = index_roots(index_dir, paths, fallback)
    changes = _Changes(index_dir.resolve(), roots)
    watches = _Watches(observer_class, changes)
    given = list(paths)  # until recorded by an update; then the index's own roots
    missing: set[Path] = set()
    failures = 0
    retry_at: float | None = None
    with _watchdog_failures_to(changes):
        try:
            listener.watching(roots)
            while True:
                changes.settle(debounce, retry_at)
                try:
                    lost = changes.take_lost()
                    if lost is not None:
                        listener.rewatching(lost)
                    now_missing = set(watches.follow(roots, anew=lost is not None))
                    for root in sorted(now_missing - missing):
                        listener.gone(root)
                    for root in sorted(missing - now_missing):
                        listener.back(root)
                    missing = now_missing
                    if missing:
                        retry_at = time.monotonic() + MISSING_POLL
                        continue
                    report = _forked(update_index, index_dir, given, settings,
                                     wait=LOCK_WAIT, fallback=fallback, **options)
                except FATAL:
                    raise
                except Exception as error:  # a full disk, a lock held too long: retried
                    failures += 1
                    retry = min(RETRY_MOST, RETRY_FIRST * 2 ** (failures - 1))
                    retry_at = time.monotonic() + retry
                    listener.failed(error, retry)
                    continue
                failures, retry_at, given = 0, None, []
                listener.updated(report)
                recorded = [Path(root) for root in report.roots]
                if recorded != roots:  # another writer added or removed a root
                    roots = recorded
                    changes.roots = tuple(roots)
                    changes.mark()  # watch them, then update: what changed before is caught
                    listener.watching(roots)
        finally:
            watches.close()


def _forked(function: Callable[..., T], *args, **kwargs) -> T:
    """``function(*args, **kwargs)`` run in a forked process: its result returned, or its
    exception raised, here. A watch runs for weeks: what an update takes (a segmenter's
    dictionary, the allocator's fragments: hundreds of MB after a few dozen updates in one
    process) goes back to the system with its process, and a crash in a library costs one
    update, not the watch. Interrupted, this waits for the update (interrupted as well, from
    the terminal) to undo its write."""
    import pickle

    read, write = os.pipe()
    # Ctrl-C or SIGTERM during the fork would come while Python runs its own fork handlers,
    # where it is lost: held back, it comes once each process is on its way. (Only this
    # thread takes them: watchdog's threads are started with them held, ``_Watches``.)
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                outcome = (True, function(*args, **kwargs))
            except BaseException as error:
                outcome = (False, error)
            try:
                data = pickle.dumps(outcome)
            except Exception:  # an exception that does not pickle: its words, then
                data = pickle.dumps((False, Exception(f"{type(outcome[1]).__name__}: "
                                                      f"{outcome[1]}")))
            with open(write, "wb") as pipe:
                pipe.write(data)
        finally:
            os._exit(0)  # nothing of the watch's (its buffers, its threads' state) runs here
    os.close(write)
    try:
        with open(read, "rb") as pipe:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            data = pipe.read()
    finally:
        status = os.waitpid(pid, 0)[1]
    if not data:
        code = os.waitstatus_to_exitcode(status)
        how = (f"was killed by {signal.Signals(-code).name}" if code < 0
               else f"exited with status {code}")
        raise UpdateProcessError(f"the update's process {how}; the index is as it was, or "
                                 f"as that update left it")
    succeeded, value = pickle.loads(data)
    if succeeded:
        return value
    raise value


def _observer_class() -> type:
    try:
        from watchdog.observers import Observer
    except ImportError:
        raise WatchUnavailableError(f"searcher watch needs the watchdog library: "
                                    f"{INSTALL}") from None
    return Observer


@contextlib.contextmanager
def _watchdog_failures_to(changes: "_Changes") -> Iterator[None]:
    """While watching, an exception that ends one of watchdog's threads (its inotify code
    raises ``KeyError`` under heavy churn, and the thread ends without a word) is handed
    to ``changes``: the folders are then watched anew, by new threads, and updated."""
    from watchdog.utils import BaseThread

    previous = threading.excepthook

    def hook(args) -> None:
        if isinstance(args.thread, BaseThread) and isinstance(args.exc_value, Exception):
            changes.lose(args.exc_value)
        else:
            previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous


class _Changes:
    """The handler of every watch (``dispatch``, called in the observer's thread): when a
    change that matters was last seen, and since when changes wait for an update; and what
    ended a watching thread, if one ended."""

    def __init__(self, index_dir: Path, roots: list[Path]) -> None:
        self.index_dir = index_dir
        self.roots = tuple(roots)  # replaced whole, never changed in place
        self._condition = threading.Condition()
        self._first: float | None = None
        self._last: float | None = None
        self._lost: Exception | None = None
        self.mark()  # the update at the start

    def dispatch(self, event) -> None:
        if matters(event, self.index_dir, self.roots):
            self.mark()

    def mark(self) -> None:
        with self._condition:
            self._last = time.monotonic()
            if self._first is None:
                self._first = self._last
            self._condition.notify()

    def lose(self, error: Exception) -> None:
        """A watching thread ended with ``error``: what it would have seen is unknown."""
        with self._condition:
            self._lost = error
        self.mark()

    def take_lost(self) -> Exception | None:
        with self._condition:
            lost, self._lost = self._lost, None
            return lost

    def settle(self, debounce: float, retry_at: float | None) -> None:
        """Return once the changes seen have settled (``debounce`` seconds without one, or
        ``MAX_DELAY`` since the first), taking them; or, none seen, at ``retry_at``."""
        with self._condition:
            while True:
                if self._first is not None:
                    due: float | None = min(self._last + debounce, self._first + MAX_DELAY)
                else:
                    due = retry_at
                now = time.monotonic()
                if due is not None and now >= due:
                    self._first = self._last = None
                    return
                self._condition.wait(None if due is None else due - now)


def matters(event, index_dir: Path, roots: Sequence[Path]) -> bool:
    """Whether a watchdog ``event`` may change what the index should hold: a corpus file or
    a folder under a root, created, deleted, moved or written (not opened or read; nothing in
    the index folder or in a hidden folder); or a root, or a folder holding one, come or
    gone."""
    if event.event_type not in EVENT_TYPES or (event.is_directory
                                               and event.event_type == "modified"):
        return False
    paths = [event.src_path, getattr(event, "dest_path", "")]
    return any(_matters(Path(os.fsdecode(path)), event.is_directory, index_dir, roots)
               for path in paths if path)


def _matters(path: Path, is_directory: bool, index_dir: Path, roots: Sequence[Path]) -> bool:
    if path.is_relative_to(index_dir):
        return False
    root = next((root for root in roots if path.is_relative_to(root)), None)
    if root is None:  # in a folder watched for a root
        return any(root.is_relative_to(path) for root in roots)
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return False
    return is_directory or path == root or path.suffix.lower() in CORPUS_SUFFIXES


class _Watches:
    """The watches an observer keeps, kept to what the roots need."""

    def __init__(self, observer_class: type, handler: _Changes) -> None:
        self.observer_class = observer_class
        self.handler = handler
        self.observer = None
        self.current: dict[tuple[Path, bool], tuple[int, int]] = {}

    def follow(self, roots: Sequence[Path], anew: bool = False) -> list[Path]:
        """Watch each root and its parent (each folder by its identity, so a root deleted
        and made again is watched anew), with a new observer if ``anew``; the roots that are
        gone."""
        wanted: dict[tuple[Path, bool], tuple[int, int]] = {}
        missing = []
        for root in roots:
            if not root.exists():
                missing.append(root)
            elif root.is_dir():
                _want(wanted, root, recursive=True)
            _want(wanted, _existing(root.parent), recursive=False)
        if not (anew or self.observer is None) and wanted == self.current \
                and all(e.is_alive() for e in self.observer.emitters):
            return missing
        # The threads started here (the observer's, each watch's) inherit this mask: Ctrl-C
        # and SIGTERM go to this thread alone (see ``_forked``).
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
        try:
            if anew or self.observer is None:
                self.close()
                self.observer = self.observer_class()
                self.observer.start()
            self.observer.unschedule_all()
            self.current = {}
            for (folder, recursive) in wanted:
                self._schedule(folder, recursive)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        self.current = wanted
        return missing

    def _schedule(self, folder: Path, recursive: bool) -> None:
        try:
            self.observer.schedule(self.handler, str(folder), recursive=recursive,
                                   event_filter=_event_classes())
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EMFILE):
                raise WatchUnavailableError(_limit_reached(folder, error)) from None
            raise  # a folder gone as it was watched: said, and tried again

    def close(self) -> None:
        """Stop the observer's threads; one whose inotify bookkeeping failed may fail again
        as it stops, which changes nothing (each is a daemon, ending with the process)."""
        if self.observer is not None:
            with contextlib.suppress(Exception):
                self.observer.stop()
            self.observer = None
            self.current = {}


def _want(wanted: dict, folder: Path, recursive: bool) -> None:
    try:
        status = folder.stat()
    except OSError:
        return  # gone since: the next look sees it missing
    wanted[(folder, recursive)] = (status.st_dev, status.st_ino)


def _existing(folder: Path) -> Path:
    """``folder``, or its nearest ancestor that exists."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _event_classes() -> list[type]:
    from watchdog import events

    return [events.FileCreatedEvent, events.FileDeletedEvent, events.FileMovedEvent,
            events.FileModifiedEvent, events.FileClosedEvent, events.DirCreatedEvent,
            events.DirDeletedEvent, events.DirMovedEvent]


def _limit_reached(folder: Path, error: OSError) -> str:
    if error.errno == errno.EMFILE:
        setting, advice = "fs.inotify.max_user_instances", "stop another watching program"
    else:
        setting, advice = "fs.inotify.max_user_watches", "watch fewer folders"
    try:
        limit = Path(f"/proc/sys/{setting.replace('.', '/')}").read_text().strip()
    except OSError:
        limit = "?"
    return (f"cannot watch {folder}: inotify's limit is reached ({setting} = {limit}); "
            f"raise it (sudo sysctl {setting}=524288) or {advice}")
