"""Postings pooled by term as documents are added, for a segment written a term at a time.

Whoosh's ``PostingPool`` keeps a tuple of encoded bytes per posting, sorts them all and hands
them to the codec a posting at a time; ``TermPool`` keeps a text field's postings in flat
arrays as documents come (``CountedPostings``), sorts them by term once, and gives the segment
writer a field's terms at once (``iter_fields``). ``FieldLengths`` reads each field's document
lengths once, for the terms' statistics.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, groupby, repeat
from operator import attrgetter, itemgetter

import numpy as np

from whoosh.writing import PostingPool

from searcher.analysis.positions import TextTerms
from searcher.engine.format.postings import TermPostings, TermPostingsToWrite, position_starts
from searcher.engine.format.term_batch import TermBatch
from searcher.engine.whoosh.codec import Frequencies, PositionList, value_bytes

# What pooled postings cost in memory, roughly, for the pool's limit: a text field's posting
# is its term's number and a count in arrays, 4 bytes each, and 4 bytes a position; another field's a tuple in a list (an int, a float, bytes); a term a dict entry
# and its key (another field's: and a list).
POSTING_BYTES = 8
POSITION_BYTES = 4
VALUE_POSTING_BYTES = 8 + 64 + 28 + 24 + 40
TERM_BYTES = 100 + 74
VALUE_TERM_BYTES = TERM_BYTES + 64


class CountedPostings:
    """A text field's pooled postings, in the order documents came: each term's number
    (``ids``: term → number, in order of first sight), each posting's term number, count and
    (a positional field's) positions as deltas, each document's first as itself (as a record
    stores them), and the postings' documents as runs (a document and how many postings in
    a row are its), in flat arrays: a call per document, not per term."""

    def __init__(self, positional: bool) -> None:
        # A new term takes the next number: the dict's size when it is looked up (a call
        # into C per term, where ``setdefault(term, len(ids))`` was two Python calls).
        self.ids: defaultdict[str, int] = defaultdict()
        self.ids.default_factory = self.ids.__len__
        self.terms, self.counts = array("I"), array("I")
        self.run_docnums, self.run_lengths = array("I"), array("I")
        self.deltas = array("I") if positional else None
        # The chain's numbering of terms, when it gives one (``_numbers_of``).
        self._names: list[str] | None = None
        self._by_chain_number = np.empty(0, np.int32)

    def add_document(self, docnum: int, found: TextTerms) -> int:
        """A document's terms, their counts and (a positional field's) positions; how many
        terms are new."""
        ids = self.ids
        known = len(ids)
        if found.ids is None:
            self.terms.extend(map(ids.__getitem__, found.terms))
        else:
            self.terms.frombytes(self._numbers_of(found).astype(np.uint32).tobytes())
        counts = found.counts
        self.counts.frombytes(counts.astype(np.uint32).tobytes())
        self.run_docnums.append(docnum)
        self.run_lengths.append(len(counts))
        if self.deltas is not None and len(counts):
            positions = found.positions
            deltas = np.empty(len(positions), np.uint32)  # each term's first set below
            np.subtract(positions[1:], positions[:-1], out=deltas[1:], casting="unsafe")
            firsts = np.cumsum(counts) - counts
            deltas[firsts] = positions[firsts]
            self.deltas.frombytes(deltas.tobytes())
        return len(ids) - known

    def _numbers_of(self, found: TextTerms) -> np.ndarray:
        """The numbers of terms the chain numbered (``found.ids`` in ``found.names``): from
        a table by the chain's number, the term looked up by name only on first sight (and
        again once the chain numbers afresh: a new ``names``)."""
        if found.names is not self._names:
            self._names = found.names
            self._by_chain_number = np.full(1 << 10, -1, np.int32)
        table = self._by_chain_number
        if len(table) < len(found.names):
            table = self._by_chain_number = np.concatenate(
                (table, np.full(max(len(found.names), len(table) * 5 // 4) - len(table), -1,
                                np.int32)))
        numbers = table[found.ids]
        new = numbers < 0
        if new.any():
            fresh = found.ids[new]
            numbers[new] = table[fresh] = np.fromiter(
                map(self.ids.__getitem__, map(found.names.__getitem__, fresh.tolist())),
                np.int32, fresh.size)
        return numbers

    def add_term(self, term: str, docnums: Sequence[int], counts: Iterable[int],
                 deltas: Iterable[int]) -> bool:
        """A merged term's postings (``deltas``: their positions, one after another);
        whether the term is new."""
        known = len(self.ids)
        number = self.ids[term]
        self.terms.extend(repeat(number, len(docnums)))
        self.run_docnums.extend(docnums)
        self.run_lengths.extend(repeat(1, len(docnums)))
        self.counts.extend(counts)
        if self.deltas is not None:
            self.deltas.extend(deltas)
        return number == known

    def batch(self) -> TermBatch:
        """The postings sorted by term (their order is the order of their UTF-8 bytes), in
        document order within each (a stable sort: documents came in order)."""
        names = list(self.ids)  # in order of their numbers
        order_of_names = sorted(range(len(names)), key=names.__getitem__)
        # 32-bit arrays where they do (a pool holds far fewer than 2**32 postings and
        # positions): the sort's arrays are the writer's largest besides the pool itself.
        rank = np.empty(len(names), np.uint32)
        rank[order_of_names] = np.arange(len(names), dtype=np.uint32)
        posting_ranks = rank[np.frombuffer(self.terms, np.uint32)]
        bounds = np.zeros(len(names) + 1, np.int64)
        np.cumsum(np.bincount(posting_ranks, minlength=len(names)), out=bounds[1:])
        order = np.argsort(posting_ranks, kind="stable")
        del posting_ranks
        counts = np.frombuffer(self.counts, np.uint32)
        batch = TermBatch([names[n].encode("utf-8", "surrogatepass") for n in order_of_names],
                          bounds, self._docnums()[order], counts[order])
        if self.deltas is not None:
            starts = np.cumsum(counts, dtype=np.uint32)
            starts -= counts
            batch.deltas = np.frombuffer(self.deltas, np.uint32)
            batch.delta_starts = starts[order]
        return batch

    def _docnums(self) -> np.ndarray:
        """Each posting's document."""
        return np.repeat(np.frombuffer(self.run_docnums, np.uint32),
                         np.frombuffer(self.run_lengths, np.uint32))

    def postings(self, fieldname: str) -> Iterator[tuple]:
        """Every posting as Whoosh's pool holds it: field, term, document, weight, value
        (a positional field's: its deltas' bytes)."""
        names = [name.encode("utf-8", "surrogatepass") for name in self.ids]
        starts = position_starts(self.counts)
        deltas = self.deltas
        for number, docnum, count, start in zip(self.terms, self._docnums().tolist(),
                                                self.counts, starts):
            value = b"" if deltas is None else deltas[start:start + count].tobytes()
            yield fieldname, names[number], docnum, float(count), value


class TermPool(PostingPool):
    """Whoosh's posting pool, but holding a text field's postings in flat arrays as documents
    come (``CountedPostings``: about 4 bytes a position, a tenth of a list of ints, so a
    segment holds ten times the text), another field's by term, until the segment is written
    a field at a time (``iter_fields``); Whoosh's own pool keeps a tuple of encoded bytes per
    posting and sorts them all. Past its memory limit (one writer process given a large
    corpus) the pool spills to Whoosh's sorted runs on disk and regroups the terms from them.
    A text field's weights are its counts: the schema gives no field an index-time boost."""

    def __init__(self, tempstore, segment, schema, limitmb: int) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._formats = {name: field.format for name, field in schema.items()}
        if any(isinstance(format_, (PositionList, Frequencies)) and format_.field_boost != 1
               for format_ in self._formats.values()):
            raise ValueError("a text field with an index-time boost: its weights would not "
                             "be its counts")
        self.fields: dict[str, CountedPostings | dict] = {}

    def add(self, item) -> None:
        # Whoosh's way in, a posting at a time; our writers add documents and merged segments
        # in bulk, and a posting left in Whoosh's list would never be written.
        raise NotImplementedError("searcher's writers pool postings a document or a term "
                                  "at a time")

    def add_terms(self, fieldname: str, docnum: int, found: TextTerms) -> None:
        """A document's terms in a text field, each with its count (and positions)."""
        field = self._field(fieldname)
        new_terms = field.add_document(docnum, found)
        positions = len(found.positions) if field.deltas is not None else 0
        self._grew(new_terms * TERM_BYTES + len(found.counts) * POSTING_BYTES
                   + positions * POSITION_BYTES)

    def add_values(self, fieldname: str, docnum: int, postings) -> None:
        """A document's ``(term, frequency, weight, value)`` in another field, as the field's
        ``index`` gives them."""
        terms = self._field(fieldname)
        size = 0
        for tbytes, _, weight, vbytes in postings:
            terms.setdefault(tbytes, []).append((docnum, weight, vbytes or b""))
            size += VALUE_TERM_BYTES + VALUE_POSTING_BYTES  # mostly new terms: paths, days
        self._grew(size)

    def add_merged_term(self, fieldname: str, tbytes: bytes, postings: TermPostings,
                        kept: Sequence[int], docnums: Sequence[int]) -> None:
        """A merged segment's postings of one term, decoded from its record: those at
        ``kept`` in it, renumbered as ``docnums``."""
        field = self._field(fieldname)
        if isinstance(field, CountedPostings):
            positional = field.deltas is not None
            # A Frequencies record's counts are its weights (its fields have no boost).
            counts = postings.counts if positional else postings.weights
            deltas: Iterable[int] = ()
            if len(kept) == len(counts):  # nothing deleted: the record's arrays as they are
                kept_counts: Iterable[int] = map(int, counts)
                if positional:
                    deltas = postings.deltas.tolist()
            else:
                kept_counts = [int(counts[index]) for index in kept]
                if positional:
                    starts = postings.starts()
                    deltas = chain.from_iterable(
                        postings.deltas[starts[index]:starts[index] + counts[index]].tolist()
                        for index in kept)
            new = field.add_term(tbytes.decode("utf-8", "surrogatepass"), docnums,
                                 kept_counts, deltas)
            size = new * TERM_BYTES + len(kept) * POSTING_BYTES
            if positional:
                size += POSITION_BYTES * len(postings.deltas)
        else:
            values = value_bytes(postings, self._formats[fieldname])
            group = field.setdefault(tbytes, [])
            weights = postings.weights
            group.extend((docnum, weights[index], values[index] or b"")
                         for index, docnum in zip(kept, docnums))
            size = VALUE_TERM_BYTES + len(kept) * VALUE_POSTING_BYTES
        self._grew(size)

    def _field(self, fieldname: str) -> CountedPostings | dict:
        if fieldname not in self.fields:
            format_ = self._formats[fieldname]
            if isinstance(format_, (PositionList, Frequencies)):
                self.fields[fieldname] = CountedPostings(isinstance(format_, PositionList))
            else:
                self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return self.fields[fieldname]

    def _grew(self, size: int) -> None:
        self.currentsize += size
        if self.currentsize > self.limit:
            self._flatten()
            self.save()

    def _flatten(self) -> None:
        """Move the pooled postings into Whoosh's list of posting tuples."""
        for fieldname, field in self.fields.items():
            if isinstance(field, CountedPostings):
                self.current.extend(field.postings(fieldname))
            else:
                self.current.extend((fieldname, tbytes, *posting)
                                    for tbytes, postings in field.items()
                                    for posting in postings)
        self.fields = {}

    def iter_postings(self):
        """Whoosh's way out: every posting, sorted."""
        self._flatten()
        return self.items()

    def iter_fields(self) -> Iterator[tuple[str, TermBatch | Iterator[TermPostingsToWrite]]]:
        """Every field, in order, and its terms, sorted, their postings in document order:
        a text field's as one ``TermBatch``, another's a term at a time.
        Documents come in order (those added, then each merged segment's, renumbered after
        them; a record whose documents went backwards could not be encoded: its deltas would
        be negative)."""
        if self.runs:
            yield from groupby(self._terms_from_runs(), key=attrgetter("field"))
            return
        for fieldname in sorted(self.fields):
            field = self.fields[fieldname]
            if isinstance(field, CountedPostings):
                if field.ids:  # a field of empty values has no terms to start
                    yield fieldname, field.batch()
            elif field:
                yield fieldname, (
                    TermPostingsToWrite(fieldname, tbytes, *map(list, zip(*field[tbytes])))
                    for tbytes in sorted(field))

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
