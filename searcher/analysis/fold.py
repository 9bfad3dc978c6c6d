"""Folding: width, script and regional orthography to one form, every character kept at its
offset, so that a token found in folded text points into the original.

1. ``fold_width``: full-width Latin, digits and punctuation to ASCII, Latin lowercased.
2. ``fold_script``: OpenCC ``t2s`` over the whole text (jieba's dictionary is Simplified, and
   Traditional text segments badly: 內部力/勸). ``t2s`` maps characters one to one; where a
   conversion would change length anyway, that stretch is folded character by character.
   Then the orthography rules (``searcher/data/orthography.txt``, generated from OpenCC's
   HKVariantsRev / TWVariantsRev tables and their phrase tables): Hong Kong and Taiwan
   variant characters fold as their standard forms do, 敍 as 敘 (叙), 衞 as 衛 (卫), and
   Taiwan's 著 as 着 except in the phrases OpenCC lists (著作, 顯著 …).

    >>> fold("敍利亞ＡＢＣ，意味著")
    '叙利亚abc,意味着'

Why rules over folded text rather than OpenCC's own ``tw2s``/``hk2s``: those assume their
input is Taiwan or Hong Kong Traditional, and mainland text is not (``tw2s`` turns 显著 into
显着, while 顯著 stays 显著, so the two would miss each other); keyed on ``t2s`` output, the
phrase 顯著 and 显著 are one key. And they cost: the variant step runs only where a text has
one of the few characters a rule changes (22), a regular expression search
otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources

import numpy as np

# Full-width forms and the ideographic space. Replaced by a regular expression, not
# str.translate: translate looks every character up, and Chinese text is mostly characters
# that need nothing (twice as fast).
_NARROW = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_NARROW["\u3000"] = " "
_WIDE_RE = re.compile("[\uff01-\uff5e\u3000]")

ORTHOGRAPHY_FILE = "orthography.txt"  # in searcher/data, written by build_variant_table.py


# Texts at least this long (in characters) are folded as arrays of code points (numpy):
# faster than a Python call per full-width character (every Chinese comma is one), or a
# table look-up per character in ``str.translate``, from a few hundred characters up.
ARRAY_TEXT = 256
_CODES = 0x110000  # code points


@functools.lru_cache(maxsize=16)  # ``fold``, ``fold_each`` and unit positions share it
def fold_width(text: str) -> str:
    """Full-width forms to ASCII and Latin to lower case, one character for one character."""
    if len(text) < ARRAY_TEXT:
        narrowed = _WIDE_RE.sub(lambda match: _NARROW[match.group()], text)
    else:
        codes = code_points(text)
        wide = (codes >= 0xFF01) & (codes <= 0xFF5E)
        narrowed = text if not wide.any() and "\u3000" not in text else from_code_points(
            np.where(wide, codes - 0xFEE0, np.where(codes == 0x3000, 0x20, codes)))
    lowered = narrowed.lower()
    if len(lowered) == len(narrowed):
        return lowered
    # A few letters lower to two characters (İ → i̇); those keep their case.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in narrowed)


def code_points(text: str) -> np.ndarray:
    """``text``'s code points (uint32); a file name's undecodable bytes come as lone
    surrogates, kept (surrogatepass)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


def from_code_points(codes: np.ndarray) -> str:
    """The text of these code points (``code_points`` reversed)."""
    return codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


@functools.cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


class Orthography:
    """Variant-character rules over ``t2s`` output: each character's fold on its own, and the
    phrases in which a character folds otherwise. Lines ``KEY VALUE`` of one length, both
    folded; a one-character key is a character's default, a longer one a phrase."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.chars: dict[str, str] = {}
        # character → [(offset of the character in the phrase, phrase, what it folds to)],
        # longest phrase first (the longest match wins, as in OpenCC).
        self.phrases: dict[str, list[tuple[int, str, str]]] = {}
        for line in text.splitlines():
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            key, value = fields
            if len(key) == 1:
                self.chars[key] = value
                continue
            for offset, (char, folded) in enumerate(zip(key, value)):
                if folded != self.chars.get(char, char):
                    self.phrases.setdefault(char, []).append((offset, key, folded))
        for entries in self.phrases.values():
            entries.sort(key=lambda entry: -len(entry[1]))
        triggers = sorted(set(self.chars) | set(self.phrases))
        self._trigger_re = re.compile("[" + "".join(map(re.escape, triggers)) + "]")

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def apply(self, folded: str) -> str:
        """``folded`` (``t2s`` output) with its variant characters folded; same length."""
        hits = list(self._trigger_re.finditer(folded))
        if not hits:
            return folded
        out = list(folded)
        for hit in hits:
            at, char = hit.start(), hit.group()
            out[at] = self.chars.get(char, char)
            for offset, phrase, value in self.phrases.get(char, ()):
                if at >= offset and folded.startswith(phrase, at - offset):
                    out[at] = value
                    break
        return "".join(out)

    def char(self, char: str) -> str:
        """One character's fold on its own (no phrase around it)."""
        return self.chars.get(char, char)


@functools.cache
def orthography() -> Orthography:
    """The shipped orthography rules (read once)."""
    return Orthography(resources.files("searcher.data").joinpath(ORTHOGRAPHY_FILE)
                       .read_text(encoding="utf-8"))


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


def _t2s_same_length(text: str) -> str:
    try:
        converted = _t2s().convert(text)
    except Exception:
        converted = ""
    if len(converted) == len(text):
        return converted
    return "".join(_fold_line(line) for line in text.splitlines(keepends=True))


def fold_script(text: str) -> str:
    """Traditional to Simplified with OpenCC ``t2s``, then Hong Kong and Taiwan variant
    characters to their standard forms' fold; the result has the same length."""
    return orthography().apply(_t2s_same_length(text))


@functools.lru_cache(maxsize=16)  # indexing folds each text once per field
def fold(text: str) -> str:
    """Width then script folding: ``len(fold(t)) == len(t)`` and offsets carry over."""
    return fold_script(fold_width(text))


class _CharacterFolds(dict):
    """``str.translate`` table: each character's fold on its own (``t2s``, then its variant
    rule), filled on first sight."""

    def __missing__(self, code: int) -> int:
        self[code] = ord(orthography().char(_fold_chars(chr(code))))
        return self[code]


_CHARACTER_FOLDS = _CharacterFolds()


def fold_alone(code: int) -> int:
    """The fold ``fold_each`` gives a width-folded character (as a code point) on its own."""
    return _CHARACTER_FOLDS[code]


@functools.cache
def _alone_table() -> np.ndarray:
    return np.full(_CODES, -1, np.int32)  # -1 until seen


def alone_folds(codes: np.ndarray) -> np.ndarray:
    """Each width-folded character's fold on its own (``fold_alone``), of an array of code
    points: from a table indexed by code point, filled on first sight."""
    table = _alone_table()
    folds = table[codes]
    if folds.min(initial=0) < 0:
        for code in np.unique(codes[folds < 0]).tolist():
            table[code] = fold_alone(code)
        folds = table[codes]
    return folds


@functools.lru_cache(maxsize=16)
def fold_each(text: str) -> str:
    """Like ``fold`` but character by character, ignoring the phrase rules, which fold a
    character by its neighbours (藉口 → 借口, yet 藉 alone stays 藉; 著作 keeps its 著, yet 著
    alone is 着). Units are indexed in both foldings, so a character is found whichever
    context the query gives it."""
    width = fold_width(text)
    if len(width) < ARRAY_TEXT:
        return width.translate(_CHARACTER_FOLDS)
    return from_code_points(alone_folds(code_points(width)))


def fold_exceptions(text: str) -> list[list]:
    """Where ``fold`` gives ``text`` other characters than ``fold_each`` (by the phrase
    rules: 乾隆's 乾 stays, 藉口's 藉 folds as 借): ``[offset, character]`` pairs, ``fold``'s
    character at each. Few or none in an article: kept with it at index time, they let a
    search find where a query matched (``fold_again``) without OpenCC."""
    folded, each = fold(text), fold_each(text)
    if folded == each:
        return []
    differ = np.flatnonzero(code_points(folded) != code_points(each)).tolist()
    return [[offset, folded[offset]] for offset in differ]


def fold_again(text: str, exceptions: list[list]) -> str | None:
    """``fold(text)`` from ``fold_each(text)`` and the text's ``fold_exceptions``; None when
    they are not a text's exceptions (an index's stored fields are read as they come)."""
    each = fold_each(text)
    if not exceptions:
        return each
    try:
        if not all(0 <= offset < len(text) and len(char) == 1 for offset, char in exceptions):
            return None
    except (TypeError, ValueError):
        return None
    chars = list(each)
    for offset, char in exceptions:
        chars[offset] = char
    return "".join(chars)
