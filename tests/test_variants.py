"""Regional vocabulary and transliterated names fold together."""

from __future__ import annotations


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


# A small archive of its own: a Hong Kong article in Hong Kong words, a Taiwan and a mainland
# one in theirs, and articles where 的士 stands across words (的士氣 morale, 的士兵 soldiers),
# and 數位 reads "several" in none of them.
REGIONAL = {
    "hk.txt": "政府推出數碼港計劃，市民收到短訊後乘的士前往，質素令人滿意，"
              "私隱亦受保障。美國國務卿蓬佩奧表示關注。",
    "tw.txt": "政府推動數位轉型，民眾收到簡訊後搭計程車前往，品質令人滿意，隱私亦受保障。",
    "cn.txt": "政府推动数码产业，市民收到短信后乘出租车前往，质量令人满意，隐私也受保障。",
    "morale.txt": "比賽前隊員的士氣高昂，教練稱讚他們的士氣。",
    "soldiers.txt": "前線的士兵堅守陣地，指揮官表揚勇敢的士兵。",
    "taiwan-taxi.txt": "颱風過後，計程車司機排班載客，機場計程車排隊很長。",
    "sms.txt": "下面讲两条简讯：证监会发布新规，央行例行发布数据。",
}


@pytest.fixture(scope="module")
def regional_index(tmp_path_factory, settings):
    root = tmp_path_factory.mktemp("regional")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in REGIONAL.items():
        (corpus / name).write_text(text, encoding="utf-8")
    update_index(root / "index", [corpus], settings)
    return open_index(root / "index")


@pytest.mark.parametrize("hong_kong, taiwan, mainland", [
    ("數碼", "數位", "数码"), ("的士", "計程車", "出租车"), ("質素", "品質", "质量"),
    ("私隱", "隱私", "隐私"), ("蓬佩奧", "龐皮歐", "蓬佩奥"),
])
def test_hong_kong_words_are_found_the_taiwan_and_the_mainland_way(regional_index, hong_kong,
                                                                  taiwan, mainland):
    for query in (hong_kong, taiwan, mainland):
        assert "hk.txt" in paths(regional_index, query), query


def test_hong_kong_text_message_is_found_the_mainland_way_not_by_a_news_brief(regional_index):
    assert paths(regional_index, "短信") == paths(regional_index, "短訊") == {"hk.txt", "cn.txt"}
    # 簡訊 (Taiwan: a text message) is the mainland's 简讯, a news brief: a false friend
    assert paths(regional_index, "簡訊") == {"tw.txt", "sms.txt"}


def test_a_group_answers_the_same_whichever_member_is_typed(regional_index):
    """Every member finds every article that holds any member, as a word or as characters
    (no segmentation can hide a spelling), whichever member is typed; the articles where the
    characters only stand across words (的士氣 morale, 的士兵 soldiers) rank below those that
    hold the word."""
    taxi = {"hk.txt", "tw.txt", "cn.txt", "taiwan-taxi.txt"}
    across = {"morale.txt", "soldiers.txt"}
    for member in ("的士", "計程車", "出租车", "出租車"):
        ranked = [hit.path for hit in search(regional_index, member, limit=None).hits]
        assert set(ranked) == taxi | across, member
        assert set(ranked[:len(taxi)]) == taxi, member
    assert paths(regional_index, '"的士"') == {"hk.txt"} | across
    assert paths(regional_index, "士氣") == {"morale.txt"}
