"""The command line in-process, through click's test runner: exact stdout, stderr and exit
status for every outcome a script relies on. Pipes, signals and terminals stay with the
subprocess tests in test_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher.cli.main import cli
from searcher.dates import DateRange, parse_bound
from searcher.engine.store import open_index
from searcher.search.ranked import search
from searcher.search.stats import index_stats
from tests.conftest import Run

HIT_KEYS = ["rank", "path", "title", "date", "score", "snippet", "highlights", "matches",
            "author", "file", "record", "url", "source", "tags", "snippets", "page", "copies"]



def test_json_lines_carry_exactly_the_documented_keys(searcher, corpus_index_dir, corpus_index):
    result = searcher("search", "普丁", "停火", "--json", "--index", str(corpus_index_dir))
    expected = search(corpus_index, "普丁 停火")
    assert (result.code, result.stderr) == (0, "")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [list(record) for record in records] == [HIT_KEYS] * len(expected.hits)
    assert [(r["rank"], r["path"], r["title"], r["date"], r["author"]) for r in records] == [
        (h.rank, h.path, h.title, h.date, h.author) for h in expected.hits]
    assert [r["score"] for r in records] == [round(h.score, 4) for h in expected.hits]


def test_files_lists_the_paths_of_the_ranked_hits(searcher, corpus_index_dir, corpus_index):
    result = searcher("search", "停火", "-l", "-n", "3", "--index", str(corpus_index_dir))
    expected = search(corpus_index, "停火", limit=3)
    assert result == Run(0, "".join(f"{h.file}\n" for h in expected.hits), "")


def test_null_separated_paths(searcher, corpus_index_dir, corpus_index):
    result = searcher("search", "停火", "-0", "--index", str(corpus_index_dir))
    expected = search(corpus_index, "停火")
    assert result == Run(0, "".join(f"{h.file}\0" for h in expected.hits), "")


def test_count_prints_the_number_of_matching_articles(searcher, corpus_index_dir, corpus_index):
    result = searcher("search", "停火", "--since", "2025-10", "-c",
                      "--index", str(corpus_index_dir))
    total = search(corpus_index, "停火", dates=DateRange(low=parse_bound("2025-10"))).total
    assert result == Run(0, f"{total}\n", "")


def test_nothing_found_is_exit_1_and_silent_on_stderr(searcher, corpus_index_dir):
    result = searcher("search", "量子色動力學", "--json", "--index", str(corpus_index_dir))
    assert result == Run(1, "", "")


@pytest.mark.parametrize("args, message", [
    (["search", "停火", "--since", "2025-13"],
     "searcher: error: bad date '2025-13': month 13 does not exist\n"),
    (["search", "停火", "--sort", "nope"],
     "searcher: error: Invalid value for '--sort': 'nope' is not one of 'relevance', "
     "'newest', 'oldest'. (see --help)\n"),
    (["show"], "searcher: error: Missing argument 'REF'. (see --help)\n"),
])
def test_a_user_mistake_is_one_line_and_exit_2(searcher, corpus_index_dir, args, message):
    assert searcher(*args, "--index", str(corpus_index_dir)) == Run(2, "", message)


def test_a_missing_named_index_is_one_line_and_exit_2(searcher, tmp_path):
    result = searcher("search", "停火", "--index", str(tmp_path / "nowhere"))
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("searcher: error: ") and result.stderr.count("\n") == 1
    assert "nowhere" in result.stderr


def test_stats_json_reports_what_the_library_reports(searcher, corpus_index_dir):
    result = searcher("stats", "--json", "--index", str(corpus_index_dir))
    assert (result.code, result.stderr) == (0, "")
    record = json.loads(result.stdout)
    stats = index_stats(open_index(corpus_index_dir))
    assert record == {**stats, "index": str(corpus_index_dir)}


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_that_names_it(searcher, name):
    result = searcher(name, "--help")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"Usage: searcher {name} ")
    assert cli.commands[name].help


def test_top_level_help_lists_every_command_and_keeps_the_examples_on_their_lines(searcher):
    result = searcher("--help")
    assert result.code == 0
    for name in cli.commands:
        assert f"  {name} " in result.stdout
    assert "\n    searcher search 俄罗斯 停火 --since 2025-10\n" in result.stdout


def test_version(searcher):
    result = searcher("--version")
    assert result.code == 0 and result.stdout.startswith("searcher, version ")


def test_follow_takes_links_out_of_the_folder_and_max_file_mb_skips_large_files(searcher,
                                                                                 tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("停火協議的外部副本。", encoding="utf-8")
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "own.txt").write_text("停火協議。" * 50, encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    index = str(tmp_path / "idx")
    refused = searcher("index", str(corpus), "--index", index, "--json")
    assert refused.code == 1 and json.loads(refused.stdout)["added"] == 1
    followed = searcher("index", str(corpus), "--index", index, "--follow", "--json")
    assert followed.code == 0 and json.loads(followed.stdout)["added"] == 1
    assert searcher("search", "外部副本", "-c", "--index", index).stdout == "1\n"
    capped = searcher("index", str(corpus), "--index", index, "--follow", "--rebuild",
                      "--max-file-mb", "0.0002", "--json")
    assert capped.code == 1 and json.loads(capped.stdout)["added"] == 1
    assert "own.txt" in capped.stderr


def test_variants_add_writes_the_users_table_and_a_rebuild_applies_it(searcher, tmp_path,
                                                                        cli_env):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "a.txt").write_text("北韓再度試射飛彈。", encoding="utf-8")
    (corpus / "b.txt").write_text("半島局勢：平壤政權宣布新的飛彈計畫。", encoding="utf-8")
    index = str(tmp_path / "idx")
    assert searcher("index", str(corpus), "--index", index).code == 0
    assert searcher("variants").code == 1  # no groups of one's own yet
    assert searcher("search", "平壤政權", "-c", "--index", index).stdout == "1\n"
    added = searcher("variants", "--add", "平壤政權", "北韓")
    assert added.code == 0 and "searcher index --rebuild" in added.stderr
    table = Path(cli_env["XDG_CONFIG_HOME"]) / "searcher" / "variants.txt"
    assert table.read_text(encoding="utf-8") == "平壤政權 北韓\n"
    assert searcher("variants") == Run(0, "平壤政權 北韓\n", "")
    assert searcher("index", str(corpus), "--index", index, "--rebuild").code == 0
    assert searcher("search", "平壤政權", "-c", "--index", index).stdout == "2\n"
    assert {"平壤政權", "北韓"} <= set(searcher("variants", "北韓", "--index", index).stdout.split())


def test_variants_add_refuses_a_group_of_one(searcher):
    result = searcher("variants", "--add", "北韓")
    assert result.code == 2 and result.stderr.startswith("searcher: error: a group needs two")
