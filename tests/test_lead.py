"""The lead bonus (``searcher.search.lead``): of articles that BM25F scores the same, the one
whose opening holds every word of the query ranks first, in either script; a word missing
from the opening, or from the body, earns less or nothing. Small built corpora; through the
library and the CLI in-process."""

from __future__ import annotations

import numpy as np
import pytest

from searcher.engine.store import open_index
from searcher.indexing.update import update_index
from searcher.search.compiler import compile_query
from searcher.search.lead import lead_bonus
from searcher.search.matching import PostingsCache
from searcher.search.ranked import search

HALF = ("颱風過後，農民忙著清理果園，市場蔬菜價格一度上漲，"
        "氣象專家提醒民眾注意山區落石與豪雨。") * 2
OPENING, CLOSING = "俄羅斯與烏克蘭代表今日在伊斯坦堡重啟", "停火談判。"
# The same words, so (nearly) the same BM25F score; only where they stand differs. The
# names sort the late one first, as equal scores would rank them without the bonus.
ARTICLES = {
    "a-late.txt": HALF + HALF + OPENING + CLOSING,  # both words only at the end
    "b-lead.txt": OPENING + CLOSING + HALF + HALF,  # both in the opening
    "c-half.txt": OPENING + HALF + CLOSING + HALF,  # 停火 only halfway through
}


@pytest.fixture(scope="module")
def leads_index(tmp_path_factory, settings):
    folder = tmp_path_factory.mktemp("lead")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        # A title of its own: a first line with the words would weigh as a title.
        (corpus / name).write_text(f"title: 週報\n\n{text}\n", encoding="utf-8")
    update_index(folder / "index", [corpus], settings)
    return folder / "index"


def _ranked(index, query: str) -> list[tuple[str, float]]:
    # The articles share their filler: they would collapse as copies of each other.
    return [(h.path, h.score) for h in search(index, query, limit=None, collapse=False).hits]


@pytest.mark.parametrize("query", ["俄罗斯 停火", "俄羅斯 停火", "停火 俄罗斯"])
def test_the_article_that_opens_with_the_words_ranks_first(leads_index, query):
    index = open_index(leads_index)
    ranked = _ranked(index, query)
    assert [path for path, _ in ranked] == ["b-lead.txt", "c-half.txt", "a-late.txt"]


def test_the_bonus_decays_with_the_place_every_word_has_been_seen(leads_index):
    index = open_index(leads_index)
    compiled = compile_query("俄罗斯 停火", index.chain)
    reader = index.reader()
    path_of = {reader.path(d): d for d in range(reader.doc_count)}
    docs = np.array(sorted(path_of.values()), np.int64)
    bonus = dict(zip((reader.path(d) for d in docs.tolist()),
                     lead_bonus(PostingsCache(reader), compiled.leads, docs).tolist()))
    # Every word near the start earns most; one seen only halfway, less; at the end, least.
    assert bonus["b-lead.txt"] > bonus["c-half.txt"] > bonus["a-late.txt"] > 0
    # A word not in the body at all: no bonus for anyone.
    absent = compile_query("俄罗斯 颱風 太空站", index.chain).leads
    assert lead_bonus(PostingsCache(reader), absent, docs).tolist() == [0.0] * len(docs)


def test_alternatives_and_other_fields_give_no_lead(leads_index):
    index = open_index(leads_index)
    assert compile_query("俄罗斯 OR 停火", index.chain).leads == ()
    assert compile_query("title:停火", index.chain).leads == ()
    assert [item.idf_term for item in compile_query('"停火談判" -颱風', index.chain).leads] == [
        "停火谈判"]


def test_the_cli_ranks_the_lead_first(searcher, leads_index):
    result = searcher("search", "俄罗斯", "停火", "--json", "--no-collapse",
                      "--index", str(leads_index))
    assert [record["path"] for record in result.json_lines()] == [
        "b-lead.txt", "c-half.txt", "a-late.txt"]
