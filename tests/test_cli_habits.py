"""The command line's habits, in-process: query words are never options, paths open from
where the command runs, fields and the mistakes a user makes, passages, ``show``."""

from __future__ import annotations

import pytest

from searcher.search.ranked import search
from tests.conftest import Run
from tests.test_cli_inprocess import searcher  # noqa: F401  (the in-process CLI fixture)


def plain(result) -> str:
    """What the piped default view prints for a library result."""
    return "".join(f"{h.path}\t{h.date or ''}\t{h.score:.4f}\t{h.title}\n" for h in result.hits)


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
