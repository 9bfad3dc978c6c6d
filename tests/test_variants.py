"""Regional vocabulary and transliterated names fold together."""

from __future__ import annotations

from pathlib import Path

import pytest

from searcher.analysis.chain import AnalysisChain
from searcher.analysis.fold import fold
from searcher.analysis.settings import AnalysisSettings
from searcher.indexing.update import update_index
from searcher.search.ranked import search
from searcher.engine.store import open_index
from searcher.analysis.variants import VariantTable
from tests.conftest import corpus_texts

TEXTS = corpus_texts()


def paths(index, query):
    return {hit.path for hit in search(index, query, limit=None).hits}


def mentioning(*spellings):
    return {n for n, t in TEXTS.items() if any(s in t for s in spellings)}


def test_table_merges_lines_that_share_a_member():
    table = VariantTable.parse("特朗普 川普\n川普 川普總統\n普京 普丁", fold)
    assert table.canonical(fold("川普總統")) == table.canonical("川普") == "特朗普"
    assert table.canonical("普丁") == "普京"
    assert table.canonical("停火") == "停火"


def test_one_group_covers_both_scripts():
    table = VariantTable.parse("澤倫斯基 澤連斯基", fold)
    assert table.canonical(fold("泽连斯基")) == table.canonical(fold("澤倫斯基"))


def test_corpus_names_find_every_spelling(corpus_index):
    assert paths(corpus_index, "川普") == set(TEXTS)  # all five
    putin = mentioning("普京", "普丁")
    assert len(putin) == 4 and paths(corpus_index, "普丁") == putin
    assert paths(corpus_index, "澤倫斯基") == paths(corpus_index, "泽连斯基") == set(TEXTS)


def test_quoted_variant_stays_literal(corpus_index):
    assert paths(corpus_index, '"普丁"') == mentioning("普丁") == {"003_fbfd2bed5f7712db.txt"}
    assert paths(corpus_index, '"澤倫斯基"') == paths(corpus_index, '"泽伦斯基"')


def test_variant_form_is_highlighted_as_written(corpus_index):
    hit = next(h for h in search(corpus_index, "普丁").hits if h.path.startswith("004"))
    assert "普京" in hit.matches and "普丁" not in hit.matches
    highlighted = {s.text[a:b] for s in hit.snippets for a, b in s.highlights}
    assert "普京" in highlighted


def test_multi_token_member_is_one_word(settings):
    chain = AnalysisChain(settings)
    words = chain.query_words("沙烏地阿拉伯與沙特阿拉伯")
    assert chain.variants.canonical(words[0]) == chain.variants.canonical(words[-1])
    assert len(words) == 3


def test_user_file_adds_an_entry(tmp_path, corpus_copy):
    extra = tmp_path / "mine.txt"
    extra.write_text("# Tartus, and a made-up spelling\n塔爾圖斯 塔土斯\n", encoding="utf-8")
    settings = AnalysisSettings.from_files((extra,))
    index_dir = tmp_path / "index"
    update_index(index_dir, [corpus_copy], settings)
    index = open_index(index_dir)
    assert paths(index, "塔土斯") == mentioning("塔爾圖斯") != set()
    assert index.chain.variants.canonical(fold("塔土斯")) == fold("塔爾圖斯")


def test_folding_the_members_at_once_is_folding_each_alone(settings):
    from searcher.analysis.variants import _fold_all, parse_groups

    members = {m for group in parse_groups(settings.variants) for m in group}
    members |= {"藉口", "藉", "著作", "意味著", "敍利亞", "ＮＡＴＯ", "İstanbul"}  # phrase rules, widths
    assert _fold_all(members, fold) == {m: fold(m) for m in members}
