"""Match and score a query plan over a generation's postings, a whole posting list at a time.

A common word has postings in tens of thousands of documents; walking them a document at a
time, as Whoosh's matchers do (and twice when asked for the total), was nearly all of a
query's time. Here each term's postings come from the engine's reader in bulk, and a plan
combines whole lists with dict and set operations in one pass. Like Lucene's two-phase
iteration, a conjunction first narrows its documents with postings alone and reads positions
only there; a phrase reads none where its word stands (``Phrase.certain``).

Scores are Whoosh's BM25F (B 0.75, K1 1.2: the same idf, the same average and byte-rounded
field lengths; a test checks the two agree), combined the way Whoosh's matchers combine them:
alternatives and conjunctions add their parts' scores (``AtLeast``: the parts a document
matches), a boost multiplies, a phrase scores as the sum of its terms' scores, and filters
(dates, "everything but") score nothing.

    >>> plan = AllOf((Term("body", "停火"), Phrase("body_units", ("俄", "罗", "斯"))))
    >>> matches = evaluate(index.reader(), plan)   # {docnum: score}  # doctest: +SKIP
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from itertools import groupby
from operator import itemgetter
from typing import Union

from searcher.engine.reader import LENGTH_OF_CODE, GenerationReader, Postings
from searcher.search.plan import (
    AllOf, AnyOf, AtLeast, DayRange, Everything, Node, Phrase, Term, WithBonus, Without)

K1 = 1.2
B = 0.75


Matches = dict[int, float]  # docnum → score
Within = Union[Matches, set[int], None]  # documents to consider: None for all


def evaluate(reader: GenerationReader, plan: Node) -> Matches:
    """``{docnum: score}`` of every live document ``plan`` matches."""
    return _Evaluation(reader).run(plan)


def top(matches: Matches, limit: int | None,
        path_of: Callable[[int], str]) -> list[tuple[int, float]]:
    """``(docnum, score)`` of the best ``limit`` (all when None), best first; equal scores by
    path (``path_of`` a document's), so that a ranking is the same whatever numbers the
    documents have: across rebuilds, process counts and merges. Paths are looked up only
    for documents that tie."""
    if limit == 0:
        return []
    chosen = list(matches.items())
    if limit is not None and limit < len(chosen):
        cut = heapq.nsmallest(limit, chosen, key=lambda item: (-item[1], item[0]))
        last = cut[-1][1]  # every document at the cut's score may belong in it
        chosen = [item for item in cut if item[1] != last] + [
            item for item in chosen if item[1] == last]
    chosen.sort(key=lambda item: -item[1])
    ranked: list[tuple[int, float]] = []
    for _, tied in groupby(chosen, key=itemgetter(1)):
        tied = list(tied)
        if len(tied) > 1:
            tied.sort(key=lambda item: path_of(item[0]))
        ranked.extend(tied)
    return ranked if limit is None else ranked[:limit]


class _Evaluation:
    """One plan's evaluation; a term's postings and a node's matches are computed once."""

    def __init__(self, reader: GenerationReader) -> None:
        self.reader = reader
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
        elif isinstance(node, AtLeast):
            found = self.at_least(node, within)
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
            docs = within if within is not None else range(self.reader.doc_count)
            found = dict.fromkeys((d for d in docs if d not in self.reader.deleted), 0.0)
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
        if isinstance(node, AtLeast):
            parts = [self.maybe(item) for item in node.items]
            return None if None in parts else _in_at_least(parts, node.count)
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
        if isinstance(node, (AnyOf, AtLeast)):
            return sum(self.size(item) for item in node.items)
        if isinstance(node, AllOf):
            return min(self.size(item) for item in node.items)
        if isinstance(node, (Without, WithBonus)):
            return self.size(node.base)
        return math.inf  # filters: applied to what the rest matched

    def postings(self, field: str, text: str) -> Postings:
        key = (field, text)
        if key not in self._postings:
            self._postings[key] = self.reader.postings(field, text)
        return self._postings[key]

    def term_scores(self, field: str, text: str, docs) -> Matches:
        """Whoosh's BM25F for one term over ``docs`` (documents holding it)."""
        if not docs:
            return {}
        postings = self.postings(field, text)
        weights = postings.weights
        idf = math.log(self.reader.doc_count / (postings.doc_frequency + 1)) + 1
        avgfl = self.reader.avg_field_length(field) or 1
        lengths = self.reader.length_codes(field)
        norm = [K1 * ((1 - B) + B * length / avgfl) for length in LENGTH_OF_CODE]
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
                                if _adjacent(postings, d))
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

    def at_least(self, node: AtLeast, within: Within) -> Matches:
        # The documents in at least ``count`` of the parts' postings first (positions are
        # read only there), then each part's matches among them, counted.
        maybe = self.maybe(node)
        if maybe is not None:
            within = maybe if within is None else maybe.intersection(within)
        found: Matches = {}
        matched: dict[int, int] = {}
        for item in node.items:
            for d, s in self.run(item, within).items():
                found[d] = found.get(d, 0.0) + s
                matched[d] = matched.get(d, 0) + 1
        return {d: s for d, s in found.items() if matched[d] >= node.count}

    def day_range(self, node: DayRange, within: Within) -> Matches:
        days = self.reader.days()
        low = node.low if node.low is not None else -(2**31)
        high = node.high if node.high is not None else 2**31 - 2  # NO_DAY stays out
        docs = within if within is not None else range(self.reader.doc_count)
        deleted = self.reader.deleted
        return {d: 0.0 for d in docs if low <= days[d] <= high and d not in deleted}


def _in_at_least(parts: list[frozenset[int]], count: int) -> frozenset[int]:
    """The documents that are in at least ``count`` of ``parts``."""
    if count <= 1:
        return frozenset().union(*parts)
    seen: dict[int, int] = {}
    for part in parts:
        for d in part:
            seen[d] = seen.get(d, 0) + 1
    return frozenset(d for d, n in seen.items() if n >= count)


def _adjacent(postings: list[Postings], docnum: int) -> bool:
    """Whether the terms of these postings stand at consecutive positions in ``docnum``."""
    starts = set(postings[0].positions(docnum))
    for offset, term_postings in enumerate(postings[1:], 1):
        starts.intersection_update(map((-offset).__add__, term_postings.positions(docnum)))
        if not starts:
            return False
    return True
