"""One shard, held open on a Dask worker (an actor), answering the three questions of a
sharded search: its statistics for a query, its best matches scored with the collection's,
and the hits of those chosen among every shard's.

Ranking keeps the parts apart that the merge needs: each candidate's BM25F score and, for
the shard's best ``LEAD_DEPTH`` by it, its lead bonus. The merge adds the bonus only to the
collection's best ``LEAD_DEPTH``, as one index does (``ranked.ranked``); each of those is
among its own shard's best ``LEAD_DEPTH``, so its bonus is there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from searcher.cluster.layout import Layout, open_shard
from searcher.dates import DateRange
from searcher.engine.store import OpenIndex, reading
from searcher.models import Copy, Hit
from searcher.search import matching
from searcher.search.compiler import CompiledQuery, compile_query
from searcher.search.hits import copy_of, make_hit
from searcher.search.lead import FIELD as LEAD_FIELD, LEAD_DEPTH, lead_bonus
from searcher.search.plan import Node, plan_terms
from searcher.search.evaluation import evaluate
from searcher.search.ranked import dated_order
from searcher.search.request import SearchRequest
from searcher.search.scoring_statistics import CollectionStatistics
from searcher.search.timeline import Timeline, timeline


@dataclass(frozen=True)
class Query:
    """A search as every shard takes it: its ``text``, or a ``plan`` made elsewhere
    (``similar``'s), whose hits match ``needles``, and which never matches the documents
    ``left_out`` (``(shard, docnum)``: ``similar``'s article and its copies)."""

    text: str
    min_match: str | int | None = None
    dates: DateRange = DateRange()
    sort: str = "relevance"  # or "newest", "oldest"
    plan: Node | None = None
    needles: tuple[str, ...] = ()
    left_out: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, request: SearchRequest) -> Query:
        """What every shard needs of ``request`` (its limit, collapse and snippets are the
        merge's business)."""
        return cls(request.text, request.min_match, request.dates, request.sort)

    def request(self) -> SearchRequest:
        return SearchRequest(self.text, dates=self.dates, min_match=self.min_match,
                             sort=self.sort)


@dataclass(frozen=True)
class Candidate:
    """One of a shard's best matches: its BM25F ``score``, its lead ``bonus`` (None when the
    shard did not look: below its best ``LEAD_DEPTH``), its day (``NO_DAY``: undated) and its
    fingerprint's keys (for collapsing reposts)."""

    path: str
    score: float
    bonus: float | None
    day: int
    shard: int
    docnum: int
    keys: tuple[int, ...] = ()


@dataclass(frozen=True)
class ShardRanking:
    candidates: list[Candidate]
    total: int  # matches within the dates
    undated_left_out: int  # matches the date filter left out for having no date


class ShardSearcher:
    """The actor: shard ``shard`` of ``layout``, opened once (``layout.open_shard``)."""

    def __init__(self, layout: Layout, shard: int) -> None:
        self.shard = shard
        self.index: OpenIndex = open_shard(layout, shard)
        with reading(self.index):
            self.index.reader()  # opened now: a query pays no opening cost
        self._last: tuple[Query, matching.Matches] | None = None  # ``rank``'s, for ``joining``

    def statistics(self, query: Query) -> CollectionStatistics:
        """This shard's figures for every term the query scores."""
        terms = (plan_terms(query.plan) if query.plan is not None
                 else scored_terms(self._compile(query)))
        with reading(self.index):
            return CollectionStatistics.gathered(self.index.reader(), terms)

    def frequencies(self, field: str, terms: list[str]) -> tuple[int, list[float]]:
        """This shard's document count, and how often each of ``terms`` occurs in
        ``field`` over its documents."""
        reader = self.index.reader()
        with reading(self.index):
            return reader.doc_count, [reader.frequency(field, term) for term in terms]

    def sharing(self, query: Query, keys: list[int], taken: dict[int, list[int]]
                ) -> list[tuple[int, int, tuple[int, ...]]]:
        """The matches of ``query``'s plan outside ``taken[shard]`` (docnums) that share a
        fingerprint key with ``keys``: each ``(shard, docnum, its keys)``."""
        reader = self.index.reader()
        with reading(self.index):
            found = matching.evaluate(reader, query.plan)
            found = found.without(np.array(sorted(taken.get(self.shard, ())), np.int64))
            rows = reader.fingerprints()[found.docs]
        joined = np.isin(rows, np.array(keys, np.int64)).any(axis=1)
        return [(self.shard, docnum, tuple(row[row != 0].tolist()))
                for docnum, row in zip(found.docs[joined].tolist(), rows[joined])]

    def rank(self, query: Query, statistics: CollectionStatistics,
             limit: int | None) -> ShardRanking:
        """The shard's best ``limit`` (all when None) as the merge needs them, scored with
        the collection's ``statistics``."""
        index = self.index
        if query.plan is None:
            evaluation = evaluate(index, query.request(), statistics)
            leads, postings, found = (evaluation.compiled.leads, evaluation.postings,
                                      evaluation.found)
            undated = evaluation.undated_left_out
        else:
            leads, postings, found, undated = (), None, self._planned(query, statistics), 0
        self._last = (query, found)
        with reading(index):
            reader = index.reader()
            if query.sort != "relevance":
                best = dated_order(index, matching.top(found, None, reader.path),
                                   query.sort == "newest")
                best, bonus = best if limit is None else best[:limit], {}
            else:
                depth = limit if limit is None or not leads else max(limit, LEAD_DEPTH)
                best = matching.top(found, depth, reader.path)
                head = np.array(sorted(docnum for docnum, _ in best[:LEAD_DEPTH]), np.int64)
                bonus = (dict(zip(head.tolist(), lead_bonus(postings, leads, head).tolist()))
                         if leads and len(head) else {})
            candidates = [self._candidate(docnum, score, bonus.get(docnum))
                          for docnum, score in best]
        return ShardRanking(candidates, len(found), undated)

    def joining(self, query: Query, owners: dict[int, int], grouped: list[int]
                ) -> list[tuple[int, Candidate]]:
        """The matches of the query (as ``rank`` last scored it) outside ``grouped``
        (docnums) that share a fingerprint key with a shown group, each with the group's
        number: ``owners`` maps each key of the shown groups to it (the lowest when a match
        shares keys with several, as ``ranked.collapsed_order`` has it)."""
        if self._last is None or self._last[0] != query:
            raise RuntimeError("joining asked before rank for this query")
        found = self._last[1].without(np.array(sorted(grouped), np.int64))
        if not owners or not len(found):
            return []
        keys = np.array(sorted(owners), np.int64)
        numbers = np.array([owners[key] for key in keys.tolist()], np.int64)
        with reading(self.index):
            rows = self.index.reader().fingerprints()[found.docs]
        at = np.minimum(np.searchsorted(keys, rows), len(keys) - 1)
        none = int(numbers.max()) + 1
        owner = np.where(keys[at] == rows, numbers[at], none).min(axis=1)
        return [(number, self._candidate(docnum, score, None))
                for docnum, score, number in zip(found.docs.tolist(), found.scores.tolist(),
                                                 owner.tolist())
                if number < none]

    def _planned(self, query: Query, statistics: CollectionStatistics) -> matching.Matches:
        """The matches of ``query``'s plan but those it leaves out, scored with the
        collection's ``statistics``."""
        reader = self.index.reader()
        with reading(self.index):
            found = matching.evaluate(reader, query.plan,
                                      matching.PostingsCache(reader, statistics))
        mine = sorted(docnum for shard, docnum in query.left_out if shard == self.shard)
        return found.without(np.array(mine, np.int64)) if mine else found

    def places(self, docnums: list[int]) -> list[Copy]:
        """Where each of ``docnums`` is (a collapsed copy's path, file and record)."""
        with reading(self.index):
            reader = self.index.reader()
            return [copy_of(reader.stored_fields(docnum)) for docnum in docnums]

    def _candidate(self, docnum: int, score: float, bonus: float | None) -> Candidate:
        reader = self.index.reader()
        row = reader.fingerprints()[docnum]
        return Candidate(reader.path(docnum), score, bonus, int(reader.days()[docnum]),
                         self.shard, docnum, tuple(row[row != 0].tolist()))

    def count(self, query: Query) -> int:
        """How many of the shard's articles match (no statistics needed: nothing scored)."""
        return len(evaluate(self.index, query.request()))

    def timeline(self, query: Query, by: str) -> Timeline:
        """The shard's matching articles per period (counts: nothing scored)."""
        return timeline(self.index, query.request(), by)

    def hits(self, query: Query, chosen: list[tuple[int, int, float]],
             options: dict) -> list[Hit]:
        """The hits of ``chosen`` (rank, docnum, score), ``options`` as ``make_hit`` takes
        them (snippets, context, ellipses, find_matches)."""
        needles = (list(query.needles) if query.plan is not None
                   else self._compile(query).needles)
        with reading(self.index):
            reader = self.index.reader()
            return [make_hit(rank, reader.stored_fields(docnum), score, needles, **options)
                    for rank, docnum, score in chosen]

    def _compile(self, query: Query) -> CompiledQuery:
        return compile_query(query.text, self.index.chain, query.min_match)


def scored_terms(compiled: CompiledQuery) -> set[tuple[str, str]]:
    """Every ``(field, term)`` whose statistics scoring ``compiled`` asks for."""
    return plan_terms(compiled.plan) | {(LEAD_FIELD, lead.idf_term) for lead in compiled.leads}
