"""The browse screen's own widgets: the article preview, and the two screens that open over
the app (the keys, the timeline)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from searcher.cli.browse.keys import help_text
from searcher.cli.browse.rendering import render_timeline
from searcher.search.browsing import Browser


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
        """Make match ``current`` the current one and scroll it into view, with a little of
        what comes before."""
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
