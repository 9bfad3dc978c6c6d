"""Match and score a query plan over an index's postings, a whole posting list at a time.

Whoosh's matchers advance through postings with several Python calls per document; a common
word has postings in tens of thousands of documents, and that walk was nearly all of a
query's time (and Whoosh walks it twice when asked for the total). Here a term's postings are
read a block at a time from Whoosh's own files (one unpickle per 128 postings), and a plan
combines whole lists with dict and set operations in one pass. Like Lucene's two-phase
iteration, a conjunction first narrows its documents with postings alone and reads positions
only there; a phrase reads none where its word stands (``Phrase.certain``).

Scores are Whoosh's BM25F (B 0.75, K1 1.2: the same idf, the same average and byte-rounded
field lengths; a test checks the two agree), combined the way Whoosh's matchers combine them:
alternatives and conjunctions add their parts' scores, a boost multiplies, a phrase scores as
the sum of its terms' scores, and filters (dates, "everything but") score nothing.

    >>> plan = AllOf((Term("body", "停火"), Phrase("body_units", ("俄", "罗", "斯"))))
    >>> matches = IndexPostings(searcher).evaluate(plan)   # {docnum: score}
"""

from __future__ import annotations

import bisect
import heapq
import math
import pickle
import sys
from array import array
from dataclasses import dataclass
from itertools import accumulate
from typing import Union

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Terms at consecutive positions; it scores as the sum of its terms. ``unless``:
    documents that plan matches are left out before any position is read (the characters of
    a word, beside the word itself). ``certain``: documents that plan matches hold the phrase
    for certain, so no position is read there (a phrase that is a word, where it is one)."""

    field: str
    terms: tuple[str, ...]
    boost: float = 1.0
    unless: "Node | None" = None
    certain: "Node | None" = None


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class AllOf:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Without:
    base: "Node"
    excluded: "Node"


@dataclass(frozen=True)
class WithBonus:
    """``base``'s documents; ``bonus`` adds its score where it matches too."""

    base: "Node"
    bonus: "Node"


@dataclass(frozen=True)
class Everything:
    pass


@dataclass(frozen=True)
class DayRange:
    low: int | None
    high: int | None


Node = Union[Term, Phrase, AnyOf, AllOf, Without, WithBonus, Everything, DayRange]

Matches = dict[int, float]  # docnum → score
Within = Union[Matches, set[int], None]  # documents to consider: None for all


@dataclass
class Postings:
    """One term's postings across the index: docnum → weight (its frequency there), deleted
    documents left out; and each posting's value (its encoded positions), in docnum order."""

    weights: dict[int, float]
    docnums: list[int]
    values: list[bytes]

    @property
    def doc_frequency(self) -> int:
        """Deleted documents included, as Whoosh counts for idf."""
        return len(self.docnums)

    def value(self, docnum: int) -> bytes:
        return self.values[bisect.bisect_left(self.docnums, docnum)]


class IndexPostings:
    """Bulk reads of one open Whoosh index: postings, field lengths, the ``day`` column.
    Per-document columns are read once and kept; postings are read per query."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        # An index with no segments reads as one empty reader of another kind: no leaves.
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()
                       if sub.reader().doc_count_all()]
        self.doc_count = searcher.doc_count_all()
        self.deleted = frozenset(offset + docnum for reader, offset in self.leaves
                                 for docnum in reader._perdoc.deleted_docs())
        self._lengths: dict[str, bytes] = {}
        self._days: list[int] | None = None

    # --- per-document columns ------------------------------------------------------------

    def lengths(self, field: str) -> bytes:
        """The byte-rounded length of ``field`` in each document (Whoosh's own encoding)."""
        if field not in self._lengths:
            parts = []
            for reader, _ in self.leaves:
                count = reader.doc_count_all()
                col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                raw = b"" if col is None else col._dbfile.get(col._basepos, col._count)
                parts.append(raw + bytes(count - len(raw)))
            self._lengths[field] = b"".join(parts)
        return self._lengths[field]

    def days(self) -> list[int]:
        """Each document's ``day`` (``schema.NO_DAY`` when undated)."""
        if self._days is None:
            field = self.searcher.schema["day"]
            sortable = []
            for reader, _ in self.leaves:
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
            # A signed field's column holds value + 2**(bits - 1), so it sorts unsigned.
            shift = 1 << (field.bits - 1)
            self._days = [value - shift for value in sortable]
        return self._days

    # --- postings ------------------------------------------------------------------------

    def _matchers(self, field: str, text: str):
        """``(matcher, offset)`` of each segment that holds the term (one look-up each)."""
        btext = text.encode("utf-8")
        for reader, offset in self.leaves:
            try:
                matcher = reader._terms.matcher(field, btext, reader.schema[field].format)
            except TermNotFound:
                continue
            yield matcher, offset

    def postings(self, field: str, text: str) -> Postings:
        docnums: list[int] = []
        weights: list[float] = []
        values: list[bytes] = []
        for matcher, offset in self._matchers(field, text):
            for block_docnums, block_weights, block_values in _blocks(matcher, offset):
                docnums.extend(block_docnums)
                weights.extend(block_weights)
                values.extend(block_values)
        by_docnum = dict(zip(docnums, weights))
        for docnum in self.deleted.intersection(by_docnum):
            del by_docnum[docnum]
        return Postings(by_docnum, docnums, values)

    def evaluate(self, plan: Node) -> Matches:
        return _Evaluation(self).run(plan)

    def top(self, matches: Matches, limit: int | None) -> list[tuple[int, float]]:
        """``(docnum, score)``, best first; equal scores in index order, as Whoosh ranks."""
        key = lambda item: (-item[1], item[0])  # noqa: E731
        if limit is None:
            return sorted(matches.items(), key=key)
        return heapq.nsmallest(limit, matches.items(), key=key)


def _blocks(matcher: W3LeafMatcher, offset: int):
    """``(docnums, weights, values)`` of each stored block of a segment's postings for a term
    (docnums counted from the segment's ``offset``). Our writers never inline postings in the
    term info (Whoosh's ``inlinelimit`` of 1 means fewer than one posting)."""
    to_index = offset.__add__
    while True:
        matcher._read_data()
        ids, weights, values = matcher._data
        if weights is None or isinstance(weights, float):
            weights = (weights or 1.0,) * matcher._blocklength
        yield map(to_index, accumulate(ids)), weights, values
        if matcher._lastblock:
            return
        matcher._next_block()


class _Evaluation:
    """One plan's evaluation; a term's postings and a node's matches are computed once."""

    def __init__(self, index: IndexPostings) -> None:
        self.index = index
        self.searcher = index.searcher
        self._postings: dict[tuple[str, str], Postings] = {}
        self._done: dict[Node, Matches] = {}
        self._maybe: dict[Node, frozenset[int] | None] = {}

    def run(self, node: Node, within: Within = None) -> Matches:
        """Matches of ``node``; given ``within``, only those among its documents (a cheaper
        question for a phrase or a filter)."""
        if within is not None and isinstance(node, Term):
            full = self.run(node)
            small, large = (within, full) if len(within) < len(full) else (full, within)
            return {d: full[d] for d in small if d in large}
        if within is None and node in self._done:
            return self._done[node]
        if isinstance(node, Term):
            found = self.term(node)
        elif isinstance(node, Phrase):
            found = self.phrase(node, within)
        elif isinstance(node, AnyOf):
            found = self.any_of(node, within)
        elif isinstance(node, AllOf):
            found = self.all_of(node, within)
        elif isinstance(node, Without):
            base = self.run(node.base, within)
            excluded = self.run(node.excluded, base)
            found = {d: s for d, s in base.items() if d not in excluded}
        elif isinstance(node, WithBonus):
            base = self.run(node.base, within)
            bonus = self.run(node.bonus, base)
            found = {d: s + bonus.get(d, 0.0) for d, s in base.items()}
        elif isinstance(node, DayRange):
            found = self.day_range(node, within)
        elif isinstance(node, Everything):
            docs = within if within is not None else range(self.index.doc_count)
            found = dict.fromkeys((d for d in docs if d not in self.index.deleted), 0.0)
        else:
            raise TypeError(f"not a plan node: {node!r}")
        if within is None:
            self._done[node] = found
        return found

    def maybe(self, node: Node) -> frozenset[int] | None:
        """Documents ``node`` may match, from postings alone (no positions read); None when
        that could be any document. Computed once per node."""
        if node not in self._maybe:
            self._maybe[node] = self._find_maybe(node)
        return self._maybe[node]

    def _find_maybe(self, node: Node) -> frozenset[int] | None:
        if isinstance(node, Term):
            return frozenset(self.postings(node.field, node.text).weights)
        if isinstance(node, Phrase):
            weights = sorted((self.postings(node.field, t).weights for t in node.terms), key=len)
            docs = frozenset(weights[0]).intersection(*weights[1:])
            return docs - self.run(node.unless).keys() if node.unless is not None else docs
        if isinstance(node, (AnyOf, AllOf)):
            parts = [self.maybe(item) for item in node.items]
            if isinstance(node, AllOf):
                known = [p for p in parts if p is not None]
                return frozenset.intersection(*known) if known else None
            return None if None in parts else frozenset().union(*parts)
        if isinstance(node, (Without, WithBonus)):
            return self.maybe(node.base)
        return None  # filters: cheap to apply to what the rest matches

    def size(self, node: Node) -> float:
        """A cheap guess at how many documents ``node`` matches (from document frequencies),
        to evaluate the most selective part of a conjunction first."""
        if isinstance(node, Term):
            return self.postings(node.field, node.text).doc_frequency
        if isinstance(node, Phrase):
            return min(self.postings(node.field, t).doc_frequency for t in node.terms)
        if isinstance(node, AnyOf):
            return sum(self.size(item) for item in node.items)
        if isinstance(node, AllOf):
            return min(self.size(item) for item in node.items)
        if isinstance(node, (Without, WithBonus)):
            return self.size(node.base)
        return math.inf  # filters: applied to what the rest matched

    def postings(self, field: str, text: str) -> Postings:
        key = (field, text)
        if key not in self._postings:
            self._postings[key] = self.index.postings(field, text)
        return self._postings[key]

    def term_scores(self, field: str, text: str, docs) -> Matches:
        """Whoosh's BM25F for one term over ``docs`` (documents holding it)."""
        if not docs:
            return {}
        postings = self.postings(field, text)
        weights = postings.weights
        idf = math.log(self.index.doc_count / (postings.doc_frequency + 1)) + 1
        avgfl = self.searcher.avg_field_length(field) or 1
        lengths = self.index.lengths(field)
        norm = [K1 * ((1 - B) + B * byte_to_length(b) / avgfl) for b in range(256)]
        scale = idf * (K1 + 1)
        return {d: scale * weights[d] / (weights[d] + norm[lengths[d]]) for d in docs}

    def term(self, node: Term) -> Matches:
        scores = self.term_scores(node.field, node.text,
                                  self.postings(node.field, node.text).weights)
        if node.boost != 1.0:
            scores = {d: s * node.boost for d, s in scores.items()}
        return scores

    def phrase(self, node: Phrase, within: Within) -> Matches:
        postings = [self.postings(node.field, text) for text in node.terms]
        candidates = self.maybe(node)
        if within is not None:
            candidates = candidates.intersection(within)
        sure = candidates.intersection(self.run(node.certain)) if node.certain else set()
        candidates = sure.union(d for d in candidates - sure
                                if _adjacent([p.value(d) for p in postings]))
        scores = dict.fromkeys(candidates, 0.0)
        for text in node.terms:
            for d, s in self.term_scores(node.field, text, candidates).items():
                scores[d] += s * node.boost
        return scores

    def any_of(self, node: AnyOf, within: Within) -> Matches:
        found: Matches = {}
        for item in node.items:
            for d, s in self.run(item, within).items():
                found[d] = found.get(d, 0.0) + s
        return found

    def all_of(self, node: AllOf, within: Within) -> Matches:
        # Two phases, as Lucene does: the documents every part may match, from postings
        # alone, then positions checked only there. The most selective part first; each
        # narrows the next; filters last.
        for item in node.items:
            maybe = self.maybe(item)
            if maybe is not None:
                within = maybe if within is None else maybe.intersection(within)
        items = sorted(node.items, key=self.size)
        found = self.run(items[0], within)
        for item in items[1:]:
            other = self.run(item, found)
            found = {d: s + other[d] for d, s in found.items() if d in other}
        return found

    def day_range(self, node: DayRange, within: Within) -> Matches:
        days = self.index.days()
        low = node.low if node.low is not None else -(2**31)
        high = node.high if node.high is not None else 2**31 - 2  # NO_DAY stays out
        docs = within if within is not None else range(self.index.doc_count)
        deleted = self.index.deleted
        return {d: 0.0 for d in docs if low <= days[d] <= high and d not in deleted}


def plan_terms(node: Node | None) -> set[tuple[str, str]]:
    """Every ``(field, term)`` whose postings evaluating ``node`` reads."""
    if node is None or isinstance(node, (DayRange, Everything)):
        return set()
    if isinstance(node, Term):
        return {(node.field, node.text)}
    if isinstance(node, Phrase):
        return ({(node.field, t) for t in node.terms} | plan_terms(node.unless)
                | plan_terms(node.certain))
    if isinstance(node, (AnyOf, AllOf)):
        return set().union(*(plan_terms(item) for item in node.items))
    if isinstance(node, Without):
        return plan_terms(node.base) | plan_terms(node.excluded)
    return plan_terms(node.base) | plan_terms(node.bonus)


def _adjacent(values: list[bytes]) -> bool:
    """Whether the terms whose encoded positions these are (Whoosh's ``Positions`` values: a
    count, then the pickled position deltas) stand at consecutive positions."""
    starts = set(accumulate(pickle.loads(values[0][4:])))
    for offset, value in enumerate(values[1:], 1):
        starts.intersection_update(map((-offset).__add__, accumulate(pickle.loads(value[4:]))))
        if not starts:
            return False
    return True
