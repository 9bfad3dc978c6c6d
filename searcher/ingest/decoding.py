"""Turn a corpus file's bytes into text, whatever the archive's encoding.

UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they say. Anything else goes to
charset-normalizer, which weighs candidate encodings by how coherent the decoded text reads
(Big5 and GB18030 both decode most byte pairs, so only such a model can tell them apart); the
winner must then survive a strict round trip (decode, re-encode, same bytes), with its
family's supersets tried next (Big5 → Big5-HKSCS, GB2312/GBK → GB18030).

    >>> decode("停火".encode("big5"), "a.txt")
    ('停火', 'big5')
"""

from __future__ import annotations

import codecs

from searcher.errors import DocumentError

_SUPERSETS = {
    "big5": ["big5", "big5hkscs", "cp950"],
    "cp950": ["cp950", "big5hkscs"],
    "gb2312": ["gbk", "gb18030"],
    "gbk": ["gbk", "gb18030"],
    "cp936": ["gbk", "gb18030"],
}
# Encodings an archive of Chinese commentary plausibly uses; steers the detector away from
# single-byte code pages that decode anything.
_CANDIDATES = ["utf_8", "utf_16", "utf_16_le", "utf_16_be", "big5", "big5hkscs", "cp950",
               "gb18030", "gbk", "gb2312"]


def decode(data: bytes, name: str) -> tuple[str, str]:
    """``(text, encoding)`` for a file's bytes; ``DocumentError`` when nothing fits."""
    text, encoding = _decode(data, name)
    if "\0" in text:  # NUL is valid UTF-8, but no article contains one
        raise DocumentError(f"cannot read {name}: binary data (NUL bytes)")
    return text, encoding


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig", name), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None:
        raise DocumentError(f"cannot decode {name}: not text in UTF-8, UTF-16, Big5 or GB18030")
    detected = codecs.lookup(best.encoding).name
    for encoding in _SUPERSETS.get(detected, [detected]):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.encode(encoding) == data:
            return text, encoding
    raise DocumentError(f"cannot decode {name}: looks like {detected} but does not round-trip")


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise DocumentError(f"cannot decode {name}: invalid {encoding} at byte "
                            f"{error.start}") from error
