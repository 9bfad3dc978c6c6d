"""The analysis chain, shared by indexing and querying so that both see the same terms.

Steps, each keeping every character at its offset so tokens point into the ORIGINAL text:

1. ``fold_width``: full-width Latin, digits and punctuation to ASCII, Latin lowercased.
2. ``fold_script``: OpenCC ``t2s`` over the whole text (jieba's dictionary is Simplified, and
   Traditional text segments badly: 內部力/勸). ``t2s`` maps characters one to one; where a
   conversion would change length anyway, that stretch is folded character by character.
3. Segmentation (precise mode) on the folded text, with a user dictionary holding the corpus
   names and every variant-table member, so each is one word. The segmenter is rjieba (the
   Rust port of jieba: same dictionary and algorithm, about ten times faster, loads in a tenth
   of the time) or jieba itself, the reference; the index records which.
4. Variants: each word is replaced by its group's canonical term (川普 → 特朗普).

Two token streams come out of one text:

* words: ordinal positions (punctuation leaves a gap, so phrases never bridge it), plus the
  dictionary sub-words of long words (军事行动 → 军事, 行动) at their parent's position, as
  written (布什 inside 新罕布什尔 must not turn into every spelling of Bush);
* units: one token per CJK character, punctuation mark, Latin/digit run or run of white
  space, ordinal positions, no variants: a phrase over units is an exact substring match of
  the folded text (white space runs compare equal whatever their length).

    >>> chain = AnalysisChain(AnalysisSettings.default())
    >>> [t[0] for t in chain.word_tokens("川普與普丁")]
    ['特朗普', '与', '普京']
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from searcher.segmenter_words import QuerySegmenter, SortedWords
from searcher.variants import VariantTable, parse_groups

# Bump when a change to the chain changes the terms an index holds: old indexes are refused.
ANALYSIS_VERSION = 1

# Full-width forms and the ideographic space. Replaced by a regular expression, not
# str.translate: translate looks every character up, and Chinese text is mostly characters
# that need nothing (twice as fast).
_NARROW = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_NARROW["\u3000"] = " "
_WIDE_RE = re.compile("[\uff01-\uff5e\u3000]")

# Scripts written without spaces: one unit per character. Everything else that is a word
# character (Latin, digits, Cyrillic…) forms runs.
_CJK = (
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3100-\u312f"
    "\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff"
)
_UNIT_RE = re.compile(rf"(?:(?![{_CJK}])\w)+|\s+|\S")
_CJK_RE = re.compile(f"[{_CJK}]+")
SPACE_UNIT = " "  # any run of white space: phrases match across it only where the query has it


def is_cjk(text: str) -> bool:
    """Whether every character of ``text`` is of a script written without spaces (one unit
    each)."""
    return _CJK_RE.fullmatch(text) is not None


def fold_width(text: str) -> str:
    """Full-width forms to ASCII and Latin to lower case, one character for one character."""
    narrowed = _WIDE_RE.sub(lambda match: _NARROW[match.group()], text)
    lowered = narrowed.lower()
    if len(lowered) == len(narrowed):
        return lowered
    # A few letters lower to two characters (İ → i̇); those keep their case.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in narrowed)


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _fold_chars(text: str) -> str:
    converter = _t2s()
    out = []
    for char in text:
        try:
            converted = converter.convert(char)
        except Exception:  # a lone surrogate cannot cross into OpenCC's UTF-8
            converted = char
        out.append(converted if len(converted) == 1 else char)
    return "".join(out)


def _fold_line(line: str) -> str:
    try:
        converted = _t2s().convert(line)
    except Exception:
        converted = ""
    return converted if len(converted) == len(line) else _fold_chars(line)


def fold_script(text: str) -> str:
    """Traditional to Simplified with OpenCC ``t2s``; the result has the same length."""
    try:
        converted = _t2s().convert(text)
    except Exception:
        converted = ""
    if len(converted) == len(text):
        return converted
    return "".join(_fold_line(line) for line in text.splitlines(keepends=True))


@functools.lru_cache(maxsize=16)  # indexing folds each text once per field
def fold(text: str) -> str:
    """Width then script folding: ``len(fold(t)) == len(t)`` and offsets carry over."""
    return fold_script(fold_width(text))


class _CharacterFolds(dict):
    """``str.translate`` table: each character's ``t2s`` on its own, filled on first sight."""

    def __missing__(self, code: int) -> int:
        converted = _fold_chars(chr(code))
        self[code] = ord(converted)
        return self[code]


_CHARACTER_FOLDS = _CharacterFolds()


@functools.lru_cache(maxsize=16)
def fold_each(text: str) -> str:
    """Like ``fold`` but character by character, ignoring OpenCC's phrase rules, which fold
    a character by its neighbours (藉口 → 借口, yet 藉 alone stays 藉). Units are indexed in
    both foldings, so a character is found whichever context the query gives it."""
    return fold_width(text).translate(_CHARACTER_FOLDS)


@functools.lru_cache(maxsize=1 << 16)  # called for every word; words repeat
def is_gap(token: str) -> bool:
    """Punctuation and symbols: not indexed, but they break phrases."""
    return not token.isspace() and all(unicodedata.category(c)[0] in "PSZC" for c in token)


def units(folded: str) -> Iterator[tuple[str, int, int]]:
    """Unit tokens ``(unit, start, end)`` of folded text, gaps included; a run of white space
    is one ``SPACE_UNIT``."""
    for match in _UNIT_RE.finditer(folded):
        unit = match.group()
        yield SPACE_UNIT if unit.isspace() else unit, match.start(), match.end()


def _data_text(name: str) -> str:
    return resources.files("searcher.data").joinpath(name).read_text(encoding="utf-8")


def _user_text(path: Path) -> str:
    """A user's table or word list: UTF-8 text, or a ``SearcherError`` naming the file."""
    from searcher.errors import SearcherError

    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise SearcherError(f"{path} is not UTF-8 text (byte {error.start}); save it as "
                            f"UTF-8") from error
    except OSError as error:
        raise SearcherError(f"cannot read {path}: {error.strerror or error}") from error


SHIPPED_VARIANT_FILES = ("variants_opencc.txt", "variants_names.txt")
SHIPPED_USERDICT = "userdict.txt"


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything the chain's output depends on; an index stores it and queries reuse it.

    ``variants`` is the merged table text; ``userwords`` the segmenter's extra words with the
    frequencies they were given, in order (jieba's result depends on both).
    """

    variants: str
    userwords: tuple[tuple[str, int], ...]
    segmenter: str = "rjieba"
    # The user's variant files it was read from (provenance only: not part of the fingerprint).
    variant_files: tuple[str, ...] = ()

    @classmethod
    def default(cls) -> "AnalysisSettings":
        return cls.from_files()

    @classmethod
    def from_files(
        cls, variant_files: tuple[Path, ...] = (), userdict_files: tuple[Path, ...] = (),
        segmenter: str = "rjieba",
    ) -> "AnalysisSettings":
        """The shipped tables extended by the user's files (read as UTF-8)."""
        variant_texts = [_data_text(n) for n in SHIPPED_VARIANT_FILES]
        variant_texts += [_user_text(p) for p in variant_files]
        table = VariantTable([g for t in variant_texts for g in parse_groups(t)], fold)
        userdict_texts = [_data_text(SHIPPED_USERDICT)]
        userdict_texts += [_user_text(p) for p in userdict_files]
        words = [line.split()[0] for t in userdict_texts for line in t.splitlines()
                 if line.split() and not line.startswith("#")]
        words = list(dict.fromkeys([fold(w) for w in words] + table.folded_members()))
        return cls(variants=table.dumps(), userwords=SEGMENTERS[segmenter].frequencies(words),
                   segmenter=segmenter,
                   variant_files=tuple(str(Path(p).resolve()) for p in variant_files))

    @functools.cached_property
    def variants_sha256(self) -> str:
        return hashlib.sha256(self.variants.encode("utf-8")).hexdigest()

    @functools.cached_property
    def fingerprint(self) -> str:
        """One hash of the chain's version, its libraries and its data."""
        import opencc

        payload = json.dumps(
            [ANALYSIS_VERSION, SEGMENTERS[self.segmenter].version(), opencc.__version__,
             self.variants, self.userwords], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> dict:
        return {"variants": self.variants, "userwords": [list(w) for w in self.userwords],
                "segmenter": self.segmenter, "variant_files": list(self.variant_files)}

    @classmethod
    def from_json(cls, data: dict) -> "AnalysisSettings":
        return cls(variants=data["variants"],
                   userwords=tuple((w, int(f)) for w, f in data["userwords"]),
                   segmenter=data.get("segmenter", "jieba"),
                   variant_files=tuple(data.get("variant_files", ())))


def variant_sources_sha256(variant_files: tuple[Path, ...]) -> str:
    """A hash of the variant table's sources as they are on disk now (cheap: no folding)."""
    digest = hashlib.sha256()
    for text in [_data_text(n) for n in SHIPPED_VARIANT_FILES]:
        digest.update(text.encode("utf-8"))
    for path in variant_files:
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            digest.update(b"\0missing\0" + str(path).encode())
    return digest.hexdigest()


class JiebaSegmenter:
    """jieba, the reference implementation."""

    name = "jieba"

    def __init__(self, userwords: tuple[tuple[str, int], ...] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for word, freq in userwords:
            self._tokenizer.add_word(word, freq)

    @staticmethod
    def version() -> str:
        import jieba

        return f"jieba {jieba.__version__}"

    @classmethod
    def frequencies(cls, words: list[str]) -> tuple[tuple[str, int], ...]:
        """The frequency that cuts each word out whole, added in order (each depends on the
        ones before)."""
        segmenter = cls()
        result = []
        for word in words:
            segmenter._tokenizer.add_word(word)
            result.append((word, segmenter._tokenizer.FREQ[word]))
        return tuple(result)

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        return list(self._tokenizer.tokenize(text, HMM=True))

    def is_word(self, word: str) -> bool:
        return bool(self._tokenizer.FREQ.get(word))


class RJiebaSegmenter:
    """rjieba: jieba-rs, the Rust port of jieba (same dictionary, same algorithm)."""

    name = "rjieba"

    def __init__(self, userwords: tuple[tuple[str, int], ...] = ()) -> None:
        self._jieba = _fresh_rjieba()
        for word, freq in userwords:
            self._jieba.add_word(word, freq, None)

    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return f"rjieba {version('rjieba')}"

    @classmethod
    def frequencies(cls, words: list[str]) -> tuple[tuple[str, int], ...]:
        segmenter = cls()
        return tuple((word, segmenter._jieba.add_word(word, None, None)) for word in words)

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        return self._jieba.tokenize(text, "default", True)

    def is_word(self, word: str) -> bool:
        return self._jieba.has_word(word)


_rjieba_default_taken = False


def _fresh_rjieba():
    """A Jieba with only the standard dictionary. Importing rjieba already loads one (its
    module-level default, a tenth of a second): the first segmenter of a process takes that
    one instead of loading the dictionary again; later ones, which must not see its user
    words, load their own."""
    global _rjieba_default_taken
    import rjieba

    default = getattr(rjieba, "_DEFAULT_JIEBA", None)
    if default is not None and not _rjieba_default_taken:
        _rjieba_default_taken = True
        return default
    return rjieba.Jieba()


SEGMENTERS = {"jieba": JiebaSegmenter, "rjieba": RJiebaSegmenter}


class AnalysisChain:
    """The chain for one set of settings; the segmenter loads on first use."""

    def __init__(self, settings: AnalysisSettings) -> None:
        self.settings = settings
        self.variants = VariantTable.parse(settings.variants, fold)
        self._segmenter = None
        # The index's sorted copy of the dictionary (``segmenter_words``), when it has one.
        self.query_dictionary: SortedWords | None = None
        self._query_segmenter: QuerySegmenter | None = None

    @property
    def segmenter(self) -> JiebaSegmenter | RJiebaSegmenter:
        if self._segmenter is None:
            self._segmenter = SEGMENTERS[self.settings.segmenter](self.settings.userwords)
        return self._segmenter

    def words(self, folded: str) -> list[tuple[str, int, int]]:
        """Precise-mode words ``(word, start, end)`` of folded text, gaps and spaces included."""
        return self.segmenter.tokenize(folded)

    def word_tokens(self, text: str, subwords: bool = True) -> list[tuple[str, int, int, int]]:
        """Index terms ``(term, position, start, end)``; offsets index the original ``text``."""
        tokens = []
        canonical = self.variants.canonical
        position = -1
        for word, start, end in self.words(fold(text)):
            if word.isspace():
                continue
            position += 1
            if is_gap(word):
                continue
            tokens.append((canonical(word), position, start, end))
            if subwords and len(word) > 2:
                tokens.extend(self._subwords(word, position, start))
        return tokens

    def _subwords(self, word: str, position: int, start: int) -> list[tuple[str, int, int, int]]:
        """Dictionary words of 2 and 3 characters inside a longer word (jieba's search mode),
        at the word's own position."""
        is_word = self.segmenter.is_word
        found = []
        seen = {word}
        for size in (2, 3):
            for i in range(len(word) - size + 1):
                sub = word[i:i + size]
                if sub not in seen and is_word(sub):
                    seen.add(sub)
                    found.append((sub, position, start + i, start + i + size))
        return found

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

    def unit_positions(self, text: str) -> list[tuple[str, int]]:
        """``(unit, position)`` pairs, the terms of ``unit_tokens`` without offsets (the
        indexing hot path; positions of a term are not in order)."""
        folded, each = fold(text), fold_each(text)
        found = _UNIT_RE.findall(folded)
        pairs = [(SPACE_UNIT if unit.isspace() else unit, position)
                 for position, unit in enumerate(found)]
        if folded != each:  # same boundaries: only CJK characters differ
            pairs += [(alone, position) for position, (unit, alone)
                      in enumerate(zip(found, _UNIT_RE.findall(each))) if unit != alone]
        return pairs

    def char_tokens(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        """One term per character (paths: any substring is a phrase over them)."""
        for position, char in enumerate(fold(text)):
            yield char, position, position, position + 1

    def query_words(self, text: str) -> list[str]:
        """Folded words of query text, precise mode, no sub-words, no punctuation. Unless the
        segmenter is loaded already, rjieba's dictionary is consulted only for the words
        inside the query (the same result: see ``segmenter_words``)."""
        folded = fold(text)
        tokens = None
        if self._segmenter is None and self.query_dictionary is not None:
            if self._query_segmenter is None:
                self._query_segmenter = QuerySegmenter(self.query_dictionary)
            tokens = self._query_segmenter.tokenize(folded)
        if tokens is None:
            tokens = self.words(folded)
        return [w for w, _, _ in tokens if not w.isspace() and not is_gap(w)]
