"""A segment written a term at a time, and a commit made durable.

``TermAtATime`` (mixed into both of searcher's writers) pools postings by term
(``term_pool``) and writes a segment's terms in one call to the codec; merged segments' postings
are pooled a term at a time from their records. ``DurableCommit`` writes a commit's table of
contents durably: new segment files, then the TOC (flushed before its rename), then the folder
are flushed to disk, so the manifest written after it never describes documents a power cut
lost; and it keeps the segment files the commit before still used (``_remove_unused``), so a
reader opened just before an incremental commit can still read what it opened.
``TermAtATimeSegmentWriter`` is the one-process writer (and each writer process's).
"""

from __future__ import annotations

from operator import itemgetter
from pathlib import Path

from whoosh.index import TOC
from whoosh.writing import SegmentWriter

from searcher.atomic_files import fsync_dir, fsync_file
from searcher.engine.whoosh.codec import Frequencies, PositionList
from searcher.engine.whoosh.leftovers import index_files
from searcher.engine.whoosh.term_pool import FieldLengths, TermPool


class DurableCommit:
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


class TermAtATime:
    """How our writers pool postings (``TermPool``) and write a segment: a term at a time
    (mixed into both; the processes' writers add documents with ``TermAtATimeSegmentWriter``'s
    ``add_document``)."""

    _deletions_reader = None

    def _use_term_pool(self, limitmb: int) -> None:
        self.pool = TermPool(self._tempstorage, self.newsegment, self.schema, limitmb)

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
        return FieldLengths(super().per_document_reader(), self.docnum)

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
        self.fieldwriter.add_terms(self.schema, lengths, self.pool.iter_fields())
        self.fieldwriter.close()
        lengths.close()


class TermAtATimeSegmentWriter(DurableCommit, TermAtATime, SegmentWriter):
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
                found = field.text_terms(value)
                length = int(found.counts.sum())
                self.pool.add_terms(fieldname, docnum, found)
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
