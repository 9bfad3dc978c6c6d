"""The analysis chain, shared by indexing and querying so that both see the same terms.

Steps, each keeping every character at its offset so tokens point into the ORIGINAL text:

1. ``fold``: width and script folding (``fold``).
2. Segmentation (precise mode) of the folded text, with the settings' user words (the corpus
   names and every variant-table member, so each is one word): ``segmenters``; at query time,
   without loading the dictionary, through the index's ``query_dictionary``.
3. Variants: each word is replaced by its group's canonical term (川普 → 特朗普); in an index
   that stems (``stemming``), a word of Latin letters outside any group by its stem
   (economies → economi).

Two token streams come out of one text:

* words: ordinal positions (punctuation leaves a gap), plus the sub-words of long words at
  their parent's position: dictionary words of two and three characters (军事行动 → 军事, 行动)
  and variant-table members of any length (威斯康星州 → 威斯康星), each as its group's term
  (硬體設施 is found by 硬件, 威斯康星州 by 威斯康辛);
* units (``units``): one token per CJK character, punctuation mark, Latin/digit run or run of
  white space, ordinal positions, no variants: a phrase over units is an exact substring match
  of the folded text (white space runs compare equal whatever their length).

    >>> chain = AnalysisChain(AnalysisSettings.default())
    >>> [t[0] for t in chain.word_tokens("川普與普丁")]
    ['特朗普', '与', '普京']
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from searcher.analysis import positions
from searcher.analysis.fold import fold, fold_each
from searcher.analysis.query_dictionary import QuerySegmenter, SortedWords
from searcher.analysis.segmenters import SEGMENTERS, Segmenter
from searcher.analysis.settings import AnalysisSettings
from searcher.analysis.stemming import stemmer
from searcher.analysis.units import SPACE_UNIT, is_gap, units
from searcher.analysis.variants import VariantTable

# Words whose terms a chain keeps (``positions.WordTerms``, numbered with their terms):
# about 29 MB. When full, it keeps the half found in the most texts: on 48 MB of the bench,
# 209,000 words were worked out (264,000 forgetting all, 193,000 with no limit).
WORD_TERMS_LIMIT = 150_000
# Sub-words of this many characters or more can only be variant members: looked up only
# where a member's first _HEAD characters are (``_subwords``).
_HEAD = 4


class AnalysisChain:
    """The chain for one set of settings. The segmenter loads on first use; given the index's
    ``query_dictionary``, queries are segmented without it."""

    def __init__(self, settings: AnalysisSettings,
                 query_dictionary: SortedWords | None = None) -> None:
        self.settings = settings
        self.variants = VariantTable.parse(settings.variants, fold)
        self._stem = stemmer(settings.stemming)
        self.query_dictionary = query_dictionary
        self._segmenter: Segmenter | None = None
        self._query_segmenter = QuerySegmenter(query_dictionary) if query_dictionary else None
        self._word_terms = positions.WordTerms(self._terms_at, WORD_TERMS_LIMIT)

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            self._segmenter = SEGMENTERS[self.settings.segmenter](self.settings.userwords)
        return self._segmenter

    def words(self, folded: str) -> list[tuple[str, int, int]]:
        """Precise-mode words ``(word, start, end)`` of folded text, gaps and spaces included."""
        return self.segmenter.tokenize(folded)

    def term(self, word: str) -> str:
        """The term a folded word is indexed as: its variant group's canonical term, else its
        stem when the index stems, else itself."""
        if self._stem is None or word in self.variants:
            return self.variants.canonical(word)
        return self._stem(word)

    def word_tokens(self, text: str, subwords: bool = True) -> list[tuple[str, int, int, int]]:
        """Index terms ``(term, position, start, end)``; offsets index the original ``text``."""
        tokens = []
        term_of = self.term
        position = -1
        for word, start, end in self.words(fold(text)):
            if word.isspace():
                continue
            position += 1
            if is_gap(word):
                continue
            tokens.append((term_of(word), position, start, end))
            if subwords and len(word) > 2:
                tokens.extend(self._subwords(word, position, start))
        return tokens

    def _terms_at(self, word: str) -> tuple[str, ...]:
        """The terms ``word_tokens`` gives a word (not white space) at its position: none
        for a gap, else its canonical term, then its sub-words'."""
        if is_gap(word):
            return ()
        terms = (self.term(word),)
        if len(word) > 2:
            terms += tuple(term for term, *_ in self._subwords(word, 0, 0))
        return terms

    def _subwords(self, word: str, position: int, start: int) -> list[tuple[str, int, int, int]]:
        """Dictionary words of 2 and 3 characters inside a longer word (jieba's search mode)
        and variant members of any length, as their group's term, at the word's own
        position: by size, then by place."""
        is_word, members = self.segmenter.is_word, self._variant_members
        found = []
        seen = {word}
        for size in range(2, min(len(word), 4)):
            for i in range(len(word) - size + 1):
                sub = word[i:i + size]
                if sub not in seen and (sub in members or is_word(sub)):
                    seen.add(sub)
                    found.append((members.get(sub, sub), position, start + i, start + i + size))
        longest = min(len(word) - 1, self.variants.longest)
        if longest < _HEAD:
            return found
        # Longer pieces can only be members: looked up only where a member's head is (a long
        # Latin or digit run has hundreds of pieces, and the heads rule out nearly all).
        heads = self._member_heads
        starts = [i for i in range(len(word) - _HEAD + 1) if word[i:i + _HEAD] in heads]
        for size in range(_HEAD, longest + 1):
            for i in starts:
                if i + size > len(word):
                    break
                sub = word[i:i + size]
                if sub not in seen and sub in members:
                    seen.add(sub)
                    found.append((members[sub], position, start + i, start + i + size))
        return found

    @functools.cached_property
    def _member_heads(self) -> frozenset[str]:
        """The first ``_HEAD`` characters of every variant member that long."""
        return frozenset(member[:_HEAD] for member in self._variant_members
                         if len(member) >= _HEAD)

    @functools.cached_property
    def _variant_members(self) -> dict[str, str]:
        """Each variant member's canonical term, as a plain dict: ``_subwords`` looks up
        every piece of a long word (a method call each took half its time)."""
        return {member: self.variants.canonical(member)
                for member in self.variants.folded_members()}

    def unit_tokens(self, text: str) -> list[tuple[str, int, int, int]]:
        """Unit terms ``(unit, position, start, end)``: the exact-substring field. Where a
        character folds differently alone than in its phrase, both forms share its position."""
        each = fold_each(text)
        tokens = []
        for position, (unit, start, end) in enumerate(units(fold(text))):
            tokens.append((unit, position, start, end))
            if end - start == 1 and each[start] != unit and unit != SPACE_UNIT:
                tokens.append((each[start], position, start, end))
        return tokens

    def unit_positions(self, text: str) -> dict[str, list[int]]:
        """Each unit term's positions, in order: ``unit_tokens`` grouped by term, without
        offsets, computed per text (``unit_terms``)."""
        return positions.unit_positions(text)

    def unit_terms(self, text: str) -> positions.TextTerms:
        """``unit_positions`` as arrays: what the writers pool (the indexing hot path:
        ``positions``)."""
        return positions.unit_terms(text)

    def word_positions(self, text: str) -> dict[str, list[int]]:
        """Each word term's positions, in order: ``word_tokens`` grouped by term, without
        offsets, from one call into the segmenter and a look-up per word (``positions``)."""
        return positions.word_positions(self.segmenter.cut(fold(text)), self._word_terms)

    def word_counts(self, text: str) -> positions.TextTerms:
        """Each word term and its count (no positions): what the writers pool for a words
        field, which keeps none (the indexing hot path: ``positions``)."""
        return positions.word_counts(self.segmenter.cut(fold(text)), self._word_terms)

    def char_tokens(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        """One term per character (paths: any substring is a phrase over them)."""
        for position, char in enumerate(fold(text)):
            yield char, position, position, position + 1

    def query_words(self, text: str) -> list[str]:
        """Folded words of query text, precise mode, no sub-words, no punctuation. Unless the
        segmenter is loaded already, only the dictionary words inside the query are looked up
        (the same result: see ``query_dictionary``)."""
        folded = fold(text)
        tokens = None
        if self._segmenter is None and self._query_segmenter is not None:
            tokens = self._query_segmenter.tokenize(folded)
        if tokens is None:
            tokens = self.words(folded)
        return [w for w, _, _ in tokens if not w.isspace() and not is_gap(w)]
