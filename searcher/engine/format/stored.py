"""A document's stored fields as a segment stores them: JSON in GB18030, deflated, under a
header holding the document's number and a CRC32 (a damaged offset table would otherwise hand
back another document's fields). A document with nothing stored is empty bytes.

GB18030 encodes every Unicode character but a lone surrogate (a test reads each back), a Chinese
character in two bytes where UTF-8 takes three; deflated, the bench's stored fields take 13%
less (16 MB slice: 6.7 MB, from 7.7). Deflated with a preset dictionary of frequent Chinese
words in both scripts (``stored_words.txt``, built by ``scripts/build_stored_dictionary.py``),
6.6% less again (6.2 MB): such a value starts with ``GB18030_WORDS_JSON``; one that starts with
``GB18030_JSON`` (written earlier on 2026-12-07) was deflated without it. A value that is a zlib
stream of UTF-8 JSON (whose first byte's low four bits are 8: deflate) is read as before:
every value written before 2026-12-07, and one holding a file name's undecodable bytes
(surrogate escapes, which GB18030 has no code for).

    >>> decode_stored_fields(7, encode_stored_fields(7, {"path": "a.txt"}))
    {'path': 'a.txt'}
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct
import zlib
from pathlib import Path

from searcher.engine.format.records import MAX_RECORD_BYTES, FormatError, inflate

STORED_DEFLATE_LEVEL = 6  # written once, read only for the hits shown
STORED_HEADER = struct.Struct("<II")  # document number, CRC32
GB18030_JSON = b"\x01"  # then the JSON in GB18030, as a zlib stream
GB18030_WORDS_JSON = b"\x02"  # the same, deflated with the preset dictionary ``stored_words``
STORED_WORDS = Path(__file__).with_name("stored_words.txt")
# What was deflated with it inflates only with these very bytes: a file that is not them (an
# edited or damaged installation) is an error, never a different text.
STORED_WORDS_SHA256 = "7c6486470db622a5ba37d713ba15726c88fb55f4f3316b8df73410c1458a49b8"


@functools.cache
def stored_words() -> bytes:
    """The preset dictionary: ``stored_words.txt``'s words run together, in GB18030."""
    words = "".join(STORED_WORDS.read_text(encoding="utf-8").split("\n")).encode("gb18030")
    if hashlib.sha256(words).hexdigest() != STORED_WORDS_SHA256:
        raise FormatError(f"{STORED_WORDS} is not the dictionary stored fields were deflated "
                          f"with; reinstall searcher")
    return words


def encode_stored_fields(docnum: int, value: dict | None) -> bytes:
    """Document ``docnum``'s stored fields as stored."""
    if not value:
        return b""
    text = json.dumps(value, ensure_ascii=False)
    try:
        encoded = text.encode("gb18030")
        deflater = zlib.compressobj(STORED_DEFLATE_LEVEL, zdict=stored_words())
        data = GB18030_WORDS_JSON + deflater.compress(encoded) + deflater.flush()
    except UnicodeEncodeError:  # a file name's undecodable bytes (surrogate escapes), which
        # GB18030 has no code for: in UTF-8 as before, surrogates passed through, exactly
        data = zlib.compress(text.encode("utf-8", "surrogatepass"), STORED_DEFLATE_LEVEL)
    return STORED_HEADER.pack(docnum, zlib.crc32(data, docnum)) + data


def decode_stored_fields(docnum: int, value: bytes) -> dict | None:
    """Document ``docnum``'s stored fields from what was stored (None when nothing was),
    checked against the header's number and CRC32."""
    if not value:
        return None
    try:
        found, crc = STORED_HEADER.unpack_from(value)
    except struct.error:
        raise FormatError("a document's stored fields are truncated") from None
    data = value[STORED_HEADER.size:]
    if found != docnum or zlib.crc32(data, docnum) != crc:
        raise FormatError("a document's stored fields fail their checksum")
    gb18030 = data[:1] in (GB18030_JSON, GB18030_WORDS_JSON)
    zdict = stored_words() if data[:1] == GB18030_WORDS_JSON else b""
    text = inflate(data[1:] if gb18030 else data, MAX_RECORD_BYTES, "document's stored fields",
                   zdict)
    try:
        fields = json.loads(text.decode("gb18030") if gb18030
                            else text.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, ValueError):
        fields = None
    if not isinstance(fields, dict):
        raise FormatError("a document's stored fields are damaged")
    return fields
