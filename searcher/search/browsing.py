"""A browsing session without a screen (``searcher browse`` draws one over it): the query and
its filters, the results as rows, the article a row names with every place it matches, and
the two other lists a session can show, the articles similar to one and the query's
timeline. One index is open for the whole session, so each search costs a warm query.

    >>> browser = Browser(open_index(Path("index")), "普京")            # doctest: +SKIP
    >>> browser.run(); [row.hit.title for row in browser.rows]          # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from searcher.errors import SearcherError
from searcher.search.paths import openable

if TYPE_CHECKING:
    from searcher.engine.store import OpenIndex
    from searcher.models import Hit
    from searcher.search.evaluation import Evaluation
    from searcher.search.request import SearchRequest
    from searcher.search.timeline import Timeline

SORTS = ("relevance", "newest", "oldest")
LIMIT = 200  # most results listed (the status line gives the total)


@dataclass(frozen=True)
class Row:
    """One result of the list."""

    hit: Hit
    where: str  # the source, else the file as a path from here (a record's ``#id`` added)
    matches: int  # how many times the query matches its text


@dataclass(frozen=True)
class Article:
    """The selected article: its stored fields, where it matches, and its file from here."""

    stored: dict
    spans: list[tuple[int, int]]
    file: str

    @property
    def body(self) -> str:
        return self.stored.get("body", "")

    @property
    def path(self) -> str:
        """The file (absolute, ``FILE#ID`` for a record): what ``searcher show`` takes."""
        record = self.stored["path"].partition("#")[2]
        return self.stored.get("file", "") + (f"#{record}" if record else "")


class Browser:
    """A browsing session: the query and its filters, the results, and the article a row
    names. A mistake (a query that does not parse, a bad date) is kept in ``error`` with the
    last good results; nothing here raises for what the user types.

    The search modules are imported when first used, not with this one: the command that
    wraps it is listed (``searcher --help``) far more often than it runs."""

    def __init__(self, index: OpenIndex | None, query: str = "", sort: str = "relevance",
                 since: str = "", until: str = "", limit: int = LIMIT) -> None:
        self.index = index
        self.query = query
        self.sort = sort
        self.since = since
        self.until = until
        self.limit = limit
        self.rows: list[Row] = []
        self.total = 0
        self.seconds = 0.0
        self.undated_left_out = 0
        self.error: str | None = None
        self.hints: list[str] = []
        self.similar_to: str | None = None  # the title the list is similar to, if it is
        self.listed = ""  # the query the rows are for (``query`` may be mid-edit, wrong)
        self.evaluation: Evaluation | None = None  # the rows' matches, for the timeline

    def request(self) -> SearchRequest:
        """The query and its filters as a request (``DateError`` for a bad date)."""
        from searcher.search.request import SearchRequest

        return SearchRequest.typed(self.query, self.since.strip(), self.until.strip(),
                                   sort=self.sort, limit=self.limit, snippets=0)

    def run(self) -> bool:
        """Search with the current query and filters. False when the query or a date is
        wrong: ``error`` says why and the last results stay."""
        from searcher.search.ranked import search

        try:
            request = self.request()
            if not self.query.strip():
                self.listed, self.evaluation = self.query, None
                self._found([], 0, 0.0, 0)
                return True
            result = search(self.index, request)
        except SearcherError as error:
            self.error = str(error)
            return False
        self.hints, self.evaluation = request.hints(), result.evaluation
        self.listed = self.query
        self._found([self.row(hit) for hit in result.hits], result.total,
                    result.seconds, result.undated_left_out)
        return True

    def next_sort(self) -> None:
        """The next order of ``SORTS`` (after the last, the first again); ``run`` applies it."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]

    def show_similar(self, row: Row) -> None:
        """List the articles most like ``row``'s instead of the results (``run`` returns)."""
        from searcher.search.similar import similar

        started = time.monotonic()
        hits = similar(self.index, row.hit.path, self.limit)
        rows = [self.row(hit) for hit in hits]
        self._found(rows, len(rows), time.monotonic() - started, 0)
        self.similar_to = row.hit.title or row.where

    def article(self, row: Row) -> Article:
        """The whole article a row names, with every match of the query (or, in a list of
        similar articles, of the key terms it shares)."""
        from searcher.search.documents import get_document, highlight_document
        from searcher.search.snippets import find_spans

        stored = get_document(self.index, row.hit.path)
        if self.similar_to is None and self.listed.strip():
            spans = highlight_document(self.index, stored, self.listed) or []
        else:
            spans = find_spans(stored.get("body", ""), row.hit.matches)
        return Article(stored, spans, openable(row.hit.file))

    def timeline(self, by: str = "month") -> Timeline:
        """The query's matching articles over time, within the date filter: counted from
        the last search's matches when it searched the same (nothing evaluated again)."""
        from searcher.search.evaluation import evaluate
        from searcher.search.timeline import per_period

        if not self.query.strip():
            raise SearcherError("type a query first: the timeline counts its matches")
        request = self.request()
        if self.evaluation is not None and self.evaluation.answers(request):
            return per_period(self.evaluation, by)
        return per_period(evaluate(self.index, request), by)

    def status(self) -> str:
        """One line: the total, the time, the filters; or what is wrong."""
        if self.error:
            return f"error: {self.error}"
        if self.similar_to is not None:
            return (f"{len(self.rows)} similar to {self.similar_to} · "
                    f"{self.seconds * 1000:.0f} ms · Esc: back to the results")
        if not self.query.strip():
            return "type a query: words, \"phrases\", OR, NOT, -word, title:, date:… (? keys)"
        from searcher.search.ranked import summary
        from searcher.search.request import SearchRequest

        # The dates as typed (the box may hold one not searched yet, even a wrong one).
        typed = SearchRequest(self.query, since=self.since.strip(), until=self.until.strip())
        notes = [self.sort, *typed.date_filters(),
                 *[f"{self.undated_left_out} undated left out"] * bool(self.undated_left_out),
                 *(f"hint: {word!r} is a word; the operator is {word.upper()}"
                   for word in self.hints)]
        return " · ".join([summary(self.total, len(self.rows), self.seconds), *notes])

    def _found(self, rows: list[Row], total: int, seconds: float, undated: int) -> None:
        self.rows, self.total, self.seconds, self.undated_left_out = rows, total, seconds, undated
        self.error = None
        self.similar_to = None
        if not self.query.strip():
            self.hints = []

    @staticmethod
    def row(hit: Hit) -> Row:
        """A hit as the list shows it: where it is from (its source, else its file from here,
        a record's ``#id``), with how many reposts were collapsed into it."""
        where = hit.source or openable(hit.file) + (f" #{hit.record}" if hit.record else "")
        if hit.copies:
            from searcher.search.hits import also_in

            where += f" · {also_in(hit)}"
        return Row(hit, where, hit.match_count)
