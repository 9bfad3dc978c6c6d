"""searcher's terms, postings and stored fields behind Whoosh's codec API.

Whoosh's ``W3Codec`` pickles every block of 128 postings and every posting's positions (about
10 bytes a position, most of an index's size, and a pickle an index folder could use to run
code); its writer handles one posting at a time. ``SearcherCodec`` keeps Whoosh's segments,
columns and stored fields and replaces the two large files with ours, and the stored fields'
values with our records: the bytes are ``engine.format``'s (``docs/index-format.md``), this
module only hands them to Whoosh and back:

* ``SearcherFieldWriter`` writes a segment's ``.terms`` and ``.postings``
  (``format.terms.TermsWriter``): a whole segment's terms at once from our writers, a posting
  at a time from Whoosh's merges;
* ``SearcherTermsReader`` is Whoosh's terms reader over ``format.terms.TermsReader`` (whose
  ``TermInfo`` Whoosh takes as its own);
* ``StoredFieldsColumn`` keeps each document's stored fields as ``format.stored`` encodes
  them, in Whoosh's variable-bytes column;
* ``PositionList`` and ``Frequencies`` are the formats of the text fields: positions as an
  array of deltas in memory (no pickle), or each document's count of a term and nothing else.

    >>> PositionList().decode_positions(PositionList().encode([3, 7, 8]))
    [3, 7, 8]
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from itertools import accumulate

import numpy as np

from whoosh.codec import base
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PerDocWriter
from whoosh.columns import (
    VarBytesColumn, WrappedColumn, WrappedColumnReader, WrappedColumnWriter)
from whoosh.formats import Frequency, Positions
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound

from searcher.engine.format.postings import TermPostings, TermPostingsToWrite
from searcher.engine.format.records import FormatError
from searcher.engine.format.stored import decode_stored_fields, encode_stored_fields
from searcher.engine.format.term_batch import TermBatch
from searcher.engine.format.terms import TermInfo, TermsReader, TermsWriter


class PositionList(Positions):
    """Whoosh's ``Positions`` (frequency and positions of a term in a document) with the
    positions encoded as an array of deltas instead of a pickled list. The encoding lives
    only in memory, between analysis and the postings writer (and in ``ListMatcher`` values):
    on disk, ``.postings`` records hold the deltas packed."""

    def encode(self, poslist) -> bytes:
        deltas = array("I", poslist)
        if len(deltas) > 1:
            deltas[1:] = array("I", map(int.__sub__, poslist[1:], poslist[:-1]))
        return deltas.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(accumulate(array("I", valuestring)))

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class Frequencies(Frequency):
    """Whoosh's ``Frequency`` (each document's count of the term, no positions) with no value
    per posting: a record's weights are the counts already. A words field is searched a whole
    word at a time and its phrases are checked on its units field, so its positions were
    never read (yet they were half of an index's postings)."""

    posting_size = 0

    def word_values(self, value, analyzer, **kwargs):
        for word, frequency, weight, _ in super().word_values(value, analyzer, **kwargs):
            yield word, frequency, weight, b""

    def encode(self, count) -> bytes:
        return b""


def value_bytes(postings: TermPostings, format_) -> list[bytes | None]:
    """Each posting's value as the field's Whoosh format encodes it (for Whoosh's matchers
    and merges; None for a format without values, as Whoosh's own codec gives)."""
    if postings.values is not None:
        return postings.values
    if postings.deltas is None:
        return [None if format_.fixed_value_size() == 0 else b""] * len(postings.docnums)
    deltas = array("I", postings.deltas.tolist())
    return [deltas[start:start + count].tobytes()
            for start, count in zip(postings.starts(), postings.counts.tolist())]


# --- writing -----------------------------------------------------------------------------

class SearcherFieldWriter(base.FieldWriter):
    """Writes a segment's ``.terms`` and ``.postings``, a term at a time: from our writers, a
    whole segment's terms (``add_terms``); from Whoosh's (merges), a posting at a time, kept in
    lists until the term ends."""

    def __init__(self, codec: SearcherCodec, storage, segment) -> None:
        self._terms = TermsWriter(segment.create_file(storage, codec.TERMS_EXT),
                                  segment.create_file(storage, codec.POSTS_EXT))
        self._format = None
        self.is_closed = False

    def start_field(self, fieldname: str, fieldobj) -> None:
        self._terms.start_field(fieldname)
        self._fieldname = fieldname
        self._format = fieldobj.format

    def start_term(self, btext: bytes) -> None:
        self._btext = btext
        self._docnums: list[int] = []
        self._weights: list[float] = []
        self._values: list[bytes] = []
        self._minlength: int | None = None
        self._maxlength = 0

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int | None) -> None:
        self._docnums.append(docnum)
        self._weights.append(weight)
        self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def finish_term(self) -> None:
        term = TermPostingsToWrite(self._fieldname, self._btext, self._docnums,
                                   self._weights, self._values)
        if isinstance(self._format, PositionList):  # its values are arrays of deltas
            term.values, term.counts = None, [len(value) >> 2 for value in self._values]
            term.deltas = array("I", b"".join(self._values))
        self._terms.add_term(term, self._minlength, self._maxlength)

    def add_terms(self, schema, lengths, fields) -> None:
        """Every term of a segment (``fields``: each field's name and its terms, in order: a
        ``TermBatch``, or ``TermPostingsToWrite`` one at a time); ``lengths.table(field)``
        gives every document's length of a field, for the terms' statistics."""
        for fieldname, terms in fields:
            self.start_field(fieldname, schema[fieldname])
            table = lengths.table(fieldname)
            if isinstance(terms, TermBatch):
                self._terms.add_batch(terms, np.array([n or 0 for n in table], np.int64))
            else:
                for term in terms:
                    found = [length for length in map(table.__getitem__, term.docnums)
                             if length]
                    self._terms.add_term(term, min(found, default=None),
                                         max(found, default=0))
            self.finish_field()

    def finish_field(self) -> None:
        self._format = None

    def close(self) -> None:
        self._terms.close()
        self.is_closed = True


# --- reading -----------------------------------------------------------------------------

class SearcherTermsReader(base.TermsReader):
    """Whoosh's view of a segment's terms and postings (``file``: the ``TermsReader`` that
    reads them, bounded by the segment's document count and field lengths)."""

    def __init__(self, terms_file, postings_file, segment) -> None:
        # The field lengths were checked on reading the TOC (``claims``).
        self.file = TermsReader(terms_file, postings_file, segment.doc_count_all(),
                                segment._fieldlengths)

    def __contains__(self, term) -> bool:
        return self.file.find(self.file.key(*term)) is not None

    def indexed_field_names(self) -> Iterable[str]:
        return self.file.fieldmap.keys()

    def cursor(self, fieldname: str, fieldobj):
        raise NotImplementedError("searcher reads terms through terms_from and items_from")

    def terms(self) -> Iterator[tuple[str, bytes]]:
        return (term for term, _ in self.items())

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        return (term for term, _ in self.items_from(fieldname, prefix))

    def items(self) -> Iterator[tuple[tuple[str, bytes], TermInfo]]:
        return ((self.file.decode_key(key), info) for key, info in self.file.items_from(b""))

    def items_from(self, fieldname: str, prefix: bytes):
        key = self.file.key(fieldname, prefix)
        if key is None:
            return iter(())
        return ((self.file.decode_key(k), info) for k, info in self.file.items_from(key))

    def term_info(self, fieldname: str, tbytes: bytes) -> TermInfo:
        info = self.file.find(self.file.key(fieldname, tbytes))
        if info is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return info

    # Whoosh's readers expect a KeyError for an absent term here (W3's hash table raises it).
    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        return self._info_or_key_error(fieldname, tbytes).weight()

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        return self._info_or_key_error(fieldname, tbytes).doc_frequency()

    def _info_or_key_error(self, fieldname: str, tbytes: bytes) -> TermInfo:
        info = self.file.find(self.file.key(fieldname, tbytes))
        if info is None:
            raise KeyError((fieldname, tbytes))
        return info

    def matcher(self, fieldname: str, tbytes: bytes, format_, scorer=None) -> ListMatcher:
        info = self.term_info(fieldname, tbytes)
        postings = self.file.read_postings(fieldname, info)
        return ListMatcher(list(postings.docnums), list(map(float, postings.weights)),
                           value_bytes(postings, format_), format_, scorer=scorer,
                           term=(fieldname, tbytes), terminfo=info)

    def close(self) -> None:
        self.file.close()


# --- stored fields -----------------------------------------------------------------------

class StoredFieldsColumn(WrappedColumn):
    """Each document's stored fields as ``format.stored`` encodes them (Whoosh pickles them),
    in Whoosh's variable-bytes column, with each value's offset written (Whoosh writes them
    only past 32,768 documents, and otherwise sums the lengths in a Python loop when a reader
    first reads a segment's stored fields: a millisecond a segment on every search's first
    hits, 4 bytes a document to save it)."""

    def __init__(self) -> None:
        super().__init__(VarBytesColumn(write_offsets_cutoff=0))

    class Writer(WrappedColumnWriter):
        def add(self, docnum: int, value: dict | None) -> None:
            self._child.add(docnum, encode_stored_fields(docnum, value))

    class Reader(WrappedColumnReader):
        def __getitem__(self, docnum: int) -> dict | None:
            return decode_stored_fields(docnum, var_bytes_at(self._child, docnum))

        def __iter__(self):
            return (self[docnum] for docnum in range(len(self)))


def var_bytes_at(column, docnum: int) -> bytes:
    """Document ``docnum``'s value in a Whoosh variable-bytes column (its reader), read only
    if it lies inside the column: the column's lengths and offsets come from its file."""
    if not 0 <= docnum < len(column._lengths):
        raise FormatError(f"document {docnum} is not in its segment")
    length = column._lengths[docnum]
    if not length:
        return b""
    offset = column._offsets[docnum]
    if min(offset, length) < 0 or offset + length > column._length:
        raise FormatError("a column's value lies outside its file")
    return column._dbfile.get(column._basepos + offset, length)


STORED_FIELDS_COLUMN = StoredFieldsColumn()


class SearcherPerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer (lengths, columns) storing fields as
    ``StoredFieldsColumn``."""

    def _create_column(self, fieldname: str, column) -> None:
        super()._create_column(fieldname, STORED_FIELDS_COLUMN if fieldname == "_stored"
                               else column)


class SearcherPerDocReader(W3PerDocReader):
    def stored_fields(self, docnum: int) -> dict:
        return self._cached_reader("_stored", STORED_FIELDS_COLUMN)[docnum] or {}


class SearcherCodec(W3Codec):
    """Whoosh's ``W3Codec`` (segments, columns) with searcher's terms, postings and stored
    fields."""

    TERMS_EXT = ".terms"
    POSTS_EXT = ".postings"

    def __init__(self) -> None:
        super().__init__(compression=0)

    def per_document_writer(self, storage, segment) -> SearcherPerDocWriter:
        return SearcherPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment) -> SearcherPerDocReader:
        return SearcherPerDocReader(storage, segment)

    def field_writer(self, storage, segment) -> SearcherFieldWriter:
        return SearcherFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        raise NotImplementedError("term vectors are not part of searcher's schema")

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        raise NotImplementedError("searcher's terms reader makes its own matchers")

    def terms_reader(self, storage, segment) -> SearcherTermsReader:
        return SearcherTermsReader(segment.open_file(storage, self.TERMS_EXT),
                                   segment.open_file(storage, self.POSTS_EXT), segment)
