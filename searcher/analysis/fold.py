"""Folding: width and script variants to one form, every character kept at its offset, so that
a token found in folded text points into the original.

1. ``fold_width``: full-width Latin, digits and punctuation to ASCII, Latin lowercased.
2. ``fold_script``: OpenCC ``t2s`` over the whole text (jieba's dictionary is Simplified, and
   Traditional text segments badly: 內部力/勸). ``t2s`` maps characters one to one; where a
   conversion would change length anyway, that stretch is folded character by character.

    >>> fold("俄羅斯ＡＢＣ")
    '俄罗斯abc'
"""

from __future__ import annotations

import functools
import re

# Full-width forms and the ideographic space. Replaced by a regular expression, not
# str.translate: translate looks every character up, and Chinese text is mostly characters
# that need nothing (twice as fast).
_NARROW = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_NARROW["\u3000"] = " "
_WIDE_RE = re.compile("[\uff01-\uff5e\u3000]")


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
