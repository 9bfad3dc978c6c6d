"""The terminal client: screens at several widths, pipe formats, timeline, show, similar,
stats, help, and hostile text that must never reach the terminal as control sequences."""

from __future__ import annotations

import json
import re
import pytest
from rich.cells import cell_len

from tests.conftest import corpus_texts, run_in_pty

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
COLOUR_SGR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7])[;m]")


def visible_lines(screen: str) -> list[str]:
    return [ANSI.sub("", line) for line in screen.replace("\r", "").split("\n")]


@pytest.mark.parametrize("columns", [60, 120])
def test_terminal_view_wraps_cjk_within_the_width(cli_env, corpus_index_dir, columns):
    screen = run_in_pty(["search", "停火", "-n", "3", "--index", str(corpus_index_dir)],
                        cli_env, columns)
    lines = visible_lines(screen)
    assert max(cell_len(line) for line in lines) <= columns
    assert any(cell_len(line) > columns - 12 for line in lines)  # it does use the width
    headers = [line for line in lines if re.match(r"\s*\d+\. ", line)]
    assert len(headers) == 3 and all("undated" in h or re.search(r"\d{4}-\d\d-\d\d", h)
                                     for h in headers)
    assert re.search(r"5 matching articles, showing 3 · \d+ ms", screen)
    assert COLOUR_SGR.search(screen)


def test_no_color_keeps_the_layout_without_colour(cli_env, corpus_index_dir):
    screen = run_in_pty(["search", "停火", "-n", "2", "--index", str(corpus_index_dir),
                         "--since", "2025"], {**cli_env, "NO_COLOR": "1"}, 80)
    assert not COLOUR_SGR.search(screen) and "停火" in screen
    assert "since 2025" in screen  # the footer names the filters in force


def test_pipe_formats_parse_and_agree(searcher, corpus_index_dir):
    index = ["--index", str(corpus_index_dir)]
    records = searcher("search", "俄羅斯", "--json", "-n", "100", *index).json_lines()
    paths = [r["file"] for r in records]
    assert searcher("search", "俄羅斯", "-l", *index).stdout.splitlines() == paths
    null = searcher("search", "俄羅斯", "-0", *index).stdout
    assert null.endswith("\0") and null.split("\0")[:-1] == paths
    assert int(searcher("search", "俄羅斯", "-c", *index).stdout) == len(paths)
    plain = [line.split("\t") for line in searcher("search", "俄羅斯", "-n", "100", *index)
             .stdout.splitlines()]
    assert [p[0] for p in plain] == paths
    assert [p[1] or None for p in plain] == [r["date"] for r in records]
    assert [float(p[2]) for p in plain] == pytest.approx([r["score"] for r in records], abs=1e-3)
    assert [p[3] for p in plain] == [r["title"] for r in records]


def test_exclusive_output_options(searcher, corpus_index_dir):
    result = searcher("search", "停火", "--json", "-l", "--index", str(corpus_index_dir))
    assert result.code == 2 and "exclusive" in result.stderr


def test_timeline_buckets_add_up(searcher, corpus_index_dir):
    index = ["--index", str(corpus_index_dir)]
    chart = json.loads(searcher("search", "停火", "--timeline", "--json", *index).stdout)
    total = int(searcher("search", "停火", "-c", *index).stdout)
    assert chart["total"] == total == sum(b["count"] for b in chart["buckets"]) + chart["undated"]
    months = [b["period"] for b in chart["buckets"]]
    assert months == sorted(months) and all(re.fullmatch(r"\d{4}-\d\d", m) for m in months)
    dated = [re.match(r"\s*date (\d{4}-\d\d)", t) for t in corpus_texts().values() if "停火" in t]
    assert {m.group(1) for m in dated if m} == {b["period"] for b in chart["buckets"] if b["count"]}
    years = json.loads(searcher("search", "停火", "--timeline", "--by", "year", "--json", *index)
                       .stdout)
    assert [b["period"] for b in years["buckets"]] == ["2025", "2026"]


def test_timeline_on_a_terminal_draws_bars(cli_env, corpus_index_dir):
    screen = run_in_pty(["search", "停火", "--timeline", "--index", str(corpus_index_dir)],
                        cli_env, 80)
    lines = visible_lines(screen)
    assert any(re.match(r"2025-11 +█+ 1", line) for line in lines)
    assert any(line.startswith("undated") for line in lines)


def test_show_highlights_a_query_in_the_whole_article(searcher, corpus_index_dir):
    result = searcher("show", "004_6341f3f655f86c6f.txt", "普丁", "--json", "--index",
                     str(corpus_index_dir))
    record = json.loads(result.stdout)
    assert record["matches"] == ["普京"] and record["highlights"]
    assert all(record["body"][s:e] == "普京" for s, e in record["highlights"])
    assert len(record["highlights"]) == record["body"].count("普京")


def test_similar_finds_other_articles_on_the_same_topic(searcher, corpus_index_dir):
    result = searcher("similar", "003_fbfd2bed5f7712db.txt", "--json", "--index",
                     str(corpus_index_dir))
    paths = [r["path"] for r in result.json_lines()]
    assert result.code == 0 and paths and "003_fbfd2bed5f7712db.txt" not in paths


def test_stats(searcher, corpus_index_dir):
    stats = json.loads(searcher("stats", "--json", "--index", str(corpus_index_dir)).stdout)
    assert (stats["documents"], stats["dated"], stats["undated"]) == (5, 4, 1)
    assert (stats["first_date"], stats["last_date"]) == ("2025-09-30", "2026-01-20")
    assert stats["size_bytes"] > 0 and stats["analysis"]["segmenter"].startswith("rjieba")
    terms = [t["term"] for t in stats["top_terms"]]
    assert "俄罗斯" in terms or "停火" in terms
    text = searcher("stats", "--index", str(corpus_index_dir)).stdout
    assert "documents: 5" in text and "undated: 1" in text


def test_every_command_has_help_with_a_chinese_example(searcher):
    commands = ["index", "search", "show", "similar", "stats", "variants"]
    for command in [None] + commands:
        result = searcher(*([command] if command else []), "--help")
        assert result.code == 0
        examples = result.stdout.split("Example")[-1]
        assert "searcher" in examples, command
        assert re.search(r"[\u4e00-\u9fff]", examples), command


@pytest.fixture
def hostile_index(tmp_path, searcher):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "markup.txt").write_text(
        "[bold red]停火[/bold red] 協議 \x1b[2J\x1b]0;pwned\x07 全文 \u202e反轉", encoding="utf-8")
    (folder / "name\x1b]0;x\x07.txt").write_text("停火的另一篇。", encoding="utf-8")
    index = tmp_path / "idx"
    assert searcher("index", str(folder), "--index", str(index)).code == 0
    return index


def test_document_text_and_names_never_reach_the_terminal_as_controls(cli_env, searcher,
                                                                      hostile_index):
    index = ["--index", str(hostile_index)]
    screens = [run_in_pty(["search", "停火", *index], cli_env, 100),
               run_in_pty(["show", "markup.txt", "停火", *index], cli_env, 100),
               searcher("search", "停火", *index).stdout,
               searcher("search", "停火", "-l", *index).stdout,
               searcher("show", "markup.txt", *index).stdout]
    for screen in screens:
        assert "\x1b[2J" not in screen and "\x1b]0;" not in screen
        assert "\x07" not in screen and "\u202e" not in screen
    assert "[bold red]停火[/bold red]" in "".join(visible_lines(screens[0]))
    assert "[bold red]停火[/bold red]" in screens[4]
    # JSON is data: control characters travel escaped, and decode back exactly
    raw = searcher("search", "停火", "--json", *index).stdout
    assert "\x1b" not in raw and "\x07" not in raw
    snippets = {r["path"]: r["snippet"] for r in (json.loads(line) for line in raw.splitlines())}
    assert "\x1b[2J\x1b]0;pwned\x07" in snippets["markup.txt"]
    assert any("\x1b]0;x\x07" in path for path in snippets)


def test_query_with_markup_is_searched_literally(searcher, hostile_index):
    result = searcher("search", '"[bold red]停火"', "--json", "--index", str(hostile_index))
    assert [r["path"] for r in result.json_lines()] == ["markup.txt"]
