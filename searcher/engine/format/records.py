"""The building blocks of searcher's files: packed integer lists, sealed records, bounded
inflation, file headers, and the error every check raises (``FormatError``).

A list of non-negative integers is packed at the smallest byte width that holds its largest,
split into byte planes (the high planes of small numbers are runs of zeros, which deflate to
almost nothing). A record or block is *sealed*: a header (deflated?, stored length, CRC32 of
both and the stored bytes), then the bytes, deflated when that saves. Nothing read is used
before it is bounded: a record is read only inside its file, and inflated only to what its
claims allow.

    >>> unpack_ints(pack_ints([3, 300, 70000]), 0)[0].tolist()
    [3, 300, 70000]
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from collections.abc import Callable, Sequence
from itertools import accumulate

FORMAT_VERSION = 3  # 2: positions as variable-length integers, not deflated; 3: no record
# for a term in one document of a field without values (``terms``)
READ_VERSIONS = (2, 3)  # 2's files are 3's, but that every term has a record
DEFLATE_LEVEL = 1  # level 6 saves 4% more at three times the writing cost
SMALL_PAYLOAD = 48  # not worth deflating (most terms have a posting or two)
# Record and block header: deflated?, stored length, CRC32 of both and the stored bytes.
RECORD = struct.Struct("<BII")
FILE_HEADER = struct.Struct("<4sH")  # magic, format version
_WIDTHS = {1: "B", 2: "H", 4: "I", 8: "Q"}
_LITTLE_ENDIAN = sys.byteorder == "little"
# Deflate never inflates more than 1032 times (zlib's documented bound): what stored bytes can
# honestly become.
DEFLATE_MAX_RATIO = 1032
# The most a terms block, a terms index or a document's stored fields may inflate to. A
# document's text is cut at 2,000,000 characters when read (``ingest.formats``), a block holds
# 64 terms: far below, so only a damaged or planted file comes near it.
MAX_RECORD_BYTES = 256 << 20


class FormatError(ValueError):
    """A file of an index that is not what it should be: damaged, truncated, of another
    format version, or claiming more than its files can hold."""


def little_endian(values: array) -> bytes:
    """An array's bytes in the files' byte order (little-endian) whatever the machine's."""
    if not _LITTLE_ENDIAN:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def from_little_endian(typecode: str, data) -> array:
    """The array of ``typecode`` values whose little-endian bytes are ``data``."""
    values = array(typecode, data)
    if not _LITTLE_ENDIAN:
        values.byteswap()
    return values


def pack_ints(values) -> bytes:
    """A list of non-negative integers at the smallest byte width that holds its largest:
    a width byte, a count, then the values' byte planes (every lowest byte, then every next
    byte...), which deflate well: the high planes of small numbers are runs of zeros."""
    largest = max(values, default=0)
    width = 1 if largest < 1 << 8 else 2 if largest < 1 << 16 else 4 if largest < 1 << 32 else 8
    packed = array(_WIDTHS[width], values)
    raw = little_endian(packed)
    planes = raw if width == 1 else b"".join(raw[i::width] for i in range(width))
    return struct.pack("<BI", width, len(packed)) + planes


def unpack_ints(data: bytes | memoryview, offset: int) -> tuple[array, int]:
    """The list ``pack_ints`` wrote at ``offset``, and the offset after it."""
    try:
        width, count = struct.unpack_from("<BI", data, offset)
        typecode = _WIDTHS[width]
    except (struct.error, KeyError):
        raise FormatError("a packed list is damaged") from None
    start = offset + 5
    end = start + width * count
    if end > len(data):
        raise FormatError("a packed list runs past its record")
    if width == 1:
        return array("B", data[start:end]), end
    raw = bytearray(width * count)
    for plane in range(width):
        raw[plane::width] = data[start + plane * count:start + (plane + 1) * count]
    return from_little_endian(typecode, raw), end


def pack_byte_strings(items: Sequence[bytes]) -> bytes:
    """Byte strings one after another, their lengths packed before them."""
    return pack_ints([len(item) for item in items]) + b"".join(items)


def unpack_byte_strings(data: bytes, offset: int) -> tuple[list[bytes], int]:
    """The byte strings ``pack_byte_strings`` wrote at ``offset``, and the offset after them."""
    lengths, offset = unpack_ints(data, offset)
    ends = list(accumulate(lengths, initial=offset))
    if ends[-1] > len(data):
        raise FormatError("a list of byte strings runs past its record")
    return [data[a:b] for a, b in zip(ends, ends[1:])], ends[-1]


def seal(payload: bytes) -> bytes:
    """A record or block as stored: header (deflated?, length, CRC32), then the bytes."""
    deflated = zlib.compress(payload, DEFLATE_LEVEL) if len(payload) > SMALL_PAYLOAD else payload
    flag, stored = (1, deflated) if len(deflated) < len(payload) else (0, payload)
    return RECORD.pack(flag, len(stored), record_crc(flag, stored)) + stored


def record_crc(flag: int, stored: bytes) -> int:
    """The CRC32 of a record's header fields (deflated?, length) and its stored bytes."""
    return zlib.crc32(stored, zlib.crc32(struct.pack("<BI", flag, len(stored))))


def unseal(read: Callable[[int, int], bytes], offset: int, what: str, file_size: int,
           limit: int) -> tuple[bytes, int]:
    """The payload of the record at ``offset`` in a file of ``file_size`` bytes
    (``read(offset, length)`` reads it), checked against its CRC32, at most ``limit`` bytes
    once inflated, and the offset after it. Nothing past the file is asked for: a length read
    from a damaged file would otherwise have ``read`` allocate it."""
    if not FILE_HEADER.size <= offset <= file_size - RECORD.size:
        raise FormatError(f"a {what} is not inside its file")
    try:
        flag, length, crc = RECORD.unpack(read(offset, RECORD.size))
    except (struct.error, OSError, ValueError, OverflowError):
        raise FormatError(f"a {what} is truncated") from None
    end = offset + RECORD.size + length
    if end > file_size:
        raise FormatError(f"a {what} runs past the end of its file")
    stored = read(offset + RECORD.size, length)
    if len(stored) != length or record_crc(flag, stored) != crc:
        raise FormatError(f"a {what} fails its checksum")
    if not flag and length > limit:
        raise FormatError(f"a {what} holds more than the {limit:,} bytes it can")
    return inflate(stored, limit, what) if flag else bytes(stored), end


def inflate(stored: bytes, limit: int, what: str, zdict: bytes = b"") -> bytes:
    """``stored`` (zlib, deflated with the preset dictionary ``zdict`` if given) inflated,
    but never past ``limit`` bytes nor past what deflate can make of ``stored``'s size
    (``DEFLATE_MAX_RATIO``): a few bytes of a damaged or planted file never cost gigabytes.
    ``FormatError`` when it does not inflate, or would go past."""
    limit = min(limit, DEFLATE_MAX_RATIO * len(stored) + 64)
    inflater = zlib.decompressobj(zdict=zdict) if zdict else zlib.decompressobj()
    try:
        payload = inflater.decompress(stored, limit + 1)
    except zlib.error:
        raise FormatError(f"a {what} does not inflate") from None
    if len(payload) > limit:
        raise FormatError(f"a {what} inflates past the {limit:,} bytes it can hold")
    if not inflater.eof or inflater.unused_data:
        raise FormatError(f"a {what} does not inflate")
    return payload


def file_header(magic: bytes) -> bytes:
    """What a file of ours begins with: its magic and the format version."""
    return FILE_HEADER.pack(magic, FORMAT_VERSION)


def check_header(header: bytes, magic: bytes, what: str) -> None:
    """Refuse a file whose first bytes are not ``file_header(magic)``."""
    try:
        found, version = FILE_HEADER.unpack(header)
    except struct.error:
        raise FormatError(f"a {what} file is truncated") from None
    if found != magic:
        raise FormatError(f"a {what} file is damaged or not searcher's")
    if version not in READ_VERSIONS:
        raise FormatError(f"a {what} file has format version {version}, "
                          f"this searcher reads {READ_VERSIONS[0]} to {FORMAT_VERSION}")
