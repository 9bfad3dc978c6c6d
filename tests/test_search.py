"""Searching the bundled corpus through the library: recall, variants, phrases, operators,
dates and ranking, each checked against the text of the articles themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from searcher.analysis.fold import fold
from searcher.dates import DateRange, parse_bound
from searcher.errors import QuerySyntaxError
from searcher.indexing.update import update_index
from searcher.search.ranked import search
from searcher.search.snippets import make_snippets, match_spans
from searcher.engine.store import open_index
from tests.conftest import corpus_texts

TEXTS = corpus_texts()
FOLDED = {name: fold(text) for name, text in TEXTS.items()}


def paths(index, query, **options) -> set[str]:
    return {hit.path for hit in search(index, query, limit=None, **options).hits}


def containing(*needles: str) -> set[str]:
    """Ground truth: the articles whose folded text contains every needle."""
    return {name for name, text in FOLDED.items() if all(fold(n) in text for n in needles)}


@pytest.mark.parametrize("query", ["停火", "俄罗斯 停火", "委內瑞拉 防空", "俄羅斯", "伊朗"])
def test_plain_queries_find_every_article_that_contains_them(corpus_index, query):
    expected = containing(*query.split())
    assert expected  # the query is about something the corpus has
    assert paths(corpus_index, query) == expected


def test_simplified_query_highlights_traditional_text(corpus_index):
    hits = search(corpus_index, "俄罗斯 停火").hits
    for hit in hits:
        assert "俄羅斯" in hit.matches
        for snippet in hit.snippets:
            for start, end in snippet.highlights:
                assert fold(snippet.text[start:end]) in ("俄罗斯", "停火", "俄罗斯停火")


def test_scores_descend(corpus_index):
    scores = [h.score for h in search(corpus_index, "停火", limit=None).hits]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5


@pytest.fixture(scope="module")
def ranking_index(tmp_path_factory, settings):
    """Articles of equal length that differ only in how they contain the query."""
    folder = tmp_path_factory.mktemp("ranking")
    filler = "各方代表在會議上討論了經濟合作與區域安全等多項議題。" * 6
    articles = {
        "adjacent.txt": filler + "雙方宣布俄烏停火協議。" + filler,
        "scattered.txt": filler + "俄烏雙方在會上宣布停火。" + filler,
        "word.txt": filler + "各國呼籲立即停火談判。" + filler,
        "inside.txt": filler + "工人暫停火車運行檢修。" + filler,
        "title.txt": "停火談判\n" + filler + filler,
    }
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    update_index(folder / "index", [folder], settings)
    return open_index(folder / "index")


def test_adjacent_words_rank_above_scattered_ones(ranking_index):
    ranked = [h.path for h in search(ranking_index, "俄烏停火", limit=None, collapse=False).hits]
    assert ranked[:2] == ["adjacent.txt", "scattered.txt"]


def test_word_match_ranks_above_characters_inside_another_word(ranking_index):
    ranked = [h.path for h in search(ranking_index, "停火", limit=None, collapse=False).hits]
    assert set(ranked) == {"adjacent.txt", "scattered.txt", "word.txt", "inside.txt", "title.txt"}
    assert ranked[-1] == "inside.txt"  # 暫停火車: the characters, not the word
    assert ranked[0] == "title.txt"  # the title weighs more than the body


# Twenty phrases of 2–6 characters cut from the articles, some across word boundaries.
PHRASES = ["俄烏停火", "停火", "紙老虎", "塔爾圖斯", "委內瑞拉變天", "烏克蘭", "軍事行動", "機會窗口",
           "和平總統", "大國博弈", "能源和基礎", "林肯號", "習特會", "代理戰爭", "冷戰後代", "戰斧導彈",
           "割地求和", "美國出手", "委內瑞拉", "安全保障"]


@pytest.mark.parametrize("phrase", PHRASES)
def test_quoted_phrase_equals_substring_ground_truth(corpus_index, phrase):
    assert any(phrase in text for text in TEXTS.values()), "phrase must come from the corpus"
    assert paths(corpus_index, f'"{phrase}"') == containing(phrase)
    assert paths(corpus_index, phrase) >= containing(phrase)


def test_quoted_phrase_of_one_character_and_crossing_words(corpus_index):
    assert paths(corpus_index, '"煉"') == containing("煉")
    assert paths(corpus_index, '"斯總統普"') == containing("斯總統普")


def test_phrase_hit_highlights_the_whole_phrase(corpus_index):
    for hit in search(corpus_index, '"俄烏停火"').hits:
        assert set(hit.matches) == {"俄烏停火"}


@pytest.mark.parametrize("phrase", ["俄烏停火", "委內瑞拉變天", "斯總統普"])
def test_a_phrase_pasted_with_a_space_between_chinese_characters_finds_it_whole(corpus_index,
                                                                               phrase):
    """A phrase copied from a PDF or a wrapped page carries a space where a line broke: the
    articles that write it without one are found, and highlighted."""
    pasted = f'"{phrase[:2]} {phrase[2:]}"'
    assert not containing(f"{phrase[:2]} {phrase[2:]}")
    assert paths(corpus_index, pasted) == containing(phrase)
    for hit in search(corpus_index, pasted).hits:
        assert set(hit.matches) == {phrase}


@pytest.mark.parametrize("typed, meant", [
    ("普丁OR川普", "普丁 OR 川普"), ("普丁 ＯＲ 川普", "普丁 OR 川普"), ("停火 NOT伊朗", "停火 NOT 伊朗"),
    ("停火ＡＮＤ伊朗", "停火 AND 伊朗"),
])
def test_operators_typed_against_chinese_or_in_full_width_are_operators(corpus_index, typed,
                                                                        meant):
    """Chinese sets no spaces, and an input method may type full-width letters."""
    assert paths(corpus_index, typed) == paths(corpus_index, meant) != set()


def test_capital_letters_in_a_latin_word_are_no_operator(corpus_index):
    from searcher.search.query_syntax import parse

    assert parse("北約NATO ORACLE") == parse("北約NATO ORACLE".replace("NATO", "NATO "))


def test_a_pasted_paragraph_finds_its_article_and_a_whole_page_is_refused(corpus_index):
    """README offers ``--any`` for a pasted sentence: 300 characters are one; a query of
    more words than the bound is one clear error, not a silent cut."""
    from searcher.search.query_syntax import ANY

    path, text = next((p, t) for p, t in TEXTS.items() if len(t) > 1500)
    paragraph = " ".join(text[200:500].split())
    assert search(corpus_index, paragraph, min_match=ANY).hits[0].path.endswith(path)
    with pytest.raises(QuerySyntaxError, match="too many words .*shorter passage"):
        search(corpus_index, " ".join(text[:1500].split()))


def test_a_phrase_finds_latin_and_chinese_with_or_without_a_space_between(tmp_path, settings):
    """Taiwan sets a space between Chinese and a Latin word or a number (AI 晶片), the
    mainland mostly not (AI晶片): a quoted phrase finds both, highlighted as written."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tw.txt").write_text("業者看好 AI 晶片需求，GPU 供不應求。\n", encoding="utf-8")
    (corpus / "cn.txt").write_text("业者看好AI芯片与AI晶片需求，GPU供不应求。\n", encoding="utf-8")
    update_index(tmp_path / "index", [corpus], settings)
    index = open_index(tmp_path / "index")
    for query in ['"AI晶片"', '"AI 晶片"', '"GPU供不應求"', '"GPU 供不应求"']:
        hits = search(index, query).hits
        assert sorted(Path(hit.path).name for hit in hits) == ["cn.txt", "tw.txt"], query
        assert all(hit.matches for hit in hits), query
    assert {Path(hit.path).name for hit in search(index, '"AI芯片"').hits} == {"cn.txt"}


@pytest.mark.parametrize("pasted, words", [
    ("「俄烏停火", "俄烏停火"), ("“俄烏停火", "俄烏停火"), ("俄烏停火」", "俄烏停火"),
    ("特朗普（Donald Trump", "特朗普 Donald Trump"), ("停火）美國", "停火 美國"),
])
def test_a_pasted_passage_cut_inside_its_quotation_or_brackets_is_searched(corpus_index,
                                                                           pasted, words):
    """Prose's own 「」, “” and （） cut by a paste are punctuation, not syntax; an ASCII quote
    or parenthesis left open is still one clear error."""
    assert paths(corpus_index, pasted) == paths(corpus_index, words) != set()
    for typed in ('"俄烏停火', "(俄烏停火"):
        with pytest.raises(QuerySyntaxError, match="unclosed"):
            search(corpus_index, typed)


def test_unquoted_word_inside_a_longer_word_is_found(corpus_index):
    # 烏停 is no word; its characters still occur, and Ctrl-F would find them.
    assert paths(corpus_index, "烏停") == containing("烏停")


@pytest.mark.parametrize("query,expected", [
    ("停火 NOT 伊朗", containing("停火") - containing("伊朗")),
    ("停火 -伊朗", containing("停火") - containing("伊朗")),
    ("塔爾圖斯 OR 紙老虎", containing("塔爾圖斯") | containing("紙老虎")),
    ("(塔爾圖斯 OR 紙老虎) 停火", (containing("塔爾圖斯") | containing("紙老虎")) & containing("停火")),
])
def test_operators(corpus_index, query, expected):
    assert expected
    assert paths(corpus_index, query) == expected


def test_title_field(corpus_index):
    titles = {h.path: h.title for h in search(corpus_index, "美國", limit=None).hits}
    expected = {p for p, t in titles.items() if "特朗普" in t or "川普" in t}
    assert expected and expected != set(TEXTS)
    assert paths(corpus_index, "title:特朗普") == expected  # either spelling, title only
    literal = {p for p, t in titles.items() if "特朗普" in t}
    assert paths(corpus_index, 'title:"特朗普"') == literal != expected


def test_latin_and_numbers(corpus_index):
    assert paths(corpus_index, "trump") == paths(corpus_index, "TRUMP") == containing("Trump")
    assert containing("Trump") != set(TEXTS)
    assert paths(corpus_index, "S-300VM") == {n for n, t in TEXTS.items() if "S-300VM" in t}
    assert paths(corpus_index, '"USS Abraham Lincoln"') == containing("USS Abraham Lincoln")
    assert paths(corpus_index, "595架") == containing("595架")


def dated(start: str, end: str) -> set[str]:
    low, high = parse_bound(start), parse_bound(end, upper=True)
    result = set()
    for name, text in TEXTS.items():
        match = re.match(r"\s*date (\d{4})-(\d{2})-(\d{2})", text)
        if match and low <= int("".join(match.groups())) <= high:
            result.add(name)
    return result


@pytest.mark.parametrize("since,until", [("2026", "2026"), ("2025-11", "2026-01"),
                                         ("2025-09-30", "2025-09-30"), ("2025-10-01", "2025-11-05")])
def test_date_filters_at_year_month_and_day(corpus_index, since, until):
    dates = DateRange(parse_bound(since), parse_bound(until, upper=True))
    assert paths(corpus_index, "停火", dates=dates) == containing("停火") & dated(since, until)
    assert paths(corpus_index, f"停火 date:{since}..{until}") == containing("停火") & dated(since, until)


def test_undated_article_is_undated_and_excluded_by_date_filters(corpus_index):
    undated = [h for h in search(corpus_index, "停火", limit=None).hits if h.date is None]
    assert [h.path for h in undated] == ["003_fbfd2bed5f7712db.txt"]
    everything = DateRange(parse_bound("1900"), parse_bound("2100", upper=True))
    assert "003_fbfd2bed5f7712db.txt" not in paths(corpus_index, "停火", dates=everything)


def test_date_operators_in_query(corpus_index):
    assert paths(corpus_index, "俄羅斯 date:>=2025-12-01") == containing("俄羅斯") & dated("2025-12", "2100")
    assert paths(corpus_index, "俄羅斯 date:<2025-11-06") == containing("俄羅斯") & dated("1900", "2025-11-05")
    assert paths(corpus_index, "date:2026-01 俄羅斯") == containing("俄羅斯") & dated("2026-01", "2026-01")


def test_sort_newest_and_oldest(corpus_index):
    newest = search(corpus_index, "停火", limit=None, sort="newest").hits
    dates = [h.date for h in newest if h.date]
    assert dates == sorted(dates, reverse=True)
    assert newest[-1].date is None  # undated last
    oldest = [h.date for h in search(corpus_index, "停火", limit=None, sort="oldest").hits if h.date]
    assert oldest == sorted(oldest)


@pytest.mark.parametrize("query", ['"俄烏', "(停火", "停火)", "停火 OR", "date:2025-13", "NOT", "，"])
def test_bad_syntax_raises_a_pointed_error(corpus_index, query):
    with pytest.raises(QuerySyntaxError):
        search(corpus_index, query)


def test_phrase_with_punctuation_and_space_is_exact(corpus_index):
    for phrase in ["停火，", "（Donald Trump", "Donald Trump，又譯川普"]:
        assert paths(corpus_index, f'"{phrase}"') == containing(phrase), phrase
    assert containing("Donald Trump，又譯川普")


def test_path_field(corpus_index):
    assert paths(corpus_index, "path:003") == {"003_fbfd2bed5f7712db.txt"}
    assert paths(corpus_index, "停火 -path:003") == containing("停火") - {"003_fbfd2bed5f7712db.txt"}


def test_a_quoted_word_is_not_found_inside_a_longer_digit_run(tmp_path, settings):
    """jieba cuts 1号店 out of 21号店, but "1号店" is no substring of the units 21|号|店."""
    from searcher.indexing.update import update_index
    from searcher.engine.store import open_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("在21号店买了1个东西", encoding="utf-8")
    (corpus / "b.txt").write_text("他在1号店买东西", encoding="utf-8")
    update_index(tmp_path / "idx", [corpus], settings)
    assert paths(open_index(tmp_path / "idx"), '"1号店"') == {"b.txt"}


def test_a_character_is_found_whatever_its_phrase_folds_it_to(corpus_index):
    """OpenCC folds 藉 in 藉口 to 借 but leaves 藉 alone as it is: both must find 藉口."""
    with_it = {n for n, t in TEXTS.items() if "藉" in t}
    assert with_it and fold("藉口") != fold("藉") + fold("口")
    assert paths(corpus_index, "藉") == paths(corpus_index, '"藉"') == with_it
    assert paths(corpus_index, '"借口"') == {n for n, t in TEXTS.items() if "藉口" in t} != set()
    hit = search(corpus_index, '"藉"').hits[0]
    assert all(s.text[a:b] == "藉" for s in hit.snippets for a, b in s.highlights)


def test_a_snippet_is_one_line_and_its_highlights_stay_on_the_match():
    # Paragraph breaks, tabs and runs of spaces become one space each, before, inside and
    # after the matches; each highlight still covers its match.
    text = "開頭\n\n  停火\t\t協議 \u3000 簽署。" * 12 + "\n" + "俄羅斯\n停火" * 3
    spans = match_spans(text, ["停火", "协议 签署"])
    assert spans
    for context in (None, 3):
        for snippet in make_snippets(text, spans, most=None, context=context):
            assert "\n" not in snippet.text and "  " not in snippet.text
            assert snippet.highlights
            for start, end in snippet.highlights:
                assert fold(snippet.text[start:end]) in ("停火", "协议 签署")


def test_a_hit_found_by_its_stored_fold_exceptions_is_the_hit_found_by_folding_it(
        corpus_index):
    # Each article keeps where its fold differs from its characters' folds (phrase rules:
    # 藉口 folds as 借口, 乾隆 keeps 乾), so a hit's matches are found without OpenCC; the
    # same as folding it anew, and so are those of an article whose stored exceptions are
    # missing (an older index) or are not a text's (a damaged one).
    from searcher.analysis.fold import fold_exceptions
    from searcher.search.compiler import compile_query
    from searcher.search.hits import make_hit

    reader = corpus_index.reader()
    with_exceptions = 0
    for query in ("藉口", "藉", "停火", "俄羅斯 烏克蘭", '"普丁"', "川普"):
        needles = compile_query(query, corpus_index.chain).needles
        for hit in search(corpus_index, query, limit=None).hits:
            stored = reader.stored_fields(reader.find("path", hit.path))
            assert stored["body_fold"] == fold_exceptions(stored["body"])
            with_exceptions += bool(stored["body_fold"])
            found = make_hit(hit.rank, stored, hit.score, needles)
            for kept in (None, [[10 ** 9, "x"]], "damaged"):
                assert make_hit(hit.rank, {**stored, "body_fold": kept}, hit.score,
                                needles) == found
    assert with_exceptions
