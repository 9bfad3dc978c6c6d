"""Writing documents into a generation: the Whoosh backend's ``IndexWriter``.

``DocumentWriter`` writes in one process (``segment_writer``) or several writing a segment
each (``processes``), merges what the merge policy says (``merge_policy``), and makes its
commit durable. A write that fails or is cancelled before its commit's TOC is in place leaves
the live generation as it was (``rollback.Snapshot``), and never raises again on its way out.
Segments are written with ``codec.SearcherCodec``: searcher's own terms and postings files.
Files are not packed into one compound file: readers then map them instead of copying them
whole.

    >>> writer = open_index(Path("index")).writer(procs=2)       # doctest: +SKIP
    >>> writer.add(document, file="corpus/a.txt"); writer.commit()  # doctest: +SKIP
"""

from __future__ import annotations

from searcher.engine.rollback import Snapshot
from searcher.engine.whoosh.codec import SearcherCodec
from searcher.engine.whoosh.merge_policy import merge_small_segments
from searcher.engine.whoosh.processes import SegmentsPerProcessWriter
from searcher.engine.whoosh.schema import document_fields
from searcher.engine.whoosh.segment_writer import TermAtATimeSegmentWriter
from searcher.models import Document

WRITER_MB = 512  # Whoosh's posting pools, shared by the processes: bounds the writer's memory
BATCH = 32  # documents per batch handed to a subprocess


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
            self._writer = TermAtATimeSegmentWriter(whoosh_index, limitmb=WRITER_MB, compound=False,
                                          codec=codec)
        else:
            self._writer = SegmentsPerProcessWriter(
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
