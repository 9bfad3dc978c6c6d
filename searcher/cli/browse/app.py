"""The ``searcher browse`` screen, a Textual app over a ``Browser`` (the session, in
``searcher.search.browsing``): a query box, the result list, the selected article with its
matches, the status line and the keys. Imported only when ``browse`` runs.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from rich.text import Text
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal
from textual.filter import LineFilter, Monochrome, NoColor
from textual.widgets import Footer, Input, Label, OptionList, Static

from searcher.cli.browse.keys import KEYS
from searcher.cli.browse.outside import editor_command, first_line_of, plain_article
from searcher.cli.browse.rendering import highlight_styles, render_article, row_prompt
from searcher.cli.browse.widgets import ArticleView, HelpScreen, TimelineScreen
from searcher.cli.environment import wants_color
from searcher.cli.exit_status import ExitStatus
from searcher.errors import SearcherError
from searcher.search.browsing import Article, Browser, Row

DEBOUNCE_SECONDS = 0.15  # typing pauses this long before the query runs

SCREEN_CSS = """
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


class BrowseApp(App):
    """The screen over one session: typing searches (after a pause), the list and the
    preview follow the selection, and every key of ``KEYS`` is an ``action_`` here."""

    TITLE = "searcher browse"
    CSS = SCREEN_CSS
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+c", "interrupt", show=False, priority=True)] + [
        Binding(key, action, label or description, show=label is not None)
        for key, action, description, label in KEYS]

    def __init__(self, browser: Browser, colored: bool | None = None) -> None:
        """``colored``: as ``environment.wants_color`` decided for ``--color`` (None: as it
        decides for ``auto``). Without colour Textual greys its own colours, whatever
        NO_COLOR says, and the highlights become bold and reverse."""
        super().__init__()
        self.browser = browser
        self.colored = wants_color("auto") if colored is None else colored
        self.no_color = not self.colored  # Textual's ``:nocolor``
        self._grey = NoColor() if self.native_ansi_color else Monochrome()
        self.article: Article | None = None
        self.current: int | None = None  # the match n/N is on
        self.pending = False  # a search waits for the typing to pause
        self._timer = None
        self._listed_query: str | None = None

    def get_line_filters(self) -> list[LineFilter]:
        """Textual's filters, greying as ``colored`` says (Textual itself reads NO_COLOR)."""
        kept = [f for f in super().get_line_filters() if not isinstance(f, (NoColor, Monochrome))]
        return kept if self.colored else [*kept, self._grey]

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
        self.exit(return_code=ExitStatus.INTERRUPTED)

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
        self.browser.next_sort()
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
