"""Match and score a query plan over a generation's postings, a whole posting list at a time.

A common word has postings in tens of thousands of documents; walking them a document at a
time, as Whoosh's matchers do, was nearly all of a query's time. Here each term's postings
come from the engine's reader as arrays, and a plan combines whole arrays: sorted document
numbers intersected and merged by binary search (numpy), scores computed for all of a term's
documents in one pass. Like Lucene's two-phase iteration, a conjunction first narrows its
documents with postings alone and reads positions only there; a phrase reads none where its
word stands (``Phrase.certain``), and checks the rest at once: each term's positions in the
candidates, shifted by its place in the phrase, as (document, position) keys intersected.

Scores are Whoosh's BM25F (``engine.scoring``: the same idf, the same average and byte-rounded
field lengths; a test checks the two agree), combined the way Whoosh's matchers combine them:
alternatives and conjunctions add their parts' scores (``AtLeast``: the parts a document
matches), a boost multiplies, a phrase scores as the sum of its terms' scores, and filters
(dates, "everything but") score nothing.

    >>> plan = AllOf((Term("body", "停火"), Phrase("body_units", ("俄", "罗", "斯"))))
    >>> found = evaluate(index.reader(), plan)       # Matches  # doctest: +SKIP
    >>> dict(found.items())                          # {docnum: score}  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from searcher.engine.interface import IndexReader as GenerationReader, Postings
from searcher.engine.scoring import bm25, length_norms
from searcher.errors import QuerySyntaxError
from searcher.search.plan import (
    AllOf, AnyOf, AtLeast, DayRange, Everything, Node, Phrase, Prefix, Term, WithBonus,
    Without)
from searcher.search.scoring_statistics import IndexStatistics, Statistics

if TYPE_CHECKING:
    from searcher.bounded_cache import BoundedCache

NO_DOCS = np.zeros(0, np.int64)
POSITION_BITS = 32  # a phrase key: the document number above, a position below
# Sets of document numbers are compared through a mask of every number up to the largest
# when it spans at most this many times their sizes: one pass each, not a search each.
MASK_SPAN = 64
# Needles fewer than a haystack's length over this are searched for, not masked: a search
# costs about 30 times what setting a mask's element does.
FEW_NEEDLES = 32
# Parts holding fewer documents in all than this fraction of the index's are combined by
# sorting them, not in arrays as long as the index.
FEW_DOCUMENTS = 16
# As many needles at least, their places are looked up in a table, not by binary search.
PLACES_TABLE = 256
PHRASE_OVERHEAD = 512  # bytes a kept phrase costs besides its arrays (its plan node, itself)
# The most terms a ``Prefix`` stands for (Lucene's default limit on a query's clauses): a
# prefix matching more is refused with a message, rather than cut to some of its words.
MAX_EXPANSIONS = 1024


@dataclass(frozen=True, eq=False)
class Matches:
    """The documents a plan matches, ascending, and the score of each."""

    docs: np.ndarray  # int64
    scores: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.docs)

    def __contains__(self, docnum: object) -> bool:
        return isinstance(docnum, int) and bool(_members(self.docs, np.array([docnum]))[0])

    def items(self) -> Iterator[tuple[int, float]]:
        """``(docnum, score)`` pairs, as Python numbers."""
        return zip(self.docs.tolist(), self.scores.tolist())

    def among(self, docs: np.ndarray) -> Matches:
        """Only those of ``docs`` (ascending)."""
        mine, _ = _common(self.docs, docs)
        return Matches(self.docs[mine], self.scores[mine])

    def without(self, docs: np.ndarray) -> Matches:
        """All but those of ``docs`` (ascending)."""
        kept = ~_members(docs, self.docs)
        return Matches(self.docs[kept], self.scores[kept])


NO_MATCHES = Matches(NO_DOCS, np.zeros(0))


@dataclass(frozen=True)
class PhraseDocs:
    """What a reader keeps of a phrase between searches: the documents ``found`` to hold it
    among those ``checked`` so far (None: all of them). A search checks only the documents
    it asks about that no search checked before; a phrase recurs across queries that repeat
    or refine one another (each word of a query is also the phrase of its characters)."""

    checked: np.ndarray | None
    found: np.ndarray

    @property
    def size(self) -> int:
        """What keeping it costs: its arrays, and its key (a plan node) and itself."""
        return PHRASE_OVERHEAD + self.found.nbytes + (
            0 if self.checked is None else self.checked.nbytes)


class PostingsCache:
    """A search's postings, each term's read and decoded once: the plan's evaluation and the
    lead bonus (``search.lead``) look at the same terms. Both score with ``statistics``: the
    reader's own unless given (a shard of a larger collection is given the collection's)."""

    def __init__(self, reader: GenerationReader, statistics: Statistics | None = None) -> None:
        self.reader = reader
        self._postings: dict[tuple[str, str], Postings] = {}
        self.statistics = statistics or IndexStatistics(reader, self)
        self.derived: BoundedCache | None = getattr(reader, "derived", None)
        """What the reader keeps that searches derive (``PhraseDocs``), where it keeps it."""

    def __call__(self, field: str, text: str) -> Postings:
        key = (field, text)
        if key not in self._postings:
            self._postings[key] = self.reader.postings(field, text)
        return self._postings[key]


def evaluate(reader: GenerationReader, plan: Node,
             postings: PostingsCache | None = None) -> Matches:
    """Every live document ``plan`` matches, with its score; ``postings`` to share the terms
    it reads with what comes after."""
    return _Evaluation(reader, postings or PostingsCache(reader)).run(plan)


def on_days(reader: GenerationReader, matches: Matches, days: DayRange) -> Matches:
    """Those of ``matches`` dated within ``days``, scores unchanged (a date filter scores
    nothing)."""
    low = days.low if days.low is not None else -(2**31)
    high = days.high if days.high is not None else 2**31 - 2  # NO_DAY stays out
    day = reader.days()[matches.docs]
    kept = (low <= day) & (day <= high)
    return Matches(matches.docs[kept], matches.scores[kept])


def top(matches: Matches, limit: int | None,
        path_of: Callable[[int], str]) -> list[tuple[int, float]]:
    """``(docnum, score)`` of the best ``limit`` (all when None), best first; equal scores by
    path (``path_of`` a document's), so that a ranking is the same whatever numbers the
    documents have: across rebuilds, process counts and merges. Paths are looked up only
    for documents that tie."""
    if limit == 0 or not len(matches):
        return []
    scores = matches.scores
    chosen = np.arange(len(scores))
    if limit is not None and limit < len(scores):
        # Every document at the cut's score may belong in it.
        last = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        chosen = np.flatnonzero(scores >= last)
    chosen = chosen[np.argsort(-scores[chosen], kind="stable")]
    ranked: list[tuple[int, float]] = []
    for _, tied in groupby(zip(matches.docs[chosen].tolist(), scores[chosen].tolist()),
                           key=itemgetter(1)):
        tied = list(tied)
        if len(tied) > 1:
            tied.sort(key=lambda item: path_of(item[0]))
        ranked.extend(tied)
    return ranked if limit is None else ranked[:limit]


def _members(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Whether each of ``needles`` (non-negative) is in ``haystack`` (ascending): by a mask
    as long as the largest value when that is not much longer than the two (document
    numbers: cheaper than a binary search each), else by binary search (phrase keys, or a
    few needles in a long haystack: a hundred top documents among a common character's)."""
    if not len(haystack) or not len(needles):
        return np.zeros(len(needles), bool)
    largest = max(int(haystack[-1]), int(needles.max()))
    if (largest < MASK_SPAN * (len(haystack) + len(needles))
            and len(needles) * FEW_NEEDLES >= len(haystack)):
        mask = np.zeros(largest + 1, bool)
        mask[haystack] = True
        return mask[needles]
    at = np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)
    return haystack[at] == needles


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the values both ascending arrays hold stand in each: the smaller one's values
    are looked up in the larger."""
    if len(a) > len(b):
        in_b, in_a = _common(b, a)
        return in_a, in_b
    found = _members(b, a)
    return np.flatnonzero(found), _places(b, a[found])


def _places(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Where each of ``needles`` (ascending, each in ``haystack``, ascending document
    numbers) stands in ``haystack``: through a table of places as long as the largest number
    when the needles are many (a look-up each), else by binary search (few needles)."""
    if len(needles) < PLACES_TABLE or int(haystack[-1]) >= MASK_SPAN * len(needles):
        return np.searchsorted(haystack, needles)
    table = np.empty(int(haystack[-1]) + 1, np.int64)  # only the haystack's slots are read
    table[haystack] = np.arange(len(haystack))
    return table[needles]


def _sum_by_document(parts: list[Matches], doc_count: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The documents of any of ``parts``, each one's scores added up (in the parts' order,
    as a running sum would), and how many parts hold it. Counted in arrays as long as the
    index has documents when the parts hold many (faster than sorting them together), else
    over the documents they hold, sorted (an array per document of a large index would cost
    more than the parts)."""
    docs = np.concatenate([part.docs for part in parts])
    if len(docs) * FEW_DOCUMENTS < doc_count:
        found = _distinct(docs)
        scores, counts = np.zeros(len(found)), np.zeros(len(found), np.int64)
        for part in parts:  # added in the parts' order, as the counting below adds them
            places = np.searchsorted(found, part.docs)
            scores[places] += part.scores
            counts[places] += 1
        return found, scores, counts
    counts = np.bincount(docs, minlength=doc_count)
    scores = np.bincount(docs, weights=np.concatenate([part.scores for part in parts]),
                         minlength=doc_count)
    found = np.flatnonzero(counts)
    return found, scores[found], counts[found]


def _merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two ascending arrays of different documents as one."""
    return np.sort(np.concatenate((a, b)))


def _distinct(docs: np.ndarray) -> np.ndarray:
    """The distinct values of ``docs``, ascending (a sort: numpy's ``unique`` hashes, and
    that is slower for document numbers)."""
    docs = np.sort(docs)
    return docs[np.concatenate(([True], docs[1:] != docs[:-1]))] if len(docs) else docs


def _union(arrays: list[np.ndarray], doc_count: int, at_least: int = 1) -> np.ndarray:
    """The documents in at least ``at_least`` of these arrays, ascending."""
    if not arrays:
        return NO_DOCS
    docs = np.concatenate(arrays)
    if len(docs) * FEW_DOCUMENTS < doc_count:
        found = _distinct(docs)
        if at_least == 1:
            return found
        counts = np.bincount(np.searchsorted(found, docs), minlength=len(found))
        return found[counts >= at_least]
    counts = np.bincount(docs, minlength=doc_count)
    return np.flatnonzero(counts >= at_least)


class _Evaluation:
    """One plan's evaluation; a term's postings and a node's matches are computed once."""

    def __init__(self, reader: GenerationReader, postings: PostingsCache) -> None:
        self.reader = reader
        self.postings = postings
        self._scores: dict[tuple[str, str], Matches] = {}
        self._done: dict[Node, Matches] = {}
        self._maybe: dict[Node, np.ndarray | None] = {}
        self._length_norms: dict[str, np.ndarray] = {}
        self._expanded: dict[Prefix, AnyOf] = {}

    def run(self, node: Node, within: np.ndarray | None = None) -> Matches:
        """Matches of ``node``; given ``within`` (ascending documents), only those among them
        (a cheaper question for a phrase or a filter)."""
        if within is not None and isinstance(node, Term):
            return self.run(node).among(within)
        if within is None and node in self._done:
            return self._done[node]
        if isinstance(node, Term):
            found = self.term(node)
        elif isinstance(node, Prefix):
            found = self.run(self.expanded(node), within)
        elif isinstance(node, Phrase):
            found = self.phrase(node, within)
        elif isinstance(node, AnyOf):
            found = self.any_of(node, within)
        elif isinstance(node, AllOf):
            found = self.all_of(node, within)
        elif isinstance(node, AtLeast):
            found = self.at_least(node, within)
        elif isinstance(node, Without):
            base = self.run(node.base, within)
            found = base.without(self.run(node.excluded, base.docs).docs)
        elif isinstance(node, WithBonus):
            base = self.run(node.base, within)
            bonus = self.run(node.bonus, base.docs)
            scores = base.scores.copy()
            mine, theirs = _common(base.docs, bonus.docs)
            scores[mine] += bonus.scores[theirs]
            found = Matches(base.docs, scores)
        elif isinstance(node, DayRange):
            found = self.day_range(node, within)
        elif isinstance(node, Everything):
            docs = self._live(within)
            found = Matches(docs, np.zeros(len(docs)))
        else:
            raise TypeError(f"not a plan node: {node!r}")
        if within is None:
            self._done[node] = found
        return found

    def maybe(self, node: Node) -> np.ndarray | None:
        """Documents ``node`` may match (ascending), from postings alone (no positions read);
        None when that could be any document. Computed once per node."""
        if node not in self._maybe:
            self._maybe[node] = self._find_maybe(node)
        return self._maybe[node]

    def expanded(self, node: Prefix) -> AnyOf:
        """The terms a prefix stands for in this index, each a ``Term``; a
        ``QuerySyntaxError`` when they are more than ``MAX_EXPANSIONS``."""
        if node not in self._expanded:
            terms = self.reader.terms_starting(node.field, node.text, MAX_EXPANSIONS)
            if len(terms) > MAX_EXPANSIONS:
                raise QuerySyntaxError(
                    f"{node.text}* stands for more than {MAX_EXPANSIONS:,} different words in "
                    f"this index: give more of the word")
            self._expanded[node] = AnyOf(tuple(Term(node.field, t, node.boost) for t in terms))
        return self._expanded[node]

    def _find_maybe(self, node: Node) -> np.ndarray | None:
        if isinstance(node, Term):
            return self.postings(node.field, node.text).docs
        if isinstance(node, Prefix):
            return self.maybe(self.expanded(node))
        if isinstance(node, Phrase):
            derived = self.postings.derived
            kept = derived.get(node) if derived is not None else None
            if kept is not None and kept.checked is None:  # where it stands, in every document
                return kept.found
            docs = _intersection([self.postings(node.field, t).docs for t in node.terms])
            if node.unless is not None:
                docs = docs[~_members(self.run(node.unless).docs, docs)]
            return docs
        if isinstance(node, (AnyOf, AllOf, AtLeast)):
            parts = [self.maybe(item) for item in node.items]
            if isinstance(node, AllOf):
                known = [p for p in parts if p is not None]
                return _intersection(known) if known else None
            if any(part is None for part in parts):
                return None
            return _union(parts, self.reader.doc_count,
                          node.count if isinstance(node, AtLeast) else 1)
        if isinstance(node, (Without, WithBonus)):
            return self.maybe(node.base)
        return None  # filters: cheap to apply to what the rest matches

    def size(self, node: Node) -> float:
        """A cheap guess at how many documents ``node`` matches (from document frequencies),
        to evaluate the most selective part of a conjunction first."""
        # The collection's figures, not the reader's: the order of a conjunction's parts is
        # the order its scores are added in, which must not depend on how it is sharded.
        frequency = self.postings.statistics.doc_frequency
        if isinstance(node, Term):
            return frequency(node.field, node.text)
        if isinstance(node, Prefix):
            return self.size(self.expanded(node))
        if isinstance(node, Phrase):
            return min(frequency(node.field, t) for t in node.terms)
        if isinstance(node, (AnyOf, AtLeast)):
            return sum(self.size(item) for item in node.items)
        if isinstance(node, AllOf):
            return min(self.size(item) for item in node.items)
        if isinstance(node, (Without, WithBonus)):
            return self.size(node.base)
        return math.inf  # filters: applied to what the rest matched

    def term_scores(self, field: str, text: str) -> Matches:
        """Whoosh's BM25F for one term, in every live document that holds it."""
        key = (field, text)
        if key not in self._scores:
            self._scores[key] = self._bm25f(field, text)
        return self._scores[key]

    def _bm25f(self, field: str, text: str, docs: np.ndarray | None = None) -> Matches:
        """The term's scores in every live document that holds it, or only in ``docs``
        (ascending, each holding it): a phrase's terms are scored where the phrase is."""
        postings = self.postings(field, text)
        if not len(postings.docs):
            return NO_MATCHES
        weights = postings.weights
        if docs is None:
            docs = postings.docs
        else:
            weights = weights[_places(postings.docs, docs)]
        term_idf = self.postings.statistics.idf(field, text)
        lengths = np.frombuffer(self.reader.length_codes(field), np.uint8)[docs]
        return Matches(docs, bm25(term_idf, weights, self._norms(field)[lengths]))

    def _norms(self, field: str) -> np.ndarray:
        """BM25's length normalisation for each length code of ``field``."""
        if field not in self._length_norms:
            self._length_norms[field] = length_norms(
                self.postings.statistics.avg_field_length(field) or 1)
        return self._length_norms[field]

    def term(self, node: Term) -> Matches:
        scores = self.term_scores(node.field, node.text)
        if node.boost != 1.0:
            scores = Matches(scores.docs, scores.scores * node.boost)
        return scores

    def phrase(self, node: Phrase, within: np.ndarray | None) -> Matches:
        docs = self._phrase_docs_kept(node, within)
        scores = np.zeros(len(docs))
        for text in node.terms:
            scores += self._bm25f(node.field, text, docs).scores * node.boost
        return Matches(docs, scores)

    def _phrase_docs_kept(self, node: Phrase, within: np.ndarray | None) -> np.ndarray:
        """``_phrase_docs``, through what the reader keeps of the phrase (``PhraseDocs``):
        only documents no earlier search checked are checked now, and kept with the rest."""
        derived = self.postings.derived
        if derived is None:
            return self._phrase_docs(node, within)
        kept = derived.get(node) or PhraseDocs(NO_DOCS, NO_DOCS)
        if kept.checked is not None:  # not every document yet
            asked = self.maybe(node) if within is None else within
            new = asked[~_members(kept.checked, asked)]
            if len(new):
                kept = PhraseDocs(None if within is None else _merged(kept.checked, new),
                                  _merged(kept.found, self._phrase_docs(node, new)))
                derived.keep(node, kept, kept.size)
        return kept.found if within is None else kept.found[_members(within, kept.found)]

    def _phrase_docs(self, node: Phrase, within: np.ndarray | None) -> np.ndarray:
        """The documents where the phrase stands (among ``within``)."""
        candidates = self.maybe(node)
        if within is not None:
            candidates = candidates[_members(within, candidates)]
        sure = self.run(node.certain, candidates).docs if node.certain else NO_DOCS
        rest = candidates[~_members(sure, candidates)]
        # Both are among the candidates (ascending): kept by mask, not sorted together.
        adjacent = self._adjacent(node, rest)
        return candidates[_members(sure, candidates) | _members(adjacent, candidates)]

    def _adjacent(self, node: Phrase, docs: np.ndarray) -> np.ndarray:
        """Those of ``docs`` (each holding every term) where the phrase's terms stand at
        consecutive positions."""
        keys = _phrase_starts([self.postings(node.field, text) for text in node.terms], docs)
        return _first_of_each_document(keys) >> POSITION_BITS

    def any_of(self, node: AnyOf, within: np.ndarray | None) -> Matches:
        parts = [found for item in node.items if len(found := self.run(item, within))]
        if len(parts) < 2:
            return parts[0] if parts else NO_MATCHES
        docs, scores, _ = _sum_by_document(parts, self.reader.doc_count)
        return Matches(docs, scores)

    def all_of(self, node: AllOf, within: np.ndarray | None) -> Matches:
        # Two phases, as Lucene does: the documents every part may match, from postings
        # alone, then positions checked only there. The most selective part first; each
        # narrows the next; filters last.
        for item in node.items:
            maybe = self.maybe(item)
            if maybe is not None:
                within = maybe if within is None else maybe[_members(within, maybe)]
        items = sorted(node.items, key=self.size)
        found = self.run(items[0], within)
        for item in items[1:]:
            other = self.run(item, found.docs)
            mine, theirs = _common(found.docs, other.docs)
            found = Matches(found.docs[mine], found.scores[mine] + other.scores[theirs])
        return found

    def at_least(self, node: AtLeast, within: np.ndarray | None) -> Matches:
        # The documents in at least ``count`` of the parts' postings first (positions are
        # read only there), then each part's matches among them, counted.
        maybe = self.maybe(node)
        if maybe is not None:
            within = maybe if within is None else maybe[_members(within, maybe)]
        parts = [found for item in node.items if len(found := self.run(item, within))]
        if not parts:
            return NO_MATCHES
        docs, scores, matched = _sum_by_document(parts, self.reader.doc_count)
        enough = matched >= node.count
        return Matches(docs[enough], scores[enough])

    def day_range(self, node: DayRange, within: np.ndarray | None) -> Matches:
        docs = self._live(within)
        return on_days(self.reader, Matches(docs, np.zeros(len(docs))), node)

    def _live(self, within: np.ndarray | None) -> np.ndarray:
        """The live documents among ``within`` (all of them when None)."""
        if within is None:
            return np.flatnonzero(self.reader.live).astype(np.int64)
        return within[self.reader.live[within]]


def _phrase_starts(postings: list[Postings], docs: np.ndarray) -> np.ndarray:
    """Where the terms of ``postings`` stand at consecutive positions in ``docs`` (ascending,
    each holding every term): ``document << POSITION_BITS | position`` of each place the
    phrase starts, ascending. The rarest term first: each next one's positions are decoded
    only in the documents where the phrase may still start."""
    if not len(docs):
        return NO_DOCS
    keys = None
    for offset in sorted(range(len(postings)), key=lambda at: postings[at].doc_frequency):
        counts, positions = postings[offset].positions_in(docs)
        # Where the phrase would start, keyed by document: one sorted array per term.
        starts = (np.repeat(docs, counts) << POSITION_BITS) + (positions - offset)
        keys = starts if keys is None else keys[_members(starts, keys)]
        if not len(keys):
            break
        docs = _first_of_each_document(keys) >> POSITION_BITS
    return NO_DOCS if keys is None else keys


def _first_of_each_document(keys: np.ndarray) -> np.ndarray:
    """Of ascending phrase keys, each document's first."""
    if not len(keys):
        return keys
    documents = keys >> POSITION_BITS
    return keys[np.concatenate(([True], documents[1:] != documents[:-1]))]


def first_places(postings_of: PostingsCache, field: str, terms: list[str],
                 docs: np.ndarray) -> np.ndarray:
    """Where ``terms`` (units) first stand together in ``field`` of each of ``docs``
    (ascending): the position of the first, -1 where they never do. Positions are decoded
    only for the documents that hold every term."""
    postings = [postings_of(field, term) for term in terms]
    holding = _intersection([docs] + [term.docs for term in postings])
    first = _first_of_each_document(_phrase_starts(postings, holding))
    places = np.full(len(docs), -1, np.int64)
    places[np.searchsorted(docs, first >> POSITION_BITS)] = first & ((1 << POSITION_BITS) - 1)
    return places


def _intersection(arrays: list[np.ndarray]) -> np.ndarray:
    """The values in every one of these ascending arrays; the smallest first."""
    arrays = sorted(arrays, key=len)
    docs = arrays[0]
    for other in arrays[1:]:
        docs = docs[_members(other, docs)]
    return docs
