"""The engine's written interface: what a backend gives the rest of searcher, in our types.

A backend (``engine.whoosh``, the only one) stores a generation's documents and answers for
them. ``store`` reaches it through ``store.backend`` and hands out what it opened as
these protocols, so search and indexing never see the backend's own types:

* ``Backend``: creates and opens a generation, and tells a damaged file from a bug;
* ``Generation``: one open generation: its ``IndexReader``, an ``IndexWriter``, the removal of
  what a killed writer left, and the structural walk of ``searcher check``;
* ``IndexReader``: bulk reads, as arrays: a term's ``Postings``, each document's field length
  codes (``fieldnorms``), days (``NO_DAY`` when undated), fingerprints, paths, deletions and
  stored fields;
* ``IndexWriter``: adds, replaces and deletes documents; nothing is visible until ``commit``.

A tantivy or Lucene backend would be one more folder beside ``engine/whoosh/`` implementing
these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from searcher.engine.format.postings import TermPostings, decode_positions
from searcher.engine.format.records import FormatError

if TYPE_CHECKING:
    from searcher.analysis.chain import AnalysisChain
    from searcher.engine.integrity import Damage
    from searcher.engine.rollback import Snapshot
    from searcher.models import Document

# What a read of some documents' positions costs besides their bytes, in bytes of a whole
# decode: about 45 µs of array calls, where decoding takes 20-30 ns a byte.
READ_COST = 2048
# The largest positions area decoded whole: more would stall the search that pays for it
# (20-30 ns a byte: about 25 ms a MiB); a larger term's positions are read in part.
WHOLE_AREA_MOST = 1 << 20
# The day an undated document has (``IndexReader.days``): past every date, so a date range
# never holds it.
NO_DAY = 2**31 - 1


class Postings:
    """One term's postings across the index, as arrays: the live documents holding it
    (``docs``, ascending) and its frequency in each (``weights``); positions are read only
    when asked for, and decoded only for the documents asked about."""

    def __init__(self, parts: list[tuple[int, TermPostings]], live: np.ndarray | None) -> None:
        """``parts``: each segment's postings and the number of its first document;
        ``live``: whether each document is live, None when all of them are."""
        self._parts = parts  # (docnum offset of the segment, its postings), in docnum order
        every = [offset + np.cumsum(np.asarray(postings.docnum_deltas), dtype=np.int64)
                 for offset, postings in parts]
        self._every = np.concatenate(every) if every else np.zeros(0, np.int64)
        """Deleted documents included: positions are found by a document's place here."""
        self.doc_frequency = len(self._every)
        """Deleted documents included, as Whoosh counts for idf."""
        weights = np.concatenate([np.asarray(postings.weights, np.float64)
                                  for _, postings in parts]) if parts else np.zeros(0)
        self.docs: np.ndarray = self._every
        self.weights: np.ndarray = weights
        if live is not None:  # deleted documents to leave out
            alive = live[self._every]
            self.docs, self.weights = self._every[alive], weights[alive]
        self._area: tuple[np.ndarray, np.ndarray] | None = None
        """Once read: where each document's positions' bytes start, and the bytes."""
        self._whole: tuple[np.ndarray, np.ndarray] | None = None
        """After ``decode_whole``: where each document's positions start, and all of them."""
        self._spent = 0  # the reads' cost so far, in bytes of a whole decode (READ_COST)

    @property
    def memory_bound(self) -> int:
        """About how many bytes these postings hold once their positions are read: their
        arrays (documents, weights, each document's positions' start) and positions area,
        or the positions themselves once decoded whole (4 bytes each)."""
        if self._whole is not None:
            return 4 * 8 * self.doc_frequency + self._whole[1].nbytes
        return 4 * 8 * self.doc_frequency + sum(postings.area_length
                                                for _, postings in self._parts)

    @property
    def decoding_whole_pays(self) -> bool:
        """Whether decoding the positions whole would have cost no more than reading them in
        part has cost so far (as one rents skis until their price is spent, then buys), and
        the area is at most ``WHOLE_AREA_MOST``."""
        return self._area is not None and self._spent >= len(self._area[1]) \
            and len(self._area[1]) <= WHOLE_AREA_MOST

    @property
    def whole_growth(self) -> int:
        """At most how many bytes ``decode_whole`` adds: 4 a position, less the area's byte
        a position at least."""
        return 3 * len(self._area[1]) if self._area is not None else 0

    def positions_in(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions of the term in each of ``docs`` (ascending documents that hold it):
        how many each has, and all of them, one document after another. Only these
        documents' positions are decoded (or gathered, once decoded whole)."""
        rows = np.searchsorted(self._every, docs)
        whole = self._whole
        if whole is not None:
            starts, positions = whole
            found, counts = _runs(positions, starts[rows], starts[rows + 1])
            return counts, found
        byte_starts, area = self._area or self._read_area()
        data, lengths = _runs(area, byte_starts[rows], byte_starts[rows + 1])
        self._spent += READ_COST + len(data)
        counts, deltas = decode_positions(data, lengths)
        return counts, _running(counts, deltas)

    def decode_whole(self) -> None:
        """Decode every document's positions once (after ``positions_in`` read them), so
        later reads gather them: a read costs a fifth (a dozen array calls fewer). The area
        is let go of. Left as it was if the area is damaged where no search looked yet:
        the search that looks there says so."""
        if self._area is None:
            return
        byte_starts, area = self._area
        try:
            counts, deltas = decode_positions(area, np.diff(byte_starts))
        except FormatError:
            return
        positions = _running(counts, deltas)
        if len(positions) and positions.max() < 1 << 31:
            positions = positions.astype(np.int32)
        starts = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=starts[1:])
        self._whole = starts, positions
        self._area = None

    def _read_area(self) -> tuple[np.ndarray, np.ndarray]:
        if any(postings.position_lengths is None for _, postings in self._parts):
            raise FormatError("a term of a positional field has no positions")
        lengths = np.concatenate([np.asarray(postings.position_lengths, np.int64)
                                  for _, postings in self._parts])
        byte_starts = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=byte_starts[1:])
        self._area = byte_starts, np.concatenate([postings.positions_area
                                                  for _, postings in self._parts])
        return self._area

    def positions(self, docnum: int) -> list[int]:
        """The term's positions in document ``docnum`` (one that holds it), in order."""
        return self.positions_in(np.array([docnum], np.int64))[1].tolist()


def _running(counts: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    """Positions from their deltas, each document's starting from its first: a running sum
    over them all, less the sum before each document's first."""
    running = np.cumsum(deltas)
    before = np.concatenate(([0], running))[np.cumsum(counts) - counts]
    return running - np.repeat(before, counts)


def _runs(values: np.ndarray, starts: np.ndarray, ends: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """``values[start:end]`` for each run, one after another, and each run's length."""
    lengths = ends - starts
    firsts = np.cumsum(lengths) - lengths  # where each run goes among the gathered
    flat = np.repeat(starts - firsts, lengths) + np.arange(int(lengths.sum()))
    return values[flat], lengths


class IndexReader(Protocol):
    """Bulk reads of one open generation. Documents are numbered from 0 over all segments,
    deleted ones included (``doc_count``)."""

    doc_count: int
    deleted: frozenset[int]
    live: np.ndarray  # whether each document is live, to mask others with

    @property
    def segment_count(self) -> int: ...

    def length_codes(self, field: str) -> bytes:
        """Each document's length of ``field`` as a one-byte code (``fieldnorms``)."""

    def field_length(self, field: str) -> int:
        """The field's total length over all documents, deleted ones included."""

    def avg_field_length(self, field: str) -> float:
        """Over all documents, deleted ones included (as BM25F averages it)."""

    def days(self) -> np.ndarray:
        """Each document's day (``dates.day_number``; ``NO_DAY`` when undated), int64."""

    def fingerprints(self) -> np.ndarray:
        """Each document's near-duplicate band keys, a row of int64 (zeros: none)."""

    def path(self, docnum: int) -> str: ...

    def postings(self, field: str, text: str) -> Postings: ...

    def terms_starting(self, field: str, prefix: str, most: int) -> list[str]:
        """The field's terms that start with ``prefix``, ascending, at most ``most + 1`` (one
        more than ``most`` says there are more): a prefix query's expansion."""

    def frequency(self, field: str, text: str) -> float:
        """How often the term occurs in the field over all documents (0 when never)."""

    def most_frequent_terms(self, field: str, number: int) -> list[tuple[int, str]]: ...

    def stored_fields(self, docnum: int) -> dict: ...

    def find(self, field: str, value: str) -> int | None:
        """The live document whose id field ``field`` is ``value``."""

    def all_stored_fields(self) -> Iterator[dict]: ...


class IndexWriter(Protocol):
    """Changes to one generation, all visible at once on ``commit``; ``cancel`` (or a
    failed commit) leaves the generation as it was."""

    def add(self, doc: Document, file: str) -> None: ...

    def replace(self, doc: Document, file: str) -> None: ...

    def delete(self, path: str) -> None: ...

    def commit(self) -> None: ...

    def cancel(self) -> None: ...


class Generation(Protocol):
    """One generation, opened by a backend."""

    def reader(self) -> IndexReader:
        """A reader of the generation as it is now."""

    def writer(self, procs: int, snapshot: Snapshot | None) -> IndexWriter:
        """A writer using ``procs`` processes; a failed write is undone to ``snapshot``."""

    def remove_leftovers(self) -> None:
        """Remove what a writer killed in this generation left (before writing in it)."""

    def verify_structure(self) -> list[Damage]:
        """Everything the generation claims, read and checked (``searcher check``)."""


class Backend(Protocol):
    """What stores generations: its name, and its version, recorded in each generation's
    metadata as ``schema_version`` (a generation another version wrote is refused, and
    rebuilt)."""

    name: str
    schema_version: int

    def create(self, folder: Path, chain: AnalysisChain) -> Generation:
        """A new, empty generation in ``folder``, analysed by ``chain``."""

    def open(self, folder: Path, chain: AnalysisChain) -> Generation:
        """The generation in ``folder``. Raises ``FormatError`` or ``IndexDamagedError``
        for a file that is not what it should be, anything else for one it cannot read."""

    def is_damage(self, error: BaseException) -> bool:
        """Whether reading raised ``error`` because of what the files hold (rather than a
        bug of ours)."""
