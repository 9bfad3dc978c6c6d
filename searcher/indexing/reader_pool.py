"""Read corpus files in worker processes, each within a deadline, results in order.

A crafted file can keep a parser busy for minutes inside C code (lxml, zlib) that no signal
or thread of the same process can interrupt; a process can be killed. So the files of a run
that must be read go, one at a time a worker, to a small pool of processes (forked: each
starts in milliseconds, sharing what this process has loaded), and a worker that takes longer
than ``seconds`` over one step of its job is killed and replaced: the file costs only itself,
skipped with that reason, and the run goes on. Reading also overlaps the analysis and writing
that follow, in this process or in the writer processes.

A ``Job`` is a generator function and its arguments (picklable: a module's function), yielding
one result or several (a large JSON Lines file, a chunk at a time). A step is the time from
handing a worker its job, or asking it for the next result, to that result's arrival: a file
whole, or about one chunk. Results come out in the order the jobs went in; a worker runs at
most one result ahead of what has been taken, so memory stays bounded. No worker is started
for a run that reads nothing.

A worker that dies (killed from outside, as by the out-of-memory killer) or runs out of memory
costs its file in the same way. An exception a job did not expect is a bug: it ends the run
(``ReaderProcessError``, with the worker's traceback).

    >>> pool = ReaderPool(workers=2, seconds=60, failed=skipped_result)   # doctest: +SKIP
    >>> list(pool.results([unchanged_result, Job(read_file, (path, root))]))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing
import multiprocessing.connection
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

# Forked: a worker shares the modules and settings this process loaded (and whatever a test
# patched), where the default start method may be another.
_CONTEXT = multiprocessing.get_context(
    "fork" if "fork" in multiprocessing.get_all_start_methods() else None)
AHEAD = 4  # jobs taken beyond the workers' count, so that a worker never waits for one
NAME = "searcher-reader"  # a worker's process name (``ps -o comm``, ``top``; not its command)
PR_SET_NAME, PR_GET_NAME = 15, 16  # Linux's prctl options: the calling thread's name
_NEXT = "next"


class Job(NamedTuple):
    """``read(*args)``, run in a worker: a generator of results."""

    read: Callable[..., Iterator]
    args: tuple


class ReaderProcessError(Exception):
    """A job raised an exception nothing expected: a bug, reported with its traceback."""


@dataclass
class _Task:
    """A job in the queue, or a result that needed no worker (``job`` is None)."""

    job: Job | None
    ready: deque = field(default_factory=deque)  # results received, not yet taken
    done: bool = False  # its last result is in ``ready``
    worker: _Worker | None = None


class _Worker:
    """One worker process and this side of its pipe."""

    def __init__(self) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_serve, args=(child, self.conn), daemon=True,
                                        name=NAME)
        with _named(NAME):
            self.process.start()
        child.close()
        self.task: _Task | None = None
        self.deadline: float | None = None  # when the step under way must be done

    def send(self, message: object, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds if math.isfinite(seconds) else None
        try:
            self.conn.send(message)
        except OSError:
            pass  # it died: its sentinel says so at the next look

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class ReaderPool:
    """Up to ``workers`` reader processes, started when first needed. A step of a job that
    takes longer than ``seconds`` (or a worker that dies) ends the job with the result
    ``failed(job, reason)``."""

    def __init__(self, workers: int, seconds: float,
                 failed: Callable[[Job, str], object]) -> None:
        self.size = max(1, workers)
        self.seconds = seconds
        self.failed = failed
        self.workers: list[_Worker] = []

    def results(self, items: Iterable) -> Iterator:
        """The results of ``items`` in order: a ``Job``'s as a worker yields them, anything
        else as it is."""
        source = iter(items)
        queue: deque[_Task] = deque()
        try:
            while True:
                while len(queue) < self.size + AHEAD and (item := next(source, _END)) is not _END:
                    queue.append(_Task(item) if isinstance(item, Job)
                                 else _Task(None, deque([item]), done=True))
                if not queue:
                    return
                self._start(queue)
                self._look(wait=False)  # take what came, so a finished worker is not timed
                head = queue[0]
                if head.ready:
                    result = head.ready.popleft()
                    if not head.ready and not head.done:
                        head.worker.send(_NEXT, self.seconds)  # it reads on as we go on
                    yield result
                elif head.done:
                    queue.popleft()
                else:
                    self._look(wait=True)
        finally:
            for worker in self.workers:
                worker.stop()
            self.workers = []

    def _start(self, queue: deque[_Task]) -> None:
        """Hand the first jobs not yet started to idle workers, starting workers as needed."""
        for worker in [w for w in self.workers if w.task is None and not w.process.is_alive()]:
            worker.stop()  # died idle (the out-of-memory killer's pick): no file to blame
            self.workers.remove(worker)
        for task in queue:
            if task.job is None or task.worker is not None or task.done:
                continue
            worker = next((w for w in self.workers if w.task is None), None)
            if worker is None and len(self.workers) < self.size:
                worker = _Worker()
                self.workers.append(worker)
            if worker is None:
                return
            worker.task, task.worker = task, worker
            worker.send(task.job, self.seconds)

    def _look(self, wait: bool) -> None:
        """Take the messages that busy workers sent (waiting for one, or for the first
        deadline, if ``wait``), and end the jobs whose step is past its deadline."""
        busy = [w for w in self.workers if w.task is not None]
        if not busy:
            return
        timeout = 0.0
        if wait:
            deadlines = [w.deadline for w in busy if w.deadline is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        ready = multiprocessing.connection.wait(
            [w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
        now = time.monotonic()
        for worker in busy:
            if worker.conn in ready or worker.process.sentinel in ready:
                self._take(worker)
            elif worker.deadline is not None and now >= worker.deadline:
                self._end(worker, f"took longer than {self.seconds:g} s to read, the most "
                                  f"one file may take; not read")

    def _take(self, worker: _Worker) -> None:
        """A worker's message: a result (the last of its job, or not), or why it failed."""
        try:
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join()
            self._end(worker, f"the process reading it {_how_it_ended(worker.process)}; "
                              f"not read")
            return
        if kind == "bug":
            raise ReaderProcessError(f"a reader process failed:\n{payload}")
        if kind == "out of memory":
            self._end(worker, "ran out of memory while reading it; not read")
            return
        task = worker.task
        task.ready.append(payload)
        worker.deadline = None  # until it is asked for more
        if kind == "last":
            task.done, worker.task = True, None

    def _end(self, worker: _Worker, reason: str) -> None:
        """End a worker's job with ``reason``, and the worker (another starts if needed)."""
        task = worker.task
        task.ready.append(self.failed(task.job, reason))
        task.done = True
        worker.stop()
        self.workers.remove(worker)


_END = object()


def _serve(conn: multiprocessing.connection.Connection,
           parent_end: multiprocessing.connection.Connection) -> None:
    """A worker's life: run each job it is sent, sending each result as ("more"|"last",
    result); the one after is read before a result is sent (so "last" is known), and no
    more until asked."""
    from searcher.engine.directory import die_with_parent

    parent_end.close()
    die_with_parent()  # a killed indexer must leave no reader holding its lock
    # Ctrl-C reaches the whole process group: the parent handles it (and ends this process).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while (job := conn.recv()) is not None:
            results = job.read(*job.args)
            result = next(results)
            for following in results:
                conn.send(("more", result))
                if conn.recv() != _NEXT:
                    return
                result = following
            conn.send(("last", result))
    except EOFError:  # the parent is gone
        return
    except MemoryError:
        conn.send(("out of memory", None))
    except Exception:
        conn.send(("bug", traceback.format_exc()))


@contextlib.contextmanager
def _named(name: str) -> Iterator[None]:
    """This thread under another name (where the system allows), so that a process forked
    meanwhile has that name from birth: a reader is never taken for a writer process (a fork
    of the same command too)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    libc = ctypes.CDLL(None)
    old = ctypes.create_string_buffer(16)
    libc.prctl(PR_GET_NAME, old)
    libc.prctl(PR_SET_NAME, name.encode()[:15])
    try:
        yield
    finally:
        libc.prctl(PR_SET_NAME, old.value)


def _how_it_ended(process: multiprocessing.Process) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        return f"was killed by signal {-code} ({signal.strsignal(-code)})"
    return f"exited with status {code}"
