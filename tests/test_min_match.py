"""A pasted sentence: ``--any`` / ``--min-match`` (``min_match``) require only some of the
query's words and rank the articles that share most of them first, through the library and
through the command line in-process. Its articles share most of their text (a filler around
a sentence), so they would collapse as copies of each other: these tests show each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher.dates import DateRange, parse_bound
from searcher.engine.store import open_index
from searcher.errors import QuerySyntaxError
from searcher.indexing.update import update_index
from searcher.search.query_syntax import ANY, MinimumMatch, parse_minimum_match
from searcher.search.ranked import search
from searcher.search.timeline import timeline

# Simplified, as pasted from a mainland report; its 10 words, as the chain cuts them:
# 俄罗斯 和 乌克兰 代表团 今天 在 伊斯坦布尔 重启 停火 谈判.
SENTENCE = "俄罗斯和乌克兰代表团今天在伊斯坦布尔重启停火谈判"
FILLER = "天氣晴朗，市民到公園散步賞花，孩子們放風箏。" * 3  # none of its words
ARTICLES = {  # Traditional, Taiwan spelling; how many of the sentence's words each shares
    "most.txt": ("2025-10-01", "俄羅斯與烏克蘭代表團今日在伊斯坦堡重啟停火談判。"),  # 8
    "some.txt": ("2025-06-01", "俄羅斯表示停火談判將延後。"),  # 3
    "one.txt": (None, "停火協議仍然脆弱。"),  # 1
    "none.txt": ("2025-10-02", "週末活動照常舉行。"),  # 0
}


@pytest.fixture(scope="module")
def pasted_index_dir(tmp_path_factory, settings) -> Path:
    folder = tmp_path_factory.mktemp("pasted")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name, (date, text) in ARTICLES.items():
        header = f"title: 新聞\ndate: {date}\n" if date else "title: 新聞\n"
        (corpus / name).write_text(header + FILLER + text + FILLER, encoding="utf-8")
    update_index(folder / "index", [corpus], settings)
    return folder / "index"


@pytest.fixture(scope="module")
def pasted_index(pasted_index_dir):
    return open_index(pasted_index_dir)


def ranked(index, query: str, **options) -> list[str]:
    return [hit.path
            for hit in search(index, query, limit=None, collapse=False, **options).hits]


def test_the_sentence_has_ten_words(pasted_index):
    assert len(pasted_index.chain.query_words(SENTENCE)) == 10


def test_a_pasted_sentence_finds_nothing_when_every_word_is_required(pasted_index):
    assert search(pasted_index, SENTENCE).total == 0


def test_any_ranks_the_articles_sharing_most_words_first(pasted_index):
    result = search(pasted_index, SENTENCE, limit=None, min_match=ANY, collapse=False)
    assert [hit.path for hit in result.hits] == ["most.txt", "some.txt", "one.txt"]
    assert result.total == 3  # none.txt shares no word
    # what the article wrote is highlighted, across script and spelling (伊斯坦布尔: 伊斯坦堡)
    assert all(word in " ".join(result.hits[0].matches) for word in ("伊斯坦堡", "烏克蘭", "談判"))


@pytest.mark.parametrize("minimum, expected", [
    ("75%", ["most.txt"]),  # 7 of 10
    ("30%", ["most.txt", "some.txt"]),  # 3 of 10
    (3, ["most.txt", "some.txt"]),
    ("2", ["most.txt", "some.txt"]),
    ("-2", ["most.txt"]),  # all but two: 8
    ("-1", []),  # all but one: 9, which no article has
    ("100%", []),  # all of them, as without min_match
    (MinimumMatch(1), ["most.txt", "some.txt", "one.txt"]),
])
def test_min_match_requires_that_many_words(pasted_index, minimum, expected):
    assert ranked(pasted_index, SENTENCE, min_match=minimum) == expected


def test_scores_are_the_summed_scores_of_the_words_matched(pasted_index):
    both = {h.path: h.score
            for h in search(pasted_index, "俄羅斯 停火", limit=None, collapse=False).hits}
    at_least_one = {h.path: h.score
                    for h in search(pasted_index, "俄羅斯 停火", limit=None, min_match=ANY,
                                    collapse=False).hits}
    assert set(both) == {"most.txt", "some.txt"} and set(at_least_one) == {*both, "one.txt"}
    for path, score in both.items():  # where every word matches, the same score as AND
        assert at_least_one[path] == pytest.approx(score)
    assert at_least_one["one.txt"] < min(both.values())


def test_exclusions_and_date_filters_still_apply_to_every_article(pasted_index):
    assert ranked(pasted_index, SENTENCE + " -伊斯坦堡", min_match=ANY) == ["some.txt", "one.txt"]
    since = DateRange(low=parse_bound("2025-09"))
    assert ranked(pasted_index, SENTENCE, min_match=ANY, dates=since) == ["most.txt"]
    assert ranked(pasted_index, SENTENCE + " date:2025", min_match=ANY) == [
        "most.txt", "some.txt"]  # a date: in the query filters, it is not a word to count
    result = search(pasted_index, SENTENCE, min_match=ANY, dates=since, collapse=False)
    assert result.undated_left_out == 1  # one.txt


def test_a_quoted_phrase_and_an_or_group_each_count_as_one_word(pasted_index):
    # three: the phrase, 俄羅斯, and (量子 OR 週末)
    query = '"停火談判" 俄羅斯 量子 OR 週末'
    assert set(ranked(pasted_index, query, min_match=2)) == {"most.txt", "some.txt"}
    assert ranked(pasted_index, query, min_match=1)[-1] == "none.txt"  # 週末 alone
    assert ranked(pasted_index, query, min_match="100%") == []


def test_a_repeated_word_counts_once(pasted_index):
    assert ranked(pasted_index, "停火 停火 停火 量子", min_match=2) == []
    assert set(ranked(pasted_index, "停火 停火 俄羅斯", min_match="100%")) == {
        "most.txt", "some.txt"}


@pytest.mark.parametrize("pasted", ["俄羅斯 | 停火", "俄羅斯 ！ 停火 ？", "《俄羅斯》 ： 停火 。",
                                    "“俄羅斯” 停火！"])
def test_punctuation_between_pasted_words_is_not_a_word(pasted_index, pasted):
    # A pasted title's separators (｜, ！ after a quotation) need not be in an article.
    for minimum in (None, ANY):
        assert ranked(pasted_index, pasted, min_match=minimum) == ranked(
            pasted_index, "俄羅斯 停火", min_match=minimum)
    with pytest.raises(QuerySyntaxError):  # but punctuation alone is nothing to search for
        search(pasted_index, "| ！")


def test_the_timeline_counts_what_min_match_finds(pasted_index):
    chart = timeline(pasted_index, SENTENCE, by="month", min_match=ANY)
    assert (chart.total, chart.undated) == (3, 1)
    assert dict(chart.buckets)["2025-10"] == 1 and dict(chart.buckets)["2025-06"] == 1


@pytest.mark.parametrize("text, words, needed", [
    ("1", 10, 1), ("3", 2, 2), ("75%", 10, 7), ("75%", 1, 1), ("25%", 2, 1),
    ("100%", 4, 4), ("-1", 4, 3), ("-1", 1, 1), ("-25%", 10, 8), (" 2 ", 5, 2),
])
def test_minimum_is_never_below_one_nor_above_the_words(text, words, needed):
    assert parse_minimum_match(text).of(words) == needed


@pytest.mark.parametrize("text", ["0", "0%", "-0", "150%", "101%", "-100%", "abc", "1.5", "",
                                  "%", "75 %"])
def test_a_bad_minimum_is_a_query_error_saying_what_is_allowed(text):
    with pytest.raises(QuerySyntaxError, match="is not a number of words"):
        parse_minimum_match(text)


# The command line, in-process.

def files(result) -> list[str]:
    return [Path(line.split("\t")[0]).name for line in result.stdout.splitlines()]


def test_cli_without_any_finds_nothing_and_with_it_the_best_article_first(
        searcher, pasted_index_dir):
    index = ["--index", str(pasted_index_dir), "--no-collapse"]
    assert searcher("search", SENTENCE, *index).code == 1
    result = searcher("search", SENTENCE, "--any", *index)
    assert (result.code, result.stderr) == (0, "")
    assert files(result) == ["most.txt", "some.txt", "one.txt"]


def test_cli_any_with_count_files_json_and_dates(searcher, pasted_index_dir, pasted_index):
    index = ["--index", str(pasted_index_dir), "--no-collapse"]
    assert searcher("search", SENTENCE, "--any", "-c", *index).stdout == "3\n"
    listed = searcher("search", SENTENCE, "--any", "-l", *index)
    assert [Path(line).name for line in listed.stdout.splitlines()] == [
        "most.txt", "some.txt", "one.txt"]
    records = searcher("search", SENTENCE, "--any", "--json", *index).json_lines()
    expected = search(pasted_index, SENTENCE, min_match=ANY, collapse=False).hits
    assert [(r["rank"], r["path"], r["score"]) for r in records] == [
        (h.rank, h.path, round(h.score, 4)) for h in expected]
    since = searcher("search", SENTENCE, "--any", "--since", "2025-09", "--json", *index)
    assert [r["path"] for r in since.json_lines()] == ["most.txt"]
    chart = json.loads(searcher("search", SENTENCE, "--any", "--timeline", "--json",
                                *index).stdout)
    assert (chart["total"], chart["undated"]) == (3, 1)


def test_cli_min_match_takes_counts_percentages_and_all_but(searcher, pasted_index_dir):
    index = ["--index", str(pasted_index_dir), "--no-collapse"]
    assert files(searcher("search", SENTENCE, "--min-match", "75%", "-l", *index)) == [
        "most.txt"]
    assert files(searcher("search", SENTENCE, "--min-match", "3", *index)) == [
        "most.txt", "some.txt"]
    assert files(searcher("search", SENTENCE, "--min-match=-2", *index)) == ["most.txt"]
    # ``-1`` is the option's value, not an excluded word: 9 of 10 words, which none has
    assert searcher("search", SENTENCE, "--min-match", "-1", "-c", *index).stdout == "0\n"


@pytest.mark.parametrize("args", [["--min-match", "0"], ["--min-match", "abc"],
                                  ["--min-match", "150%"], ["--any", "--min-match", "2"]])
def test_cli_bad_minimum_is_one_line_and_exit_2(searcher, pasted_index_dir, args):
    result = searcher("search", SENTENCE, *args, "--index", str(pasted_index_dir))
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith("searcher: error: ") and result.stderr.count("\n") == 1
    assert "--min-match" in result.stderr
