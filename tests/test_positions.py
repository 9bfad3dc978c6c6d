"""The index-time path (``analysis.positions``: a text's terms and positions computed per text)
gives exactly the token streams' terms and positions grouped by term, on both of its paths
(arrays for long texts, a unit at a time for short ones): on the corpus in both scripts and
in Hong Kong and Taiwan spellings, on every code point, and on any mix of text."""

from __future__ import annotations

import dataclasses
import functools
import os
import random
import re

import opencc
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from searcher.analysis import chain as chain_module
from searcher.analysis.chain import AnalysisChain
from searcher.analysis.fold import fold, fold_each
from searcher.analysis.positions import SHORT_TEXT, WordTerms, word_counts
from searcher.analysis.units import _CJK, RUN_CHAR_RE, UNIT_RE
from tests.conftest import corpus_texts, grouped

EXAMPLES = int(os.environ.get("SEARCHER_HYPOTHESIS_EXAMPLES", "300"))


@pytest.fixture(scope="module")
def chain(settings) -> AnalysisChain:
    return AnalysisChain(settings)


def _assert_as_tokens(chain: AnalysisChain, text: str) -> None:
    assert chain.unit_positions(text) == grouped(chain.unit_tokens(text)), text[:80]
    words = grouped(chain.word_tokens(text))
    assert chain.word_positions(text) == words, text[:80]
    counted = chain.word_counts(text)  # what a words field pools: no positions
    assert counted.positions is None
    assert dict(zip(counted.terms, counted.counts.tolist())) == {
        term: len(found) for term, found in words.items()}, text[:80]


@functools.cache
def _corpus_in_every_script() -> dict[str, str]:
    """The corpus (Traditional), and OpenCC's Simplified, Hong Kong and Taiwan (with Taiwan's
    own words) forms of it."""
    texts = {}
    for name, text in corpus_texts().items():
        simplified = opencc.OpenCC("t2s").convert(text)
        texts[name] = text
        texts[f"{name} t2s"] = simplified
        texts[f"{name} s2hk"] = opencc.OpenCC("s2hk").convert(simplified)
        texts[f"{name} s2twp"] = opencc.OpenCC("s2twp").convert(simplified)
    return texts


def test_the_corpus_in_every_script_whole_and_line_by_line(chain):
    texts = _corpus_in_every_script()
    assert len(texts) == 20 and len(set(texts.values())) == 20  # each conversion changed it
    short = 0
    for text in texts.values():
        assert len(text) >= SHORT_TEXT  # whole: the arrays
        _assert_as_tokens(chain, text)
        for line in text.splitlines():
            short += len(line) < SHORT_TEXT
            _assert_as_tokens(chain, line)
    assert short > 100  # most lines take the short path


def test_with_jieba_the_reference_segmenter_too(settings):
    chain = AnalysisChain(dataclasses.replace(settings, segmenter="jieba"))
    assert chain.segmenter.name == "jieba"
    for text in corpus_texts().values():
        assert chain.word_positions(text) == grouped(chain.word_tokens(text))


def _every_code_point(plane_step: int) -> str:
    """Every code point of the first plane (lone surrogates included), then one in
    ``plane_step`` of the others."""
    return "".join(map(chr, [*range(0x10000), *range(0x10000, 0x110000, plane_step)]))


@pytest.mark.parametrize("order", ["in order", "shuffled"])
def test_units_of_every_code_point(chain, order):
    """In order, letters and digits make runs; shuffled, every kind of character meets every
    other. Both paths: the whole text at once, and in pieces shorter than ``SHORT_TEXT``."""
    chars = list(_every_code_point(plane_step=13))
    if order == "shuffled":
        random.Random(29).shuffle(chars)
    text = "".join(chars)
    assert chain.unit_positions(text) == grouped(chain.unit_tokens(text))
    for start in range(0, len(text), SHORT_TEXT - 1):
        piece = text[start:start + SHORT_TEXT - 1]
        assert chain.unit_positions(piece) == grouped(chain.unit_tokens(piece))


def test_only_characters_that_are_units_alone_fold_otherwise_alone():
    """What both paths assume: where a character's fold on its own (``fold_each``) differs
    from its fold in the text, both are units by themselves (neither in a run nor white
    space), so the two folds cut the same units. On every code point (one text: OpenCC's
    phrases apply) and on the corpus in every script (where phrases are)."""
    texts = [re.sub("[\ud800-\udfff]", "", _every_code_point(plane_step=13)),
             *_corpus_in_every_script().values()]
    differ = [(alone, in_text) for text in texts
              for alone, in_text in zip(fold_each(text), fold(text)) if alone != in_text]
    assert len(differ) > 10  # 反覆 folds as 反复, yet 覆 alone stays 覆; and more
    for pair in differ:
        assert not any(RUN_CHAR_RE.match(c) or c.isspace() for c in pair), pair


def test_words_of_every_code_point(chain):
    # The segmenter's UTF-8 refuses lone surrogates, in the old path as in the new.
    text = re.sub("[\ud800-\udfff]", "", _every_code_point(plane_step=211))
    _assert_as_tokens(chain, text)


def test_units_are_cut_as_the_original_expression_cuts_them():
    """``UNIT_RE`` puts CJK first as a character class (faster); the look-ahead it replaced
    cuts every text the same."""
    original = re.compile(rf"(?:(?![{_CJK}])\w)+|\s+|\S")
    chars = list(_every_code_point(plane_step=5))
    random.Random(7).shuffle(chars)
    for text in ("".join(sorted(chars)), "".join(chars)):
        assert UNIT_RE.findall(text) == original.findall(text)


# Pieces of text of every kind the chain treats differently: CJK of both scripts and of the
# variant table (川普, 威斯康星州), Latin and digits in both widths, Greek (a final sigma
# lowercases by its context), punctuation, emoji, combining marks and white space.
PIECES = st.one_of(
    st.sampled_from(sorted({c for t in corpus_texts().values() for c in t + fold(t)})),
    st.sampled_from(["特朗普", "川普", "普丁", "威斯康星州", "硬體設施", "軍事行動", "乾隆", "著作",
                     "藉口", "意味著", "OK", "c++", "2025", "ＡＢＣ１２３", "ΑΣ", "İstanbul", "，",
                     "。", "「」", "😀", "e\u0301", " ", "  ", "\t", "\n", "\r\n", "\u3000",
                     "\u00a0", "_", "·"]),
    st.characters(blacklist_categories=("Cs",)),
)


@hypothesis_settings(max_examples=EXAMPLES, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PIECES, max_size=120).map("".join))
def test_any_mix_of_text_short_and_long(chain, text):
    _assert_as_tokens(chain, text)
    long = (text + "\n") * (SHORT_TEXT // (len(text) + 1) + 1)  # the arrays path
    assert len(long) >= SHORT_TEXT
    _assert_as_tokens(chain, long)


def test_a_long_words_variant_members_are_indexed_as_their_groups_term(chain):
    """沙烏地阿拉伯 is one word, and holds 沙烏地, a spelling of 沙特: it is found by 沙特."""
    spellings = {m: chain.variants.canonical(m) for m in chain.variants.folded_members()
                 if chain.variants.canonical(m) != m}
    words = {w for t in _corpus_in_every_script().values() for w in chain.segmenter.cut(fold(t))
             if len(w) > 2}
    found = 0
    for word in words:
        pieces = {word[i:j] for i in range(len(word)) for j in range(i + 2, len(word) + 1)}
        pieces.discard(word)
        for member in pieces & spellings.keys():
            assert spellings[member] in chain.word_positions(word), (word, member)
            found += 1
    assert found


def test_a_chain_keeps_a_bounded_table_of_words(monkeypatch, settings):
    """A chain that must forget words every few dozen gives the same terms."""
    monkeypatch.setattr(chain_module, "WORD_TERMS_LIMIT", 40)
    forgetful = AnalysisChain(settings)
    for text in corpus_texts().values():
        _assert_as_tokens(forgetful, text)


def test_the_word_table_keeps_its_commonest_words_when_full():
    looked_up = []
    table = WordTerms(lambda word: looked_up.append(word) or (word.upper(),), limit=4)
    for text in ("ab", "ac", "ad", "ae", "cd"):
        counted = word_counts(text, table)
        assert sorted(counted.terms) == sorted(text.upper())
        assert counted.counts.tolist() == [1, 1]
    # e filled it: a (in four texts) and b (the first of the others) were kept, c and d were
    # looked up again
    assert looked_up == list("abcdecd")
    assert table["a"] == ("A",) and len(table) == 5  # a text's words are all kept
