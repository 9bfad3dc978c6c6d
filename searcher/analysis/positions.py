"""A text's terms with their positions, computed per text rather than per character or word:
the index-time hot path (``AnalysisChain.unit_terms`` and ``word_counts``).

The writers need each term of a field and its count, and the positions of a field that keeps
them (``TextTerms``), nothing else. The token streams (``AnalysisChain.unit_tokens``,
``word_tokens``), which queries, snippets and ``similar`` use for their offsets, make a Python
call per character and per word; grouped by term, they are what this module returns
(``tests/test_positions.py`` compares the two):

* units: the folded text's code points as an array (numpy); each character's kind (one unit
  per CJK character or mark, runs of word characters and of white space) and its fold on its
  own (``fold_each``) from tables indexed by code point, filled on first sight; a unit
  starts where the kind changes; terms and positions are grouped by one sort, and stay
  arrays;
* words: the segmenter's words (one call into it per text), their terms from a table of
  word → the terms indexed at its position, filled on first sight: words repeat (nine
  lookups in ten find it on a megabyte of news, more as a build goes on), so a word's
  canonical term and sub-words are worked out once per process, not once per occurrence. A
  words field keeps no positions: its words are counted (in C) and numbered (the table
  numbers words and terms), and those not indexed as themselves (gaps, variants, long
  words' sub-words) are replaced by their terms' numbers as arrays (``word_counts``: no
  Python call per word); the writers pool the numbers.

    >>> unit_positions("乾隆說 OK，乾隆")  # 乾 alone folds as 干
    {'乾': [0, 6], '隆': [1, 7], '说': [2], ' ': [3], 'ok': [4], ',': [5], '干': [0, 6]}
"""

from __future__ import annotations

import bisect
import functools
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain, filterfalse

import numpy as np

from searcher.analysis.fold import alone_folds, code_points, fold, fold_each, fold_width
from searcher.analysis.units import RUN_CHAR_RE, SPACE_UNIT, UNIT_RE

_CODES = 0x110000  # code points; a run's term is numbered from here
# A character's kind: one unit alone, or part of a run of word characters or of white space.
_NEW, _ALONE, _RUN, _SPACE = 0, 1, 2, 3
_SPACE_RE = re.compile(r"\s")  # as ``UNIT_RE`` has it
_POSITION_BITS = 32  # a sort key is term << 32 | position
# Texts shorter than this (in characters) take the unit at a time path, which is faster there.
SHORT_TEXT = 500


@functools.cache
def _kinds() -> np.ndarray:
    return np.zeros(_CODES, np.uint8)  # _NEW until seen


def _kinds_of(codes: np.ndarray) -> np.ndarray:
    """Each character's kind, as ``UNIT_RE`` cuts units."""
    table = _kinds()
    kinds = table[codes]
    if not kinds.all():
        for code in np.unique(codes[kinds == _NEW]).tolist():
            char = chr(code)
            table[code] = (_RUN if RUN_CHAR_RE.match(char)
                           else _SPACE if _SPACE_RE.match(char) else _ALONE)
        kinds = table[codes]
    return kinds


class TextTerms:
    """A text's terms in one field, as the writers pool them: each distinct term (in no
    particular order) and its count; in a field that keeps positions, every position, a
    term's after the term before's (``counts`` of each, ascending). Terms the chain numbers
    (``WordTerms``) come as their numbers (``ids``) in its ``names``, the strings listed
    only if asked for (``terms``): the writers pool the numbers."""

    __slots__ = ("_terms", "counts", "positions", "ids", "names")

    def __init__(self, terms: list[str] | None, counts: np.ndarray,
                 positions: np.ndarray | None = None, ids: np.ndarray | None = None,
                 names: list[str] | None = None) -> None:
        self._terms = terms
        self.counts = counts
        self.positions = positions
        self.ids = ids
        self.names = names

    @property
    def terms(self) -> list[str]:
        if self._terms is None:
            self._terms = list(map(self.names.__getitem__, self.ids.tolist()))
        return self._terms

    @classmethod
    def from_positions(cls, by_term: dict[str, list[int]]) -> TextTerms:
        counts = np.fromiter(map(len, by_term.values()), np.int64, len(by_term))
        return cls(list(by_term), counts,
                   np.fromiter(chain.from_iterable(by_term.values()), np.int64,
                               int(counts.sum())))

    def positions_by_term(self) -> dict[str, list[int]]:
        """Each term and its positions, in order."""
        bounds = [0, *np.cumsum(self.counts).tolist()]
        positions = self.positions.tolist()
        return dict(zip(self.terms, map(positions.__getitem__, map(slice, bounds, bounds[1:]))))


def unit_positions(text: str) -> dict[str, list[int]]:
    """Each unit term of ``text`` and its positions, in order (``unit_terms``)."""
    return unit_terms(text).positions_by_term()


def unit_terms(text: str) -> TextTerms:
    """Each unit term of ``text``, its count and its positions: a unit of its folded text
    (every run of white space is ``SPACE_UNIT``) and, where a one-character unit folds
    otherwise on its own (``fold_each``), that fold too, at the same position."""
    if len(text) < SHORT_TEXT:
        return TextTerms.from_positions(_unit_positions_each(text))
    folded = fold(text)
    codes = code_points(folded)
    kinds = _kinds_of(codes)
    starts_here = np.empty(codes.size, bool)
    starts_here[0] = True
    np.not_equal(kinds[1:], kinds[:-1], out=starts_here[1:])
    starts_here |= kinds == _ALONE
    starts = np.flatnonzero(starts_here)
    terms = codes[starts].astype(np.int64)
    unit_kinds = kinds[starts]
    terms[unit_kinds == _SPACE] = ord(SPACE_UNIT)
    runs: dict[str, int] = {}  # a run of two or more characters → its term, from _CODES up
    whole = starts.size == codes.size  # every unit one character
    if not whole:
        ends = np.append(starts[1:], codes.size)
        long_runs = np.flatnonzero((unit_kinds == _RUN) & (ends - starts > 1))
        if long_runs.size:
            terms[long_runs] = _run_terms(folded, starts[long_runs], ends[long_runs], runs)
    keys = (terms << _POSITION_BITS) | np.arange(starts.size)
    alone = alone_folds(code_points(fold_width(text)))
    differ = np.flatnonzero(alone != codes)
    if differ.size:  # only CJK characters do, each a unit (``tests/test_positions.py``)
        units = differ if whole else np.searchsorted(starts, differ, "right") - 1
        keys = np.concatenate((keys, (alone[differ].astype(np.int64) << _POSITION_BITS) | units))
    return _grouped(keys, list(runs))


def _unit_positions_each(text: str) -> dict[str, list[int]]:
    """``unit_positions`` a unit at a time: faster on a short text (a title), where the
    arrays' fixed cost (tens of microseconds) is most of the work."""
    folded, each = fold(text), fold_each(text)
    found = UNIT_RE.findall(folded)
    positions: dict[str, list[int]] = {}
    setdefault = positions.setdefault
    for position, unit in enumerate(found):
        setdefault(unit, []).append(position)
    spaces = [unit for unit in positions if unit.isspace()]
    if spaces and spaces != [SPACE_UNIT]:  # every run of white space is one unit
        positions[SPACE_UNIT] = sorted(p for unit in spaces for p in positions.pop(unit))
    if folded != each:  # same units: only characters that are units by themselves differ
        changed = set()
        for position, (unit, alone) in enumerate(zip(found, UNIT_RE.findall(each))):
            if unit != alone:
                positions.setdefault(alone, []).append(position)
                changed.add(alone)
        for unit in changed:  # a character may fold both ways in one text
            positions[unit].sort()
    return positions


def _run_terms(text: str, starts: np.ndarray, ends: np.ndarray, runs: dict[str, int]
               ) -> list[int]:
    """The terms of the runs ``text[start:end]``, numbered from ``_CODES`` in ``runs``."""
    terms = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        run = text[start:end]
        term = runs.get(run)
        if term is None:
            term = runs[run] = _CODES + len(runs)
        terms.append(term)
    return terms


def _grouped(keys: np.ndarray, runs: list[str]) -> TextTerms:
    """``term << 32 | position`` keys as terms, counts and positions; a term below
    ``_CODES`` is that code point, one above is ``runs[term - _CODES]``."""
    keys.sort()
    terms = keys >> _POSITION_BITS
    firsts = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1])))
    codes = terms[firsts].tolist()
    first_run = bisect.bisect_left(codes, _CODES)
    names = [*map(_CHARS.__getitem__, codes[:first_run]),
             *(runs[code - _CODES] for code in codes[first_run:])]
    counts = np.diff(firsts, append=keys.size)
    return TextTerms(names, counts, keys & ((1 << _POSITION_BITS) - 1))


class _Chars(dict):
    """Code point → its character, made once (``chr`` makes a new string every call)."""

    def __missing__(self, code: int) -> str:
        char = self[code] = chr(code)
        return char


_CHARS = _Chars()


class _Numbering(dict):
    """String → its number, a string not seen yet taking the next (``names``: each
    number's string): looked up in C, a Python call only for a new string."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def __missing__(self, name: str) -> int:
        number = self[name] = len(self.names)
        self.names.append(name)
        return number

    @classmethod
    def of(cls, names: list[str]) -> _Numbering:
        """``names`` numbered in order (distinct)."""
        numbering = cls()
        numbering.update(zip(names, range(len(names))))
        numbering.names.extend(names)
        return numbering


# What a numbered string is known to be as a word: not yet worked out, indexed as itself, or
# indexed as other terms (none for a gap or white space; a variant's canonical term, a long
# word's sub-words).
_UNKNOWN, _ITSELF, _REPLACED = 0, 1, 2


class WordTerms:
    """Word → the terms indexed at its position (``terms_of(word)``; none for white space),
    worked out on first sight. Words and terms are numbered as they come (``names``), and a
    word indexed otherwise than as itself keeps its terms' numbers, so that a text's words
    are replaced by their terms as arrays (``counted_terms``) and the writers pool the
    numbers, not the strings (``TextTerms.ids``). When it knows ``limit`` words, which bounds
    its memory, it keeps only the half found in the most texts (``make_room``) and numbers
    afresh, in a new ``names``."""

    def __init__(self, terms_of: Callable[[str], tuple[str, ...]], limit: int) -> None:
        self.terms_of = terms_of
        self.limit = limit
        self._forget(_Numbering())

    def _forget(self, numbers: _Numbering) -> None:
        """Number as ``numbers`` does, knowing no word."""
        self.numbers = numbers
        self.names = numbers.names
        self._known = 0  # words worked out
        # Per number: _UNKNOWN, _ITSELF or _REPLACED; a replaced word's terms are
        # ``_replacements[_first:_first + _sizes]``; how many texts a word was found in.
        self._kinds = np.zeros(1 << 10, np.uint8)
        self._first = np.zeros(1 << 10, np.int32)
        self._sizes = np.zeros(1 << 10, np.int32)
        self._texts = np.zeros(1 << 10, np.int32)
        self._replacements = array("i")
        self._sums = np.zeros(1 << 10, np.int32)  # scratch: a text's count of each term
        self._places = np.zeros(1 << 10, np.int32)  # scratch: where a term is in a text's
        self._grow()

    def __len__(self) -> int:
        return self._known

    def __getitem__(self, word: str) -> tuple[str, ...]:
        number = self.numbers.get(word)
        if number is None or self._kinds[number] == _UNKNOWN:
            self.make_room()
            number = int(self.numbered((word,), 1)[0])
        return self._terms(number)

    def _terms(self, number: int) -> tuple[str, ...]:
        if self._kinds[number] == _ITSELF:
            return (self.names[number],)
        first = int(self._first[number])
        return tuple(map(self.names.__getitem__,
                         self._replacements[first:first + int(self._sizes[number])]))

    def make_room(self) -> None:
        """If full, forget all but the ``limit // 2`` words found in the most texts, numbered
        afresh with their terms (as arrays): working a word out again costs more than looking
        it up (on 48 MB of the bench, 264,000 words were worked out forgetting all, 209,000
        keeping half, 193,000 with no limit)."""
        if self._known < self.limit:
            return
        words = np.flatnonzero(self._kinds[:len(self.names)] != _UNKNOWN)
        keep = words[np.argsort(-self._texts[words], kind="stable")[:self.limit // 2]]
        replaced = keep[self._kinds[keep] == _REPLACED]
        sizes = self._sizes[replaced]
        terms = self._replacements_of(replaced)
        # New numbers: the kept words', then their terms' that are not kept words.
        old = np.concatenate((keep, np.setdiff1d(terms, keep)))
        renumber = np.zeros(len(self.names), np.int32)
        renumber[old] = np.arange(len(old), dtype=np.int32)
        kinds, texts = self._kinds[keep], self._texts[keep]
        self._forget(_Numbering.of(list(map(self.names.__getitem__, old.tolist()))))
        self._kinds[:len(keep)] = kinds
        self._texts[:len(keep)] = texts
        self._first[renumber[replaced]] = np.cumsum(sizes) - sizes
        self._sizes[renumber[replaced]] = sizes
        self._replacements.frombytes(renumber[terms].tobytes())
        self._known = len(keep)

    def _replacements_of(self, words: np.ndarray) -> np.ndarray:
        """The terms of replaced ``words``, one word's after another."""
        sizes = self._sizes[words]
        ends = np.cumsum(sizes)
        at = np.repeat(self._first[words] - (ends - sizes), sizes) + np.arange(
            ends[-1] if len(ends) else 0)
        return np.frombuffer(self._replacements, np.int32)[at] if at.size else at.astype(
            np.int32)

    def numbered(self, words: Iterable[str], count: int) -> np.ndarray:
        """The numbers of a text's ``count`` distinct words, each worked out if not known."""
        numbers = np.fromiter(map(self.numbers.__getitem__, words), np.int64, count)
        self._grow()
        unknown = numbers[self._kinds[numbers] == _UNKNOWN]
        if unknown.size:
            self._learn(np.unique(unknown).tolist())
        self._texts[numbers] += 1
        return numbers

    def _grow(self) -> None:
        """Room in the per-number arrays for every number given, grown by a quarter at a
        time (doubling left up to half of them unused)."""
        size = len(self._kinds)
        if len(self.names) > size:
            more = max(len(self.names), size + size // 4) - size
            self._kinds = np.concatenate((self._kinds, np.zeros(more, np.uint8)))
            self._first = np.concatenate((self._first, np.zeros(more, np.int32)))
            self._sizes = np.concatenate((self._sizes, np.zeros(more, np.int32)))
            self._texts = np.concatenate((self._texts, np.zeros(more, np.int32)))
            self._sums = np.zeros(size + more, np.int32)
            self._places = np.zeros(size + more, np.int32)

    def _learn(self, numbers: list[int]) -> None:
        """Work out the terms of the words numbered ``numbers``."""
        names = self.names
        for number in numbers:
            word = names[number]
            self._record(number, word, () if word.isspace() else self.terms_of(word))
        self._grow()  # the terms' numbers

    def _record(self, number: int, word: str, terms: tuple[str, ...]) -> None:
        """Word ``number`` is indexed as ``terms``."""
        if terms == (word,):
            self._kinds[number] = _ITSELF
        else:
            self._kinds[number] = _REPLACED
            self._first[number] = len(self._replacements)
            self._sizes[number] = len(terms)
            self._replacements.extend(map(self.numbers.__getitem__, terms))
        self._known += 1

    def counted_terms(self, numbers: np.ndarray, counts: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """The terms (numbers) of distinct words (``numbers``, known) occurring ``counts``
        times each, and the terms' counts: the words indexed as themselves kept, the others
        replaced by their terms, a term's counts summed (in arrays by number: no sort)."""
        replaced = self._kinds[numbers] == _REPLACED
        if not replaced.any():
            return numbers, counts
        words = numbers[replaced]
        terms = np.concatenate((numbers[~replaced], self._replacements_of(words)))
        weights = np.concatenate((counts[~replaced],
                                  np.repeat(counts[replaced], self._sizes[words])))
        self._sums[terms] = 0
        np.add.at(self._sums, terms, weights)
        places = np.arange(len(terms), dtype=np.int32)
        self._places[terms] = places  # a term's last place among them
        terms = terms[self._places[terms] == places]
        return terms, self._sums[terms].astype(np.int64)


def word_counts(words: Iterable[str], table: WordTerms) -> TextTerms:
    """Each term of a text's words and its count (no positions): the words counted (in C),
    numbered, and those not indexed as themselves replaced by their terms (as arrays)."""
    found = Counter(words)
    table.make_room()  # before the look-ups: what this text's words are is then kept
    numbers, counts = table.counted_terms(
        table.numbered(found, len(found)), np.fromiter(found.values(), np.int64, len(found)))
    return TextTerms(None, counts, ids=numbers, names=table.names)


def word_positions(words: Iterable[str], terms: WordTerms) -> dict[str, list[int]]:
    """Each term of a text's words and its positions, in order: a word (white space aside)
    has the next position, and its terms are ``terms[word]``."""
    positions: dict[str, list[int]] = {}
    setdefault = positions.setdefault
    for position, word in enumerate(filterfalse(str.isspace, words)):
        for term in terms[word]:
            setdefault(term, []).append(position)
    return positions
