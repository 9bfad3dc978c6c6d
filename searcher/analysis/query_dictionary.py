"""Segment a query exactly as the indexer would, without loading the segmenter's dictionary.

jieba (and rjieba, its Rust port) segments a text using only the dictionary words that occur
inside that text, their frequencies, and the dictionary's total frequency. A query is a few
words, so a segmenter holding just those words and an inert filler word that brings the
total up to the full dictionary's total cuts it the same way as the full one. Building the
full rjieba dictionary costs about a tenth of a second per command; finding a query's words
by binary search in the index's own copy of the dictionary (``QUERY_WORDS``: jieba's
``dict.txt`` with the index's user words, sorted by UTF-8 bytes; mapped, not read) costs well
under a millisecond. ``tests/test_segmenter_words.py`` checks the two segmenters agree on
every stretch of the corpus.

    >>> QuerySegmenter(SortedWords(generation / QUERY_WORDS)).tokenize("俄罗斯停火")  # doctest: +SKIP
    [('俄罗斯', 0, 3), ('停火', 3, 5)]
"""

from __future__ import annotations

import bisect
import mmap
import re
from pathlib import Path

from searcher.analysis.segmenters import rjieba_class
from searcher.atomic_files import replace_file

QUERY_WORDS = "query-words.txt"  # in each index generation built with rjieba
# Takes up the rest of the total; private-use characters, so no query contains it (one that
# does is segmented by the full dictionary).
FILLER = "\U000f0000\U000f0001"


def write_query_words(path: Path, userwords: tuple[tuple[str, int], ...]) -> None:
    """Write the sorted dictionary a query is segmented with: jieba's ``dict.txt`` (the one
    rjieba embeds) with the user words added at their frequencies, as rjieba's ``add_word``
    does, under a ``#total N bytes M`` line. About a tenth of a second, once per index build."""
    import jieba

    source = Path(jieba.__file__).parent / "dict.txt"
    lines = source.read_bytes().splitlines()  # "word freq tag", nearly in order already
    lines.sort()
    lines = list(dict.fromkeys(lines))  # one line is there twice
    total = sum(map(int, re.findall(rb" (\d+)", b"\n".join(lines))))
    added = []
    for word, freq in dict(userwords).items():
        key = word.encode("utf-8") + b" "
        at = bisect.bisect_left(lines, key)
        if at < len(lines) and lines[at].startswith(key):  # a word the dictionary has
            total -= int(lines[at].split(b" ")[1])
            lines[at] = key + b"%d" % freq
        else:
            added.append(key + b"%d" % freq)
        total += freq
    lines = sorted(lines + added)
    body = b"\n".join(lines) + b"\n"
    replace_file(path, b"#total %d bytes %d\n" % (total, len(body)) + body)


class SortedWords:
    """``word frequency [tag]`` lines sorted by their UTF-8 bytes (so by word: a space sorts
    below every character of a word), after a ``#total N bytes M`` line. A file that is not
    whole (M bytes of lines) raises ``ValueError``."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as file:
            self._data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        header_end = self._data.find(b"\n")
        header = self._data[:header_end].split()
        self.total = int(header[1])
        self._start = header_end + 1
        if header[2:3] != [b"bytes"] or int(header[3]) != len(self._data) - self._start:
            raise ValueError(f"{path} is not whole")

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
        return int(self._data[start + len(key) + 1:end].split(b" ")[0]), True

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


class QuerySegmenter:
    """rjieba's precise-mode ``tokenize`` with the dictionary narrowed to a text's words."""

    def __init__(self, words: SortedWords) -> None:
        self.words = words

    def tokenize(self, text: str) -> list[tuple[str, int, int]] | None:
        """Tokens as ``RJiebaSegmenter.tokenize`` gives them; None for what the full
        segmenter must do: the rare text this cannot segment (one holding the filler), and
        any text when the lines it needs are damaged (the file is mapped, not read, so damage
        shows only here)."""
        if FILLER in text:
            return None
        try:
            found = self.words.words_in(text)
        except ValueError:  # a frequency that is not a number
            return None
        rest = self.words.total - sum(found.values())
        if rest <= 0 or any(freq <= 0 for freq in found.values()):
            return None
        jieba = rjieba_class().empty()
        for word, freq in found.items():
            jieba.add_word(word, freq, None)
        jieba.add_word(FILLER, rest, None)
        return jieba.tokenize(text, "default", True)
