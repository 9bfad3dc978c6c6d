"""One evaluation of a request: its query compiled through the index's chain and matched once
over the postings (``matching``), then the date filter. The collectors take it from there,
none of them evaluating again or reading an article: the ranked top (``ranked``), the copies
collapsed (``collapse``), the count (``len``) and the timeline (``timeline``); only then are
the hits that will be printed hydrated (``hits.hydrate``).
"""

from __future__ import annotations

from dataclasses import dataclass

from searcher.engine.store import OpenIndex, reading
from searcher.search import matching
from searcher.search.compiler import CompiledQuery, compile_query, day_range
from searcher.search.plan import DayRange
from searcher.search.request import SearchRequest
from searcher.search.scoring_statistics import Statistics


@dataclass(frozen=True)
class Evaluation:
    """A request's matches: ``everything`` the query matches, ``found`` those within its
    dates (every match when they are open), each with its BM25F score, unranked."""

    index: OpenIndex
    request: SearchRequest
    compiled: CompiledQuery
    postings: matching.PostingsCache  # the terms read, for the lead bonus to read no more
    everything: matching.Matches
    found: matching.Matches

    def answers(self, request: SearchRequest) -> bool:
        """Whether this evaluation holds ``request``'s matches: the same query, dates and
        minimum match (its order, limit and snippets are the collectors' business)."""
        asked, done = request, self.request
        return (asked.text, asked.dates, asked.min_match) == (done.text, done.dates,
                                                              done.min_match)

    def __len__(self) -> int:
        """The count collector: how many articles match, nothing ranked, none read."""
        return len(self.found)

    @property
    def undated_left_out(self) -> int:
        """How many matches the date filter left out for having no date (what the footer
        says it hid)."""
        if self.request.dates.unbounded:
            return 0
        with reading(self.index):  # an open range of days holds every dated article
            dated = matching.on_days(self.index.reader(), self.everything, DayRange(None, None))
        return len(self.everything) - len(dated)


def evaluate(index: OpenIndex, request: SearchRequest,
             statistics: Statistics | None = None) -> Evaluation:
    """``request``'s query matched over ``index``, once, and its date filter applied; scored
    with the index's own ``statistics`` unless given (a shard scores with its collection's)."""
    compiled = compile_query(request.text, index.chain, request.min_match)
    reader = index.reader()
    postings = matching.PostingsCache(reader, statistics)
    with reading(index):
        everything = matching.evaluate(reader, compiled.plan, postings)
        found = everything if request.dates.unbounded else matching.on_days(
            reader, everything, day_range(request.dates))
    return Evaluation(index, request, compiled, postings, everything, found)
