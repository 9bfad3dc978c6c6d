"""Ranked search: the top-k collector over an evaluation (BM25F with its best re-ranked by
the lead bonus, ties by path; or by date), and ``search``, a request run whole: evaluated
once (``evaluation``), its top collected with the copies collapsed (``collapse``), and only
then the hits shown hydrated (``hits.hydrate``).

    >>> result = search(open_index(Path("index")), "俄罗斯 停火", limit=3)   # doctest: +SKIP
    >>> [hit.path for hit in result.hits]                                # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from searcher.engine.interface import NO_DAY
from searcher.engine.store import OpenIndex, reading
from searcher.models import Hit
from searcher.search import matching
from searcher.search.collapse import TopDocs, collapsed_order
from searcher.search.compiler import LeadItem
from searcher.search.evaluation import Evaluation, evaluate
from searcher.search.hits import hydrate
from searcher.search.lead import LEAD_DEPTH, lead_bonus
from searcher.search.request import SearchRequest, as_request

Order = Callable[[int | None], list[tuple[int, float]]]  # a depth -> the best that many


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int  # documents matched, before --limit
    seconds: float
    undated_left_out: int = 0  # matches a date filter left out for having no date
    collapsed: int = 0  # matches shown as copies of others (``Hit.copies``), not as hits
    # What the hits were collected from: more collectors may take it (``browse``'s timeline).
    evaluation: Evaluation | None = field(default=None, repr=False, compare=False)

    def notes(self) -> list[str]:
        """What the footer adds to the request's filters: the undated matches the dates
        hid, the copies collapsed."""
        copies = f"{self.collapsed} cop{'y' if self.collapsed == 1 else 'ies'} collapsed"
        return ([f"{self.undated_left_out} undated left out"] * bool(self.undated_left_out)
                + [copies] * bool(self.collapsed))


def summary(total: int, shown: int, seconds: float, noun: str = "article") -> str:
    """How many matched, how many are shown and how long it took, as the footer and
    ``browse``'s status line begin: "5 matching articles, showing 3 · 12 ms"."""
    text = f"{total} {noun}{'s' if total != 1 else ''}"
    if shown < total:
        text += f", showing {shown}"
    return text + f" · {seconds * 1000:.0f} ms"


def search(index: OpenIndex, request: SearchRequest | str, **options) -> SearchResult:
    """Ranked hits for ``request``, or for a query text and ``options``, the fields of a
    ``SearchRequest`` (``limit``, ``sort``, ``dates``, ``min_match``, ``collapse``, …);
    ``total`` counts every match, copies included."""
    started = time.monotonic()
    request = as_request(request, **options)
    evaluation = evaluate(index, request)
    top = top_docs(evaluation)
    hits = hydrate(index, top, evaluation.compiled.needles, request)
    return SearchResult(hits, len(evaluation), time.monotonic() - started,
                        evaluation.undated_left_out, top.collapsed, evaluation)


def count(index: OpenIndex, request: SearchRequest | str, **options) -> int:
    """How many articles match (``request`` as ``search`` takes it), without ranking them."""
    request = as_request(request, **options)
    return len(evaluate(index, request))


def top_docs(evaluation: Evaluation) -> TopDocs:
    """The top-k collector: the request's best ``limit`` matches in its order, each with its
    copies unless it asks for every copy as a hit of its own."""
    order, limit = ranking(evaluation), evaluation.request.limit
    if evaluation.request.collapse:
        return collapsed_order(evaluation.index, evaluation.found, order, limit)
    return TopDocs(order(limit))


def ranking(evaluation: Evaluation) -> Order:
    """The evaluation's matches in the request's order, as ``order(depth)``: the best
    ``depth`` (all when None) by relevance, or by date (every match ordered once:
    collapsing may ask for a deeper top)."""
    index, found, request = evaluation.index, evaluation.found, evaluation.request
    if request.sort == "relevance":
        def by_relevance(depth: int | None) -> list[tuple[int, float]]:
            return ranked(index, found, depth, evaluation.compiled.leads, evaluation.postings)

        return by_relevance
    by_date = dated_order(index, ranked(index, found, None), request.sort == "newest")

    def in_date_order(depth: int | None) -> list[tuple[int, float]]:
        return by_date if depth is None else by_date[:depth]

    return in_date_order


def dated_order(index: OpenIndex, scored: list[tuple[int, float]], newest: bool
                ) -> list[tuple[int, float]]:
    """``scored`` by date (newest or oldest first), equal dates by score; undated last."""
    dated, without_day = split_by_day(index, scored)
    dated.sort(key=lambda x: (-x[0] if newest else x[0], -x[2]))
    return [(docnum, score) for _, docnum, score in dated] + without_day


def ranked(index: OpenIndex, found: matching.Matches, limit: int | None,
           leads: Sequence[LeadItem] | None = None,
           postings: matching.PostingsCache | None = None) -> list[tuple[int, float]]:
    """``(docnum, score)`` of the best ``limit`` of ``found``, best first (ties by path); given
    the query's ``leads``, its best ``LEAD_DEPTH`` by BM25F re-ranked with the lead bonus
    (``search.lead``), which no match below them can pass (a bonus is never negative),
    reading terms through ``postings`` (those the evaluation read are not read again)."""
    with reading(index):
        reader = index.reader()
        if not leads or not len(found):
            return matching.top(found, limit, reader.path)
        best = matching.top(found, None if limit is None else max(limit, LEAD_DEPTH),
                            reader.path)
        head, rest = best[:LEAD_DEPTH], best[LEAD_DEPTH:]
        docs = np.array(sorted(docnum for docnum, _ in head), np.int64)
        scores = found.among(docs).scores + lead_bonus(
            postings or matching.PostingsCache(reader), leads, docs)
        reranked = matching.top(matching.Matches(docs, scores), None, reader.path) + rest
    return reranked if limit is None else reranked[:limit]


def split_by_day(index: OpenIndex, scored: list[tuple[int, float]]
                 ) -> tuple[list[tuple[int, int, float]], list[tuple[int, float]]]:
    """``(day, docnum, score)`` of the dated matches and ``(docnum, score)`` of the undated."""
    dated, undated = [], []
    with reading(index):
        days = index.reader().days()
        for docnum, score in scored:
            day = int(days[docnum])
            if day == NO_DAY:
                undated.append((docnum, score))
            else:
                dated.append((day, docnum, score))
    return dated, undated
