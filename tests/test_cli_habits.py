"""The command line's habits, in-process: query words are never options, paths open from
where the command runs, fields and the mistakes a user makes, passages, ``show``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from searcher.search.ranked import search
from tests.conftest import Run
from tests.test_cli_inprocess import searcher  # noqa: F401  (the in-process CLI fixture)


def plain(result) -> str:
    """What the piped default view prints for a library result, run outside the corpus."""
    return "".join(f"{h.file}\t{h.date or ''}\t{h.score:.4f}\t{h.title}\n" for h in result.hits)


@pytest.mark.parametrize("word", ["-nato", "-cnn", "-lng", "-hk", "-2025", "-date:2025",
                                  "-伊朗"])
def test_a_dash_word_after_the_query_is_an_excluded_word(searcher, corpus_index_dir,
                                                         corpus_index, word):
    expected = search(corpus_index, f"特朗普 {word}")
    result = searcher("search", "特朗普", word, "--index", str(corpus_index_dir))
    assert result == Run(0 if expected.total else 1, plain(expected), "")


def test_the_excluded_words_exclude(corpus_index):
    assert search(corpus_index, "特朗普 -date:2025").total < search(corpus_index, "特朗普").total
    assert search(corpus_index, "特朗普 -2025").total < search(corpus_index, "特朗普").total


@pytest.mark.parametrize("args", [["-ln", "2"], ["-l", "-n", "2"], ["--limit=2", "-l"],
                                  ["--limit", "2", "--files"]])
def test_real_option_clusters_and_long_options_stay_options(searcher, corpus_index_dir, args):
    index = ["--index", str(corpus_index_dir)]
    expected = searcher("search", "停火", "--files", "--limit", "2", *index)
    assert expected.code == 0 and expected.stdout.count("\n") == 2
    assert searcher("search", "停火", *args, *index) == expected


def test_after_a_double_dash_everything_is_query_text(searcher, corpus_index_dir, corpus_index):
    expected = search(corpus_index, "特朗普 -c")
    result = searcher("search", "--index", str(corpus_index_dir), "--", "特朗普", "-c")
    assert result == Run(0, plain(expected), "")


def test_an_unknown_long_option_is_still_an_error(searcher, corpus_index_dir):
    result = searcher("search", "特朗普", "--jsno", "--index", str(corpus_index_dir))
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("searcher: error: No such option '--jsno'.")
    assert result.stderr.count("\n") == 1


def test_help_states_the_rule(searcher):
    assert "特朗普 -nato excludes nato" in searcher("search", "--help").stdout


# Paths that open from where the command runs


def test_every_listed_path_opens_from_another_directory(searcher, corpus_index_dir, tmp_path):
    index = ["--index", str(corpus_index_dir)]
    listed = searcher("search", "停火", "-l", *index).stdout.splitlines()
    plain = [line.split("\t")[0] for line in searcher("search", "停火", *index).stdout.splitlines()]
    records = [json.loads(line) for line in searcher("search", "停火", "--json", *index).stdout
               .splitlines()]
    assert Path.cwd() == tmp_path and listed and listed == plain == [r["file"] for r in records]
    assert all(Path(path).is_file() for path in listed)
    assert all(r["path"] == Path(r["file"]).name and r["record"] is None for r in records)


def test_paths_under_the_working_directory_are_relative(searcher, corpus_index_dir, monkeypatch):
    index = ["--index", str(corpus_index_dir)]
    absolute = searcher("search", "停火", "-l", *index).stdout.splitlines()
    monkeypatch.chdir(Path(absolute[0]).parent.parent)
    relative = searcher("search", "停火", "-l", *index).stdout.splitlines()
    assert relative == [os.path.relpath(path) for path in absolute]
    assert not any(path.startswith(("/", "..")) for path in relative)
    assert all(Path(path).is_file() for path in relative)
    assert searcher("search", "停火", "-l", "--path-style", "absolute", *index).stdout \
        .splitlines() == absolute


def test_relative_path_style_climbs_out_of_the_working_directory(searcher, corpus_index_dir,
                                                                  tmp_path):
    result = searcher("search", "停火", "-l", "--path-style", "relative",
                      "--index", str(corpus_index_dir))
    paths = result.stdout.splitlines()
    assert result.code == 0 and paths and all(p.startswith("../") for p in paths)
    assert all(Path(path).is_file() for path in paths)


@pytest.mark.parametrize("args", [["-l0"], ["-l", "-0"], ["-0"], ["-0l"], ["--files", "--null"]])
def test_null_modifies_files_as_in_ripgrep(searcher, corpus_index_dir, corpus_index, args):
    expected = "".join(f"{h.file}\0" for h in search(corpus_index, "普丁").hits)
    assert searcher("search", "普丁", *args, "--index", str(corpus_index_dir)) == \
        Run(0, expected, "")


@pytest.fixture
def feed_index(searcher, tmp_path) -> list[str]:
    corpus = tmp_path / "feeds"
    corpus.mkdir()
    lines = [{"id": "a1", "title": "停火談判", "body": "各方就停火進行談判。",
              "url": "https://example.org/a1", "source": "例報", "tags": ["中東", "外交"]},
             {"id": "a2", "title": "停火破裂", "body": "停火協議再度破裂。"}]
    (corpus / "2025.jsonl").write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    assert searcher("index", str(corpus), "--index", str(tmp_path / "idx")).code == 0
    return ["--index", str(tmp_path / "idx")]


def test_json_lines_hits_give_their_file_once_and_their_record(searcher, feed_index):
    assert searcher("search", "停火", "-l", *feed_index) == Run(0, "feeds/2025.jsonl\n", "")
    records = [json.loads(line) for line in
               searcher("search", "停火", "--json", "--sort", "oldest", *feed_index).stdout
               .splitlines()]
    assert sorted((r["path"], r["file"], r["record"]) for r in records) == [
        ("2025.jsonl#a1", "feeds/2025.jsonl", "a1"), ("2025.jsonl#a2", "feeds/2025.jsonl", "a2")]
    first = next(r for r in records if r["record"] == "a1")
    assert (first["url"], first["source"], first["tags"]) == (
        "https://example.org/a1", "例報", ["中東", "外交"])
