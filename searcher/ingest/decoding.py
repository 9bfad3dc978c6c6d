"""Turn a corpus file's bytes into text, whatever the archive's encoding.

UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they say. Anything else is
decoded by each encoding an archive of Chinese commentary plausibly uses (the Big5 family,
GB18030, and UTF-16 without a BOM when the bytes look like it), each decoding surviving a
strict round trip (decode, re-encode, same bytes), and the most plausible text wins: the
share of its characters that are ASCII, CJK punctuation or among the frequent characters of
Chinese (jieba's dictionary's, in both scripts by OpenCC). Big5 and GB18030 both decode most
byte pairs, and a short text gives a statistical detector too little to go on (a short GBK
file read as Big5 is mojibake; "停火。" in Big5 passes for UTF-16-BE), while mojibake is
nearly all rare characters. charset-normalizer breaks ties; a guess that is not clearly
better than the next, or not plausible, is a warning.

    >>> decode("停火".encode("big5"), "a.txt")
    ('停火', 'big5')
    >>> decode("停火。".encode("gbk"), "a.txt")
    ('停火。', 'gbk')
"""

from __future__ import annotations

import codecs
import functools
from pathlib import Path

from searcher.errors import DocumentError

# Each family's encodings, the narrowest first: a superset only for what the narrow one lacks.
_FAMILIES = (("big5", "big5hkscs", "cp950"), ("gbk", "gb18030"), ("utf-16-le",),
             ("utf-16-be",))
FREQUENT_CHARACTERS = 4000  # of jieba's dictionary, by the frequency of the words holding them
PLAUSIBLE = 0.8  # a text with a smaller share of plausible characters is a doubtful guess
MARGIN = 0.1  # a guess must beat the next by this share, or it is doubtful
_ZERO_BYTES = 0.1  # UTF-16 of Latin text is half zero bytes; Chinese in Big5 or GBK has none


def decode(data: bytes, name: str, warnings: list[str] | None = None) -> tuple[str, str]:
    """``(text, encoding)`` for a file's bytes; ``DocumentError`` when nothing fits. A doubtful
    guess of a legacy encoding is appended to ``warnings``."""
    text, encoding = _decode(data, name, [] if warnings is None else warnings)
    if "\0" in text:  # NUL is valid UTF-8, but no article contains one
        raise DocumentError(f"cannot read {name}: binary data (NUL bytes)")
    return text, encoding


def _decode(data: bytes, name: str, warnings: list[str]) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig", name), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name), "utf-16"
    try:
        if b"\0" not in data:  # else perhaps UTF-16 of Latin text, which is valid UTF-8 too
            return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [found for family in _FAMILIES if (found := _round_trip(data, family))]
    candidates = [(text, enc) for text, enc in candidates
                  if not enc.startswith("utf-16") or _looks_like_utf16(data, text)]
    if not candidates:
        raise DocumentError(f"cannot decode {name}: not text in UTF-8, UTF-16, Big5 or GB18030")
    ranked = sorted(candidates, key=lambda found: (-plausibility(found[0]),
                                                   _detector_rank(data, found[1])))
    text, encoding = ranked[0]
    score = plausibility(text)
    runner_up = plausibility(ranked[1][0]) if len(ranked) > 1 else 0.0
    if score < PLAUSIBLE or score - runner_up < MARGIN:
        warnings.append(f"{name}: encoding guessed as {encoding} with low confidence "
                        f"({score:.0%} plausible characters"
                        + (f", {ranked[1][1]} {runner_up:.0%}" if len(ranked) > 1 else "")
                        + "); check the text")
    return text, encoding


def _round_trip(data: bytes, family: tuple[str, ...]) -> tuple[str, str] | None:
    """The text of the first encoding of ``family`` that decodes ``data`` and encodes it back
    to the same bytes."""
    for encoding in family:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.encode(encoding) == data:
            return text, encoding
    return None


def _looks_like_utf16(data: bytes, text: str) -> bool:
    """Whether bytes without a BOM look like UTF-16: zero bytes (Latin text), or a decoding
    that reads as Chinese (short Big5 of even length decodes as UTF-16 too, to rare
    characters)."""
    return data.count(0) >= _ZERO_BYTES * len(data) or plausibility(text) >= PLAUSIBLE


def plausibility(text: str) -> float:
    """The share of ``text``'s visible characters that are printable ASCII, CJK punctuation or frequent
    Chinese characters (either script): near 1 for Chinese, near 0 for mojibake."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0.0
    frequent = _frequent_characters()
    plausible = sum(1 for c in visible if (c.isascii() and c.isprintable()) or c in frequent
                    or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return plausible / len(visible)


@functools.lru_cache(maxsize=1)
def _frequent_characters() -> frozenset[str]:
    """The ``FREQUENT_CHARACTERS`` characters of jieba's dictionary that weigh most (summed
    frequency of the words holding them), with their Traditional forms (Taiwan, Hong Kong)."""
    import jieba
    import opencc

    weights: dict[str, int] = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as dictionary:
        for line in dictionary:
            word, frequency = line.split(" ", 2)[:2]
            for character in word:
                weights[character] = weights.get(character, 0) + int(frequency)
    top = "".join(sorted(weights, key=weights.__getitem__, reverse=True)[:FREQUENT_CHARACTERS])
    forms = [opencc.OpenCC(config).convert(top) for config in ("s2t", "s2tw", "s2hk")]
    return frozenset(top).union(*forms)


def _detector_rank(data: bytes, encoding: str) -> int:
    """Where charset-normalizer ranks ``encoding``'s family (ties of plausibility only)."""
    from charset_normalizer import from_bytes

    names = [codecs.lookup(match.encoding).name for match in
             from_bytes(data, cp_isolation=[e for family in _FAMILIES for e in family])]
    family = next(f for f in _FAMILIES if encoding in f)
    return next((i for i, name in enumerate(names)
                 if codecs.lookup(name).name in {codecs.lookup(e).name for e in family}),
                len(names))


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DocumentError(f"cannot decode {name}: invalid {encoding} at byte "
                            f"{error.start}") from error
