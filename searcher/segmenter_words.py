"""Segment a query exactly as the indexer would, without loading the segmenter's dictionary.

jieba (and rjieba, its Rust port) segments a text using only the dictionary words that occur
inside that text, their frequencies, and the dictionary's total frequency. A query is a few
words, so a segmenter holding just those words and an inert filler word that brings the
total up to the full dictionary's total cuts it the same way as the full one. Building the
full rjieba dictionary costs about a tenth of a second per command; finding a query's words
by binary search in ``data/segmenter_words.txt`` (jieba's dictionary, sorted by UTF-8 bytes,
written by ``scripts/build_segmenter_words.py``; mapped, not read) costs well under a
millisecond. ``tests/test_segmenter_words.py`` checks the two segmenters agree on every
stretch of the corpus.

    >>> QuerySegmenter(settings.userwords, settings.dictionary_total).tokenize("俄罗斯停火")
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import mmap
import sys
from pathlib import Path

WORDS_FILE = Path(__file__).resolve().parent / "data" / "segmenter_words.txt"
# Takes up the rest of the total; private-use characters, so no query contains it (one that
# does is segmented by the full dictionary).
FILLER = "\U000f0000\U000f0001"


class SortedWords:
    """``word frequency`` lines sorted by the word's UTF-8 bytes, after a ``#total N`` line."""

    def __init__(self, path: Path = WORDS_FILE) -> None:
        with open(path, "rb") as file:
            self._data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        header_end = self._data.find(b"\n")
        self.total = int(self._data[:header_end].split()[1])
        self._start = header_end + 1

    def _line(self, start: int) -> tuple[bytes, int]:
        """The word on the line at ``start`` and where that line ends."""
        end = self._data.find(b"\n", start)
        return self._data[start:self._data.find(b" ", start, end)], end

    def _first_not_below(self, key: bytes) -> int:
        """Where the first line whose word is not below ``key`` starts."""
        low, high = self._start, len(self._data)  # both at the start of a line (or the end)
        while low < high:
            line = max(low, self._data.rfind(b"\n", low, (low + high) // 2) + 1)
            word, end = self._line(line)
            if word < key:
                low = end + 1
            else:
                high = line
        return low

    def frequency(self, word: str) -> tuple[int | None, bool]:
        """The word's frequency (None if it is not a word), and whether any word begins
        with it."""
        key = word.encode("utf-8")
        start = self._first_not_below(key)
        if start >= len(self._data):
            return None, False
        found, end = self._line(start)
        if found != key:
            return None, found.startswith(key)
        return int(self._data[start + len(key) + 1:end]), True

    def words_in(self, text: str) -> dict[str, int]:
        """Every dictionary word inside ``text``, with its frequency."""
        found = {}
        for i in range(len(text)):
            for j in range(i + 1, len(text) + 1):
                freq, longer = self.frequency(text[i:j])
                if freq is not None:
                    found[text[i:j]] = freq
                if not longer:
                    break
        return found


@functools.cache
def sorted_words() -> SortedWords:
    return SortedWords()


def dictionary_total(userwords: tuple[tuple[str, int], ...]) -> int:
    """The full dictionary's total once the user words are added with their frequencies (a
    word already there has its frequency replaced, as rjieba's ``add_word`` does)."""
    words = sorted_words()
    total = words.total
    for word, freq in dict(userwords).items():
        total += freq - (words.frequency(word)[0] or 0)
    return total


def rjieba_class():
    """rjieba's ``Jieba`` class. Importing the ``rjieba`` package builds a full default
    segmenter (the dictionary load this module exists to avoid); its extension module alone
    does not, so it is loaded under its own name, where the package finds it later."""
    name = "rjieba.rjieba"
    if name not in sys.modules:
        package = importlib.util.find_spec("rjieba")  # finds without running the package
        folder = Path(next(iter(package.submodule_search_locations)))
        path = next(p for suffix in importlib.machinery.EXTENSION_SUFFIXES
                    for p in folder.glob("rjieba*" + suffix))
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
    return sys.modules[name].Jieba


class QuerySegmenter:
    """rjieba's precise-mode ``tokenize`` with the dictionary narrowed to a text's words."""

    def __init__(self, userwords: tuple[tuple[str, int], ...], total: int) -> None:
        self.userwords = dict(userwords)
        self.total = total

    def tokenize(self, text: str) -> list[tuple[str, int, int]] | None:
        """Tokens as ``RJiebaSegmenter.tokenize`` gives them; None for the rare text this
        cannot segment (one holding the filler), which the full segmenter must do."""
        if FILLER in text:
            return None
        words = sorted_words().words_in(text)
        words.update((w, f) for w, f in self.userwords.items() if w in text)
        jieba = rjieba_class().empty()
        for word, freq in words.items():
            jieba.add_word(word, freq, None)
        jieba.add_word(FILLER, self.total - sum(words.values()), None)
        return jieba.tokenize(text, "default", True)
