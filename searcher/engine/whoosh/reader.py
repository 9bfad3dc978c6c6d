"""Reading a generation: the Whoosh backend's ``IndexReader`` (``engine.interface``), and the
only code that knows how Whoosh lays its postings and columns out on disk.

Search needs little of an index: a term's postings (documents, frequencies, positions), each
document's field lengths, day and fingerprint, which documents are deleted, the stored fields
of the few documents it prints. ``GenerationReader`` gives exactly that, in bulk and as numpy
arrays: a term's whole posting list per segment from ``codec`` (one checked record), a column
in one read through Whoosh 2.7.4's private structures (``engine.whoosh`` checks the Whoosh
version on import, since these are not Whoosh's public API). Whoosh's own matchers walk
postings one Python call per document.

    >>> postings = open_index(Path("index")).reader().postings("body", "停火")  # doctest: +SKIP
    >>> postings.docs, postings.weights                                       # doctest: +SKIP
    (array([0, 1, 2, 3, 4]), array([ 4.,  1., 16., 14.,  9.]))
"""

from __future__ import annotations

import bisect
import sys
from array import array
from collections.abc import Iterator

import numpy as np

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound

from searcher.engine.format.records import FormatError
from searcher.engine.interface import Postings
from searcher.engine.whoosh.codec import var_bytes_at


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
        self.live = np.ones(self.doc_count, bool)
        """Whether each document is live (not deleted), as an array to mask others with."""
        self.live[np.fromiter(self.deleted, np.int64, len(self.deleted))] = False
        self._lengths: dict[str, bytes] = {}
        self._days: np.ndarray | None = None
        self._fingerprints: np.ndarray | None = None
        self._offsets = [offset for _, offset in self._leaves]
        self._path_columns: dict[int, object] = {}

    @property
    def segment_count(self) -> int:
        return len(self._leaves)

    # --- per-document columns ------------------------------------------------------------

    def length_codes(self, field: str) -> bytes:
        """Each document's length of ``field`` as a one-byte code (``fieldnorms``)."""
        if field not in self._lengths:
            parts = []
            for reader, _ in self._leaves:
                count = reader.doc_count_all()
                col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                raw = b"" if col is None else col._dbfile.get(col._basepos, col._count)
                parts.append(_padded(raw, count, 1))
            self._lengths[field] = b"".join(parts)
        return self._lengths[field]

    def field_length(self, field: str) -> int:
        """The field's total length over all documents, deleted ones included."""
        return self._reader.field_length(field)

    def avg_field_length(self, field: str) -> float:
        """As Whoosh's BM25F averages it: over all documents, deleted ones included."""
        return self.field_length(field) / (self.doc_count or 1)

    def days(self) -> np.ndarray:
        """Each document's ``day`` (``interface.NO_DAY`` when undated), an int64 array."""
        if self._days is None:
            field = self._reader.schema["day"]
            sortable = []
            for reader, _ in self._leaves:
                count = reader.doc_count_all()
                if not reader._perdoc.has_column("day"):  # a segment of undated documents
                    sortable += [field.default_column()._default] * count
                    continue
                col = reader._perdoc.column_reader("day", field.column_type)
                if col._count > count:
                    raise FormatError(f"a day column holds {col._count:,} days for {count:,} "
                                      f"documents")
                raw = array(col._typecode, col._dbfile.get(col._basepos,
                                                           col._count * col._fixedlen))
                if sys.byteorder == "little":  # Whoosh writes columns in network order
                    raw.byteswap()
                sortable += raw
                sortable += [col._default] * (count - col._count)
            # A signed field's column holds value + 2**(bits - 1), so it sorts unsigned; its
            # default, an undated document's, is the largest value, which becomes NO_DAY.
            shift = 1 << (field.bits - 1)
            self._days = np.array(sortable, np.int64) - shift
        return self._days

    def fingerprints(self) -> np.ndarray:
        """Each document's near-duplicate fingerprint, a row of int64 band keys (all zeros:
        none), from the fingerprint column in one read per segment."""
        if self._fingerprints is None:
            width = self._reader.schema["fingerprint"].column_type._fixedlen
            parts = []
            for reader, _ in self._leaves:
                count = reader.doc_count_all()
                raw = b""
                if reader._perdoc.has_column("fingerprint"):
                    col = reader._perdoc.column_reader(
                        "fingerprint", self._reader.schema["fingerprint"].column_type)
                    raw = col._dbfile.get(col._basepos, col._count * width)
                parts.append(_padded(raw, count, width))
            self._fingerprints = np.frombuffer(b"".join(parts), "<i8").reshape(-1, width // 8)
        return self._fingerprints

    def path(self, docnum: int) -> str:
        """Document ``docnum``'s path, from the path column (cheaper than its stored fields:
        a ranking's ties are broken by path)."""
        leaf = bisect.bisect_right(self._offsets, docnum) - 1
        field = self._reader.schema["path"]
        column = self._path_columns.get(leaf)
        if column is None:
            column = self._path_columns[leaf] = self._leaves[leaf][0]._perdoc.column_reader(
                "path", field.column_type)
        return field.from_column_value(var_bytes_at(column, docnum - self._offsets[leaf]))

    # --- postings ------------------------------------------------------------------------

    def postings(self, field: str, text: str) -> Postings:
        btext = text.encode("utf-8", "surrogatepass")
        parts = []
        for reader, offset in self._leaves:
            found = reader._terms.file.postings(field, btext)  # ``codec.SearcherTermsReader``
            if found is not None:
                parts.append((offset, found))
        return Postings(parts, self.live if self.deleted else None)

    def terms_starting(self, field: str, prefix: str, most: int) -> list[str]:
        """The field's terms that start with ``prefix``, ascending: no more than ``most + 1``
        (one more than ``most`` says there are more), read in order from each segment's
        terms, no further than that."""
        start = prefix.encode("utf-8", "surrogatepass")
        found: set[bytes] = set()
        for reader, _ in self._leaves:
            for count, ((name, term), _) in enumerate(reader._terms.items_from(field, start)):
                if name != field or not term.startswith(start) or count > most:
                    break
                found.add(term)
        return [term.decode("utf-8", "surrogatepass") for term in sorted(found)[:most + 1]]

    def frequency(self, field: str, text: str) -> float:
        """How often the term occurs in the field over all documents (0 when never)."""
        return self._reader.frequency(field, text)

    def most_frequent_terms(self, field: str, number: int) -> list[tuple[int, str]]:
        """``(frequency, term)`` of the field's ``number`` most frequent terms."""
        return [(int(frequency), term.decode("utf-8", "surrogatepass") if isinstance(term, bytes) else term)
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


def _padded(raw: bytes, count: int, width: int) -> bytes:
    """A segment's column of ``count`` values of ``width`` bytes, from the values its file
    holds (Whoosh leaves out the defaults, zeros, that end it)."""
    if len(raw) > count * width or len(raw) % width:
        raise FormatError(f"a column holds {len(raw):,} bytes for {count:,} documents")
    return raw + bytes(count * width - len(raw))

