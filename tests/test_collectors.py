"""Find, then hydrate: ``-c`` and ``--timeline`` count matches without reading any article,
``-l`` reads the articles it lists but looks for no match in them, and a search reads only
the articles it prints."""

from __future__ import annotations

import pytest

from searcher.engine.whoosh.reader import GenerationReader
from searcher.search import hits


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
