"""Postings pooled by term as documents are added, for a segment written a term at a time.

Whoosh's ``PostingPool`` keeps a tuple of encoded bytes per posting, sorts them all and hands
them to the codec a posting at a time; ``TermPool`` keeps each term's postings together as
arrays and gives the segment writer a field's terms at once (``iter_fields``). ``FieldLengths`` reads each
field's document lengths once, for the terms' statistics.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import groupby
from operator import attrgetter, itemgetter

import numpy as np

from whoosh.writing import PostingPool

from searcher.engine.format.postings import TermPostings, TermPostingsToWrite, position_starts
from searcher.engine.format.term_batch import TermBatch
from searcher.engine.whoosh.codec import Frequencies, PositionList, value_bytes

# What pooled postings cost in memory, roughly, for the pool's limit: a positional field's
# posting is a document number and a count in arrays, 4 bytes each, and 4 bytes a position;
# another field's a tuple in a list (an int, a float, bytes); a term a dict entry, its key and
# three arrays.
POSTING_BYTES = 8
POSITION_BYTES = 4
VALUE_POSTING_BYTES = 8 + 64 + 28 + 24 + 40
TERM_BYTES = 100 + 74 + 3 * 64


class TermPool(PostingPool):
    """Whoosh's posting pool, but holding each term's postings together as documents come
    (``fields``: field → term → postings) until the segment is written a term at a time
    (``iter_fields``); Whoosh's own pool keeps a tuple of encoded bytes per posting and sorts
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
                postings = terms[term] = new_group(positional)
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
                group = terms[term] = new_group(positional)
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

    def iter_fields(self) -> Iterator[tuple[str, TermBatch | Iterator[TermPostingsToWrite]]]:
        """Every field, in order, and its terms, sorted, their postings in document order:
        a counted field's (no boost) as one ``TermBatch``, another's a term at a time.
        Documents come in order (those added, then each merged segment's, renumbered after
        them; a record whose documents went backwards could not be encoded: its deltas would
        be negative)."""
        if self.runs:
            yield from groupby(self._terms_from_runs(), key=attrgetter("field"))
            return
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            format_ = self._formats[fieldname]
            counted = isinstance(format_, (PositionList, Frequencies))
            if counted and format_.field_boost == 1:
                yield fieldname, term_batch(terms, isinstance(format_, PositionList))
            else:
                yield fieldname, self._field_terms(fieldname, terms, counted)

    def _field_terms(self, fieldname: str, terms: dict,
                     counted: bool) -> Iterator[TermPostingsToWrite]:
        boost = self._formats[fieldname].field_boost
        positional = isinstance(self._formats[fieldname], PositionList)
        for term in sorted(terms):
            postings = terms[term]
            if counted:
                docnums, counts = postings[0], postings[1]
                yield TermPostingsToWrite(
                    fieldname, term.encode("utf-8", "surrogatepass"), docnums,
                    [count * boost for count in counts],
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


def term_batch(terms: dict[str, tuple[array, ...]], positional: bool) -> TermBatch:
    """A counted field's pooled terms (term → ``new_group``'s arrays) as one batch, sorted."""
    keys = sorted(terms)
    groups = [terms[key] for key in keys]
    bounds = np.zeros(len(groups) + 1, np.int64)
    np.cumsum([len(group[0]) for group in groups], out=bounds[1:])

    def flat(n: int) -> np.ndarray:
        return np.frombuffer(b"".join(group[n] for group in groups), np.uint32)

    return TermBatch([key.encode("utf-8", "surrogatepass") for key in keys], bounds,
                     flat(0), flat(1), flat(2) if positional else None)


def new_group(positional: bool) -> tuple[array, ...]:
    """A pooled term's arrays: documents, counts, and for a positional field positions."""
    return (array("I"), array("I"), array("I")) if positional else (array("I"), array("I"))


class FieldLengths:
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
