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
from searcher.engine.schema import NO_DAY
from searcher.engine.store import OpenIndex, reading
from searcher.models import Hit
from searcher.search import matching
from searcher.search.compiler import CompiledQuery, compile_query
from searcher.search.hits import make_hit
from searcher.search.lead import FIELD as LEAD_FIELD, LEAD_DEPTH, lead_bonus
from searcher.search.plan import plan_terms
from searcher.search.ranked import dated_order, matches, on_days
from searcher.search.scoring_statistics import CollectionStatistics


@dataclass(frozen=True)
class Query:
    """A search as every shard takes it."""

    text: str
    min_match: str | int | None = None
    dates: DateRange = DateRange()
    sort: str = "relevance"  # or "newest", "oldest"


@dataclass(frozen=True)
class Candidate:
    """One of a shard's best matches: its BM25F ``score``, its lead ``bonus`` (None when the
    shard did not look: below its best ``LEAD_DEPTH``), and its day (``NO_DAY``: undated)."""

    path: str
    score: float
    bonus: float | None
    day: int
    shard: int
    docnum: int


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

    def statistics(self, query: Query) -> CollectionStatistics:
        """This shard's figures for every term the query scores."""
        compiled = self._compile(query)
        with reading(self.index):
            return CollectionStatistics.gathered(self.index.reader(), scored_terms(compiled))

    def rank(self, query: Query, statistics: CollectionStatistics,
             limit: int | None) -> ShardRanking:
        """The shard's best ``limit`` (all when None) as the merge needs them, scored with
        the collection's ``statistics``."""
        compiled = self._compile(query)
        index = self.index
        postings = matching.PostingsCache(index.reader(), statistics)
        found = matches(index, compiled, postings=postings)
        undated = (0 if query.dates.unbounded
                   else len(on_days(index, found, DateRange(NO_DAY, NO_DAY))))
        found = on_days(index, found, query.dates)
        with reading(index):
            reader = index.reader()
            days = reader.days()
            if query.sort != "relevance":
                best = dated_order(index, matching.top(found, None, reader.path),
                                   query.sort == "newest")
                best, bonus = best if limit is None else best[:limit], {}
            else:
                leads = compiled.leads
                depth = limit if limit is None or not leads else max(limit, LEAD_DEPTH)
                best = matching.top(found, depth, reader.path)
                head = np.array(sorted(docnum for docnum, _ in best[:LEAD_DEPTH]), np.int64)
                bonus = (dict(zip(head.tolist(), lead_bonus(postings, leads, head).tolist()))
                         if leads and len(head) else {})
            candidates = [Candidate(reader.path(docnum), score, bonus.get(docnum),
                                    int(days[docnum]), self.shard, docnum)
                          for docnum, score in best]
        return ShardRanking(candidates, len(found), undated)

    def count(self, query: Query) -> int:
        """How many of the shard's articles match (no statistics needed: nothing scored)."""
        return len(matches(self.index, self._compile(query), query.dates))

    def hits(self, query: Query, chosen: list[tuple[int, int, float]],
             options: dict) -> list[Hit]:
        """The hits of ``chosen`` (rank, docnum, score), ``options`` as ``make_hit`` takes
        them (snippets, context, ellipses, find_matches)."""
        needles = self._compile(query).needles
        with reading(self.index):
            reader = self.index.reader()
            return [make_hit(rank, reader.stored_fields(docnum), score, needles, **options)
                    for rank, docnum, score in chosen]

    def _compile(self, query: Query) -> CompiledQuery:
        return compile_query(query.text, self.index.chain, query.min_match)


def scored_terms(compiled: CompiledQuery) -> set[tuple[str, str]]:
    """Every ``(field, term)`` whose statistics scoring ``compiled`` asks for."""
    return plan_terms(compiled.plan) | {(LEAD_FIELD, lead.idf_term) for lead in compiled.leads}
