"""Writing documents into a generation: one process, or several writing a segment each.

Whoosh's own ``MpWriter`` hands batches of documents to subprocesses that analyse them and
write a segment each (``multisegment``: no merge at the end), so both cores analyse and
write. Here a subprocess also starts a new segment whenever its posting pool is nearly full,
instead of letting Whoosh spill the pool to sorted runs on disk and merge them at the end (a
large corpus then indexes as fast per megabyte as a small one). Also: a subprocess quits when
its parent has died (a ``kill -9`` of ``searcher index`` must not leave workers waiting
forever on a queue) and when the writer is cancelled; field lengths, which Whoosh looks up
once per posting while writing a segment, are read once per field; and posting blocks are
pickled with the newest protocol (below).

    >>> writer = open_index(Path("index")).writer(procs=2)       # doctest: +SKIP
    >>> writer.add(document, file="corpus/a.txt"); writer.commit()  # doctest: +SKIP
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import threading

from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import W3Codec
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from searcher.engine.schema import document_fields
from searcher.models import Document

WRITER_MB = 512  # Whoosh's posting pools, shared by the processes: bounds the writer's memory
SEGMENT_FILL = 0.8  # a subprocess starts a new segment when its pool is this full
BATCH = 32  # documents per batch handed to a subprocess
_DONE = "done"  # ends the parent's reading of filled segments
SMALL_SEGMENT_SHARE = 10  # a segment this many times smaller than the largest is "small"


def _dumps(obj, protocol: int | None = None) -> bytes:
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


# Whoosh 2.7 pickles posting blocks with protocol 2, which on Python 3 stores every posting's
# value (its encoded positions, bytes) as a call to ``codecs.encode``: unpickling cost about a
# microsecond per posting, much of a query's time. Later protocols store bytes as bytes; every
# Whoosh reader loads any protocol. Any index this process writes gets it.
whoosh3.dumps = _dumps


class _FieldLengths:
    """The per-document reader Whoosh consults once per posting while writing a segment
    (for block length statistics), answering from a per-field table read once."""

    def __init__(self, reader, doc_count: int) -> None:
        self._reader = reader
        self._doc_count = doc_count
        self._tables: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        table = self._tables.get(fieldname)
        if table is None:
            table = self._tables[fieldname] = [
                self._reader.doc_field_length(d, fieldname, default)
                for d in range(self._doc_count)]
        return table[docnum]

    def close(self) -> None:
        self._reader.close()


class _SegmentWriter(SegmentWriter):
    def per_document_reader(self):
        return _FieldLengths(super().per_document_reader(), self.docnum)


class _SegmentsTask(SubWriterTask):
    """A subprocess writing segments: one whenever its pool fills (each goes to
    ``segmentqueue`` when done), and a last one, its result as Whoosh expects."""

    segmentqueue: object = None
    segment_fill = SEGMENT_FILL

    def run(self) -> None:
        parent = os.getppid()
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = _SegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            try:
                job = self.jobqueue.get(timeout=1)
            except queue.Empty:
                if os.getppid() != parent:  # orphaned: the parent was killed
                    writer.cancel()
                    return
                continue
            if job is None:
                break
            self._process_file(*job)
            if writer.pool.currentsize > self.segment_fill * writer.pool.limit:
                self.segmentqueue.put(writer._finalize_segment())
                writer.pool.current = []  # the postings written: free them before the next pool
                writer = self.writer = _SegmentWriter(ix, _lk=False, **self.kwargs)
        fieldnames = writer.pool.fieldnames
        self.resultqueue.put((None, fieldnames, writer._finalize_segment()), timeout=5)


class _SegmentsPerProcessWriter(MpWriter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.segmentqueue = multiprocessing.Queue()
        self._filled: list = []
        # Taken off the queue as they come: a process cannot end while its queue holds data.
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        for segment in iter(self.segmentqueue.get, _DONE):
            self._filled.append(segment)

    def _new_task(self) -> _SegmentsTask:
        task = _SegmentsTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                             self.subargs, multisegment=True)
        task.segmentqueue = self.segmentqueue
        task.segment_fill = SEGMENT_FILL  # read here: a spawned process sees the module afresh
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        self.segmentqueue.put(_DONE)
        for task in self.tasks:  # Whoosh's cancel flags only this process's copy of them
            task.terminate()
            task.join()
        super().cancel()

    def _commit_toc(self, segments) -> None:
        """Whoosh's commit gathers each task's last segment; add the ones filled before. (It
        calls this once every task has ended, so their segments are all queued by then.)"""
        self.segmentqueue.put(_DONE)
        self._drainer.join()
        # A task whose pool filled on its last batch ends with an empty segment: leave it out.
        super()._commit_toc([s for s in list(segments) + self._filled if s.doc_count_all()])


def merge_small_segments(writer, segments: list) -> list:
    """Whoosh merge policy: merge the small segments incremental runs add (when there are two
    or more), and any segment whose documents are mostly deleted (rewriting only its live
    ones), never the large ones a build writes. Whoosh's default merges segments of similar
    size, which after a two-process build of a large corpus means rewriting all of it, in
    pure Python, on the next run. Returns the segments kept as they are."""
    from whoosh.reading import SegmentReader

    largest = max((s.doc_count_all() for s in segments), default=0)
    small = [s for s in segments if s.doc_count_all() * SMALL_SEGMENT_SHARE < largest]
    merged = [s for s in segments if s.doc_count() * 2 < s.doc_count_all()
              or (s in small and len(small) > 1)]
    for segment in merged:
        writer.add_reader(SegmentReader(writer.storage, writer.schema, segment))
    return [s for s in segments if s not in merged]


class DocumentWriter:
    """Adds, replaces and deletes documents in one generation; nothing is visible until
    ``commit``, and ``cancel`` leaves the generation as it was."""

    def __init__(self, whoosh_index, procs: int = 1) -> None:
        # Posting blocks uncompressed: decompressing was the largest single cost of reading
        # a common term's postings. Writing is faster too; the index is about twice as large.
        # Files are not packed into one compound file: readers then map them instead of
        # copying them whole.
        codec = W3Codec(compression=0)
        if procs <= 1:
            self._writer = _SegmentWriter(whoosh_index, limitmb=WRITER_MB, compound=False,
                                          codec=codec)
        else:
            self._writer = _SegmentsPerProcessWriter(
                whoosh_index, procs=procs, multisegment=True, batchsize=BATCH,
                limitmb=WRITER_MB // procs, compound=False, codec=codec)

    def add(self, doc: Document, file: str) -> None:
        """A document new to the generation (nothing to replace: the cheaper call)."""
        self._writer.add_document(**document_fields(doc, file))

    def replace(self, doc: Document, file: str) -> None:
        """A document that may already be there under its path: the old version goes."""
        self._writer.update_document(**document_fields(doc, file))

    def delete(self, path: str) -> None:
        self._writer.delete_by_term("path", path)

    def commit(self) -> None:
        """Make every change visible at once; merge the small segments incremental runs
        leave behind (``merge_small_segments``)."""
        self._writer.commit(mergetype=merge_small_segments)

    def cancel(self) -> None:
        self._writer.cancel()
