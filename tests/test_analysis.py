"""The analysis chain: offset-preserving folding, tokens and positions, index/query agreement."""

from __future__ import annotations

import pytest

from searcher.analysis.chain import AnalysisChain
from searcher.analysis.fold import ARRAY_TEXT, fold, fold_each, fold_script, fold_width
from searcher.analysis.units import units
from tests.conftest import corpus_texts


@pytest.fixture(scope="module")
def chain(settings) -> AnalysisChain:
    return AnalysisChain(settings)


def test_width_folding_maps_full_width_to_ascii_and_lowercases():
    assert fold_width("ＵＳＳ　Ａｂｒａｈａｍ，５９５架") == "uss abraham,595架"
    assert fold_width("İstanbul") .startswith("İ")  # lowercases to two characters: kept


def test_a_long_text_folds_as_its_pieces_fold():
    # A long text is folded as an array of code points, a short one a character at a time:
    # both fold every character on its own, so the whole folds as its pieces do.
    piece = "ＵＳＳ　Ａｂｒａｈａｍ，５９５架 İstanbul 乾隆說：著作\u3000衞生\ud800\n\t"
    pieces = [piece[i:] + piece[:i] for i in range(len(piece))]
    text = "".join(pieces)
    assert len(text) >= ARRAY_TEXT > max(map(len, pieces))
    for fold_by in (fold_width, fold_each):
        assert fold_by(text) == "".join(map(fold_by, pieces))
    assert "ｓ" not in fold_width(text) and "uss abraham,595" in fold_width(text)


def test_script_folding_keeps_length_on_every_cjk_character():
    ranges = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF)]
    chars = "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))
    folded = fold_script(chars)
    assert len(folded) == len(chars)
    changed = sum(a != b for a, b in zip(chars, folded))
    assert changed > 2000  # t2s really converted: 國→国 and thousands more
    for char in "國體說鬥齣龜":
        assert len(fold_script(char)) == 1


def test_folding_keeps_offsets_on_the_corpus():
    for name, text in corpus_texts().items():
        folded = fold(text)
        assert len(folded) == len(text), name
        # Characters that need no folding stay where they were.
        assert all(f == o for f, o in zip(folded, text) if o.isascii() and not o.isalpha())


def test_length_changing_conversion_falls_back_character_by_character(monkeypatch):
    """OpenCC's phrase configurations change lengths (tw2sp: 記憶體 → 内存); such a stretch is
    folded character by character, so offsets still carry over."""
    import opencc

    import searcher.analysis.fold as folding

    phrases = opencc.OpenCC("tw2sp")
    assert phrases.convert("記憶體") == "内存"
    monkeypatch.setattr(folding, "_t2s", lambda: phrases)
    text = "電腦記憶體\n中國"
    folded = fold_script(text)
    assert len(folded) == len(text)
    assert folded.endswith("中国")


def test_traditional_text_segments_like_simplified(chain):
    words = [w for w, *_ in chain.word_tokens("在以色列與美國內部力勸下，美軍尼米茲級航空母艦",
                                              subwords=False)]
    assert "内部" in words and "力劝" in words  # not 內部力/勸
    assert "尼米兹" in words  # from the user dictionary, not 尼米/茲級


def test_word_tokens_point_into_the_original_text_with_ordinal_positions(chain):
    text = "美軍的軍事行動，在委內瑞拉（Venezuela）展開"
    tokens = list(chain.word_tokens(text))
    for term, position, start, end in tokens:
        assert fold(text[start:end]) == term or chain.variants.canonical(fold(text[start:end])) == term
    main = [(t, p) for t, p, s, e in tokens if (e - s) == len(t) and t in ("军事行动", "军事", "行动")]
    positions = {t: p for t, p in main}
    assert positions["军事"] == positions["行动"] == positions["军事行动"]  # sub-words share it
    ordered = [p for *_, p in [(t, p) for t, p, s, e in tokens]]
    assert ordered == sorted(ordered) and max(ordered) < len(tokens) + 5  # ordinal, not offsets
    # punctuation leaves a gap: 行动 and 在 are not adjacent
    in_position = {t: p for t, p, *_ in tokens}
    assert in_position["在"] - in_position["军事行动"] == 2


def test_query_words_are_precise_no_subwords(chain):
    assert chain.query_words("俄罗斯 停火") == ["俄罗斯", "停火"]
    assert "罗斯" not in chain.query_words("俄羅斯停火")


def test_units_one_per_cjk_character_latin_run_and_space_run():
    assert [u for u, *_ in units(fold("USS  Abraham，595架"))] == ["uss", " ", "abraham", ",", "595", "架"]


def test_index_and_query_chains_agree_on_every_corpus_word(chain):
    """Every word the query side makes from a corpus sentence is a term the index side made."""
    for name, text in corpus_texts().items():
        indexed = {term for term, *_ in chain.word_tokens(text)}
        for sentence in text.split("。")[:40]:
            for word in chain.query_words(sentence):
                assert chain.variants.canonical(word) in indexed, (name, word)


def test_rjieba_segments_like_jieba_the_reference(settings):
    """The fast segmenter agrees with jieba on nearly every word boundary of the corpus, and
    both keep the user dictionary's names whole."""
    from dataclasses import replace

    fast = AnalysisChain(settings)
    reference = AnalysisChain(replace(settings, segmenter="jieba"))
    assert fast.segmenter.name == "rjieba" and reference.segmenter.name == "jieba"
    agree = total = 0
    for text in corpus_texts().values():
        folded = fold(text)
        ours = {start for _, start, _ in fast.words(folded)}
        theirs = {start for _, start, _ in reference.words(folded)}
        agree += len(ours & theirs)
        total += len(ours | theirs)
    assert agree / total > 0.99
    for chain in (fast, reference):
        assert chain.query_words("澤倫斯基與沙烏地阿拉伯") == ["泽伦斯基", "与", "沙乌地阿拉伯"]


def test_index_records_its_segmenter(corpus_index):
    assert corpus_index.meta["segmenter"].startswith("rjieba ")
    assert corpus_index.chain.settings.segmenter == "rjieba"
