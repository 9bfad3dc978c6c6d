"""What a command searches: one index's ``search``, ``count`` and ``timeline`` as methods that
take a request (Lucene's ``IndexSearcher``). A sharded index (``cluster.ShardedIndex``) has
the same three methods, so a command collects from either without asking which it has.

    >>> searcher = IndexSearcher(open_index(Path("index")))          # doctest: +SKIP
    >>> searcher.count(SearchRequest("停火", since="2025"))            # doctest: +SKIP
"""

from __future__ import annotations

from searcher.engine.store import OpenIndex
from searcher.search import ranked, timeline
from searcher.search.request import SearchRequest


class IndexSearcher:
    """``index`` searched in this process; each method evaluates the request once."""

    def __init__(self, index: OpenIndex) -> None:
        self.index = index

    def search(self, request: SearchRequest | str, **options) -> ranked.SearchResult:
        return ranked.search(self.index, request, **options)

    def count(self, request: SearchRequest | str, **options) -> int:
        return ranked.count(self.index, request, **options)

    def timeline(self, request: SearchRequest | str, by: str = "month",
                 **options) -> timeline.Timeline:
        return timeline.timeline(self.index, request, by, **options)
