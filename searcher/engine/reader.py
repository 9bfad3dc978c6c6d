"""Reading a generation: the engine's whole read interface, and the only code that knows how
Whoosh lays its postings and columns out on disk.

Search needs little of an index: a term's postings (documents, frequencies, positions), each
document's field lengths and day, which documents are deleted, the stored fields of the few
documents it prints. ``GenerationReader`` gives exactly that, in bulk: a term's whole
posting list per segment from ``codec`` (one checked record, decoded by array operations), a
column in one read through Whoosh 2.7.4's private structures (``searcher.engine`` checks the
Whoosh version on import, since these are not Whoosh's public API). Whoosh's own matchers walk
postings one Python call per document.

    >>> reader = open_index(Path("index")).reader()          # doctest: +SKIP
    >>> reader.postings("body", "停火").weights              # doctest: +SKIP
    {3: 12.0, 0: 4.0}
"""

from __future__ import annotations

import bisect
import sys
from array import array
from collections.abc import Iterator

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from searcher.engine.codec import TermPostings

# A document's field length is stored in one byte (Whoosh's encoding); the length a code
# stands for.
LENGTH_OF_CODE: tuple[float, ...] = tuple(byte_to_length(code) for code in range(256))


class Postings:
    """One term's postings across the index: docnum → weight (its frequency there), deleted
    documents left out; and each posting's positions, decoded on demand."""

    def __init__(self, parts: list[tuple[int, TermPostings]], deleted: frozenset[int]) -> None:
        self._parts = parts  # (docnum offset of the segment, its postings), in docnum order
        self._offsets = [offset for offset, _ in parts]
        self._starts: dict[int, list[int]] = {}
        self.doc_frequency = sum(len(postings.docnums) for _, postings in parts)
        """Deleted documents included, as Whoosh counts for idf."""
        weights: dict[int, float] = {}
        for offset, postings in parts:
            docnums = postings.docnums if not offset else map(offset.__add__, postings.docnums)
            weights.update(zip(docnums, postings.weights))
        for docnum in deleted.intersection(weights):
            del weights[docnum]
        self.weights = weights

    def positions(self, docnum: int) -> list[int]:
        """The term's positions in document ``docnum`` (one that holds it), in order."""
        part = bisect.bisect_right(self._offsets, docnum) - 1
        offset, postings = self._parts[part]
        index = bisect.bisect_left(postings.docnums, docnum - offset)
        if part not in self._starts:
            self._starts[part] = postings.starts()
        return postings.positions(index, self._starts[part][index])


class GenerationReader:
    """Bulk reads of one open Whoosh index. Per-document columns are read once and kept;
    postings are read per call."""

    def __init__(self, whoosh_reader) -> None:
        self._reader = whoosh_reader
        # An index with no segments reads as one empty reader of another kind: no leaves.
        self._leaves = [(leaf, offset) for leaf, offset in whoosh_reader.leaf_readers()
                        if leaf.doc_count_all()]
        self.doc_count = whoosh_reader.doc_count_all()  # deleted documents included
        self.deleted = frozenset(offset + docnum for reader, offset in self._leaves
                                 for docnum in reader._perdoc.deleted_docs())
        self._lengths: dict[str, bytes] = {}
        self._days: list[int] | None = None
        self._offsets = [offset for _, offset in self._leaves]
        self._path_columns: dict[int, object] = {}

    @property
    def segment_count(self) -> int:
        return len(self._leaves)

    # --- per-document columns ------------------------------------------------------------

    def length_codes(self, field: str) -> bytes:
        """Each document's length of ``field`` as a one-byte code (``LENGTH_OF_CODE``)."""
        if field not in self._lengths:
            parts = []
            for reader, _ in self._leaves:
                count = reader.doc_count_all()
                col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                raw = b"" if col is None else col._dbfile.get(col._basepos, col._count)
                parts.append(raw + bytes(count - len(raw)))
            self._lengths[field] = b"".join(parts)
        return self._lengths[field]

    def field_length(self, field: str) -> int:
        """The field's total length over all documents, deleted ones included."""
        return self._reader.field_length(field)

    def avg_field_length(self, field: str) -> float:
        """As Whoosh's BM25F averages it: over all documents, deleted ones included."""
        return self.field_length(field) / (self.doc_count or 1)

    def days(self) -> list[int]:
        """Each document's ``day`` (``schema.NO_DAY`` when undated)."""
        if self._days is None:
            field = self._reader.schema["day"]
            sortable = []
            for reader, _ in self._leaves:
                count = reader.doc_count_all()
                if not reader._perdoc.has_column("day"):  # a segment of undated documents
                    sortable += [field.default_column()._default] * count
                    continue
                col = reader._perdoc.column_reader("day", field.column_type)
                raw = array(col._typecode, col._dbfile.get(col._basepos,
                                                           col._count * col._fixedlen))
                if sys.byteorder == "little":  # Whoosh writes columns in network order
                    raw.byteswap()
                sortable += raw
                sortable += [col._default] * (count - col._count)
            # A signed field's column holds value + 2**(bits - 1), so it sorts unsigned; its
            # default, an undated document's, is the largest value, which becomes NO_DAY.
            shift = 1 << (field.bits - 1)
            self._days = [value - shift for value in sortable]
        return self._days

    def path(self, docnum: int) -> str:
        """Document ``docnum``'s path, from the path column (cheaper than its stored fields:
        a ranking's ties are broken by path)."""
        leaf = bisect.bisect_right(self._offsets, docnum) - 1
        column = self._path_columns.get(leaf)
        if column is None:
            column = self._path_columns[leaf] = self._leaves[leaf][0].column_reader("path")
        return column[docnum - self._offsets[leaf]]  # the column decodes it (``translate``)

    # --- postings ------------------------------------------------------------------------

    def postings(self, field: str, text: str) -> Postings:
        btext = text.encode("utf-8")
        parts = []
        for reader, offset in self._leaves:
            found = reader._terms.postings(field, btext)  # a ``codec.SearcherTermsReader``
            if found is not None:
                parts.append((offset, found))
        return Postings(parts, self.deleted)

    def frequency(self, field: str, text: str) -> float:
        """How often the term occurs in the field over all documents (0 when never)."""
        return self._reader.frequency(field, text)

    def most_frequent_terms(self, field: str, number: int) -> list[tuple[int, str]]:
        """``(frequency, term)`` of the field's ``number`` most frequent terms."""
        return [(int(frequency), term.decode("utf-8") if isinstance(term, bytes) else term)
                for frequency, term in self._reader.most_frequent_terms(field, number=number)]

    # --- stored fields -------------------------------------------------------------------

    def stored_fields(self, docnum: int) -> dict:
        return self._reader.stored_fields(docnum)

    def find(self, field: str, value: str) -> int | None:
        """The live document whose ``id`` field ``field`` is ``value``."""
        try:
            return self._reader.first_id(field, value)
        except TermNotFound:
            return None

    def all_stored_fields(self) -> Iterator[dict]:
        return self._reader.all_stored_fields()


def bm25f_searcher(whoosh_index):
    """A Whoosh searcher scoring with BM25F (B 0.75, K1 1.2), the model ``matching``
    reproduces (tests compare the two)."""
    from whoosh.scoring import BM25F

    return whoosh_index.searcher(weighting=BM25F())
