"""A document's stored fields as a segment stores them: JSON, deflated, under a header
holding the document's number and a CRC32 (a damaged offset table would otherwise hand back
another document's fields). A document with nothing stored is empty bytes.

    >>> decode_stored_fields(7, encode_stored_fields(7, {"path": "a.txt"}))
    {'path': 'a.txt'}
"""

from __future__ import annotations

import json
import struct
import zlib

from searcher.engine.format.records import MAX_RECORD_BYTES, FormatError, inflate

STORED_DEFLATE_LEVEL = 6  # written once, read only for the hits shown
STORED_HEADER = struct.Struct("<II")  # document number, CRC32


def encode_stored_fields(docnum: int, value: dict | None) -> bytes:
    """Document ``docnum``'s stored fields as stored."""
    if not value:
        return b""
    # surrogatepass: a file name's undecodable bytes (surrogate escapes), kept exactly
    text = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    data = zlib.compress(text, STORED_DEFLATE_LEVEL)
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
    text = inflate(data, MAX_RECORD_BYTES, "document's stored fields")
    try:
        fields = json.loads(text.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, ValueError):
        fields = None
    if not isinstance(fields, dict):
        raise FormatError("a document's stored fields are damaged")
    return fields
