"""Several writer processes writing a segment each, and their lifecycle.

Whoosh's own ``MpWriter`` hands batches of documents to subprocesses that analyse them and
write a segment each (``multisegment``: no merge at the end), so both cores analyse and
write. Here a subprocess also starts a new segment whenever its posting pool is nearly full
(``SEGMENT_FILL``), instead of letting Whoosh spill the pool to sorted runs on disk and
merging them at the end (a large corpus then indexes as fast per megabyte as a small one).
Also:

* a subprocess that ends abnormally (killed, as by the out-of-memory killer; failed; its result
  lost) cancels the write with ``WriterProcessError`` (a full disk as the ``OSError`` it is):
  Whoosh's commit takes the results that came and commits without the rest, losing documents
  silently;
* a subprocess dies with its parent (``directory.die_with_parent``: a ``kill -9`` of
  ``searcher index`` must leave no worker running and holding the writer lock, which it
  inherited), and SIGTERM and Ctrl-C are the parent's to handle.
"""

from __future__ import annotations

import errno
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import signal
import sys
import threading
from dataclasses import dataclass

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from searcher.engine.directory import die_with_parent
from searcher.engine.whoosh.segment_writer import (
    DurableCommit, TermAtATime, TermAtATimeSegmentWriter)
from searcher.errors import WriterProcessError

# A subprocess starts a new segment when its pool is this full: half, since sorting the pool's
# flat arrays to write it needs about as much again (at 0.8 the whole bench peaked at 1.14 GB
# tree PSS, at 0.5 at 911 MB, as fast: docs/performance.md).
SEGMENT_FILL = 0.5
_DONE = "done"  # ends the parent's reading of filled segments
POLL = 0.5  # seconds between looks at the subprocesses while waiting for room in their queue


class _SegmentsTask(SubWriterTask):
    """A subprocess writing segments: one whenever its pool fills (each goes to
    ``segmentqueue`` when done), and a last one, its result as Whoosh expects."""

    segmentqueue: object = None
    segment_fill = SEGMENT_FILL

    def run(self) -> None:
        # The parent's SIGTERM handler (``directory.writer_lock``) was inherited, SIGTERM held
        # back until it is reset (``_new_task``): the parent's cancel ends this process with
        # SIGTERM, which must simply end it.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        die_with_parent()
        # Ctrl-C reaches the whole process group: the parent handles it (it cancels the
        # writer, which ends this process); a traceback from each worker would only add noise.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self._write_segments()
        except Exception as error:  # a full disk, say: the parent says so, in one line
            self.resultqueue.put(_Failure(os.getpid(), _describe(error),
                                          getattr(error, "errno", None),
                                          getattr(error, "filename", None)))
            sys.exit(1)

    def _write_segments(self) -> None:
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = TermAtATimeSegmentWriter(ix, _lk=False, **self.kwargs)
        # Jobs until the parent's None (its commit). Otherwise this process is ended from
        # outside: by the parent's cancel, or with the parent (``directory.die_with_parent``).
        for job in iter(self.jobqueue.get, None):
            self._process_file(*job)
            if writer.pool.currentsize > self.segment_fill * writer.pool.limit:
                self.segmentqueue.put(writer._finalize_segment())
                writer.pool.clear()  # the postings written: free them before the next pool
                writer = self.writer = TermAtATimeSegmentWriter(ix, _lk=False, **self.kwargs)
        fieldnames = writer.pool.fieldnames
        self.resultqueue.put((None, fieldnames, writer._finalize_segment()))


@dataclass(frozen=True)
class _Failure:
    """What a writer process puts on the result queue instead of its last segment when it
    fails."""

    pid: int
    message: str
    errno: int | None = None  # an OSError's
    filename: str | None = None


def _describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror + (f": {error.filename}" if error.filename else "")
    return f"{type(error).__name__}: {error}"


class SegmentsPerProcessWriter(DurableCommit, TermAtATime, MpWriter):
    def __init__(self, *args, limitmb: int = 128, **kwargs) -> None:
        super().__init__(*args, limitmb=limitmb, **kwargs)
        self._use_term_pool(limitmb)
        self.segmentqueue = multiprocessing.Queue()
        self._filled: list = []
        self._results: list = []  # taken off the result queue: last segments, or _Failure
        # Taken off the queue as they come: a process cannot end while its queue holds data.
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    _drain_error: BaseException | None = None

    def _drain(self) -> None:
        """Take filled segments off their queue until ``_DONE``. It never raises (a thread's
        exception is a traceback on stderr): a message torn by a process killed while it
        wrote ends the draining, and the write fails (``_segments_written``)."""
        try:
            for segment in iter(self.segmentqueue.get, _DONE):
                self._filled.append(segment)
        except BaseException as error:
            self._drain_error = error

    def _new_task(self) -> _SegmentsTask:
        task = _SegmentsTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                             self.subargs, multisegment=True)
        task.segmentqueue = self.segmentqueue
        task.segment_fill = SEGMENT_FILL  # read here: a spawned process sees the module afresh
        self.tasks.append(task)
        # Held back in the new process until it has its own SIGTERM handler (``run``).
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            task.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        return task

    def _check_tasks(self) -> None:
        """Fail the write if a process has died. (Each ends well only after the commit's
        ``None``, with exit status 0.)"""
        for task in self.tasks:
            if task.exitcode:
                self._take_results()
                failure = next((r for r in self._results
                                if isinstance(r, _Failure) and r.pid == task.pid), None)
                if failure and failure.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise OSError(failure.errno, os.strerror(failure.errno), failure.filename)
                raise WriterProcessError(_how_it_ended(task, failure and failure.message))

    def _take_results(self) -> None:
        """Take what ended processes put on the result queue (a process ends only once its
        queued data is in the pipe, so it is all there)."""
        while True:
            try:
                self._results.append(self.resultqueue.get_nowait())
            except queue.Empty:
                return

    def _put_job(self, job) -> None:
        """Put ``job`` on the job queue as soon as it has room, failing as soon as a process
        dies (the others may then never take another job: one killed while reading the queue
        keeps its lock). A put that waits wakes when a process takes a job: waiting for a
        process's end instead, with a timeout, left both writers idle a third of the whole
        bench's build."""
        while True:
            self._check_tasks()
            try:
                self.jobqueue.put(job, timeout=POLL)
                return
            except queue.Full:
                pass

    def _enqueue(self) -> None:
        """Whoosh's ``MpWriter._enqueue`` (the buffered documents to a job file, its name to a
        process), with ``_put_job``'s wait."""
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as file:
            for item in self.docbuffer:
                pickle.dump(item, file, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        job = (filename, len(self.docbuffer))
        self.docbuffer = []
        self._put_job(job)

    def _commit(self, mergetype, optimize, merge) -> None:
        """Whoosh's multi-segment commit, but one that all processes must finish well."""
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put_job(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        finalsegments += self._segments_written()
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        # A task whose pool filled on its last batch ends with an empty segment: leave it out.
        self._commit_toc([s for s in finalsegments if s.doc_count_all()])
        self._finish()

    def _segments_written(self) -> list:
        """Every segment the processes wrote, once all of them have ended well."""
        running = list(self.tasks)
        while running:
            multiprocessing.connection.wait([t.sentinel for t in running])
            self._check_tasks()
            running = [t for t in running if t.exitcode is None]
        self._take_results()  # each put its last segment on the queue before it ended
        if len(self._results) != len(self.tasks):
            raise WriterProcessError(
                "a writer process ended without handing back its last segment; nothing was "
                "written and the index is as it was")
        self.segmentqueue.put(_DONE)  # after every segment the ended processes queued
        self._drainer.join()
        if self._drain_error is not None:
            raise WriterProcessError(
                f"a writer process's segment could not be read back "
                f"({type(self._drain_error).__name__}); nothing was written and the index is "
                f"as it was")
        return [segment for _, _, segment in self._results] + self._filled

    def cancel(self) -> None:
        self.segmentqueue.put(_DONE)
        # Never wait, on exit, for _DONE to reach a queue a killed process may hold locked.
        self.segmentqueue.cancel_join_thread()
        for task in self.tasks:
            task.terminate()
            task.join()
        # Not ``MpWriter.cancel``: it flags only this process's copies of the tasks.
        SegmentWriter.cancel(self)


def _how_it_ended(task: multiprocessing.Process, failure: str | None) -> str:
    code = task.exitcode
    if code < 0:
        try:
            how = f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    elif failure:
        how = f"failed ({failure})"
    else:
        how = f"exited with status {code}"
    return f"writer process {task.pid} {how}; nothing was written and the index is as it was"
