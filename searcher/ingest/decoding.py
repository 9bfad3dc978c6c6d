"""Turn a corpus file's bytes into text, whatever the archive's encoding.

UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they say. So is a charset the
file declares (``declared``: a web page's ``<meta charset>``, a saved HTTP header), its label
read as the WHATWG Encoding Standard reads it (``big5`` is Big5-HKSCS, ``gb2312`` and ``gbk``
are GB18030, ``latin1`` is windows-1252); a declaration is not trusted when its decoding needs
many replacement characters, or reads as mojibake where a guess reads as Chinese: then the
encoding is guessed, with a warning. Anything else is
decoded by each encoding an archive of Chinese commentary plausibly uses (the Big5 family,
GB18030, and UTF-16 without a BOM when the bytes look like it), each decoding surviving a
strict round trip (decode, re-encode, same bytes), and the most plausible text wins: the
share of its characters other than ASCII that are CJK punctuation or among the frequent
characters of Chinese (jieba's dictionary's, in both scripts by OpenCC). Big5 and GB18030 both
decode most byte pairs, and a short text gives a statistical detector too little to go on (a
short GBK file read as Big5 is mojibake; "停火。" in Big5 passes for UTF-16-BE), while mojibake
is nearly all rare characters. charset-normalizer breaks ties; a guess that is not clearly
better than the next, or not plausible, is a warning.

A file no encoding decodes strictly (a Big5 page with one Big5-HKSCS and one cp950 character,
a UTF-8 file cut inside a character) is decoded with replacement characters (U+FFFD) by the
encoding that needs fewest, at most ``MAX_REPLACED`` of its characters, when that reads best;
every decoding that replaces a byte is a warning naming the file.

    >>> decode("停火".encode("big5"), "a.txt")
    ('停火', 'big5')
    >>> decode("停火。".encode("gbk"), "a.txt")
    ('停火。', 'gbk')
    >>> decode("停火".encode("big5"), "a.html", declared="x-x-big5")
    ('停火', 'big5')
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
MAX_REPLACED = 0.01  # a decoding replacing a larger share of characters is not the file's
_ZERO_BYTES = 0.1  # UTF-16 of Latin text is half zero bytes; Chinese in Big5 or GBK has none


def _labels(codec: str, labels: str) -> dict[str, str]:
    return dict.fromkeys(labels.split(), codec)


# The WHATWG Encoding Standard's labels (https://encoding.spec.whatwg.org/#names-and-labels)
# where Python's codec of the same name decodes otherwise or does not know the label; None:
# the "replacement" encoding, a declaration no text can be read by. Any other label is
# Python's.
_WHATWG: dict[str, str | None] = {
    **_labels("utf-8", "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 "
                       "x-unicode20utf8"),
    **_labels("big5", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"),
    **_labels("gb18030", "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk "
                         "iso-ir-58 x-gbk gb18030"),
    **_labels("utf-16-le", "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 "
                           "utf-16le"),
    **_labels("utf-16-be", "unicodefffe utf-16be"),
    **_labels("cp1252", "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 "
                        "iso-ir-100 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 "
                        "us-ascii windows-1252 x-cp1252"),
    **_labels("cp932", "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"),
    **_labels("cp949", "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 "
                       "ks_c_5601-1989 ksc5601 ksc_5601 windows-949"),
    **_labels("euc_jp", "cseucpkdfmtjapanese euc-jp x-euc-jp"),
    **_labels("cp874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"),
    **dict.fromkeys("csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr "
                    "replacement x-user-defined".split()),
}


def decode(data: bytes, name: str, warnings: list[str] | None = None,
           declared: str | None = None) -> tuple[str, str]:
    """``(text, encoding)`` for a file's bytes, ``declared`` the charset label the file
    itself names, if any; ``DocumentError`` when nothing fits. A doubtful guess, a declaration
    not followed and a decoding that replaced bytes are appended to ``warnings``."""
    warnings = [] if warnings is None else warnings
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict(data, "utf-8-sig", name), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _strict(data, "utf-16", name), "utf-16"
    else:
        found = _as_declared(data, name, declared, warnings) if declared else None
        text, encoding = found or _guess(data, name, warnings)
    if "\0" in text:  # NUL is valid UTF-8, but no article contains one
        raise DocumentError(f"cannot read {name}: binary data (NUL bytes)")
    return text, encoding


def codec_of(label: str) -> str | None:
    """The Python codec that decodes what a charset ``label`` names, as browsers read it
    (None: a label of no encoding text can be read in)."""
    label = label.strip().lower()
    if label in _WHATWG:
        return _WHATWG[label]
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _as_declared(data: bytes, name: str, label: str,
                 warnings: list[str]) -> tuple[str, str] | None:
    """The text in the charset the file declares, or None (with a warning) when the
    declaration cannot be followed and the encoding is to be guessed."""
    encoding = codec_of(label)
    if encoding is None:
        warnings.append(f"{name}: declares charset {label!r}, which names no encoding it can "
                        f"be read in; encoding guessed")
        return None
    family = next((f for f in _FAMILIES if encoding in f), (encoding,))
    text, used, replaced = _least_replaced(data, family)
    if replaced > MAX_REPLACED * len(text):
        warnings.append(f"{name}: declares charset {label!r}, but {replaced:,} of its bytes "
                        f"are not {encoding}; encoding guessed")
        return None
    if encoding != "utf-8" and plausibility(text) < PLAUSIBLE:
        # A declaration copied from another page's template reads as mojibake; the bytes'
        # own encoding then reads as Chinese.
        guess_warnings: list[str] = []
        try:
            guessed, other = _guess(data, name, guess_warnings)
        except DocumentError:
            guessed, other = text, used
        if plausibility(guessed) >= PLAUSIBLE and _family(other) != _family(used):
            warnings.append(f"{name}: declares charset {label!r}, but reads as {other}; "
                            f"read as {other}")
            warnings.extend(guess_warnings)
            return guessed, other
    _warn_replaced(name, used, replaced, warnings)
    return text, used


def _guess(data: bytes, name: str, warnings: list[str]) -> tuple[str, str]:
    try:
        if b"\0" not in data:  # else perhaps UTF-16 of Latin text, which is valid UTF-8 too
            return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [(text, enc, 0) for family in _FAMILIES
                  if (found := _round_trip(data, family)) for text, enc in [found]]
    candidates = [(text, enc, n) for text, enc, n in candidates
                  if not enc.startswith("utf-16") or _looks_like_utf16(data, text)]
    decoded = {_family(enc) for _, enc, _ in candidates}
    # Each family that decodes nothing strictly, with replacement characters.
    candidates += [found for family in (("utf-8",), *_FAMILIES[:2]) if family not in decoded
                   and (found := _least_replaced(data, family))[2] <= MAX_REPLACED * len(found[0])]
    if not candidates:
        raise DocumentError(f"cannot decode {name}: not text in UTF-8, UTF-16, Big5 or GB18030")
    ranked = sorted(candidates, key=lambda found: (-plausibility(found[0]),
                                                   _detector_rank(data, found[1])))
    text, encoding, replaced = ranked[0]
    score = plausibility(text)
    runner_up = plausibility(ranked[1][0]) if len(ranked) > 1 else 0.0
    if score < PLAUSIBLE or score - runner_up < MARGIN:
        warnings.append(f"{name}: encoding guessed as {encoding} with low confidence "
                        f"({score:.0%} plausible characters"
                        + (f", {ranked[1][1]} {runner_up:.0%}" if len(ranked) > 1 else "")
                        + "); check the text")
    _warn_replaced(name, encoding, replaced, warnings)
    return text, encoding


def _family(encoding: str) -> tuple[str, ...]:
    return next((f for f in _FAMILIES if encoding in f), (encoding,))


def _least_replaced(data: bytes, family: tuple[str, ...]) -> tuple[str, str, int]:
    """``(text, encoding, replaced)``: the first encoding of ``family`` that decodes ``data``
    strictly, else the one that replaces fewest bytes with U+FFFD, and how many; a pair of
    bytes one encoding of the family lacks is read by another (a Big5 page may hold both
    cp950's euro sign and Hong Kong characters)."""
    for encoding in family:
        try:
            return data.decode(encoding), encoding, 0
        except UnicodeDecodeError:
            pass
    decoded = []
    for encoding in family:
        text = data.decode(encoding, _pairwise(tuple(e for e in family if e != encoding)))
        decoded.append((text, encoding, text.count("\ufffd")))
    return min(decoded, key=lambda found: found[2])


@functools.lru_cache(maxsize=None)
def _pairwise(others: tuple[str, ...]) -> str:
    """The name of a codec error handler that reads the pair of bytes at an error by the
    first of ``others`` that can, else replaces its first byte with U+FFFD."""
    def handler(error: UnicodeDecodeError) -> tuple[str, int]:
        pair = error.object[error.start:error.start + 2]
        for encoding in others:
            try:
                return pair.decode(encoding), error.start + 2
            except UnicodeDecodeError:
                continue
        return "\ufffd", error.start + 1

    name = "searcher-" + "-".join(others or ("none",))
    codecs.register_error(name, handler)
    return name


def _warn_replaced(name: str, encoding: str, replaced: int, warnings: list[str]) -> None:
    if replaced:
        warnings.append(f"{name}: {replaced:,} "
                        + ("byte that is" if replaced == 1 else "bytes that are")
                        + f" not {encoding} replaced with U+FFFD")


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
    """The share of ``text``'s visible characters other than ASCII that are CJK punctuation or
    frequent Chinese characters (either script): near 1 for Chinese, near 0 for mojibake; 1
    for a text all ASCII. ASCII reads the same in every encoding tried (a page's markup is
    most of its bytes), so it says nothing of which is right."""
    visible = [c for c in text if not c.isspace() and not (c.isascii() and c.isprintable())]
    if not visible:
        return 1.0 if text.strip() else 0.0
    frequent = _frequent_characters()
    plausible = sum(1 for c in visible if c in frequent or "\u3000" <= c <= "\u303f"
                    or "\uff00" <= c <= "\uffef")
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

    isolation = ["utf-8", *(encoding for family in _FAMILIES for encoding in family)]
    names = [codecs.lookup(match.encoding).name for match in
             from_bytes(data, cp_isolation=isolation)]
    family = _family(encoding)
    return next((i for i, name in enumerate(names)
                 if codecs.lookup(name).name in {codecs.lookup(e).name for e in family}),
                len(names))


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DocumentError(f"cannot decode {name}: invalid {encoding} at byte "
                            f"{error.start}") from error
