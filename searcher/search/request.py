"""A search request: what to find and what to bring back, settled once from what a user typed
(the command's options, ``browse``'s boxes) and taken whole by everything that searches:
``evaluation.evaluate`` and the collectors after it, ``ranked.search``, ``browse``'s session.
The search server runs the command, which builds one.

    >>> request = SearchRequest.typed("普京 or 停火", since="2025-10", sort="newest")
    >>> request.dates, request.hints()
    (DateRange(low=20251001, high=None), ['or'])
    >>> request.filters()
    ['since 2025-10', 'sort newest']
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from searcher.dates import DateRange, parse_bound
from searcher.search.query_syntax import ANY, MinimumMatch, checked_range, lowercase_operators
from searcher.search.snippets import MAX_SNIPPETS


@dataclass(frozen=True)
class SearchRequest:
    """A query and how to answer it: ``dates`` restricts to dated articles in that range
    (``since`` and ``until`` are its bounds as typed, which the footer repeats);
    ``min_match``: how many of the query's words an article must share (``ANY``, ``2``,
    ``"75%"``: see ``compiler``) instead of all of them; ``sort``: ``relevance``, ``newest``
    or ``oldest``; ``limit``: most hits (all when None); ``collapse``: an article's copies
    (reposts in other scripts or spellings, light edits) show as one hit, its ``copies``;
    ``snippets``, ``context``, ``ellipses`` and ``find_matches`` as ``hits.make_hit`` takes
    them."""

    text: str
    dates: DateRange = DateRange()
    since: str = ""
    until: str = ""
    min_match: MinimumMatch | str | int | None = None
    sort: str = "relevance"
    limit: int | None = 10
    collapse: bool = True
    snippets: int | None = MAX_SNIPPETS
    context: int | None = None
    ellipses: bool = True
    find_matches: bool = True

    @classmethod
    def typed(cls, text: str, since: str | None = None, until: str | None = None,
              **options) -> SearchRequest:
        """A request with its dates as typed (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``):
        ``DateError`` for a bad one, or for a range that ends before it starts."""
        return cls(text, date_range(since, until), since or "", until or "", **options)

    def hints(self) -> list[str]:
        """The lowercase ``or``/``and``/``not`` of the query, each once: searched as words,
        worth a hint."""
        return list(dict.fromkeys(lowercase_operators(self.text)))

    def date_filters(self) -> list[str]:
        """The date bounds as typed: ``since 2025-10``, ``until 2026``."""
        return [f"since {self.since}"] * bool(self.since) + [f"until {self.until}"] * bool(
            self.until)

    def filters(self) -> list[str]:
        """What narrows or orders the matches, as the footer names it (``ANY`` itself is
        ``--any``: "any word")."""
        matched = ("any word" if self.min_match is ANY
                   else f"min match {self.min_match}" if self.min_match is not None else None)
        return (self.date_filters() + [f"sort {self.sort}"] * (self.sort != "relevance")
                + [matched] * (matched is not None))


def as_request(request: SearchRequest | str, **options) -> SearchRequest:
    """A request for the query text ``request``, or ``request`` itself, with ``options``
    (``SearchRequest``'s fields) changed: what the library's search functions take."""
    if isinstance(request, SearchRequest):
        return replace(request, **options) if options else request
    return SearchRequest(request, **options)


def date_range(since: str | None, until: str | None) -> DateRange:
    """The range from ``since`` (its first day) to ``until`` (its last), either open when
    empty; ``DateError`` for a bad date or a range that ends before it starts."""
    return checked_range(DateRange(parse_bound(since) if since else None,
                                   parse_bound(until, upper=True) if until else None))
