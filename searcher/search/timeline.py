"""How a query's matching articles spread over time: a count per year, month or ISO week.

    >>> timeline(open_index(Path("index")), "停火", by="year").buckets    # doctest: +SKIP
    [('2025', 2), ('2026', 2)]
"""

from __future__ import annotations

from dataclasses import dataclass

from searcher.dates import DateRange, period_of, periods_between
from searcher.engine.store import OpenIndex
from searcher.search.compiler import compile_query
from searcher.search.query_syntax import MinimumMatch
from searcher.search.ranked import matches, split_by_day


@dataclass
class Timeline:
    """Matching articles counted per period, empty periods included, oldest first."""

    by: str
    buckets: list[tuple[str, int]]
    undated: int
    total: int


def timeline(index: OpenIndex, text: str, by: str = "month",
             dates: DateRange = DateRange(),
             min_match: MinimumMatch | str | int | None = None) -> Timeline:
    """How many matching articles each ``year``, ``month`` or ``week`` holds (``min_match``
    as ``search`` takes it)."""
    found = matches(index, compile_query(text, index.chain, min_match), dates)
    total = len(found)
    dated, undated = split_by_day(index, list(found.items()))
    counts: dict[str, int] = {}
    for day, _, _ in dated:
        period = period_of(day, by)
        counts[period] = counts.get(period, 0) + 1
    buckets = [(p, counts.get(p, 0)) for p in periods_between(min(counts), max(counts), by)] \
        if counts else []
    return Timeline(by, buckets, len(undated), total)
