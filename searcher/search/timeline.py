"""How a query's matching articles spread over time: a count per year, month or ISO week
(``per_period``, a collector over an evaluation: nothing ranked, no article read).

    >>> timeline(open_index(Path("index")), "停火", by="year").buckets    # doctest: +SKIP
    [('2025', 2), ('2026', 2)]
"""

from __future__ import annotations

from dataclasses import dataclass

from searcher.dates import period_of, periods_between
from searcher.engine.store import OpenIndex
from searcher.search.evaluation import Evaluation, evaluate
from searcher.search.ranked import split_by_day
from searcher.search.request import SearchRequest, as_request


@dataclass
class Timeline:
    """Matching articles counted per period, empty periods included, oldest first."""

    by: str
    buckets: list[tuple[str, int]]
    undated: int
    total: int


def timeline(index: OpenIndex, request: SearchRequest | str, by: str = "month",
             **options) -> Timeline:
    """How many articles matching ``request`` (as ``ranked.search`` takes it) each
    ``year``, ``month`` or ``week`` holds."""
    request = as_request(request, **options)
    return per_period(evaluate(index, request), by)


def per_period(evaluation: Evaluation, by: str) -> Timeline:
    """The timeline collector: the evaluation's matches counted per ``year``, ``month`` or
    ``week``, the undated apart."""
    found = evaluation.found
    total = len(found)
    dated, undated = split_by_day(evaluation.index, list(found.items()))
    counts: dict[str, int] = {}
    for day, _, _ in dated:
        period = period_of(day, by)
        counts[period] = counts.get(period, 0) + 1
    buckets = [(p, counts.get(p, 0)) for p in periods_between(min(counts), max(counts), by)] \
        if counts else []
    return Timeline(by, buckets, len(undated), total)
