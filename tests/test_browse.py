"""`searcher browse`, driven headless through Textual's Pilot at 80×24 (and 160×48 for the
layout): what a person types and presses, and what the screen then shows.

Each test runs the app in ``asyncio.run`` (no pytest-asyncio); the screen is read back from
Textual's own SVG screenshot, one string a terminal row."""

from __future__ import annotations

import asyncio
import html
import re
import sys

import pytest

pytest.importorskip("textual")

from searcher.cli.browse import TEXTUAL_MISSING, browse_command  # noqa: E402
from searcher.cli.browse.app import BrowseApp  # noqa: E402
from searcher.cli.browse.keys import KEY_NAMES, KEYS  # noqa: E402
from searcher.cli.browse.rendering import render_article, row_prompt  # noqa: E402
from searcher.cli.environment import wants_color  # noqa: E402
from searcher.cli.line_breaking import text_line_breaks  # noqa: E402
from searcher.errors import SearcherError  # noqa: E402
from searcher.search.browsing import Article, Browser  # noqa: E402

TITLE_003 = "3月18日,美國總統川普與俄羅斯"  # the one article that writes 普丁


def run_app(index, script, size=(80, 24), colored=None, **session):
    """Run the app on ``index`` with ``script(pilot, app)``; the app, once it has ended."""
    app = BrowseApp(Browser(index, **session), colored)

    async def main():
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            await script(pilot, app)

    asyncio.run(main())
    return app


async def settle(pilot, app):
    """Wait until the typing pause has run the query and the screen has caught up."""
    await pilot.pause()
    for _ in range(100):
        if not app.pending:
            break
        await pilot.pause(0.05)
    await pilot.pause()


async def type_query(pilot, app, text):
    app.query_one("#query").value = ""
    app.query_one("#query").focus()
    await pilot.press(*text)
    await settle(pilot, app)


def screen_rows(svg: str) -> list[str]:
    """A Textual SVG screenshot as text, one string a terminal row (the window title left
    out): each run of text at its column, blank cells as spaces."""
    from rich.cells import cell_len

    runs = [(float(x), float(length), int(row),
             html.unescape(text).replace("\xa0", " ").strip("\n"))
            for x, length, row, text in re.findall(
                r'<text[^>]*? x="([\d.]+)"[^>]*?textLength="([\d.]+)"[^>]*?'
                r'clip-path="url\(#terminal-\d+-line-(\d+)\)"[^>]*>([^<]*)</text>', svg)]
    cell = next(length / cell_len(text) for _, length, _, text in runs if text)
    rows: dict[int, dict[int, str]] = {}
    for x, _, row, text in runs:
        column = round(x / cell)
        for char in text:
            rows.setdefault(row, {})[column] = char
            column += cell_len(char)
    return ["".join(cells.get(c, "" if cell_len(cells.get(c - 1, " ")) == 2 else " ")
                    for c in range(max(cells) + 1)) if cells else ""
            for cells in (rows.get(r, {}) for r in range(max(rows) + 1))]


def screen(app) -> str:
    return "\n".join(screen_rows(app.export_screenshot()))


def status(app) -> str:
    return screen_rows(app.export_screenshot())[app.query_one("#status").region.y]


def highlighted(app) -> list[str]:
    """The strings the preview highlights, as drawn (a match may straddle two lines)."""
    view = app.query_one("#preview")
    return ["".join(view.lines[line].plain[a:b] for line, a, b in pieces)
            for pieces in view.places]


def test_typing_a_query_fills_the_list_and_highlights_each_articles_own_spelling(
        corpus_index):
    seen = {}

    async def script(pilot, app):
        assert app.focused.id == "query"
        await pilot.press(*"普京")  # the mainland spelling; 003 writes 普丁
        await settle(pilot, app)
        assert app.browser.total == 4 and len(app.browser.rows) == 4
        assert "4 articles" in status(app)
        await pilot.press("enter")  # to the list
        for number, row in enumerate(app.browser.rows):
            if number:
                await pilot.press("down")
            seen[row.hit.title] = set(highlighted(app))
            assert row.matches == len(app.article.spans) == len(app.query_one("#preview").places)

    run_app(corpus_index, script)
    by_title = {title[:len(TITLE_003)]: strings for title, strings in seen.items()}
    assert by_title[TITLE_003] == {"普丁"}
    assert all(strings == {"普京"} for title, strings in by_title.items() if title != TITLE_003)


def test_moving_the_selection_updates_the_preview_scrolled_to_its_first_match(corpus_index):
    async def script(pilot, app):
        view = app.query_one("#preview")
        first = app.article.stored["path"]
        assert TITLE_003 in view.lines[0].plain
        await pilot.press("down")
        assert app.article.stored["path"] != first
        assert app.article.stored["title"][:8] in view.lines[0].plain
        line = view.places[0][0][0]
        assert view.scroll_y <= line < view.scroll_y + view.scrollable_content_region.height
        assert "match 1/" in screen(app)
        await pilot.press("n", "n")
        assert view.current == app.current == 2
        line = view.places[2][0][0]
        assert view.scroll_y <= line < view.scroll_y + view.scrollable_content_region.height
        assert "match 3/" in screen(app)
        await pilot.press("N", "N", "N")  # back past the first: the last
        assert app.current == len(app.article.spans) - 1
        narrow = len(view.lines)
        await pilot.resize_terminal(160, 48)  # laid out again, the same match in view
        await pilot.pause()
        assert len(view.lines) < narrow and view.current == app.current
        line = view.places[view.current][0][0]
        assert view.scroll_y <= line < view.scroll_y + view.scrollable_content_region.height

    run_app(corpus_index, script, query="普京")


def test_a_date_filter_and_the_sort_order_change_the_results(corpus_index):
    async def script(pilot, app):
        assert app.browser.total == 5
        await pilot.press("d", *"2025-10")
        await settle(pilot, app)
        assert app.focused.id == "since"
        dates = [row.hit.date for row in app.browser.rows]
        assert app.browser.total == len(dates) == 3 and min(dates) >= "2025-10-01"
        assert "since 2025-10" in status(app) and "1 undated left out" in status(app)
        await pilot.press("escape", "r")  # dates hidden, back in the list; sort: newest
        assert app.focused.id == "results"
        dates = [row.hit.date for row in app.browser.rows]
        assert dates == sorted(dates, reverse=True) and "newest" in status(app)
        await pilot.press("r")
        dates = [row.hit.date for row in app.browser.rows]
        assert dates == sorted(dates) and "oldest" in status(app)

    run_app(corpus_index, script, query="停火")


def test_a_bad_query_is_an_inline_error_and_the_app_carries_on(corpus_index):
    async def script(pilot, app):
        await type_query(pilot, app, "普京")
        before = [row.hit.path for row in app.browser.rows]
        await type_query(pilot, app, '"unclosed')
        assert app.is_running
        assert status(app).startswith(" error: unclosed quote")
        assert [row.hit.path for row in app.browser.rows] == before  # the last results stay
        await pilot.press("down", "n")  # the list and the preview still work
        await type_query(pilot, app, "(停火")
        assert "error: unclosed parenthesis" in status(app)
        await pilot.press(")")
        await settle(pilot, app)
        assert "error" not in status(app) and app.browser.total == 5
        await pilot.press("escape", "d", *"2026-13")  # no 13th month: said, not raised
        await settle(pilot, app)
        assert "error: bad date '2026-13'" in status(app) and app.is_running

    run_app(corpus_index, script)


def test_q_quits_and_ctrl_c_exits_with_130(corpus_index):
    async def press_q(pilot, app):
        await pilot.press("q")
        assert app.browser.query == "q" and app.is_running  # in the query box, a letter
        await pilot.press("escape", "q")

    async def press_ctrl_c(pilot, app):
        await pilot.press("ctrl+c")  # even in the query box

    quitted = run_app(corpus_index, press_q)
    assert quitted.return_code == 0 and not quitted.is_running
    assert run_app(corpus_index, press_ctrl_c).return_code == 130


def test_help_lists_every_key_and_the_timeline_is_a_bar_chart(corpus_index):
    async def script(pilot, app):
        await pilot.press("question_mark")
        shown = screen(app)
        for key, _, description, _ in KEYS:
            assert f"{KEY_NAMES.get(key, key)} " in shown and description[:20] in shown
        await pilot.press("escape", "t")
        shown = screen(app)
        assert "普京: 4 matching articles, by month" in shown
        assert re.search(r"2025-09 █+ 1", shown) and re.search(r"undated █+ 1", shown)
        await pilot.press("y")
        assert re.search(r"2025 +█+ 2", screen(app)) and re.search(r"2026 +█+ 1", screen(app))
        await pilot.press("escape")
        assert app.is_running and app.screen is app.screen_stack[0]

    run_app(corpus_index, script, query="普京")


def test_similar_articles_replace_the_list_until_escape(corpus_index):
    async def script(pilot, app):
        first = app.browser.rows[0].hit.path
        await pilot.press("s")
        paths = [row.hit.path for row in app.browser.rows]
        assert paths and first not in paths
        assert "similar to" in screen(app) and app.article.spans
        await pilot.press("escape")
        assert app.browser.rows[0].hit.path == first and "4 articles" in status(app)

    run_app(corpus_index, script, query="普京")


def test_copy_path_pager_and_editor_get_the_selected_article(corpus_index, monkeypatch):
    import contextlib
    import subprocess

    ran = []
    monkeypatch.setenv("PAGER", "less -R")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "vim -R")
    monkeypatch.setattr(subprocess, "run",
                        lambda command, **kw: ran.append((command, kw)) or
                        subprocess.CompletedProcess(command, 0))

    async def script(pilot, app):
        monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
        await pilot.press("y")
        assert app.clipboard == app.article.stored["file"]
        assert app.clipboard.endswith("003_fbfd2bed5f7712db.txt")
        await pilot.press("o", "e")

    run_app(corpus_index, script, query="普京")
    (pager, options), (editor, _) = ran
    assert pager == ["sh", "-c", "less -R"]
    assert options["input"].startswith("path: 003_fbfd2bed5f7712db.txt")
    assert "普丁沒有在談判" in options["input"]
    assert editor[:5] == ["sh", "-c", 'vim -R "$@"', "editor", "+2"]  # 普丁's first line
    assert editor[5].endswith("corpus/003_fbfd2bed5f7712db.txt")


def test_no_color_highlights_in_bold_reverse(corpus_index, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")

    async def script(pilot, app):
        view = app.query_one("#preview")
        line, a, b = view.places[1][0]
        styles = {str(span.style) for span in view.lines[line].spans if span.start == a}
        assert styles == {"bold reverse"} and not app.colored

    run_app(corpus_index, script, query="普京")


def screen_colours(app) -> set[tuple[int, int, int]]:
    """The colours the screen is drawn in, backgrounds and text (the screenshot's window
    frame left out)."""
    svg = app.export_screenshot()
    fills = (re.findall(r'fill="#([0-9a-f]{6})"[^>]*shape-rendering="crispEdges"', svg)
             + re.findall(r'\.terminal-\d+-r\d+ \{ fill: #([0-9a-f]{6})', svg))
    return {tuple(bytes.fromhex(fill)) for fill in fills}


def test_color_always_and_never_win_over_no_color(corpus_index, monkeypatch):
    seen = {}
    for color, no_color in (("always", True), ("never", False), ("auto", True)):
        if no_color:
            monkeypatch.setenv("NO_COLOR", "1")
        else:
            monkeypatch.delenv("NO_COLOR", raising=False)

        async def script(pilot, app, color=color):
            view = app.query_one("#preview")
            line, a, _ = view.places[1][0]
            styles = {str(span.style) for span in view.lines[line].spans if span.start == a}
            greys = {max(rgb) - min(rgb) <= 8 for rgb in screen_colours(app)}
            seen[color] = styles, greys

        run_app(corpus_index, script, colored=wants_color(color), query="普京")
    assert seen["always"] == ({"bold red"}, {True, False})  # colours, NO_COLOR or not
    assert seen["never"] == ({"bold reverse"}, {True})  # greys only, without NO_COLOR
    assert seen["auto"] == ({"bold reverse"}, {True})


def test_the_layout_at_80x24_and_160x48(corpus_index, tmp_path):
    shots = {}

    for size in ((80, 24), (160, 48)):
        async def script(pilot, app, size=size):
            shots[size] = app.save_screenshot(f"{size[0]}x{size[1]}.svg", str(tmp_path))

        run_app(corpus_index, script, size=size, query="普京")

    for (width, height), file in shots.items():
        rows = screen_rows(open(file, encoding="utf-8").read())
        assert len(rows) == height
        assert rows[0].startswith(" search 普京")
        assert rows[1].startswith(" 4 articles · ") and "relevance" in rows[1]
        assert "─ results ─" in rows[2] and "─ article ─" in rows[2]
        assert TITLE_003 in rows[3]
        assert "undated  corpus/003_fbfd2bed5" in rows[4]
        assert "match 1/22" in rows[-2]
        assert "? keys" in rows[-1] and "q quit" in rows[-1]
    wide = screen_rows(open(shots[160, 48], encoding="utf-8").read())
    assert "corpus/003_fbfd2bed5f7712db.txt  22 matches" in wide[4]


def test_the_session_works_without_a_screen(corpus_index):
    browser = Browser(corpus_index, "普京 停火", since="2025-10")
    assert browser.run() and browser.total == 2
    assert all(row.hit.date >= "2025-10-01" for row in browser.rows)
    article = browser.article(browser.rows[0])
    assert {article.body[s:e] for s, e in article.spans} >= {"普京", "停火"}
    browser.query = "停火 OR"
    assert not browser.run() and browser.error and browser.total == 2
    assert browser.status().startswith("error: ")
    assert browser.article(browser.rows[0]).spans == article.spans  # the listed query's
    browser.query = "停火 or 普京"
    assert browser.run() and "hint: 'or' is a word; the operator is OR" in browser.status()


def test_the_preview_wraps_chinese_anywhere_and_latin_words_whole():
    text = "美國總統特朗普（Donald Trump）與普京\n通話"
    lines = text_line_breaks(text, 20)
    pieces = [text[a:b] for a, b in lines]
    assert pieces == ["美國總統特朗普", "（Donald Trump）與普", "京", "通話"]  # "（" goes with its word
    from rich.cells import cell_len
    assert all(cell_len(p) <= 20 for p in pieces)
    latin = "He isn't negotiating"  # a space at the break starts no line
    assert [latin[a:b] for a, b in text_line_breaks(latin, 8)] == ["He isn't", "negotiat", "ing"]
    word = "x" * 25  # a word longer than a line is cut
    assert [word[a:b] for a, b in text_line_breaks(word, 10)] == ["x" * 10, "x" * 10, "x" * 5]


def test_document_text_is_never_markup():
    article = Article({"path": "a.txt", "title": "[bold]t[/bold]", "body": "[red]普京[/]\x1b[2J"},
                      [(5, 7)], "a.txt")
    lines, places = render_article(article, 40, colored=True)
    assert lines[0].plain == "[bold]t[/bold]"
    assert lines[-1].plain == "[red]普京[/]\ufffd[2J"
    assert places == [[(len(lines) - 1, 5, 7)]]


def test_a_row_names_its_place_its_reposts_and_its_matches():
    from searcher.models import Copy, Hit
    from searcher.search.browsing import Browser

    hit = Hit(1, "a.txt", "普京[b]", "2025-10-01", 1.0, (), ("普京",), title_highlights=((0, 2),),
              file="corpus/a.txt", match_count=1, copies=(Copy("b.txt"), Copy("c.txt")))
    title, details = row_prompt(Browser.row(hit), colored=False).split("\n")
    assert title.plain == "普京[b]" and {str(s.style) for s in title.spans} >= {"bold reverse"}
    assert details.plain == "2025-10-01  corpus/a.txt · also in 2 copies  1 match"


def test_without_textual_browse_says_how_to_install_it(monkeypatch, corpus_index_dir):
    from click.testing import CliRunner

    from searcher.cli.main import cli

    monkeypatch.setitem(sys.modules, "textual", None)
    result = CliRunner().invoke(browse_command, ["--index", str(corpus_index_dir)])
    assert isinstance(result.exception, SearcherError)
    assert str(result.exception) == TEXTUAL_MISSING
    result = CliRunner().invoke(cli, ["browse", "--index", str(corpus_index_dir)])
    assert result.exit_code == 2
    assert result.stderr == ("searcher: error: searcher browse needs textual: "
                             "pip install 'searcher[browse]'\n")
