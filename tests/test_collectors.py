"""Find, then hydrate: ``-c`` and ``--timeline`` count matches without reading any article,
``-l`` reads the articles it lists but looks for no match in them, and a search reads only
the articles it prints. And evaluate once: every output, and every collector of one request
(the count, the timeline, the top), takes the one evaluation of its query."""

from __future__ import annotations

import pytest

from searcher.engine.whoosh.reader import GenerationReader
from searcher.search import hits, matching
from searcher.search.browsing import Browser
from searcher.search.evaluation import evaluate
from searcher.search.hits import hydrate
from searcher.search.ranked import search, top_docs
from searcher.search.request import SearchRequest
from searcher.search.timeline import per_period


@pytest.fixture
def reads(monkeypatch) -> dict[str, int]:
    """How often stored fields are read and articles searched for matches (``match_spans``
    folds a whole article), counted around our own functions."""
    counted = {"stored": 0, "matched": 0}
    stored_fields, match_spans = GenerationReader.stored_fields, hits.match_spans

    def counting_stored(self, docnum):
        counted["stored"] += 1
        return stored_fields(self, docnum)

    def counting_spans(text, needles, *exceptions):
        counted["matched"] += 1
        return match_spans(text, needles, *exceptions)

    monkeypatch.setattr(GenerationReader, "stored_fields", counting_stored)
    monkeypatch.setattr(hits, "match_spans", counting_spans)
    return counted


@pytest.mark.parametrize("mode", [["-c"], ["--timeline"], ["--timeline", "--json"]])
def test_counting_reads_no_article(searcher, corpus_index_dir, reads, mode):
    result = searcher("search", "美國", *mode, "--index", str(corpus_index_dir))
    assert result.code == 0
    if mode == ["-c"]:
        assert result.stdout == "5\n"
    assert reads == {"stored": 0, "matched": 0}


def test_listing_files_searches_no_article_for_matches(searcher, corpus_index_dir, reads):
    result = searcher("search", "美國", "-l", "--index", str(corpus_index_dir))
    assert result.code == 0 and len(result.stdout.splitlines()) == 5
    assert reads == {"stored": 5, "matched": 0}


def test_a_search_reads_only_the_articles_it_prints(searcher, corpus_index_dir, reads):
    result = searcher("search", "美國", "--json", "-n", "2", "--index", str(corpus_index_dir))
    assert result.code == 0 and len(result.stdout.splitlines()) == 2
    assert reads["stored"] == 2 and reads["matched"] == 4  # body and title of each


@pytest.fixture
def evaluations(monkeypatch) -> list[str]:
    """How often a query plan is evaluated over the postings (``matching.evaluate``, our own
    function), counted."""
    evaluated = []
    evaluate = matching.evaluate

    def counting(reader, plan, *args, **kwargs):
        evaluated.append(plan)
        return evaluate(reader, plan, *args, **kwargs)

    monkeypatch.setattr(matching, "evaluate", counting)
    return evaluated


@pytest.mark.parametrize("mode", [[], ["-c"], ["--timeline"], ["-l"], ["--no-collapse"],
                                  ["--json", "--sort", "newest", "--since", "2025"]])
def test_every_output_evaluates_the_query_once(searcher, corpus_index_dir, evaluations, mode):
    result = searcher("search", "美國", *mode, "--index", str(corpus_index_dir))
    assert result.code == 0 and result.stdout
    assert len(evaluations) == 1


def test_the_collectors_share_one_evaluation(corpus_index, evaluations):
    request = SearchRequest("美國", limit=3, snippets=1)
    found = evaluate(corpus_index, request)
    total, chart, top = len(found), per_period(found, "year"), top_docs(found)
    shown = hydrate(corpus_index, top, found.compiled.needles, request)
    assert len(evaluations) == 1
    whole = search(corpus_index, request)
    assert total == chart.total == whole.total == 5
    assert [hit.path for hit in shown] == [hit.path for hit in whole.hits] and len(shown) == 3
    assert [len(hit.snippets) for hit in shown] == [len(hit.snippets) for hit in whole.hits]


def test_browse_counts_its_timeline_from_the_search_it_listed(corpus_index, evaluations):
    browser = Browser(corpus_index, "停火")
    assert browser.run() and len(evaluations) == 1
    browser.sort = "newest"  # an order is the collectors' business: the matches are the same
    assert browser.timeline("year").total == browser.total and len(evaluations) == 1
    browser.query = "停火 普京"  # typed, not searched yet: the timeline is of what is typed
    assert browser.timeline("year").total == search(corpus_index, "停火 普京").total
    assert len(evaluations) == 3
