"""Writing documents into a generation: one process, or several writing a segment each.

Whoosh's own ``MpWriter`` hands batches of documents to subprocesses that analyse them and
write a segment each (``multisegment``: no merge at the end), so both cores analyse and
write. Here a subprocess also starts a new segment whenever its posting pool is nearly full,
instead of letting Whoosh spill the pool to sorted runs on disk and merging them at the end (a
large corpus then indexes as fast per megabyte as a small one). Also:

* a subprocess that ends abnormally (killed, as by the out-of-memory killer; failed; its result
  lost) cancels the write with ``WriterProcessError`` (a full disk as the ``OSError`` it is):
  Whoosh's commit takes the results that came and commits without the rest, losing documents
  silently;
* a write that fails or is cancelled before its commit's TOC is in place leaves the live
  generation as it was (``rollback.Snapshot``), and never raises again on its way out;
* a subprocess dies with its parent (a ``kill -9`` of ``searcher index`` must leave no worker
  running and holding the writer lock, which it inherited);
* a commit is durable before it returns: new segment files, then the TOC, then the folder are
  flushed to disk, so the manifest written after it never describes documents a power cut lost;
* a commit keeps the segment files the one before it still used (``_remove_unused``): a reader
  opened just before an incremental commit can still read what it opened;
* postings are pooled by term as documents are added (``_TermPool``) and a segment is written
  a term at a time, not sorted and handed to the codec a posting at a time (Whoosh's
  ``PostingPool``); field lengths are read once per field.

Segments are written with ``codec.SearcherCodec``: searcher's own terms and postings files.

    >>> writer = open_index(Path("index")).writer(procs=2)       # doctest: +SKIP
    >>> writer.add(document, file="corpus/a.txt"); writer.commit()  # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import errno
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
import threading
import time
from array import array
from dataclasses import dataclass
from collections.abc import Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from whoosh.index import TOC
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import PostingPool, SegmentWriter

from searcher.atomic_files import fsync_dir, fsync_file
from searcher.engine.codec import Frequencies, PositionList, SearcherCodec, value_bytes
from searcher.engine.format.postings import TermPostings, TermPostingsToWrite, position_starts
from searcher.engine.rollback import Snapshot, index_files
from searcher.engine.schema import document_fields
from searcher.errors import WriterProcessError
from searcher.models import Document

WRITER_MB = 512  # Whoosh's posting pools, shared by the processes: bounds the writer's memory
SEGMENT_FILL = 0.8  # a subprocess starts a new segment when its pool is this full
BATCH = 32  # documents per batch handed to a subprocess
_DONE = "done"  # ends the parent's reading of filled segments
SMALL_SEGMENT_SHARE = 10  # a segment this many times smaller than the largest is "small"
POLL = 0.5  # seconds between looks at the subprocesses while waiting for room in their queue
PR_SET_PDEATHSIG = 1  # Linux's prctl option: a signal for this process when its parent dies


# What pooled postings cost in memory, roughly, for the pool's limit: a positional field's
# posting is a document number and a count in arrays, 4 bytes each, and 4 bytes a position;
# another field's a tuple in a list (an int, a float, bytes); a term a dict entry, its key and
# three arrays.
POSTING_BYTES = 8
POSITION_BYTES = 4
VALUE_POSTING_BYTES = 8 + 64 + 28 + 24 + 40
TERM_BYTES = 100 + 74 + 3 * 64


class _TermPool(PostingPool):
    """Whoosh's posting pool, but holding each term's postings together as documents come
    (``fields``: field → term → postings) until the segment is written a term at a time
    (``iter_terms``); Whoosh's own pool keeps a tuple of encoded bytes per posting and sorts
    them all. A positional field's postings are three arrays per term (documents, position
    counts, positions: about 4 bytes a position, a tenth of a list of ints, so a segment holds
    ten times the text), its terms kept as text (their order is the order of their UTF-8
    bytes) and encoded once each. Past its memory limit (one writer process given a large
    corpus) the pool spills to Whoosh's sorted runs on disk and regroups the terms from them."""

    def __init__(self, tempstore, segment, schema, limitmb: int) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._formats = {name: field.format for name, field in schema.items()}
        self.fields: dict[str, dict] = {}

    def add(self, item) -> None:
        # Whoosh's way in, a posting at a time; our writers add documents and merged segments
        # in bulk, and a posting left in Whoosh's list would never be written.
        raise NotImplementedError("searcher's writers pool postings a document or a term "
                                  "at a time")

    def add_positions(self, fieldname: str, docnum: int, by_term: dict[str, list[int]]) -> None:
        """A document's terms in a text field, each with its positions: appended to the
        term's arrays of documents, position counts and (a positional field's) positions (as
        deltas, the first as itself: as a record stores them)."""
        terms = self._terms_of(fieldname)
        positional = isinstance(self._formats[fieldname], PositionList)
        new_terms = positions_added = 0
        for term, positions in by_term.items():
            postings = terms.get(term)
            if postings is None:
                postings = terms[term] = _new_group(positional)
                new_terms += 1
            postings[0].append(docnum)
            postings[1].append(len(positions))
            if positional:
                postings[2].append(positions[0])
                postings[2].extend(map(int.__sub__, positions[1:], positions))
                positions_added += len(positions)
        self._grew(new_terms * TERM_BYTES + len(by_term) * POSTING_BYTES
                   + positions_added * POSITION_BYTES)

    def add_values(self, fieldname: str, docnum: int, postings) -> None:
        """A document's ``(term, frequency, weight, value)`` in another field, as the field's
        ``index`` gives them."""
        terms = self._terms_of(fieldname)
        size = 0
        for tbytes, _, weight, vbytes in postings:
            terms.setdefault(tbytes, []).append((docnum, weight, vbytes or b""))
            size += TERM_BYTES + VALUE_POSTING_BYTES  # mostly new terms: paths, ids, days
        self._grew(size)

    def add_merged_term(self, fieldname: str, tbytes: bytes, postings: TermPostings,
                        kept: Sequence[int], docnums: Sequence[int]) -> None:
        """A merged segment's postings of one term, decoded from its record: those at
        ``kept`` in it, renumbered as ``docnums``."""
        terms = self._terms_of(fieldname)
        format_ = self._formats[fieldname]
        if isinstance(format_, (PositionList, Frequencies)):
            positional = isinstance(format_, PositionList)
            term = tbytes.decode("utf-8", "surrogatepass")
            size = len(kept) * POSTING_BYTES
            group = terms.get(term)
            if group is None:
                group = terms[term] = _new_group(positional)
                size += TERM_BYTES
            # A Frequencies record's counts are its weights (its fields have no boost).
            counts = postings.counts if positional else postings.weights
            group[0].extend(docnums)
            if len(kept) == len(counts):  # nothing deleted: the record's arrays as they are
                group[1].extend(map(int, counts))  # (packed at their own width)
                if positional:
                    group[2].extend(postings.deltas.tolist())
            else:
                group[1].extend(int(counts[index]) for index in kept)
                if positional:
                    starts, deltas = postings.starts(), postings.deltas
                    for index in kept:
                        group[2].extend(
                            deltas[starts[index]:starts[index] + counts[index]].tolist())
            if positional:
                size += POSITION_BYTES * len(postings.deltas)
        else:
            values = value_bytes(postings, self._formats[fieldname])
            group = terms.setdefault(tbytes, [])
            weights = postings.weights
            group.extend((docnum, weights[index], values[index] or b"")
                         for index, docnum in zip(kept, docnums))
            size = TERM_BYTES + len(kept) * VALUE_POSTING_BYTES
        self._grew(size)

    def _terms_of(self, fieldname: str) -> dict:
        if fieldname not in self.fields:
            self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return self.fields[fieldname]

    def _grew(self, size: int) -> None:
        self.currentsize += size
        if self.currentsize > self.limit:
            self._flatten()
            self.save()

    def _flatten(self) -> None:
        """Move the grouped postings into Whoosh's list of posting tuples."""
        for fieldname, terms in self.fields.items():
            format_ = self._formats[fieldname]
            if isinstance(format_, PositionList):
                for term, (docnums, counts, deltas) in terms.items():
                    tbytes = term.encode("utf-8", "surrogatepass")
                    for docnum, start, count in zip(docnums, position_starts(counts), counts):
                        # a PositionList value is the document's deltas as bytes
                        self.current.append((fieldname, tbytes, docnum, float(count),
                                             deltas[start:start + count].tobytes()))
            elif isinstance(format_, Frequencies):
                for term, (docnums, counts) in terms.items():
                    tbytes = term.encode("utf-8", "surrogatepass")
                    self.current.extend((fieldname, tbytes, docnum, float(count), b"")
                                        for docnum, count in zip(docnums, counts))
            else:
                self.current.extend((fieldname, tbytes, *posting)
                                    for tbytes, postings in terms.items()
                                    for posting in postings)
        self.fields = {}

    def iter_postings(self):
        """Whoosh's way out: every posting, sorted."""
        self._flatten()
        return self.items()

    def iter_terms(self) -> Iterator[TermPostingsToWrite]:
        """Every term, sorted by field and term, its postings in document order: documents
        come in order (those added, then each merged segment's, renumbered after them; a record
        whose documents went backwards could not be encoded: its deltas would be negative)."""
        if self.runs:
            yield from self._terms_from_runs()
            return
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            format_ = self._formats[fieldname]
            positional = isinstance(format_, PositionList)
            counted = positional or isinstance(format_, Frequencies)
            boost = format_.field_boost
            for term in sorted(terms):
                postings = terms[term]
                if counted:
                    docnums, counts = postings[0], postings[1]
                    weights = counts if boost == 1 else [count * boost for count in counts]
                    yield TermPostingsToWrite(
                        fieldname, term.encode("utf-8", "surrogatepass"), docnums, weights,
                        counts=counts if positional else None,
                        deltas=postings[2] if positional else None)
                else:
                    docnums, weights, values = map(list, zip(*postings))
                    yield TermPostingsToWrite(fieldname, term, docnums, weights, values)

    def _terms_from_runs(self) -> Iterator[TermPostingsToWrite]:
        for (fieldname, tbytes), postings in groupby(self.iter_postings(),
                                                     key=itemgetter(0, 1)):
            _, _, docnums, weights, values = map(list, zip(*postings))
            format_ = self._formats[fieldname]
            if isinstance(format_, PositionList):  # its values are arrays of deltas
                yield TermPostingsToWrite(fieldname, tbytes, docnums, weights,
                                          counts=[len(value) >> 2 for value in values],
                                          deltas=array("I", b"".join(values)))
            else:
                yield TermPostingsToWrite(fieldname, tbytes, docnums, weights, values)

    def clear(self) -> None:
        self.fields = {}
        self.current = []


def _new_group(positional: bool) -> tuple[array, ...]:
    """A pooled term's arrays: documents, counts, and for a positional field positions."""
    return (array("I"), array("I"), array("I")) if positional else (array("I"), array("I"))


class _FieldLengths:
    """Every document's length of a field, read once per field from the segment's
    per-document reader, for the terms' statistics (``codec.SearcherFieldWriter.add_terms``);
    Whoosh looked each posting's up."""

    def __init__(self, reader, doc_count: int) -> None:
        self._reader = reader
        self._doc_count = doc_count
        self._tables: dict[str, list[int]] = {}

    def table(self, fieldname: str, default: int = 0) -> list[int]:
        """Every document's length of ``fieldname``."""
        table = self._tables.get(fieldname)
        if table is None:
            table = self._tables[fieldname] = [
                self._reader.doc_field_length(d, fieldname, default)
                for d in range(self._doc_count)]
        return table

    def close(self) -> None:
        self._reader.close()


class _DurableCommit:
    """How our writers write a commit's TOC (mixed into both): durably, and without deleting
    what a reader may still need."""

    def _commit_toc(self, segments) -> None:
        folder = Path(self.storage.folder)
        previous = {s.segment_id() for s in self.segments}  # the TOC this writer started from
        current = {s.segment_id() for s in segments}
        segment_files, _ = index_files(self.storage, self.indexname)
        # Segment files are written once and never changed: only the new ones need flushing.
        for name, segment in segment_files.items():
            if segment in current - previous:
                fsync_file(folder / name)
        fsync_dir(folder)
        TOC(self.schema, segments, self.generation).write(_SyncedRenames(self.storage),
                                                          self.indexname)
        self.toc_written = True  # the commit is live: nothing of it may be undone now
        fsync_dir(folder)
        _remove_unused(self.storage, self.indexname, self.generation, previous | current)


class _SyncedRenames:
    """The storage a TOC is written through. Whoosh writes it to a temporary file and renames
    that into place; here the file is flushed to disk before the rename, so that after a power
    cut the TOC's name never stands for a half-written file."""

    def __init__(self, storage) -> None:
        self._storage = storage

    def create_file(self, name: str):
        return self._storage.create_file(name)

    def rename_file(self, old: str, new: str, safe: bool = False) -> None:
        fsync_file(Path(self._storage.folder) / old)
        self._storage.rename_file(old, new, safe=safe)


def _remove_unused(storage, indexname: str, generation: int, keep: set[str]) -> None:
    """Whoosh's ``clean_files``, but keeping the files of the segments in ``keep``: the new
    TOC's and the previous one's. A reader that read the previous TOC (an ``OpenIndex`` opened
    just before this commit) opens some of its segments' files only when first needed; they
    are deleted by the next commit, which no longer keeps them. Also deleted: older TOCs, and
    the files of segments no TOC names (those of a write that was cancelled or killed)."""
    segment_files, tocs = index_files(storage, indexname)
    unused = [name for name, segment in segment_files.items() if segment not in keep]
    unused += [name for name, toc_generation in tocs.items() if toc_generation != generation]
    for name in unused:
        storage.delete_file(name)


class _TermAtATime:
    """How our writers pool postings (``_TermPool``) and write a segment: a term at a time
    (mixed into both; the processes' writers add documents with ``_SegmentWriter``'s
    ``add_document``)."""

    _deletions_reader = None

    def _use_term_pool(self, limitmb: int) -> None:
        self.pool = _TermPool(self._tempstorage, self.newsegment, self.schema, limitmb)

    def searcher(self, **kwargs):
        """The searcher Whoosh finds documents to delete with (``update_document``,
        ``delete_by_term``), over one reader for the writer's life: Whoosh opens a reader of
        every segment for each deletion (for 380 documents replaced in an index of 40
        segments, 15,000 openings). Deletions are marked on the segments it reads."""
        from whoosh.searching import Searcher

        if self._deletions_reader is None:
            self._deletions_reader = self.reader()
        return Searcher(self._deletions_reader, closereader=False, **kwargs)

    def _finish(self) -> None:
        if self._deletions_reader is not None:
            self._deletions_reader.close()
            self._deletions_reader = None
        super()._finish()

    def per_document_reader(self):
        return _FieldLengths(super().per_document_reader(), self.docnum)

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict | None) -> None:
        """A merged segment's postings (``add_reader``), a term at a time from its records,
        renumbered from ``startdoc`` (or by ``docmap``, which holds only the documents not
        deleted). Whoosh's way reads them back and pools them a posting at a time."""
        terms = reader._terms.file  # of a ``codec.SearcherTermsReader``
        for key, info in terms.items_from(b""):
            fieldname, tbytes = terms.decode_key(key)
            if fieldname not in self.schema:
                continue
            postings = terms.read_postings(fieldname, info)
            if docmap is None:
                kept = range(len(postings.docnums))
                docnums = [startdoc + docnum for docnum in postings.docnums]
            else:
                kept = [i for i, docnum in enumerate(postings.docnums) if docnum in docmap]
                docnums = [docmap[postings.docnums[i]] for i in kept]
            if kept:
                self.pool.add_merged_term(fieldname, tbytes, postings, kept, docnums)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        self.fieldwriter.add_terms(self.schema, lengths, self.pool.iter_terms())
        self.fieldwriter.close()
        lengths.close()


class _SegmentWriter(_DurableCommit, _TermAtATime, SegmentWriter):
    def __init__(self, ix, limitmb: int = 128, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self._use_term_pool(limitmb)

    def add_document(self, **fields) -> None:
        """Whoosh's ``add_document`` for searcher's schema (no term vectors, no spelling
        fields, no boosts), handing each field's postings to the pool in one call."""
        self._check_state()
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        perdocwriter.start_doc(docnum)
        fieldnames = sorted(fields)
        self._check_fields(self.schema, fieldnames)
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = self.schema[fieldname]
            length = 0
            if isinstance(field.format, (PositionList, Frequencies)):
                by_term = field.positions_by_term(value)
                length = sum(map(len, by_term.values()))
                self.pool.add_positions(fieldname, docnum, by_term)
            elif field.indexed:
                postings = list(field.index(value))
                if field.scorable:
                    length = sum(map(itemgetter(1), postings))
                self.pool.add_values(fieldname, docnum, postings)
            if field.stored and hasattr(field, "stored_form"):  # ``schema.FoldExceptions``
                value = field.stored_form(value)
            perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdocwriter.add_column_value(fieldname, field.column_type,
                                              field.to_column_value(value))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


def _die_with_parent() -> None:
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


class _SegmentsTask(SubWriterTask):
    """A subprocess writing segments: one whenever its pool fills (each goes to
    ``segmentqueue`` when done), and a last one, its result as Whoosh expects."""

    segmentqueue: object = None
    segment_fill = SEGMENT_FILL

    def run(self) -> None:
        # The parent's SIGTERM handler (``store.writer_lock``) was inherited, SIGTERM held
        # back until it is reset (``_new_task``): the parent's cancel ends this process with
        # SIGTERM, which must simply end it.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        _die_with_parent()
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
        writer = self.writer = _SegmentWriter(ix, _lk=False, **self.kwargs)
        # Jobs until the parent's None (its commit). Otherwise this process is ended from
        # outside: by the parent's cancel, or with the parent (``_die_with_parent``).
        for job in iter(self.jobqueue.get, None):
            self._process_file(*job)
            if writer.pool.currentsize > self.segment_fill * writer.pool.limit:
                self.segmentqueue.put(writer._finalize_segment())
                writer.pool.clear()  # the postings written: free them before the next pool
                writer = self.writer = _SegmentWriter(ix, _lk=False, **self.kwargs)
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


class _SegmentsPerProcessWriter(_DurableCommit, _TermAtATime, MpWriter):
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

    def _wait_for_room(self) -> None:
        """Wait until the job queue has room, failing as soon as a process dies (the others
        may then never take another job: one killed while reading the queue keeps its lock).
        Only this thread puts jobs, so the room stays."""
        self._check_tasks()
        while self.jobqueue.full():
            multiprocessing.connection.wait(
                [t.sentinel for t in self.tasks if t.exitcode is None], timeout=POLL)
            self._check_tasks()

    def _enqueue(self) -> None:
        self._wait_for_room()
        super()._enqueue()

    def _commit(self, mergetype, optimize, merge) -> None:
        """Whoosh's multi-segment commit, but one that all processes must finish well."""
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._wait_for_room()
            self.jobqueue.put(None)
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
    ``commit``. ``cancel``, or a commit that fails before its TOC is written, leaves the
    generation as ``snapshot`` recorded it (a live one's; a new one is discarded whole by
    its builder), and never raises but to report an interruption."""

    def __init__(self, whoosh_index, procs: int = 1, snapshot: Snapshot | None = None) -> None:
        self._snapshot = snapshot
        self._finished = False
        # Files are not packed into one compound file: readers then map them instead of
        # copying them whole.
        codec = SearcherCodec()
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
        try:
            self._writer.commit(mergetype=merge_small_segments)
        except BaseException:
            self.cancel()
            raise
        self._finished = True
        if self._snapshot is not None:
            self._snapshot.discard()

    def cancel(self) -> None:
        if self._finished:
            return
        self._finished = True
        try:
            self._writer.cancel()  # closing its files writes them: it may fail again
        except Exception:
            writelock = getattr(self._writer, "writelock", None)
            if writelock is not None and writelock.fd is not None:
                writelock.release()
        if self._snapshot is None:
            return
        if getattr(self._writer, "toc_written", False):
            self._snapshot.discard()  # the commit is live: only its own undoing goes
        else:
            self._snapshot.restore()
