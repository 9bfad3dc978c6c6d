"""The browsing session (``searcher.search.browsing``) through the library, without a screen
or Textual: what ``searcher browse`` lists, selects and counts, checked against the search
functions it stands on."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from searcher.errors import SearcherError
from searcher.search.browsing import LIMIT, SORTS, Browser
from searcher.search.ranked import search
from tests.conftest import ROOT


def paths(browser: Browser) -> list[str]:
    return [row.hit.path for row in browser.rows]


def test_the_list_is_the_search_and_r_cycles_through_every_sort(corpus_index):
    browser = Browser(corpus_index, "停火")
    assert browser.run() and browser.error is None
    expected = search(corpus_index, "停火", limit=LIMIT, snippets=0)
    assert paths(browser) == [hit.path for hit in expected.hits]
    assert browser.total == expected.total == len(browser.rows) > 1
    assert [row.matches for row in browser.rows] == [hit.match_count for hit in expected.hits]
    orders = {}
    for _ in SORTS:
        browser.next_sort()
        assert browser.run() and browser.status().endswith(f" · {browser.sort}")
        orders[browser.sort] = [row.hit.date for row in browser.rows if row.hit.date]
    assert browser.sort == "relevance" and set(orders) == set(SORTS)  # round and back
    assert orders["newest"] == sorted(orders["newest"], reverse=True)
    assert orders["oldest"] == sorted(orders["oldest"]) != orders["newest"]


def test_a_mistake_is_said_and_the_last_good_results_stay(corpus_index):
    browser = Browser(corpus_index, "停火")
    browser.run()
    listed = paths(browser)
    browser.since = "2026-13"
    assert not browser.run()
    assert browser.status().startswith("error: bad date '2026-13'")
    assert paths(browser) == listed
    browser.since, browser.query = "", '"停火'
    assert not browser.run() and browser.error.startswith("unclosed quote")
    assert paths(browser) == listed
    browser.query = '"停火"'
    assert browser.run() and browser.error is None and not browser.status().startswith("error")


def test_similar_articles_replace_the_list_until_the_next_search(corpus_index):
    browser = Browser(corpus_index, "停火")
    browser.run()
    listed, first = paths(browser), browser.rows[0]
    browser.show_similar(first)
    assert browser.similar_to == first.hit.title
    assert browser.rows and first.hit.path not in paths(browser)
    assert browser.status().startswith(f"{len(browser.rows)} similar to {first.hit.title[:10]}")
    row = browser.rows[0]
    article = browser.article(row)  # highlighted: the key terms it shares, not the query
    assert article.spans and {article.body[s:e] for s, e in article.spans} <= set(row.hit.matches)
    assert browser.run() and browser.similar_to is None and paths(browser) == listed


def test_the_timeline_counts_the_listed_articles_within_the_date_filter(corpus_index):
    browser = Browser(corpus_index, "停火")
    for since in ("", "2025-10"):
        browser.since = since
        browser.run()
        chart = browser.timeline("year")
        years = Counter(row.hit.date[:4] for row in browser.rows if row.hit.date)
        assert {year: n for year, n in chart.buckets if n} == years
        assert chart.undated == len(browser.rows) - sum(years.values())
        assert chart.total == browser.total
    assert browser.undated_left_out == 1 and "1 undated left out" in browser.status()


def test_an_empty_query_lists_nothing_and_has_no_timeline(corpus_index):
    browser = Browser(corpus_index, "  ")
    assert browser.run() and browser.rows == [] and browser.total == 0
    assert browser.status().startswith("type a query")
    with pytest.raises(SearcherError, match="type a query first"):
        browser.timeline()


SESSION = """
import sys
from pathlib import Path

from searcher.engine.store import open_index
from searcher.search.browsing import Browser

browser = Browser(open_index(Path(sys.argv[1])), "普京")
assert browser.run() and browser.rows
browser.article(browser.rows[0])
browser.timeline("month")
browser.show_similar(browser.rows[0])
print(" ".join(sorted(sys.modules)))
"""


def test_a_session_loads_no_screen_nor_command_line(corpus_index_dir, cli_env):
    done = subprocess.run([sys.executable, "-c", SESSION, str(corpus_index_dir)], cwd=ROOT,
                          env=cli_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split()
    assert "searcher.search.similar" in loaded  # it did browse
    assert not [name for name in loaded
                if name.split(".")[0] in ("textual", "rich", "click")
                or name.startswith("searcher.cli")]
