"""Search a sharded index: every shard answers on its worker, ranked as one index would.

A search takes three rounds over the shards (``shard_searcher``), as Elasticsearch's
``dfs_query_then_fetch`` does: each shard's statistics for the query's terms (documents,
document frequencies, field lengths), merged; each shard's best, scored with the merged
figures, merged by score (ties by path, as one index breaks them) with the lead bonus added
to the collection's best ``LEAD_DEPTH``; then the hits of the chosen, from their shards. The
scores are those one index of the same files gives, to the last bit.

    >>> with connect("local:2") as client:                        # doctest: +SKIP
    ...     with ShardedIndex(Path("index"), client) as index:
    ...         result = index.search(SearchRequest("停火", limit=10))
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from distributed import Client

from searcher.cluster.layout import Layout, ShardError, require_layout
from searcher.cluster.shard_searcher import Candidate, Query, ShardSearcher
from searcher.dates import periods_between
from searcher.engine.interface import NO_DAY
from searcher.errors import SearcherError
from searcher.models import Hit
from searcher.search.collapse import collapse
from searcher.search.lead import LEAD_DEPTH
from searcher.search.ranked import SearchResult
from searcher.search.scoring_statistics import CollectionStatistics
from searcher.search.request import SearchRequest, as_request
from searcher.search.timeline import Timeline


class ShardedIndex:
    """A sharded index held open on a cluster: one actor per shard, on the generation
    ``SHARDS`` names. ``ShardError`` names a shard that cannot be opened or answer; with
    ``partial``, such a shard is left out instead (``unanswered`` says which and why) and
    the others answer, as one index of their files would, unless none is left. Its
    ``search``, ``count`` and ``timeline`` take a ``SearchRequest`` as
    ``search.searcher.IndexSearcher``'s do."""

    def __init__(self, index_dir: Path, client: Client, partial: bool = False) -> None:
        self.layout: Layout = require_layout(index_dir)
        self.partial = partial
        self.unanswered: dict[str, str] = {}  # shard folder → why it was left out
        self._actors: dict[int, object] = {}
        started = {shard: client.submit(ShardSearcher, self.layout, shard, actor=True)
                   for shard in range(self.layout.shards)}
        self._actors = dict(self._gathered({shard: future.result
                                            for shard, future in started.items()}))

    def __enter__(self) -> ShardedIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Let the workers drop the shards."""
        self._actors = {}

    def search(self, request: SearchRequest | str, **options) -> SearchResult:
        """As ``ranked.search`` over every shard (``request`` as it takes it); collapsing
        groups reposts across shards as ``collapse.collapsed_order`` groups them in one
        index."""
        request = as_request(request, **options)
        return self.ranked(Query.of(request), request.limit, request.collapse, dict(
            snippets=request.snippets, context=request.context, ellipses=request.ellipses,
            find_matches=request.find_matches))

    def ranked(self, query: Query, limit: int | None, collapse: bool = True,
               options: dict | None = None) -> SearchResult:
        """``query``'s best ``limit`` over every shard (reposts collapsed unless not
        ``collapse``); their hits as ``make_hit`` makes them with ``options``."""
        started = time.monotonic()
        sort = query.sort
        statistics = self._statistics(query)
        rankings: list = []

        def order(depth: int | None) -> list[tuple[Candidate, float]]:
            rankings[:] = self.everywhere("rank", query, statistics, depth)
            candidates = [c for ranking in rankings for c in ranking.candidates]
            chosen = (_by_relevance(candidates) if sort == "relevance"
                      else _by_date(candidates, sort == "newest"))
            return chosen if depth is None else chosen[:depth]

        if collapse:
            shown, copies = self._collapsed(query, order, limit)
        else:
            shown, copies = order(limit), {}
        hits = self._hits(query, shown, options or {})
        if copies:
            hits = self._with_copies(hits, shown, copies)
        return SearchResult(hits, sum(r.total for r in rankings), time.monotonic() - started,
                            sum(r.undated_left_out for r in rankings),
                            sum(len(group) for group in copies.values()))

    def count(self, request: SearchRequest | str, **options) -> int:
        """How many articles match, over every shard."""
        return sum(self.everywhere("count", Query.of(as_request(request, **options))))

    def timeline(self, request: SearchRequest | str, by: str = "month",
                 **options) -> Timeline:
        """Matching articles per ``year``, ``month`` or ``week``, over every shard."""
        charts = self.everywhere("timeline", Query.of(as_request(request, **options)), by)
        counts: Counter[str] = Counter()
        for chart in charts:
            counts.update(dict(chart.buckets))
        dated = [period for period, number in counts.items() if number]
        buckets = ([(p, counts[p]) for p in periods_between(min(dated), max(dated), by)]
                   if dated else [])
        return Timeline(by, buckets, sum(c.undated for c in charts),
                        sum(c.total for c in charts))

    def _collapsed(self, query: Query, order, limit: int | None
                   ) -> tuple[list[tuple[Candidate, float]], dict[int, list[Candidate]]]:
        """The best ``limit`` groups of reposts (``order(depth)`` ranks the best ``depth``),
        each leader's copies by its rank in ``shown``: grouped from the top of the ranking,
        deeper as needed; then every match of any shard that shares a key with a shown group
        joins it, best first, after those found above."""
        depth = None if limit is None else 4 * limit + 40
        while True:
            ranking = order(depth)
            groups = collapse(range(len(ranking)), lambda at: ranking[at][0].keys)
            if depth is None or len(groups) >= limit or len(ranking) < depth:
                break
            depth *= 4
        groups = groups if limit is None else groups[:limit]
        shown = [ranking[group.leader] for group in groups]
        copies = {rank: [ranking[at][0] for at in group.copies]
                  for rank, group in enumerate(groups)}
        if depth is not None and groups:
            owners = {key: number for number, group in enumerate(groups)
                      for at in (group.leader, *group.copies) for key in ranking[at][0].keys}
            grouped: dict[int, list[int]] = {shard: [] for shard in range(self.layout.shards)}
            for group in groups:
                for at in (group.leader, *group.copies):
                    grouped[ranking[at][0].shard].append(ranking[at][0].docnum)
            asked = [(shard, actor.joining(query, owners, grouped[shard]))
                     for shard, actor in self._actors.items()]
            below = [joined for shard, future in asked
                     for joined in self._answer(shard, future.result)]
            below.sort(key=lambda joined: (-joined[1].score, joined[1].path))
            for number, candidate in below:
                copies[number].append(candidate)
        return shown, {rank: group for rank, group in copies.items() if group}

    def _with_copies(self, hits: list[Hit], shown: list[tuple[Candidate, float]],
                     copies: dict[int, list[Candidate]]) -> list[Hit]:
        """``hits`` with their copies' places, from the copies' shards."""
        wanted: dict[int, list[int]] = {}
        for group in copies.values():
            for copy in group:
                wanted.setdefault(copy.shard, []).append(copy.docnum)
        asked = {shard: self._actors[shard].places(docnums) for shard, docnums in wanted.items()}
        place = {(shard, docnum): found for shard, future in asked.items()
                 for docnum, found in zip(wanted[shard], self._answer(shard, future.result))}
        return [replace(hit, copies=tuple(place[(c.shard, c.docnum)]
                                          for c in copies.get(rank, ())))
                for rank, hit in enumerate(hits)]

    def _statistics(self, query: Query) -> CollectionStatistics:
        return CollectionStatistics.merged(self.everywhere("statistics", query))

    def _hits(self, query: Query, chosen: list[tuple[Candidate, float]], options: dict):
        by_shard: dict[int, list[tuple[int, int, float]]] = {}
        for rank, (candidate, score) in enumerate(chosen, 1):
            by_shard.setdefault(candidate.shard, []).append((rank, candidate.docnum, score))
        asked = {shard: self._actors[shard].hits(query, wanted, options)
                 for shard, wanted in by_shard.items()}
        hits = [hit for shard, future in asked.items()
                for hit in self._answer(shard, future.result)]
        return sorted(hits, key=lambda hit: hit.rank)

    def everywhere(self, method: str, *args) -> list:
        """``method`` of ``ShardSearcher`` asked of every shard at once; their answers, in
        shard order."""
        asked = {shard: getattr(actor, method)(*args) for shard, actor in self._actors.items()}
        return [answer for _, answer in self._gathered({shard: future.result
                                                        for shard, future in asked.items()})]

    def _gathered(self, results: dict) -> list[tuple[int, object]]:
        """``(shard, result())`` of each; with ``partial``, a shard that fails is left out
        from now on (unless every shard failed), else its failure is raised."""
        answers, failures = [], []
        for shard, result in results.items():
            try:
                answers.append((shard, self._answer(shard, result)))
            except ShardError as error:
                if not self.partial:
                    raise
                failures.append((shard, error))
        if failures and not answers:
            raise failures[0][1]
        for shard, error in failures:
            self._actors.pop(shard, None)
            self.unanswered[self.layout.shard_dir(shard).name] = str(error)
        return answers

    def _answer(self, shard: int, result):
        """``result()``, a failure naming the shard."""
        try:
            return result()
        except ShardError:
            raise
        except SearcherError as error:
            raise ShardError(f"shard {self.layout.shard_dir(shard).name}: {error}") from error
        except Exception as error:  # a worker lost, a connection closed
            raise ShardError(
                f"shard {self.layout.shard_dir(shard).name} of the index at "
                f"{self.layout.index_dir} did not answer ({type(error).__name__}: {error})"
            ) from error


def _by_relevance(candidates: list[Candidate]) -> list[tuple[Candidate, float]]:
    """Best first by BM25F (ties by path), the best ``LEAD_DEPTH`` re-ranked with their lead
    bonus, as ``ranked.ranked`` ranks one index's matches."""
    best = sorted(candidates, key=lambda c: (-c.score, c.path))
    head = [(c, c.score + c.bonus if c.bonus is not None else c.score)
            for c in best[:LEAD_DEPTH]]
    head.sort(key=lambda pair: (-pair[1], pair[0].path))
    return head + [(c, c.score) for c in best[LEAD_DEPTH:]]


def _by_date(candidates: list[Candidate], newest: bool) -> list[tuple[Candidate, float]]:
    """Newest (or oldest) first, equal days by score then path; undated last, by score then
    path, as ``ranked.dated_order`` orders one index's matches."""
    def key(c: Candidate):
        undated = c.day == NO_DAY
        return (undated, 0 if undated else (-c.day if newest else c.day), -c.score, c.path)
    return [(c, c.score) for c in sorted(candidates, key=key)]

