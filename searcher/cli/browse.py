"""``searcher browse``: a full-screen terminal client. Type a query and the results change as
you type; move through them and read the selected article beside the list, every match
highlighted, ``n``/``N`` jumping between them.

The session is ``Browser``, a plain class (query, filters, results, the selected article and
where it matches) that works without a screen; the screen is a Textual app (``app_class``),
imported only when ``browse`` runs, so ``searcher`` works without Textual installed. One index
is opened for the whole session: every keystroke searches in the time of a warm query.

    >>> browser = Browser(open_index(Path("index")), "普京")            # doctest: +SKIP
    >>> browser.run(); [row.hit.title for row in browser.rows]          # doctest: +SKIP
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from searcher.cli.arguments import QueryCommand
from searcher.cli.options import color_option, index_option
from searcher.cli.printers import also_in
from searcher.errors import SearcherError
from searcher.search.paths import openable

if TYPE_CHECKING:
    from rich.text import Text

    from searcher.dates import DateRange
    from searcher.engine.store import OpenIndex
    from searcher.models import Hit
    from searcher.search.timeline import Timeline

TEXTUAL_MISSING = "searcher browse needs textual: pip install 'searcher[browse]'"
SORTS = ("relevance", "newest", "oldest")
LIMIT = 200  # most results listed (the status line gives the total)
DEBOUNCE_SECONDS = 0.15  # typing pauses this long before the query runs
INTERRUPTED = 130  # Ctrl-C, as everywhere in searcher

# Every key, once: (key, action, what it does, footer label or None). The bindings, the help
# screen and the footer are made from this table, so `?` cannot miss a key.
KEYS = (
    ("question_mark", "help", "this list of keys", "keys"),
    ("slash", "focus_query", "back to the query box (type to search)", "query"),
    ("down", "to_results", "from a box to the results (also Enter, Esc)", None),
    ("n", "next_match", "next match in the article", "next"),
    ("N", "previous_match", "previous match in the article", None),
    ("r", "cycle_sort", "sort: relevance → newest → oldest", "sort"),
    ("d", "dates", "date filter: since / until (Esc hides it)", "dates"),
    ("s", "similar", "articles similar to this one (Esc: back)", "similar"),
    ("t", "timeline", "timeline of the query, as a bar chart", "timeline"),
    ("o", "pager", "read the article in $PAGER", None),
    ("e", "editor", "open its file in $EDITOR", None),
    ("y", "copy_path", "copy its path to the clipboard", None),
    ("escape", "back", "back: query box, results, list of results", "back"),
    ("q", "quit", "quit (Ctrl-C: exit status 130)", "quit"),
)
KEY_NAMES = {"question_mark": "?", "slash": "/", "down": "↓", "escape": "Esc"}
OTHER_KEYS = (("↑ ↓ PgUp PgDn", "move through the results, or scroll the article"),
              ("Tab", "next pane: query, results, article"),
              ("Enter", "from a box to the results"))


@dataclass(frozen=True)
class Row:
    """One line of the result list."""

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
    """A browsing session without a screen: the query and its filters, the results, and the
    article a row names. A mistake (a query that does not parse, a bad date) is kept in
    ``error`` with the last good results; nothing here raises for what the user types."""

    def __init__(self, index: OpenIndex, query: str = "", sort: str = "relevance",
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

    def dates(self) -> DateRange:
        """The date filter as a ``DateRange`` (``DateError`` for a bad date)."""
        from searcher.dates import DateRange, parse_bound
        from searcher.search.query_syntax import checked_range

        since, until = self.since.strip(), self.until.strip()
        return checked_range(DateRange(parse_bound(since) if since else None,
                                       parse_bound(until, upper=True) if until else None))

    def run(self) -> bool:
        """Search with the current query and filters. False when the query or a date is
        wrong: ``error`` says why and the last results stay."""
        from searcher.search.query_syntax import lowercase_operators
        from searcher.search.ranked import search

        try:
            dates = self.dates()
            if not self.query.strip():
                self.listed = self.query
                self._found([], 0, 0.0, 0)
                return True
            result = search(self.index, self.query, limit=self.limit, sort=self.sort,
                            dates=dates, snippets=0)
        except SearcherError as error:
            self.error = str(error)
            return False
        self.hints = list(dict.fromkeys(lowercase_operators(self.query)))
        self.listed = self.query
        self._found([self._row(hit) for hit in result.hits], result.total,
                    result.seconds, result.undated_left_out)
        return True

    def show_similar(self, row: Row) -> None:
        """List the articles most like ``row``'s instead of the results (``run`` returns)."""
        import time

        from searcher.search.similar import similar

        started = time.monotonic()
        hits = similar(self.index, row.hit.path, self.limit)
        rows = [self._row(hit) for hit in hits]
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
        """The query's matching articles over time, within the date filter."""
        from searcher.search.timeline import timeline

        if not self.query.strip():
            raise SearcherError("type a query first: the timeline counts its matches")
        return timeline(self.index, self.query, by, self.dates())

    def status(self) -> str:
        """One line: the total, the time, the filters; or what is wrong."""
        if self.error:
            return f"error: {self.error}"
        if self.similar_to is not None:
            return (f"{len(self.rows)} similar to {self.similar_to} · "
                    f"{self.seconds * 1000:.0f} ms · Esc: back to the results")
        if not self.query.strip():
            return "type a query: words, \"phrases\", OR, NOT, -word, title:, date:… (? keys)"
        text = f"{self.total} article{'s' if self.total != 1 else ''}"
        if len(self.rows) < self.total:
            text += f", showing {len(self.rows)}"
        text += f" · {self.seconds * 1000:.0f} ms · {self.sort}"
        text += f" · since {self.since.strip()}" * bool(self.since.strip())
        text += f" · until {self.until.strip()}" * bool(self.until.strip())
        if self.undated_left_out:
            text += f" · {self.undated_left_out} undated left out"
        for word in self.hints:
            text += f" · hint: {word!r} is a word; the operator is {word.upper()}"
        return text

    def _found(self, rows: list[Row], total: int, seconds: float, undated: int) -> None:
        self.rows, self.total, self.seconds, self.undated_left_out = rows, total, seconds, undated
        self.error = None
        self.similar_to = None
        if not self.query.strip():
            self.hints = []

    def _row(self, hit: Hit) -> Row:
        where = hit.source or openable(hit.file) + (f" #{hit.record}" if hit.record else "")
        if hit.copies:  # reposts collapsed into it (``search`` -> ``collapse``)
            where += f" · {also_in(hit)}"
        return Row(hit, where, hit.match_count)


# ---------------------------------------------------------------------------------------------
# Rendering (rich only): what the screen shows, as functions of the session.

def highlight_styles(colored: bool) -> tuple[str, str]:
    """Styles of a match and of the current match: colours, or (NO_COLOR) bold and reverse."""
    if colored:
        return "bold red", "bold white on red"
    return "bold reverse", "bold reverse underline"


def render_article(article: Article, width: int, colored: bool
                   ) -> tuple[list[Text], list[list[tuple[int, int, int]]]]:
    """The preview as display lines: metadata, a blank line, then the body wrapped to
    ``width`` with every match highlighted; and where each match is drawn, as
    ``(line, start, end)`` pieces (a match can straddle lines). Document text is never read as
    markup; control characters are made harmless."""
    from bisect import bisect_right

    from rich.text import Text

    from searcher.cli.line_breaking import text_line_breaks
    from searcher.cli.printers import safe

    stored = article.stored
    match_style, _ = highlight_styles(colored)
    out = []
    title = safe(stored.get("title") or "").replace("\t", " ")
    for start, end in text_line_breaks(title, width) if title else []:
        out.append(Text(title[start:end], style="bold"))
    details = [stored.get("date") or "undated", stored.get("author"), stored.get("source")]
    meta = [" · ".join(d for d in details if d), article.file, stored.get("url"),
            ", ".join(stored["tags"].split(",")) if stored.get("tags") else None]
    for line in filter(None, meta):
        piece = Text(safe(line).replace("\t", " ").replace("\n", " "), style="dim")
        piece.truncate(width, overflow="ellipsis")
        out.append(piece)
    out.append(Text())
    header = len(out)
    body = safe(article.body).replace("\t", " ")  # one character each: offsets hold
    lines = text_line_breaks(body, width)
    out.extend(Text(body[start:end]) for start, end in lines)
    starts = [start for start, _ in lines]
    places = []
    for start, end in article.spans:
        pieces = []
        for n in range(max(bisect_right(starts, start) - 1, 0), len(lines)):
            line_start, line_end = lines[n]
            if line_start >= end:
                break
            a, b = max(start, line_start) - line_start, min(end, line_end) - line_start
            if a < b:
                out[header + n].stylize(match_style, a, b)
                pieces.append((header + n, a, b))
        places.append(pieces or [(header + max(bisect_right(starts, start) - 1, 0), 0, 0)])
    return out, places


def row_prompt(row: Row, colored: bool) -> Text:
    """A result as the list shows it: the title (its matches highlighted), then the date,
    where it is from, and how many times it matches."""
    from rich.text import Text

    from searcher.cli.printers import one_line

    match_style, _ = highlight_styles(colored)
    title = Text(one_line(row.hit.title or "(untitled)"), style="bold")
    for start, end in row.hit.title_highlights:
        title.stylize(match_style, start, end)
    details = Text(f"{row.hit.date or 'undated'}  {one_line(row.where)}  ", style="dim")
    details.append(f"{row.matches} match{'es' if row.matches != 1 else ''}")
    return Text("\n").join([title, details])


def render_timeline(chart: Timeline, width: int, query: str) -> Text:
    """A timeline as a bar chart: one row a period, the undated last."""
    from rich.text import Text

    from searcher.cli.printers import one_line, timeline_bars

    out = Text()
    out.append(f"{one_line(query)}: {chart.total} matching article"
               f"{'s' if chart.total != 1 else ''}, by {chart.by}\n\n", style="bold")
    out.append_text(timeline_bars(chart, width))
    if not chart.buckets and not chart.undated:
        out.append("no dated matches\n")
    out.append("\ny year · m month · w week · Esc close", style="dim")
    return out


def plain_article(article: Article) -> str:
    """The article as ``$PAGER`` shows it: as ``searcher show`` prints it to a pipe."""
    import io

    from searcher.cli.printers import print_document

    out = io.StringIO()
    print_document(article.stored, article.spans, out, as_json=False, console=None)
    return out.getvalue()


EDITORS_WITH_LINE = {"vi", "vim", "nvim", "view", "nano", "emacs", "emacsclient", "micro",
                     "kak", "mg", "ne", "joe", "jed"}  # the terminal editors that take +N


def editor_command(editor: str, file: str, line: int | None) -> list[str]:
    """``$EDITOR`` on ``file`` through the shell (as git runs it: ``EDITOR`` may hold
    options), at ``line`` (``+N``) for the editors known to take it."""
    editor = editor if editor.strip() else "vi"
    name = os.path.basename(shlex.split(editor)[0]) if shlex.split(editor) else ""
    where = [f"+{line}"] if line and name in EDITORS_WITH_LINE else []
    return ["sh", "-c", f'{editor} "$@"', "editor", *where, file]


def first_line_of(file: str, strings) -> int | None:
    """The line (from 1) of a text file where one of ``strings`` first occurs."""
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if any(s and s in line for s in strings):
                    return number
    except OSError:
        return None
    return None


# ---------------------------------------------------------------------------------------------
# The screen (Textual, imported here only).

def textual_available() -> bool:
    try:
        import textual  # noqa: F401
    except ImportError:
        return False
    return True


_APP_CLASS = None


def app_class():
    """The Textual app class (Textual imported on first use); ``BrowseApp(browser)``."""
    global _APP_CLASS
    if _APP_CLASS is None:
        _APP_CLASS = _define_app()
    return _APP_CLASS


def __getattr__(name: str):
    if name == "BrowseApp":  # ``from searcher.cli.browse import BrowseApp`` imports Textual
        return app_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CSS = """
Screen { layout: vertical; }
#bar { height: 1; }
#bar Label { width: auto; padding: 0 1; color: $text-muted; }
#query { width: 1fr; }
#dates { height: 1; display: none; }
#dates.shown { display: block; }
#dates Label { width: auto; padding: 0 1; color: $text-muted; }
#since, #until { width: 16; }
#status { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap;
          text-overflow: ellipsis; }
#status.error { color: $text-error; text-style: bold; }
#main { height: 1fr; }
#results { width: 40%; min-width: 26; height: 100%; border: round $border-blurred; padding: 0;
           text-wrap: nowrap; text-overflow: ellipsis; }
#results:focus { border: round $border; }
#preview { width: 1fr; height: 100%; border: round $border-blurred; overflow-y: scroll;
           overflow-x: hidden; scrollbar-size-vertical: 1; }
#preview:focus { border: round $border; }
HelpScreen, TimelineScreen { align: center middle; }
#help, #chart-box { width: auto; max-width: 100%; height: auto; max-height: 100%;
                    border: round $border; background: $surface; padding: 0 1; }
#chart-box { width: 90%; }
"""


def _define_app():
    from rich.text import Text
    from textual.app import App, ComposeResult, SuspendNotSupported
    from textual.binding import Binding
    from textual.containers import Horizontal, VerticalScroll
    from textual.geometry import Size
    from textual.screen import ModalScreen
    from textual.scroll_view import ScrollView
    from textual.strip import Strip
    from textual.widgets import Footer, Input, Label, OptionList, Static

    class ArticleView(ScrollView, can_focus=True):
        """The selected article, line by line (only the visible lines are drawn, so a long
        article costs nothing to scroll), the current match in its own style."""

        def __init__(self, **options) -> None:
            super().__init__(**options)
            self.lines: list[Text] = []
            self.places: list[list[tuple[int, int, int]]] = []
            self.current: int | None = None
            self.current_style = ""
            self.drawn_width = 0

        def show(self, lines: list[Text], places: list[list[tuple[int, int, int]]],
                 width: int, current_style: str) -> None:
            self.lines, self.places, self.drawn_width = lines, places, width
            self.current_style = current_style
            self.current = 0 if places else None
            self.virtual_size = Size(width, len(lines))
            self.refresh()

        def select(self, current: int | None) -> None:
            """Make match ``current`` the current one and scroll it into view, with a
            little of what comes before."""
            self.current = current
            if current is None:
                self.scroll_to(y=0, animate=False)
            else:
                self.scroll_to(y=max(0, self.places[current][0][0] - 2), animate=False)
            self.refresh()

        def render_line(self, y: int) -> Strip:
            scroll_x, scroll_y = self.scroll_offset
            number = scroll_y + y
            width = self.scrollable_content_region.width
            style = self.rich_style
            if number >= len(self.lines):
                return Strip.blank(width, style)
            line = self.lines[number]
            if self.current is not None:
                pieces = [(a, b) for n, a, b in self.places[self.current] if n == number]
                if pieces:
                    line = line.copy()
                    for a, b in pieces:
                        line.stylize(self.current_style, a, b)
            strip = Strip(line.render(self.app.console), line.cell_len)
            return strip.crop_extend(scroll_x, scroll_x + width, style).apply_style(style)

        def on_resize(self) -> None:
            if self.scrollable_content_region.width != self.drawn_width:
                self.app.draw_article()

    class HelpScreen(ModalScreen):
        """Every key, from ``KEYS``."""

        BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close")]

        def compose(self) -> ComposeResult:
            yield Static(help_text(), id="help")

        def action_dismiss(self) -> None:
            self.dismiss()

    class TimelineScreen(ModalScreen):
        """The query's timeline as a bar chart; y/m/w change the period."""

        BINDINGS = [Binding("escape,q,t", "dismiss", "close"),
                    Binding("y", "by('year')", "year"), Binding("m", "by('month')", "month"),
                    Binding("w", "by('week')", "week")]

        def __init__(self, browser: Browser, by: str = "month") -> None:
            super().__init__()
            self.browser = browser
            self.by = by

        def compose(self) -> ComposeResult:
            with VerticalScroll(id="chart-box"):
                yield Static(id="chart")

        def on_mount(self) -> None:
            self.call_after_refresh(self.draw)

        def draw(self) -> None:
            box = self.query_one("#chart-box")
            chart = self.browser.timeline(self.by)
            width = box.scrollable_content_region.width or self.app.size.width - 8
            self.query_one("#chart", Static).update(
                render_timeline(chart, width - 1, self.browser.query))

        def action_by(self, by: str) -> None:
            self.by = by
            self.draw()

        def action_dismiss(self) -> None:
            self.dismiss()

    class BrowseApp(App):
        TITLE = "searcher browse"
        CSS = globals()["CSS"]
        ENABLE_COMMAND_PALETTE = False
        BINDINGS = [Binding("ctrl+c", "interrupt", show=False, priority=True)] + [
            Binding(key, action, label or description, show=label is not None)
            for key, action, description, label in KEYS]

        def __init__(self, browser: Browser, colored: bool | None = None) -> None:
            super().__init__()
            self.browser = browser
            # NO_COLOR: Textual greys its own colours; the highlights become bold + reverse.
            self.colored = not self.no_color if colored is None else colored
            self.article: Article | None = None
            self.current: int | None = None  # the match n/N is on
            self.pending = False  # a search waits for the typing to pause
            self._timer = None
            self._listed_query: str | None = None

        # -- layout ---------------------------------------------------------------------
        def compose(self) -> ComposeResult:
            with Horizontal(id="bar"):
                yield Label("search")
                yield Input(self.browser.query, placeholder="type a query (? keys)",
                            id="query", compact=True)
            with Horizontal(id="dates"):
                yield Label("since")
                yield Input(self.browser.since, placeholder="YYYY-MM-DD", id="since",
                            compact=True, restrict=r"[0-9-]*", max_length=10)
                yield Label("until")
                yield Input(self.browser.until, placeholder="YYYY-MM-DD", id="until",
                            compact=True, restrict=r"[0-9-]*", max_length=10)
            yield Static(id="status")
            with Horizontal(id="main"):
                yield OptionList(id="results")
                yield ArticleView(id="preview")
            yield Footer(compact=True)

        def on_mount(self) -> None:
            self.query_one("#results").border_title = "results"
            self.query_one("#preview").border_title = "article"
            if self.browser.query.strip():
                self.query_one("#results").focus()
            else:
                self.query_one("#query").focus()
            self.call_after_refresh(self.search_now)

        # -- searching ------------------------------------------------------------------
        def on_input_changed(self, event: Input.Changed) -> None:
            name = event.input.id
            if name == "query":
                self.browser.query = event.value
            elif name in ("since", "until"):
                setattr(self.browser, name, event.value)
            else:
                return
            self.pending = True
            if self._timer is not None:
                self._timer.stop()
            self._timer = self.set_timer(DEBOUNCE_SECONDS, self.search_now)

        def on_input_submitted(self, event: Input.Submitted) -> None:
            self.search_now()
            self.action_to_results()

        def search_now(self) -> None:
            """Run the query now (the debounce timer calls this)."""
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self.pending = False
            if self.browser.run():
                self.fill_results()
            self.show_status()

        def fill_results(self, keep: bool = True) -> None:
            """The list from the session's rows, the first selected; for the same query (a
            new sort, another date) the selected article stays selected if it is there."""
            results = self.query_one("#results", OptionList)
            keep = keep and self._listed_query == self.browser.query
            self._listed_query = self.browser.query
            before = self.article.stored["path"] if keep and self.article else None
            rows = self.browser.rows
            results.clear_options()
            results.add_options([row_prompt(row, self.colored) for row in rows])
            results.border_title = (f"similar to {self.browser.similar_to}"
                                    if self.browser.similar_to is not None else "results")
            if not rows:
                self.show_article(None)
                return
            paths = [row.hit.path for row in rows]
            index = paths.index(before) if before in paths else 0
            results.highlighted = index
            self.show_article(index)

        def show_status(self, message: str | None = None, error: bool = False) -> None:
            status = self.query_one("#status", Static)
            text = message or self.browser.status()
            status.set_class(error or (message is None and self.browser.error is not None),
                             "error")
            status.update(Text(text))

        # -- the article ----------------------------------------------------------------
        def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted
                                              ) -> None:
            index = event.option_index
            row = self.browser.rows[index] if index < len(self.browser.rows) else None
            if row is not None and (self.article is None
                                    or self.article.stored["path"] != row.hit.path):
                self.show_article(index)

        def show_article(self, index: int | None) -> None:
            if index is None:
                self.article, self.current = None, None
            else:
                try:
                    self.article = self.browser.article(self.browser.rows[index])
                except SearcherError as error:  # gone since the search: the index changed
                    self.article, self.current = None, None
                    self.draw_article()
                    self.show_status(f"error: {error}", error=True)
                    return
                self.current = 0 if self.article.spans else None
            self.draw_article()
            self.show_status()

        def draw_article(self) -> None:
            """Lay the selected article out for the preview's width, its first match (or
            the current one, on a resize) in view."""
            preview = self.query_one("#preview", ArticleView)
            if self.article is None:
                preview.show([], [], 0, "")
                preview.border_subtitle = ""
                return
            width = preview.scrollable_content_region.width or 40
            lines, places = render_article(self.article, width, self.colored)
            preview.show(lines, places, width, highlight_styles(self.colored)[1])
            preview.select(self.current)
            self.show_position()

        def show_position(self) -> None:
            preview = self.query_one("#preview", ArticleView)
            preview.border_subtitle = (
                f"match {self.current + 1}/{len(self.article.spans)}"
                if self.article is not None and self.current is not None else
                "no match" if self.article is not None else "")

        def _step(self, by: int) -> None:
            if self.article is None or self.current is None:
                self.bell()
                return
            self.current = (self.current + by) % len(self.article.spans)
            self.query_one("#preview", ArticleView).select(self.current)
            self.show_position()

        # -- actions ----------------------------------------------------------------------
        def check_action(self, action: str, parameters) -> bool | None:
            """``/`` is not offered in a box (it is typed there)."""
            return not (action == "focus_query" and isinstance(self.focused, Input))

        def action_interrupt(self) -> None:
            self.exit(return_code=INTERRUPTED)

        def action_help(self) -> None:
            self.push_screen(HelpScreen())

        def action_focus_query(self) -> None:
            self.query_one("#query").focus()

        def action_to_results(self) -> None:
            self.query_one("#results").focus()

        def action_next_match(self) -> None:
            self._step(1)

        def action_previous_match(self) -> None:
            self._step(-1)

        def action_cycle_sort(self) -> None:
            browser = self.browser
            browser.sort = SORTS[(SORTS.index(browser.sort) + 1) % len(SORTS)]
            self.search_now()

        def action_dates(self) -> None:
            dates = self.query_one("#dates")
            dates.add_class("shown")
            self.query_one("#since").focus()

        def action_back(self) -> None:
            focused = self.focused
            if focused is not None and focused.id in ("since", "until"):
                self.query_one("#dates").remove_class("shown")
                self.action_to_results()
            elif focused is not None and focused.id == "query":
                self.action_to_results()
            elif self.browser.similar_to is not None:
                self.search_now()
                self.action_to_results()
            else:
                self.action_focus_query()

        def _row(self) -> Row | None:
            index = self.query_one("#results", OptionList).highlighted
            if index is None or index >= len(self.browser.rows):
                self.bell()
                self.show_status("no article selected", error=True)
                return None
            return self.browser.rows[index]

        def action_similar(self) -> None:
            row = self._row()
            if row is None:
                return
            try:
                self.browser.show_similar(row)
            except SearcherError as error:
                self.show_status(f"error: {error}", error=True)
                return
            self.fill_results(keep=False)
            self.show_status()
            self.action_to_results()

        def action_timeline(self) -> None:
            try:
                self.browser.timeline("month")  # says what is wrong before a screen opens
            except SearcherError as error:
                self.show_status(f"error: {error}", error=True)
                return
            self.push_screen(TimelineScreen(self.browser))

        def action_copy_path(self) -> None:
            if self._row() is None or self.article is None:
                return
            self.copy_to_clipboard(self.article.path)
            self.show_status(f"copied {self.article.path}")

        def action_pager(self) -> None:
            if self._row() is None or self.article is None:
                return
            pager = os.environ.get("PAGER") or "less"
            self.run_outside(["sh", "-c", pager], plain_article(self.article))

        def action_editor(self) -> None:
            if self._row() is None or self.article is None:
                return
            article = self.article
            file = article.stored.get("file", "")
            matched = [article.body[s:e] for s, e in article.spans[:1]]
            editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
            self.run_outside(editor_command(editor, file, first_line_of(file, matched)))

        def run_outside(self, command: list[str], text: str | None = None) -> None:
            """Give the terminal to ``command`` (a pager, an editor) until it ends."""
            try:
                with self.suspend():
                    done = subprocess.run(command, input=text, encoding="utf-8",
                                          errors="replace", check=False)
            except SuspendNotSupported:
                self.show_status("error: this terminal cannot hand the screen over",
                                 error=True)
                return
            except OSError as error:
                self.show_status(f"error: {command[-1]}: {error.strerror or error}",
                                 error=True)
                return
            if done.returncode not in (0, None):
                self.show_status(f"error: {shlex.join(command[2:3])} exited with status "
                                 f"{done.returncode}", error=True)
            else:
                self.show_status()

    return BrowseApp


def help_text() -> Text:
    """The help screen: every key of ``KEYS`` and the widgets' own."""
    from rich.text import Text

    out = Text()
    out.append("searcher browse: keys\n\n", style="bold")
    rows = [(KEY_NAMES.get(key, key), description) for key, _, description, _ in KEYS]
    rows[-1:-1] = list(OTHER_KEYS)
    width = max(len(key) for key, _ in rows)
    for key, description in rows:
        out.append(f"{key:<{width}}  ", style="bold")
        out.append(description + "\n")
    out.append("\nIn a box (query, dates) letters are typed: Esc or ↓ first.", style="dim")
    return out


# ---------------------------------------------------------------------------------------------
# The command.

@click.command("browse", cls=QueryCommand)
@click.argument("query", nargs=-1)
@index_option
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="Order of results to start with (r cycles it).")
@click.option("--since", default="", help="From this date on: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--until", default="", help="Up to this date: YYYY, YYYY-MM or YYYY-MM-DD.")
@color_option
@click.pass_context
def browse_command(ctx, query, index_dir, sort, since, until, color):
    """Search as you type and read the results, every match highlighted, in a full-screen
    terminal view (needs Textual: pip install 'searcher[browse]'). ? lists the keys; q
    quits (Ctrl-C: exit 130).

    \b
    Examples:
      searcher browse
      searcher browse 普京 停火 --since 2025-10
      searcher browse --index ~/評論索引
    """
    if not textual_available():
        raise SearcherError(TEXTUAL_MISSING)
    from searcher.cli.commands import open_for_search
    from searcher.cli.environment import corpus_roots

    browser = Browser(None, " ".join(query), sort, since, until)
    browser.dates()  # a bad --since/--until is an error before the screen opens
    # As search does: only the default index (or the configuration's) is built on first use.
    default_index = ctx.get_parameter_source("index_dir") in (
        click.core.ParameterSource.DEFAULT, click.core.ParameterSource.DEFAULT_MAP)
    browser.index = open_for_search(index_dir, corpus_roots(ctx.obj) if default_index else None)
    app = make_app(browser, color)
    app.run()
    sys.exit(app.return_code or 0)


def make_app(browser: Browser, color: str = "auto"):
    """The app for ``--color``: ``never`` greys everything as NO_COLOR does, ``always``
    ignores NO_COLOR."""
    saved = os.environ.get("NO_COLOR")
    try:
        if color == "never":
            os.environ["NO_COLOR"] = "1"
        elif color == "always":
            os.environ.pop("NO_COLOR", None)
        return app_class()(browser)
    finally:
        if saved is None:
            os.environ.pop("NO_COLOR", None)
        else:
            os.environ["NO_COLOR"] = saved
