"""Segment a query exactly as the indexer would, without loading the segmenter's dictionary.

jieba (and rjieba, its Rust port) segments a text using only the dictionary words that occur
inside that text, their frequencies, and the dictionary's total frequency. A query is a few
words, so a segmenter holding just those words and an inert filler word that brings the
total up to the full dictionary's total cuts it the same way as the full one. Building the
full rjieba dictionary costs about a tenth of a second per command; finding a query's words
by binary search in sorted copies of the dictionary (mapped, not read) costs well under a
millisecond. ``tests/test_segmenter_words.py`` checks the two segmenters agree on every
stretch of the corpus.

The dictionary is in two layers, so that a small index stays small:

* the base, jieba's ``dict.txt`` (the one rjieba embeds) sorted by UTF-8 bytes, 5 MB, the
  same for every index of an installation: built once into the user's cache
  (``$XDG_CACHE_HOME/searcher/query-words/<its SHA-256>.txt``, and a note ``from-<dict.txt's
  SHA-256>`` naming it, so a build does not sort again) and mapped from there;
* in each generation, ``QUERY_USER_WORDS``: the index's user words at the frequencies rjieba
  gave them (a user word replaces the base's), the combined total, and the base's SHA-256,
  size and CRC32.

A base that is missing from the cache, or not as recorded (damaged, truncated, planted), is
built again from ``dict.txt`` (a tenth of a second) if that gives the recorded bytes, and
written back to the cache; otherwise (jieba changed since the index was built) queries load
the full segmenter, the same words, only slower. Generations written before 2026-12-07 hold
the whole dictionary in one file (``QUERY_WORDS``), which is still read.

    >>> QuerySegmenter(open_query_words(generation)).tokenize("俄罗斯停火")  # doctest: +SKIP
    [('俄罗斯', 0, 3), ('停火', 3, 5)]
"""

from __future__ import annotations

import importlib.util
import mmap
import os
import re
import zlib
from pathlib import Path

from searcher.analysis.segmenters import rjieba_class
from searcher.atomic_files import replace_file, write_cache_file
from searcher.config import cache_dir
from searcher.regular_files import (
    FileTooLargeError, NotRegularFileError, open_regular, read_regular)

QUERY_USER_WORDS = "query-userwords.txt"  # in each generation built with rjieba
QUERY_WORDS = "query-words.txt"  # the whole dictionary, in generations built before it
QUERY_FILES = (QUERY_USER_WORDS, QUERY_WORDS)
MAX_WORDS_BYTES = 64 << 20  # what a dictionary file may hold (jieba's: 5 MB)
KNOWN_WORDS = 1 << 16  # words whose look-up a dictionary keeps (a query looks up tens)
# Takes up the rest of the total; private-use characters, so no query contains it (one that
# does is segmented by the full dictionary).
FILLER = "\U000f0000\U000f0001"


def _jieba_dictionary() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("jieba is not installed")
    return Path(spec.origin).parent / "dict.txt"


def base_words(source: bytes | None = None) -> bytes:
    """The base layer: jieba's ``dict.txt`` (the one rjieba embeds; or ``source``, its
    bytes) as ``word freq tag`` lines sorted by their bytes, each once, under a ``#total N
    bytes M`` line."""
    if source is None:
        source = read_regular(_jieba_dictionary(), MAX_WORDS_BYTES)
    lines = sorted(set(source.splitlines()))
    total = sum(map(int, re.findall(rb" (\d+)", b"\n".join(lines))))
    body = b"\n".join(lines) + b"\n"
    return b"#total %d bytes %d\n" % (total, len(body)) + body


def base_cache() -> Path:
    """The folder of sorted base dictionaries, each named by its SHA-256."""
    return cache_dir() / "query-words"


def write_query_words(generation: Path, userwords: tuple[tuple[str, int], ...]) -> None:
    """Write the generation's layer of the query dictionary: the user words at their
    frequencies, as rjieba's ``add_word`` gives them, over the base (put in the cache if it
    is not there yet): a few milliseconds once the base is cached."""
    digest, size, crc, base = _base_for_build()
    total, lines = base.total, {}
    for word, freq in dict(userwords).items():
        known, _ = base.frequency(word)
        total += freq - (known or 0)  # a word of the base takes the user word's frequency
        key = word.encode("utf-8")
        lines[key] = key + b" %d\n" % freq
    body = b"".join(lines[key] for key in sorted(lines))
    replace_file(generation / QUERY_USER_WORDS,
                 b"#total %d bytes %d base %s %d %08x\n" % (total, len(body),
                                                            digest.encode(), size, crc)
                 + body)


def _base_for_build() -> tuple[str, int, int, SortedWords]:
    """The base as a build records it (SHA-256, size, CRC32) and its words. Sorting 5 MB
    costs a third of a second, so it is done once per ``dict.txt``: a note in the cache,
    named by the SHA-256 of ``dict.txt`` as installed, names the sorted base it gave, which
    is used if it is there as noted (the cache is the user's own, as the config is)."""
    import hashlib

    source = read_regular(_jieba_dictionary(), MAX_WORDS_BYTES)
    note = base_cache() / f"from-{hashlib.sha256(source).hexdigest()}"
    try:
        digest, size, crc = read_regular(note, 256).decode("ascii").split()
        base = (_mapped_base(digest, int(size), int(crc, 16))
                if re.fullmatch(r"[0-9a-f]{64}", digest) else None)
        if base is not None:
            return digest, int(size), int(crc, 16), base
    except (OSError, ValueError, UnicodeDecodeError, FileTooLargeError, NotRegularFileError):
        pass
    data = base_words(source)
    digest, crc = hashlib.sha256(data).hexdigest(), zlib.crc32(data)
    if _mapped_base(digest, len(data), crc) is None:
        _store_base(digest, data)
    try:
        write_cache_file(note, b"%s %d %08x\n" % (digest.encode(), len(data), crc))
    except OSError:
        pass  # the next build sorts again
    return digest, len(data), crc, SortedWords(data, "the base dictionary")


def open_query_words(generation: Path) -> SortedWords | None:
    """The generation's query dictionary: its user words over the base, or the whole
    dictionary of an older generation; None when it has none, or one that cannot be used
    (damaged, or its base gone and not to be built again): queries then load the full
    segmenter."""
    try:
        data = read_regular(generation / QUERY_USER_WORDS, MAX_WORDS_BYTES)
    except FileNotFoundError:
        try:
            with open_regular(generation / QUERY_WORDS, blocking=False) as file:
                return SortedWords(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ),
                                   QUERY_WORDS)
        except (OSError, ValueError, IndexError, NotRegularFileError):
            return None
    except (OSError, FileTooLargeError, NotRegularFileError):
        return None
    try:
        header = data[:data.index(b"\n")].split()
        digest, size, crc = header[5].decode("ascii"), int(header[6]), int(header[7], 16)
        if header[4] != b"base" or not re.fullmatch(r"[0-9a-f]{64}", digest):
            return None
        base = _mapped_base(digest, size, crc) or _rebuilt_base(digest)
        return None if base is None else SortedWords(data, QUERY_USER_WORDS, base)
    except (ValueError, IndexError):
        return None


def _mapped_base(digest: str, size: int, crc: int) -> SortedWords | None:
    """The cached base of that SHA-256, mapped, if it is a regular file of that size and
    CRC32 (read whole once: about a millisecond); else None."""
    try:
        with open_regular(base_cache() / f"{digest}.txt", blocking=False) as file:
            if not 0 < size <= MAX_WORDS_BYTES or os.fstat(file.fileno()).st_size != size:
                return None
            data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        if zlib.crc32(data) != crc:
            data.close()
            return None
        return SortedWords(data, f"{digest}.txt")
    except (OSError, ValueError, IndexError, NotRegularFileError):
        return None


def _rebuilt_base(digest: str) -> SortedWords | None:
    """The base built again from ``dict.txt`` and put in the cache, if it is the one of that
    SHA-256; else None."""
    import hashlib

    try:
        data = base_words()
    except (OSError, FileTooLargeError, NotRegularFileError):
        return None
    if hashlib.sha256(data).hexdigest() != digest:
        return None
    _store_base(digest, data)
    return SortedWords(data, "the base dictionary")


def _store_base(digest: str, data: bytes) -> None:
    """Put a base in the cache; if it cannot be written, queries build it again when they
    open an index."""
    try:
        write_cache_file(base_cache() / f"{digest}.txt", data)
    except OSError:
        pass


class SortedWords:
    """``word frequency [tag]`` lines sorted by their UTF-8 bytes (so by word: a space sorts
    below every character of a word), after a ``#total N bytes M`` line, in ``data`` (bytes,
    or a file mapped); over a ``base`` whose words these lines add to or replace (``total``
    is then both's). Data that is not whole (M bytes of lines) raises ``ValueError``."""

    def __init__(self, data: bytes | mmap.mmap, name: str,
                 base: SortedWords | None = None) -> None:
        self._data = data
        self._base = base
        self._known: dict[str, tuple[int | None, bool]] = {}  # words looked up, as found
        header_end = data.find(b"\n")
        header = data[:header_end].split()
        self.total = int(header[1])
        self._start = header_end + 1
        if header[2:3] != [b"bytes"] or int(header[3]) != len(data) - self._start:
            raise ValueError(f"{name} is not whole")

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

    def _own_frequency(self, key: bytes) -> tuple[int | None, bool]:
        start = self._first_not_below(key)
        if start >= len(self._data):
            return None, False
        found, end = self._line(start)
        if found != key:
            return None, found.startswith(key)
        return int(self._data[start + len(key) + 1:end].split(b" ")[0]), True

    def frequency(self, word: str) -> tuple[int | None, bool]:
        """The word's frequency (None if it is not a word), and whether any word begins
        with it."""
        known = self._known.get(word)
        if known is None:
            if len(self._known) >= KNOWN_WORDS:
                self._known.clear()
            known = self._known[word] = self._look_up(word)
        return known

    def _look_up(self, word: str) -> tuple[int | None, bool]:
        key = word.encode("utf-8")
        freq, longer = self._own_frequency(key)
        if self._base is None or (freq is not None and longer):
            return freq, longer
        base_freq, base_longer = self._base.frequency(word)
        return (base_freq if freq is None else freq), longer or base_longer

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
        any text when the lines it needs are damaged (a base is checked when opened, an old
        generation's whole dictionary is mapped, not read, so its damage shows only here)."""
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
