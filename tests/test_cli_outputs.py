"""Outputs for pipelines and citation lists (-o, --csv, --format), the configuration file, the
terminal layout (the title wins the width; CJK line breaking) and the word for `searcher QUERY`.
"""

from __future__ import annotations

import csv
import io
import os
import re

import pytest
from hypothesis import given, settings, strategies as st
from rich.cells import cell_len
from rich.console import Console

from searcher.analysis.fold import fold
from searcher.cli.line_breaking import NO_LINE_END, NO_LINE_START, line_breaks
from tests.conftest import ROOT, run_in_pty
from tests.test_terminal import visible_lines


@pytest.fixture
def index_args(corpus_index_dir) -> list[str]:
    return ["--index", str(corpus_index_dir)]


# -o, --csv, --format


def test_only_matching_prints_each_match_as_written(searcher, index_args):
    hits = searcher("search", "普京", "--json", "-n", "0", *index_args).json_lines()
    result = searcher("search", "普京", "-o", *index_args)
    assert result.code == 0
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert {file for file, _ in lines} == {hit["file"] for hit in hits}
    assert {match for _, match in lines} == {m for hit in hits for m in hit["matches"]}
    assert all(fold(match) in ("普京", fold("普丁")) for _, match in lines)
    body = searcher("show", hits[0]["path"], "--json", *index_args).json_lines()[0]["body"]
    own = [match for file, match in lines if file == hits[0]["file"]]
    assert len(own) == sum(body.count(m) for m in set(own))  # every occurrence, not three


def test_only_matching_with_context_shows_that_much_either_side(searcher, index_args):
    lines = searcher("search", "停火", "-o", "--context", "4", *index_args).stdout.splitlines()
    passages = [line.split("\t")[1] for line in lines]
    assert passages and all("停火" in p and "…" not in p for p in passages)
    assert max(len(p) for p in passages) == 2 + 2 * 4


def test_csv_has_a_header_and_a_row_per_hit(searcher, index_args):
    records = searcher("search", "停火", "--json", *index_args).json_lines()
    rows = list(csv.DictReader(io.StringIO(searcher("search", "停火", "--csv",
                                                     *index_args).stdout)))
    assert [row["file"] for row in rows] == [r["file"] for r in records]
    assert [row["title"] for row in rows] == [r["title"] for r in records]
    assert [row["date"] or None for row in rows] == [r["date"] for r in records]
    assert [float(row["score"]) for row in rows] == [r["score"] for r in records]


def test_format_fills_a_template_of_the_json_keys(searcher, index_args):
    records = searcher("search", "停火", "--json", *index_args).json_lines()
    result = searcher("search", "停火", "--format", r"{date}\t{title}|{score:.1f}|{url}",
                      *index_args)
    assert result.code == 0
    assert result.stdout.splitlines() == [
        f"{r['date'] or ''}\t{r['title']}|{r['score']:.1f}|" for r in records]


@pytest.mark.parametrize("template,says", [("{nope}", "no field {nope}"),
                                           ("{title", "braces"), ("{}", "no field {}"),
                                           ("{title:>1500000000}", "numbers up to 10,000"),
                                           ("{title:.99999999}", "numbers up to 10,000"),
                                           ("{title:{score}}", "numbers up to 10,000")])
def test_a_bad_template_is_one_line_and_exit_2(searcher, index_args, template, says):
    result = searcher("search", "停火", "--format", template, *index_args)
    assert result.code == 2 and says in result.stderr and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("modes", [["-o", "--csv"], ["--format", "{title}", "--json"],
                                   ["-o", "-c"], ["--csv", "--timeline"]])
def test_output_modes_are_exclusive(searcher, index_args, modes):
    result = searcher("search", "停火", *modes, *index_args)
    assert result.code == 2 and ("exclusive" in result.stderr or "alone" in result.stderr)


# the configuration file


@pytest.fixture
def config(cli_env, tmp_path):
    """Writes ``$XDG_CONFIG_HOME/searcher/config.toml`` (the fixture's own config folder)."""
    path = tmp_path / "config" / "searcher" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return lambda text: path.write_text(text, encoding="utf-8")


def test_config_sets_the_default_index_limit_and_sort(searcher, config, corpus_index_dir):
    config(f'index = "{corpus_index_dir}"\nlimit = 2\nsort = "newest"\n')
    hits = searcher("search", "停火", "--json").json_lines()
    assert len(hits) == 2 and hits[0]["date"] >= hits[1]["date"]
    everything = searcher("search", "停火", "--json", "-n", "0", "--sort", "relevance")
    assert len(everything.json_lines()) == 5  # flags win over the file


def test_searcher_index_environment_variable_wins_over_the_config(searcher, config, cli_env,
                                                                  corpus_index_dir, tmp_path):
    config(f'index = "{tmp_path / "nowhere"}"\n')
    cli_env["SEARCHER_INDEX"] = str(corpus_index_dir)
    assert searcher("search", "停火", "-c").stdout.strip() == "5"


def test_the_configured_index_is_built_from_the_configured_roots(searcher, config,
                                                                  corpus_copy, tmp_path):
    index = tmp_path / "from-config"
    config(f'index = "{index}"\nroots = ["{corpus_copy}"]\n')
    result = searcher("search", "停火", "-c")
    assert result.code == 0 and result.stdout.strip() == "5"
    assert f"building {index}/ from {corpus_copy}/" in result.stderr
    (corpus_copy / "new.txt").write_text("新的停火評論。", encoding="utf-8")
    assert searcher("index").code == 0  # `searcher index` finds the index and its roots
    assert searcher("search", "停火", "-c").stdout.strip() == "6"


@pytest.mark.parametrize("text,says", [("lmit = 3", "unknown key 'lmit'"),
                                       ('limit = "x"', "limit must be a number"),
                                       ('sort = "best"', "sort must be"),
                                       ("limit = ", "not valid TOML"),
                                       ('cluster = "local:0"',
                                        "cluster 'local:0' asks for 0 workers: a local "
                                        "cluster has 1 to 64"),
                                       ('cluster = "no such"', "cluster 'no such' is not a "
                                        "scheduler's address: give tcp://HOST:PORT"),
                                       ("cluster = 8786", "cluster must be an address"),
                                       pytest.param("x = " + "[" * 5000, "nested too deeply",
                                                    id="nested-5000-deep")])
def test_a_bad_config_is_one_line_and_exit_2(searcher, config, index_args, text, says):
    config(text)
    result = searcher("search", "停火", *index_args)
    assert result.code == 2 and says in result.stderr and "config.toml" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_searcher_config_names_another_file(searcher, cli_env, tmp_path, corpus_index_dir):
    other = tmp_path / "elsewhere.toml"
    other.write_text(f'index = "{corpus_index_dir}"\nlimit = 1\n', encoding="utf-8")
    cli_env["SEARCHER_CONFIG"] = str(other)
    assert len(searcher("search", "停火").stdout.splitlines()) == 1
    cli_env["SEARCHER_CONFIG"] = str(tmp_path / "missing.toml")
    missing = searcher("search", "停火")
    assert missing.code == 2 and "no such configuration file" in missing.stderr


@pytest.mark.parametrize("planted", ["fifo", "/dev/zero", "/proc/self/pagemap"])
def test_searcher_config_naming_no_regular_file_is_refused_at_once(cli_env, tmp_path,
                                                                   planted):
    """Every command reads the configuration first: a FIFO there used to hang every command,
    /dev/zero to read until memory ran out, a never-ending file of /proc (which calls itself
    regular) too. Run bounded in time and memory, so a regression fails instead of hanging."""
    import resource
    import subprocess
    import sys

    target = tmp_path / "config.toml"
    if planted == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(planted)

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run([sys.executable, "-m", "searcher", "search", "停火"], cwd=tmp_path,
                          env={**cli_env, "SEARCHER_CONFIG": str(target)}, capture_output=True,
                          text=True, timeout=60, preexec_fn=bounded)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert str(target) in done.stderr and "Traceback" not in done.stderr


# searcher QUERY


def test_a_query_in_place_of_a_command_names_the_search_command(searcher):
    result = searcher("停火", "伊朗")
    assert result.code == 2 and "searcher search 停火 伊朗" in result.stderr
    typo = searcher("serch", "停火")
    assert typo.code == 2 and "Did you mean 'search'" in typo.stderr


# terminal layout


def test_the_title_wins_the_width_and_the_file_has_its_own_line(cli_env, corpus_index_dir,
                                                               corpus_index):
    from searcher.search.ranked import search

    hit = search(corpus_index, "停火", limit=1).hits[0]
    screen = run_in_pty(["search", "停火", "-n", "1", "--index", str(corpus_index_dir)],
                        cli_env, 80)
    lines = visible_lines(screen)
    header = next(line for line in lines if re.match(r"\s*1\. ", line))
    shown_title = header.split(". ", 1)[1].split("  ")[0].rstrip("…")
    assert len(shown_title) >= 25 and hit.title.startswith(shown_title)
    # under the header, whole (run_in_pty runs from the repository: the path is relative)
    assert lines[lines.index(header) + 1].strip() == os.path.relpath(hit.file, ROOT)


def test_a_file_path_is_never_cut_however_narrow_the_terminal(cli_env, tmp_path, settings):
    """A path longer than the terminal stands whole on its own line, a hit's and each of its
    copies' (the terminal wraps it; we never cut or break it), whatever the folder's length."""
    from searcher.indexing.update import update_index

    folder = tmp_path / ("評論文章存檔資料夾" * 6)
    folder.mkdir()
    text = (ROOT / "corpus" / "001_3c553393d0fd30c8.txt").read_text(encoding="utf-8")
    files = [folder / f"{name}.txt" for name in ("原文", "轉載一", "轉載二")]
    for file in files:
        file.write_text(text, encoding="utf-8")
    update_index(tmp_path / "index", [folder], settings)
    screen = run_in_pty(["search", "停火", "--index", str(tmp_path / "index")], cli_env, 40)
    lines = [line.strip() for line in visible_lines(screen)]
    assert "also in 2 copies:" in lines
    assert all(str(file) in lines for file in files)


@pytest.mark.parametrize("columns", [40, 60, 80])
def test_no_terminal_line_starts_with_closing_punctuation(cli_env, corpus_index_dir, columns):
    screen = run_in_pty(["search", "停火", "-n", "5", "--index", str(corpus_index_dir)],
                        cli_env, columns)
    lines = [line.strip() for line in visible_lines(screen) if line.strip()]
    assert len(lines) > 20 and max(cell_len(line) for line in lines) <= columns
    closing = NO_LINE_START - {"…"}  # a snippet opens with "…" where it cuts the article
    assert not [line for line in lines if line[0] in closing]


def test_coloured_output_into_a_pipe_takes_the_width_from_columns(run_cli, index_args):
    result = run_cli("search", "停火", "--color", "always", *index_args,
                     env={"COLUMNS": "50"})
    widths = [cell_len(line) for line in visible_lines(result.stdout)]
    assert result.code == 0 and max(widths) <= 50 and max(widths) > 40


# Text as typeset Chinese is: words (a character, or a Latin word or number), each with at
# most one opening mark before it and one closing mark after it, sometimes a space between
# (always after a Latin word: two glued together would be one word wider than a line).
TOKENS = st.tuples(st.sampled_from(["", "「", "（", "《"]),
                   st.sampled_from(list("停火談判俄烏美國") + ["Trump ", "NATO ", "2025 ", "5 "]),
                   st.sampled_from(["", "", "，", "。", "、", "」", "）", "》", "…"]),
                   st.sampled_from(["", "", " "])).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=30).map("".join), st.integers(min_value=10, max_value=40))
def test_line_breaks_keep_every_character_and_the_rules(text, width):
    lines = line_breaks(text, width)
    assert "".join(text[s:e] for s, e in lines).replace(" ", "") == text.replace(" ", "")
    for n, (start, end) in enumerate(lines):
        assert cell_len(text[start:end]) <= width
        assert n == 0 or text[start] not in NO_LINE_START
        assert n == len(lines) - 1 or text[end - 1] not in NO_LINE_END


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("停火ab1 ，。」「（）《》…")), max_size=60),
       st.integers(min_value=1, max_value=12))
def test_any_text_is_laid_out_within_the_width(text, width):
    lines = line_breaks(text, width)
    assert "".join(text[s:e] for s, e in lines).replace(" ", "") == text.replace(" ", "")
    assert all(cell_len(text[s:e]) <= max(width, 2) for s, e in lines)


CONSOLE = Console(force_terminal=True, width=40)  # renders styles to compare them


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=30).map("".join), st.integers(min_value=1, max_value=40),
       st.integers(min_value=0, max_value=6), st.sampled_from(["", "dim"]),
       st.lists(st.tuples(st.integers(0, 200), st.integers(1, 12),
                          st.sampled_from(["bold red", "bold", "green"])), max_size=6))
def test_a_wrapped_line_is_the_text_it_came_from_indented(text, width, indent, style, spans):
    from rich.text import Text

    from searcher.cli.terminal import wrapped_lines

    styled = Text(text, style=style)
    for start, length, span_style in spans:
        styled.stylize(span_style, start, start + length)
    for line, start, end in wrapped_lines(styled, width, indent):
        expected = Text(" " * indent)  # rich's own slice: characters and styles
        expected.append_text(styled[start:end])
        expected.truncate(width, overflow="crop")
        assert line.plain == expected.plain
        assert list(line.render(CONSOLE)) == list(expected.render(CONSOLE))


def test_documents_indexed_from_no_file_print_their_given_name(searcher, tmp_path, settings):
    from searcher.indexing.update import index_documents
    from searcher.models import Document

    index = tmp_path / "docs-index"  # as the benchmarks and evaluations build one
    index_documents(index, [Document("bench/news.jsonl#7", "停火談判今日重啟。", "停火")],
                    settings)
    for output in ([], ["--json"], ["-l"], ["--csv"]):
        result = searcher("search", "停火", *output, "--index", str(index))
        assert result.code == 0 and "bench/news.jsonl#7" in result.stdout, result.stderr


# What a cold search loads: the query side only. The indexer (readers of every format, the
# writers, trafilatura, PyYAML, markdown-it), the browse interface, Whoosh's searcher and query
# classes (search reads postings itself), package metadata and the network stack (Whoosh's
# ``compat`` imports ``urllib.request`` for nothing searcher calls) cost every
# search's start-up when a refactor pulls them in by accident, and nothing else would notice.
LOADED_BY_A_SEARCH = """
import sys
sys.argv = ["searcher", "search", "停火", "-c", "--index", sys.argv[1]]
from searcher.cli import main
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""


def test_a_cold_search_loads_neither_the_indexer_nor_browse(corpus_index_dir, cli_env):
    import subprocess
    import sys

    loaded = subprocess.run([sys.executable, "-c", LOADED_BY_A_SEARCH, str(corpus_index_dir)],
                            cwd=ROOT, env=cli_env, capture_output=True, text=True,
                            timeout=120).stdout.split()
    assert "searcher.search.ranked" in loaded  # it did search
    unwanted = [name for name in loaded
                if name.startswith(("searcher.ingest", "searcher.indexing.update",
                                    "searcher.engine.whoosh.writers",
                                    "searcher.engine.whoosh.processes",
                                    "searcher.engine.whoosh.segment_writer",
                                    "searcher.engine.whoosh.term_pool", "searcher.cli.browse",
                                    "searcher.search.browsing",
                                    "textual", "trafilatura", "yaml", "markdown_it",
                                    "urllib.request", "http.client", "ssl",
                                    "importlib.metadata", "whoosh.searching"))]
    assert not unwanted
