"""searcher's own file format for terms and postings, behind Whoosh's codec API.

Whoosh's ``W3Codec`` pickles every block of 128 postings and every posting's positions (about
10 bytes a position, most of an index's size, and a pickle an index folder could use to run
code); its writer handles one posting at a time. ``SearcherCodec`` keeps Whoosh's segments,
columns and stored fields and replaces the two large files with ours (``docs/index-format.md``
describes them byte by byte):

* ``.postings``: one record per term, all its postings at once: document numbers as deltas
  and frequencies, each list packed at the smallest byte width that holds it, split into byte
  planes and deflated (the high planes are nearly all zeros); a header with the record's
  length and a CRC32 over the record. A positional field's record is followed by its
  positions, as deltas within each document, variable-length integers not deflated, under a
  CRC32 of their own: read only when a search asks for positions, and decoded only for the
  documents it asks about.
* ``.terms``: the sorted terms in blocks of ``TERMS_PER_BLOCK``, each deflated with a CRC32,
  and a block index at the end (the first key of each block) with a CRC32 of its own. A lookup
  reads the index once and then one block.

Nothing in either file is a pickle, and every byte a search reads is checked: a damaged record
or block raises ``FormatError`` (``store.reading`` reports it as a damaged index), never a
wrong result. Nothing a file says is used before it is bounded: a record is read only inside
its file, inflated only to what its claims allow (``inflate``), and its document numbers lie
inside its segment. Encoding and decoding are array operations (``array``, ``zlib``, extended
slices): no Python call per posting when reading.

    >>> PositionList().decode_positions(PositionList().encode([3, 7, 8]))
    [3, 7, 8]
"""

from __future__ import annotations

import bisect
import json
import math
import os
import struct
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, groupby
from operator import attrgetter

import numpy as np

from whoosh.codec import base
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PerDocWriter
from whoosh.columns import (
    VarBytesColumn, WrappedColumn, WrappedColumnReader, WrappedColumnWriter)
from whoosh.formats import Frequency, Positions
from whoosh.matching import ListMatcher
from whoosh.reading import TermInfo, TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

FORMAT_VERSION = 2  # 2: positions as variable-length integers, not deflated
TERMS_MAGIC = b"STRM"
POSTINGS_MAGIC = b"SPST"
TERMS_PER_BLOCK = 64
DEFLATE_LEVEL = 1  # level 6 saves 4% more at three times the writing cost
SMALL_PAYLOAD = 48  # not worth deflating (most terms have a posting or two)
SHORT_LIST = 48  # checked in Python, quicker than a call into numpy (most terms' postings)
# Record and block header: deflated?, stored length, CRC32 of both and the stored bytes.
_RECORD = struct.Struct("<BII")
_FILE_HEADER = struct.Struct("<4sH")  # magic, format version
_TERMS_FOOTER = struct.Struct("<QI4s")  # block index's offset, its length, magic
_FIELD_NUMBER = struct.Struct(">H")  # a term key's first bytes: keys sort by field, then term
_WIDTHS = {1: "B", 2: "H", 4: "I", 8: "Q"}
_LITTLE_ENDIAN = sys.byteorder == "little"
# Deflate never inflates more than 1032 times (zlib's documented bound): what stored bytes can
# honestly become.
DEFLATE_MAX_RATIO = 1032
# The most a terms block, a terms index or a document's stored fields may inflate to. A
# document's text is cut at 2,000,000 characters when read (``ingest.formats``), a block holds
# 64 terms: far below, so only a damaged or planted file comes near it.
MAX_RECORD_BYTES = 256 << 20

# How a record stores its weights and its values.
WEIGHTS_SAME, WEIGHTS_INTEGERS, WEIGHTS_FLOATS = 0, 1, 2
VALUES_NONE, VALUES_POSITIONS, VALUES_BYTES = 0, 1, 2


class FormatError(ValueError):
    """A file of an index that is not what it should be: damaged, truncated, of another
    format version, or claiming more than its files can hold."""


class PositionList(Positions):
    """Whoosh's ``Positions`` (frequency and positions of a term in a document) with the
    positions encoded as an array of deltas instead of a pickled list. The encoding lives
    only in memory, between analysis and the postings writer (and in ``ListMatcher`` values):
    on disk, ``.postings`` records hold the deltas packed."""

    def encode(self, poslist) -> bytes:
        deltas = array("I", poslist)
        if len(deltas) > 1:
            deltas[1:] = array("I", map(int.__sub__, poslist[1:], poslist[:-1]))
        return deltas.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(accumulate(array("I", valuestring)))

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class Frequencies(Frequency):
    """Whoosh's ``Frequency`` (each document's count of the term, no positions) with no value
    per posting: a record's weights are the counts already. A words field is searched a whole
    word at a time and its phrases are checked on its units field, so its positions were
    never read (yet they were half of an index's postings)."""

    posting_size = 0

    def word_values(self, value, analyzer, **kwargs):
        for word, frequency, weight, _ in super().word_values(value, analyzer, **kwargs):
            yield word, frequency, weight, b""

    def encode(self, count) -> bytes:
        return b""


# --- packed lists -------------------------------------------------------------------------

def _little_endian(values: array) -> bytes:
    """An array's bytes in the files' byte order (little-endian) whatever the machine's."""
    if not _LITTLE_ENDIAN:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _from_little_endian(typecode: str, data) -> array:
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
    raw = _little_endian(packed)
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
    return _from_little_endian(typecode, raw), end


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


def position_starts(counts: Sequence[int]) -> list[int]:
    """Where each document's positions start among a term's, given how many each has."""
    return [0, *accumulate(counts)][:-1]


def _seal(payload: bytes) -> bytes:
    """A record or block as stored: header (deflated?, length, CRC32), then the bytes."""
    deflated = zlib.compress(payload, DEFLATE_LEVEL) if len(payload) > SMALL_PAYLOAD else payload
    flag, stored = (1, deflated) if len(deflated) < len(payload) else (0, payload)
    return _RECORD.pack(flag, len(stored), _record_crc(flag, stored)) + stored


def _record_crc(flag: int, stored: bytes) -> int:
    """The CRC32 of a record's header fields (deflated?, length) and its stored bytes."""
    return zlib.crc32(stored, zlib.crc32(struct.pack("<BI", flag, len(stored))))


def _unseal(read, offset: int, what: str, file_size: int, limit: int) -> tuple[bytes, int]:
    """The payload of the record at ``offset`` in a file of ``file_size`` bytes
    (``read(offset, length)`` reads it), checked against its CRC32, at most ``limit`` bytes
    once inflated, and the offset after it. Nothing past the file is asked for: a length read
    from a damaged file would otherwise have ``read`` allocate it."""
    if not _FILE_HEADER.size <= offset <= file_size - _RECORD.size:
        raise FormatError(f"a {what} is not inside its file")
    try:
        flag, length, crc = _RECORD.unpack(read(offset, _RECORD.size))
    except (struct.error, OSError, ValueError, OverflowError):
        raise FormatError(f"a {what} is truncated") from None
    end = offset + _RECORD.size + length
    if end > file_size:
        raise FormatError(f"a {what} runs past the end of its file")
    stored = read(offset + _RECORD.size, length)
    if len(stored) != length or _record_crc(flag, stored) != crc:
        raise FormatError(f"a {what} fails its checksum")
    if not flag and length > limit:
        raise FormatError(f"a {what} holds more than the {limit:,} bytes it can")
    return inflate(stored, limit, what) if flag else bytes(stored), end


def inflate(stored: bytes, limit: int, what: str) -> bytes:
    """``stored`` (zlib) inflated, but never past ``limit`` bytes nor past what deflate can
    make of ``stored``'s size (``DEFLATE_MAX_RATIO``): a few bytes of a damaged or planted
    file never cost gigabytes. ``FormatError`` when it does not inflate, or would go past."""
    limit = min(limit, DEFLATE_MAX_RATIO * len(stored) + 64)
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(stored, limit + 1)
    except zlib.error:
        raise FormatError(f"a {what} does not inflate") from None
    if len(payload) > limit:
        raise FormatError(f"a {what} inflates past the {limit:,} bytes it can hold")
    if not inflater.eof or inflater.unused_data:
        raise FormatError(f"a {what} does not inflate")
    return payload


# --- postings ------------------------------------------------------------------------

class TermPostings:
    """One term's postings in one segment, decoded: document numbers, weights, and either
    each posting's value as written (``values``) or, in a positional field, the number of
    bytes each posting's positions take (``position_lengths``) in its record's positions
    area, read and checked only when asked for (``positions_area``, once)."""

    def __init__(self, docnum_deltas: array, weights: array | list[float],
                 values: list[bytes] | None = None,
                 position_lengths: array | None = None,
                 positions_area: Callable[[], np.ndarray] | None = None) -> None:
        self.docnum_deltas = docnum_deltas  # the first document's number, then the gaps
        self.weights = weights
        self.values = values  # VALUES_BYTES: each posting's value as written
        self.position_lengths = position_lengths
        self.area_crc = 0  # the CRC32 of the positions area, as the record gives it
        self._positions_area = positions_area

    @cached_property
    def positions_area(self) -> np.ndarray | None:
        """The positions of every posting, one after another (``encode_positions``), checked
        against the record's checksum: read on first use."""
        return None if self._positions_area is None else self._positions_area()

    @cached_property
    def docnums(self) -> array:
        return array("I", accumulate(self.docnum_deltas))

    @cached_property
    def counts(self) -> np.ndarray | None:
        """How many positions each posting has (a positional field's; else None)."""
        return None if self.position_lengths is None else self._decoded[0]

    @cached_property
    def deltas(self) -> np.ndarray | None:
        """Every posting's positions as deltas, each posting's first as itself, one posting
        after another (a positional field's; else None)."""
        return None if self.position_lengths is None else self._decoded[1]

    @cached_property
    def _decoded(self) -> tuple[np.ndarray, np.ndarray]:
        return decode_positions(self.positions_area,
                                np.asarray(self.position_lengths, np.int64))

    def starts(self) -> list[int]:
        """Where each posting's position deltas begin in ``deltas``."""
        return position_starts(self.counts.tolist())

    def value_bytes(self, format_) -> list[bytes | None]:
        """Each posting's value as the field's format encodes it (for Whoosh's matchers;
        None for a format without values, as Whoosh's own codec gives)."""
        if self.values is not None:
            return self.values
        if self.deltas is None:
            return [None if format_.fixed_value_size() == 0 else b""] * len(self.docnums)
        deltas = array("I", self.deltas.tolist())
        return [deltas[start:start + count].tobytes()
                for start, count in zip(self.starts(), self.counts.tolist())]


@dataclass
class TermPostingsToWrite:
    """One term's postings in a segment being written, in document order: a positional
    field's as each document's number of positions (``counts``) and each document's
    positions as deltas, its first as itself, one document after another (``deltas``: as a
    record stores them, so merged records are concatenated, not decoded); another field's as
    the values its format encodes."""

    field: str
    term: bytes
    docnums: Sequence[int]
    weights: Sequence[float]
    values: list[bytes] | None = None
    counts: Sequence[int] | None = None
    deltas: Sequence[int] | None = None


def encode_postings(term: TermPostingsToWrite) -> tuple[bytes, bytes]:
    """One term's record payload (``TermPostings`` decodes it) and, in a positional field,
    its positions area (``encode_positions``; else empty), which follows the sealed payload
    in the file."""
    docnums, weights = term.docnums, term.weights
    docnum_deltas = array("I", docnums)
    if len(docnums) > 1:
        docnum_deltas[1:] = array("I", map(int.__sub__, docnums[1:], docnums[:-1]))
    parts = [struct.pack("<I", len(docnums)), b"", b"", pack_ints(docnum_deltas)]
    first = weights[0]
    if weights.count(first) == len(weights):
        parts[1] = bytes([WEIGHTS_SAME])
        parts.append(struct.pack("<d", first))
    elif _whole_numbers(weights):
        parts[1] = bytes([WEIGHTS_INTEGERS])
        parts.append(pack_ints([int(weight) for weight in weights]))
    else:
        parts[1] = bytes([WEIGHTS_FLOATS])
        parts.append(_little_endian(array("d", weights)))
    area = b""
    if term.deltas is not None:
        area, lengths = encode_positions(term.counts, term.deltas)
        parts[2] = bytes([VALUES_POSITIONS])
        parts.append(pack_ints(lengths))
        parts.append(struct.pack("<I", zlib.crc32(area)))
    elif term.values and any(term.values):
        parts[2] = bytes([VALUES_BYTES])
        parts.append(pack_byte_strings(term.values))
    else:
        parts[2] = bytes([VALUES_NONE])
    return b"".join(parts), area


# --- positions ---------------------------------------------------------------------------
# A positional field's positions are not deflated with the rest of its record: inflating a
# common character's (hundreds of thousands) was most of a search's time, and a search needs
# them only in its candidates. Each position delta is a variable-length integer (seven bits a
# byte, high bits first, the last byte below 128: as compact as the deflated byte planes on
# the bench), so a posting's positions are found by their byte lengths, and decoded, for the
# postings asked for only, without a Python call per position.

_VBYTE_MAX = 5  # bytes of a 32-bit value


def encode_positions(counts: Sequence[int], deltas: Sequence[int]) -> tuple[bytes, list[int]]:
    """Every posting's position deltas (``counts[i]`` of them each) as variable-length
    integers, one after another, and the number of bytes each posting's take."""
    values = np.asarray(deltas, np.int64)
    if values.size and (values.min() < 0 or values.max() >= 1 << 32):
        raise ValueError("a position delta is not a 32-bit unsigned integer")
    sizes = np.ones(values.size, np.int64)
    for bits in range(7, 7 * _VBYTE_MAX, 7):
        sizes += values >= 1 << bits
    ends = np.cumsum(sizes) - 1  # each value's last byte
    data = np.empty(int(ends[-1]) + 1 if values.size else 0, np.uint8)
    data[ends] = values & 0x7F
    for k in range(1, int(sizes.max(initial=1))):
        longer = sizes > k
        data[ends[longer] - k] = (values[longer] >> (7 * k)) & 0x7F | 0x80
    starts = np.asarray(position_starts(counts), np.int64)
    lengths = np.add.reduceat(sizes, starts) if values.size else np.zeros(0, np.int64)
    return data.tobytes(), lengths.tolist()


def decode_positions(data: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Postings' positions from their bytes (``data``: ``lengths[i]`` bytes each, one after
    another, as ``encode_positions`` wrote them): how many each has, and every delta (int64).
    ``FormatError`` where a posting's bytes do not end a value, or a value is longer than
    32 bits."""
    last = data < 128  # a value's last byte
    if not len(lengths):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    if lengths.min() < 1 or ends[-1] != len(data) or not last[ends - 1].all():
        raise FormatError("a postings record's positions are damaged")
    counts = np.add.reduceat(last.astype(np.int64), ends - lengths)
    if last.all():  # every value a byte: most of a common character's
        return counts, data.astype(np.int64)
    value_ends = np.flatnonzero(last)
    sizes = np.diff(value_ends, prepend=-1)
    if sizes.max() > _VBYTE_MAX:
        raise FormatError("a postings record's positions are damaged")
    values = data[value_ends].astype(np.int64)
    for k in range(1, int(sizes.max())):
        longer = sizes > k
        values[longer] |= (data[value_ends[longer] - k].astype(np.int64) & 0x7F) << (7 * k)
    if values.max() >= 1 << 32:
        raise FormatError("a postings record's positions are damaged")
    return counts, values


def _whole_numbers(weights: list[float]) -> bool:
    try:
        array("Q", weights)  # frequencies come as ints: no Python call per weight
        return True
    except TypeError:  # floats (merged segments' postings, a boosted field)
        return all(float(weight).is_integer() and weight >= 0 for weight in weights)
    except OverflowError:  # negative
        return False


def decode_postings(payload: bytes) -> TermPostings:
    """A record's payload decoded; a positional field's positions area is read apart
    (``SearcherTermsReader.read_postings``)."""
    try:
        (count,) = struct.unpack_from("<I", payload, 0)
        weight_kind, value_kind = payload[4], payload[5]
    except (struct.error, IndexError):
        raise FormatError("a postings record is truncated") from None
    deltas, offset = unpack_ints(payload, 6)
    if len(deltas) != count:
        raise FormatError("a postings record is damaged")
    if weight_kind == WEIGHTS_SAME:
        (weight,) = struct.unpack_from("<d", payload, offset)
        weights: array | list[float] = [weight] * count
        offset += 8
    elif weight_kind == WEIGHTS_INTEGERS:
        weights, offset = unpack_ints(payload, offset)
    elif weight_kind == WEIGHTS_FLOATS:
        weights = _from_little_endian("d", payload[offset:offset + 8 * count])
        offset += 8 * count
    else:
        raise FormatError("a postings record is damaged")
    postings = TermPostings(deltas, weights)
    if value_kind == VALUES_POSITIONS:
        postings.position_lengths, offset = unpack_ints(payload, offset)
        try:
            (postings.area_crc,) = struct.unpack_from("<I", payload, offset)
        except struct.error:
            raise FormatError("a postings record is truncated") from None
        offset += 4
        if len(postings.position_lengths) != count:
            raise FormatError("a postings record is damaged")
    elif value_kind == VALUES_BYTES:
        postings.values, offset = unpack_byte_strings(payload, offset)
    elif value_kind != VALUES_NONE:
        raise FormatError("a postings record is damaged")
    if offset != len(payload) or len(postings.weights) != count:
        raise FormatError("a postings record is damaged")
    return postings


# --- term information -------------------------------------------------------------------

class SearcherTermInfo(TermInfo):
    """Whoosh's statistics of a term in a segment, and where its record is."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offset = 0
        self.length = 0

    def extent(self) -> tuple[int, int]:
        return self.offset, self.length

    def is_inlined(self) -> bool:
        return False


_TERM_COLUMNS = ("df", "minlength", "maxlength", "minid", "maxid", "offset", "length")


def _encode_terms(keys: list[bytes], infos: list[SearcherTermInfo]) -> bytes:
    columns = {
        "df": [i._df for i in infos],
        "minlength": [length_to_byte(i._minlength or 0) for i in infos],
        "maxlength": [length_to_byte(i._maxlength) for i in infos],
        "minid": [i._minid for i in infos],
        "maxid": [i._maxid for i in infos],
        "offset": [i.offset for i in infos],
        "length": [i.length for i in infos],
    }
    floats = array("d", [i._weight for i in infos] + [i._maxweight for i in infos])
    return b"".join([pack_byte_strings(keys),
                     *(pack_ints(columns[name]) for name in _TERM_COLUMNS),
                     _little_endian(floats)])


class _TermsBlock:
    """A decoded terms block: its keys, and each term's information made when asked for (a
    look-up wants one of the 64)."""

    def __init__(self, payload: bytes) -> None:
        self.keys, offset = unpack_byte_strings(payload, 0)
        self._columns = {}
        for name in _TERM_COLUMNS:
            self._columns[name], offset = unpack_ints(payload, offset)
        count = len(self.keys)
        self._floats = _from_little_endian("d", payload[offset:offset + 16 * count])
        if (offset + 16 * count != len(payload)
                or any(len(column) != count for column in self._columns.values())):
            raise FormatError("a terms block is damaged")

    def info(self, n: int) -> SearcherTermInfo:
        columns = self._columns
        info = SearcherTermInfo(weight=self._floats[n], df=columns["df"][n],
                                minlength=byte_to_length(columns["minlength"][n]),
                                maxlength=byte_to_length(columns["maxlength"][n]),
                                maxweight=self._floats[len(self.keys) + n],
                                minid=columns["minid"][n], maxid=columns["maxid"][n])
        info.offset, info.length = columns["offset"][n], columns["length"][n]
        return info

    def items_from(self, start: int) -> Iterator[tuple[bytes, SearcherTermInfo]]:
        return ((self.keys[n], self.info(n)) for n in range(start, len(self.keys)))


# --- writing -----------------------------------------------------------------------------

class SearcherFieldWriter(base.FieldWriter):
    """Writes a segment's ``.terms`` and ``.postings``, a term at a time: from our writers, a
    whole segment's terms (``add_terms``); from Whoosh's (merges), a posting at a time, kept in
    lists until the term ends."""

    def __init__(self, codec: SearcherCodec, storage, segment) -> None:
        self._terms_file = segment.create_file(storage, codec.TERMS_EXT)
        self._postings_file = segment.create_file(storage, codec.POSTS_EXT)
        for file, magic in ((self._terms_file, TERMS_MAGIC),
                            (self._postings_file, POSTINGS_MAGIC)):
            file.write(_FILE_HEADER.pack(magic, FORMAT_VERSION))
        self._fieldmap: dict[str, int] = {}
        self._field_prefix = b""
        self._format = None
        self._block_keys: list[bytes] = []
        self._block_infos: list[SearcherTermInfo] = []
        self._index_keys: list[bytes] = []
        self._index_offsets: list[int] = []
        self.is_closed = False

    def start_field(self, fieldname: str, fieldobj) -> None:
        number = self._fieldmap.setdefault(fieldname, len(self._fieldmap))
        self._field_prefix = _FIELD_NUMBER.pack(number)
        self._fieldname = fieldname
        self._format = fieldobj.format

    def start_term(self, btext: bytes) -> None:
        self._key = self._field_prefix + btext
        self._docnums: list[int] = []
        self._weights: list[float] = []
        self._values: list[bytes] = []
        self._minlength: int | None = None
        self._maxlength = 0

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int | None) -> None:
        self._docnums.append(docnum)
        self._weights.append(weight)
        self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def finish_term(self) -> None:
        term = TermPostingsToWrite(self._fieldname, self._key[2:], self._docnums,
                                   self._weights, self._values)
        if isinstance(self._format, PositionList):  # its values are arrays of deltas
            term.values, term.counts = None, [len(value) >> 2 for value in self._values]
            term.deltas = array("I", b"".join(self._values))
        self._write_term(term, self._minlength, self._maxlength)

    def add_terms(self, schema, lengths, terms: Iterable[TermPostingsToWrite]) -> None:
        """Every term of a segment, in field and term order; ``lengths.table(field)`` gives
        every document's length of a field, for the terms' statistics."""
        for fieldname, field_terms in groupby(terms, key=attrgetter("field")):
            self.start_field(fieldname, schema[fieldname])
            table = lengths.table(fieldname)
            for term in field_terms:
                self._key = self._field_prefix + term.term
                found = [length for length in map(table.__getitem__, term.docnums) if length]
                self._write_term(term, min(found, default=None), max(found, default=0))
            self.finish_field()

    def _write_term(self, term: TermPostingsToWrite, minlength: int | None,
                    maxlength: int) -> None:
        docnums, weights = term.docnums, term.weights
        payload, area = encode_postings(term)
        record = _seal(payload) + area
        info = SearcherTermInfo(weight=float(sum(weights)), df=len(docnums),
                                minlength=minlength, maxlength=maxlength,
                                maxweight=float(max(weights)),
                                minid=docnums[0], maxid=docnums[-1])
        info.offset, info.length = self._postings_file.tell(), len(record)
        self._postings_file.write(record)
        self._block_keys.append(self._key)
        self._block_infos.append(info)
        if len(self._block_keys) == TERMS_PER_BLOCK:
            self._write_block()

    def finish_field(self) -> None:
        self._format = None

    def _write_block(self) -> None:
        if not self._block_keys:
            return
        self._index_keys.append(self._block_keys[0])
        self._index_offsets.append(self._terms_file.tell())
        self._terms_file.write(_seal(_encode_terms(self._block_keys, self._block_infos)))
        self._block_keys, self._block_infos = [], []

    def close(self) -> None:
        self._write_block()
        fieldmap = json.dumps(self._fieldmap, ensure_ascii=False).encode("utf-8")
        index = _seal(pack_byte_strings(self._index_keys) + pack_ints(self._index_offsets)
                      + fieldmap)
        offset = self._terms_file.tell()
        self._terms_file.write(index + _TERMS_FOOTER.pack(offset, len(index), TERMS_MAGIC))
        self._terms_file.close()
        self._postings_file.close()
        self.is_closed = True


# --- reading -----------------------------------------------------------------------------

class SearcherTermsReader(base.TermsReader):
    """A segment's terms (``.terms``) and their postings (``.postings``). ``segment`` bounds
    what a term may claim: no more documents than the segment holds, no more weight (a
    positional field's weight is its count of positions) than the field's length in it."""

    def __init__(self, terms_file, postings_file, segment) -> None:
        self._terms = terms_file
        self._postings = postings_file
        self._terms_size = _size_of(terms_file)
        self._postings_size = _size_of(postings_file)
        self._doc_count = segment.doc_count_all()
        self._field_lengths = segment._fieldlengths  # checked on reading the TOC (``claims``)
        _check_header(terms_file.get(0, _FILE_HEADER.size), TERMS_MAGIC, "terms")
        _check_header(postings_file.get(0, _FILE_HEADER.size), POSTINGS_MAGIC, "postings")
        try:
            offset, length, magic = _TERMS_FOOTER.unpack(terms_file.get(
                self._terms_size - _TERMS_FOOTER.size, _TERMS_FOOTER.size))
        except (struct.error, ValueError, OverflowError):
            raise FormatError("a terms file is truncated") from None
        if magic != TERMS_MAGIC or offset + length + _TERMS_FOOTER.size != self._terms_size:
            raise FormatError("a terms file is truncated or damaged")
        payload, _ = self._unseal_terms(offset, "terms index")
        self._first_keys, position = unpack_byte_strings(payload, 0)
        self._block_offsets, position = unpack_ints(payload, position)
        try:
            self._fieldmap: dict[str, int] = json.loads(payload[position:].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise FormatError("a terms index is damaged") from None
        if (len(self._first_keys) != len(self._block_offsets)
                or not _is_field_map(self._fieldmap)):
            raise FormatError("a terms index is damaged")
        self._fieldnames = {number: name for name, number in self._fieldmap.items()}
        self._blocks: dict[int, _TermsBlock] = {}

    def _unseal_terms(self, offset: int, what: str) -> tuple[bytes, int]:
        return _unseal(self._terms.get, offset, what, self._terms_size, MAX_RECORD_BYTES)

    # keys and blocks

    def _key(self, fieldname: str, tbytes: bytes) -> bytes | None:
        number = self._fieldmap.get(fieldname)
        return None if number is None else _FIELD_NUMBER.pack(number) + tbytes

    def _block(self, number: int) -> _TermsBlock:
        if number not in self._blocks:
            payload, _ = self._unseal_terms(self._block_offsets[number], "terms block")
            self._blocks[number] = _TermsBlock(payload)
        return self._blocks[number]

    def _find(self, key: bytes | None) -> SearcherTermInfo | None:
        if key is None:
            return None
        number = bisect.bisect_right(self._first_keys, key) - 1
        if number < 0:
            return None
        block = self._block(number)
        at = bisect.bisect_left(block.keys, key)
        return block.info(at) if at < len(block.keys) and block.keys[at] == key else None

    def _items_from(self, key: bytes) -> Iterator[tuple[bytes, SearcherTermInfo]]:
        number = max(bisect.bisect_right(self._first_keys, key) - 1, 0)
        for block_number in range(number, len(self._first_keys)):
            block = self._block(block_number)
            yield from block.items_from(
                bisect.bisect_left(block.keys, key) if block_number == number else 0)

    def _decode_key(self, key: bytes) -> tuple[str, bytes]:
        try:
            return self._fieldnames[_FIELD_NUMBER.unpack_from(key)[0]], key[2:]
        except (KeyError, struct.error):
            raise FormatError("a terms block holds a term of no field") from None

    # Whoosh's TermsReader

    def __contains__(self, term) -> bool:
        return self._find(self._key(*term)) is not None

    def indexed_field_names(self) -> Iterable[str]:
        return self._fieldmap.keys()

    def cursor(self, fieldname: str, fieldobj):
        raise NotImplementedError("searcher reads terms through terms_from and items_from")

    def terms(self) -> Iterator[tuple[str, bytes]]:
        return (term for term, _ in self.items())

    def terms_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[str, bytes]]:
        return (term for term, _ in self.items_from(fieldname, prefix))

    def items(self) -> Iterator[tuple[tuple[str, bytes], SearcherTermInfo]]:
        return ((self._decode_key(key), info) for key, info in self._items_from(b""))

    def items_from(self, fieldname: str, prefix: bytes):
        key = self._key(fieldname, prefix)
        if key is None:
            return iter(())
        return ((self._decode_key(k), info) for k, info in self._items_from(key))

    def term_info(self, fieldname: str, tbytes: bytes) -> SearcherTermInfo:
        info = self._find(self._key(fieldname, tbytes))
        if info is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return info

    # Whoosh's readers expect a KeyError for an absent term here (W3's hash table raises it).
    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        return self._info_or_key_error(fieldname, tbytes).weight()

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        return self._info_or_key_error(fieldname, tbytes).doc_frequency()

    def _info_or_key_error(self, fieldname: str, tbytes: bytes) -> SearcherTermInfo:
        info = self._find(self._key(fieldname, tbytes))
        if info is None:
            raise KeyError((fieldname, tbytes))
        return info

    def postings(self, fieldname: str, tbytes: bytes) -> TermPostings | None:
        """The term's postings in this segment, None when it has none here."""
        info = self._find(self._key(fieldname, tbytes))
        if info is None:
            return None
        return self.read_postings(fieldname, info)

    def read_postings(self, fieldname: str, info: SearcherTermInfo) -> TermPostings:
        """The postings of a term of ``fieldname`` (``info``: where its record is, and what it
        claims), read only if its claims fit the segment, inflated only as far as they
        allow, and holding exactly the documents it claims, each inside the segment. A
        positional field's positions are read when first asked for (``positions_area``)."""
        count, weight = info.doc_frequency(), info.weight()
        if not (0 < count <= self._doc_count
                and 0 <= weight <= max(count, self._field_lengths.get(fieldname, 0))):
            raise FormatError("a term claims more postings than its segment holds")
        # What a record of ``count`` postings and ``weight`` positions takes at most: each
        # list at 4 bytes a value (8 a weight, 4 a Whoosh value), and their headers.
        limit = 64 + 32 * count + 4 * int(weight)
        payload, end = _unseal(self._postings.get, info.offset, "postings record",
                               self._postings_size, limit)
        postings = decode_postings(payload)
        if len(postings.docnum_deltas) != count:
            raise FormatError("a postings record does not match its term")
        _check_document_numbers(postings.docnum_deltas, self._doc_count)
        lengths = postings.position_lengths
        area = 0 if lengths is None else int(np.asarray(lengths).sum(dtype=np.int64))
        if end + area != info.offset + info.length or end + area > self._postings_size:
            raise FormatError("a postings record is not where its term says")
        if postings.position_lengths is not None:
            crc = postings.area_crc
            postings._positions_area = lambda: self._read_area(end, area, crc)
        return postings

    def _read_area(self, offset: int, length: int, crc: int) -> np.ndarray:
        """A record's positions area (bytes), checked against its CRC32."""
        data = self._postings.get(offset, length)
        if len(data) != length or zlib.crc32(data) != crc:
            raise FormatError("a postings record's positions fail their checksum")
        return np.frombuffer(data, np.uint8)

    def verify(self, formats: dict) -> None:
        """Read every term and every record (``searcher check``), as ``read_postings`` does
        and more: terms in strictly rising order, each of a field of ``formats`` (the schema's
        fields and their formats), its record holding positions if and only if the field
        keeps them, and its statistics (total weight, first and last document) those of its
        postings. ``FormatError`` at the first problem."""
        unknown = self._fieldmap.keys() - formats.keys()
        if unknown:
            raise FormatError(f"a terms index names fields the schema lacks: {sorted(unknown)}")
        previous = b""
        for key, info in self._items_from(b""):
            if key <= previous:
                raise FormatError("a terms file holds its terms out of order")
            previous = key
            fieldname, _ = self._decode_key(key)
            postings = self.read_postings(fieldname, info)
            deltas = postings.docnum_deltas
            if (not math.isclose(sum(postings.weights), info.weight(), rel_tol=1e-9)
                    or (info.min_id(), info.max_id()) != (deltas[0], sum(deltas))):
                raise FormatError("a term's statistics are not those of its postings")
            if (postings.deltas is not None) != isinstance(formats[fieldname], PositionList):
                raise FormatError("a postings record does not hold what its field keeps")

    def matcher(self, fieldname: str, tbytes: bytes, format_, scorer=None) -> ListMatcher:
        info = self.term_info(fieldname, tbytes)
        postings = self.read_postings(fieldname, info)
        return ListMatcher(list(postings.docnums), list(map(float, postings.weights)),
                           postings.value_bytes(format_), format_, scorer=scorer,
                           term=(fieldname, tbytes), terminfo=info)

    def close(self) -> None:
        self._terms.close()
        self._postings.close()


def _check_document_numbers(deltas: array, doc_count: int) -> None:
    """Document numbers that rise from the first, all below the segment's ``doc_count``
    (a search indexes its arrays with them)."""
    if len(deltas) <= SHORT_LIST:
        outside = sum(deltas) >= doc_count or 0 in deltas[1:]
    else:  # the last number is the sum (as floats: exact this far, never wrapping round)
        values = np.asarray(deltas)
        outside = (values.sum(dtype=np.float64) >= doc_count
                   or len(values) - np.count_nonzero(values) > (values[0] == 0))
    if outside:
        raise FormatError("a postings record holds document numbers outside its segment")


def _is_field_map(fieldmap) -> bool:
    """A terms index's map of field names to the numbers that begin their terms' keys."""
    return (isinstance(fieldmap, dict) and len(set(fieldmap.values())) == len(fieldmap)
            and all(isinstance(name, str) and type(number) is int and 0 <= number < 1 << 16
                    for name, number in fieldmap.items()))


def _size_of(file) -> int:
    """The size of an open file (a ``StructFile``), as it is now."""
    return file.seek(0, os.SEEK_END)


def _check_header(header: bytes, magic: bytes, what: str) -> None:
    try:
        found, version = _FILE_HEADER.unpack(header)
    except struct.error:
        raise FormatError(f"a {what} file is truncated") from None
    if found != magic:
        raise FormatError(f"a {what} file is damaged or not searcher's")
    if version != FORMAT_VERSION:
        raise FormatError(f"a {what} file has format version {version}, "
                          f"this searcher reads {FORMAT_VERSION}")


# --- stored fields -----------------------------------------------------------------------

STORED_DEFLATE_LEVEL = 6  # written once, read only for the hits shown


class StoredFieldsColumn(WrappedColumn):
    """Each document's stored fields as deflated JSON (Whoosh pickles them), under a header
    holding the document's number and a CRC32: a damaged offset table would otherwise hand
    back another document's fields."""

    def __init__(self) -> None:
        super().__init__(VarBytesColumn())

    class Writer(WrappedColumnWriter):
        def add(self, docnum: int, value: dict | None) -> None:
            if not value:
                self._child.add(docnum, b"")
                return
            # surrogatepass: a file name's undecodable bytes (surrogate escapes), kept exactly
            text = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
            data = zlib.compress(text, STORED_DEFLATE_LEVEL)
            header = _STORED_HEADER.pack(docnum, zlib.crc32(data, docnum))
            self._child.add(docnum, header + data)

    class Reader(WrappedColumnReader):
        def __getitem__(self, docnum: int) -> dict | None:
            value = var_bytes_at(self._child, docnum)
            if not value:
                return None
            try:
                found, crc = _STORED_HEADER.unpack_from(value)
            except struct.error:
                raise FormatError("a document's stored fields are truncated") from None
            data = value[_STORED_HEADER.size:]
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

        def __iter__(self):
            return (self[docnum] for docnum in range(len(self)))


_STORED_HEADER = struct.Struct("<II")  # document number, CRC32


def var_bytes_at(column, docnum: int) -> bytes:
    """Document ``docnum``'s value in a Whoosh variable-bytes column (its reader), read only
    if it lies inside the column: the column's lengths and offsets come from its file."""
    if not 0 <= docnum < len(column._lengths):
        raise FormatError(f"document {docnum} is not in its segment")
    length = column._lengths[docnum]
    if not length:
        return b""
    offset = column._offsets[docnum]
    if min(offset, length) < 0 or offset + length > column._length:
        raise FormatError("a column's value lies outside its file")
    return column._dbfile.get(column._basepos + offset, length)
STORED_FIELDS_COLUMN = StoredFieldsColumn()


class SearcherPerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer (lengths, columns) storing fields as
    ``StoredFieldsColumn``."""

    def _create_column(self, fieldname: str, column) -> None:
        super()._create_column(fieldname, STORED_FIELDS_COLUMN if fieldname == "_stored"
                               else column)


class SearcherPerDocReader(W3PerDocReader):
    def stored_fields(self, docnum: int) -> dict:
        return self._cached_reader("_stored", STORED_FIELDS_COLUMN)[docnum] or {}


class SearcherCodec(W3Codec):
    """Whoosh's ``W3Codec`` (segments, columns) with searcher's terms, postings and stored
    fields."""

    TERMS_EXT = ".terms"
    POSTS_EXT = ".postings"

    def __init__(self) -> None:
        super().__init__(compression=0)

    def per_document_writer(self, storage, segment) -> SearcherPerDocWriter:
        return SearcherPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment) -> SearcherPerDocReader:
        return SearcherPerDocReader(storage, segment)

    def field_writer(self, storage, segment) -> SearcherFieldWriter:
        return SearcherFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        raise NotImplementedError("term vectors are not part of searcher's schema")

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        raise NotImplementedError("searcher's terms reader makes its own matchers")

    def terms_reader(self, storage, segment) -> SearcherTermsReader:
        return SearcherTermsReader(segment.open_file(storage, self.TERMS_EXT),
                                   segment.open_file(storage, self.POSTS_EXT), segment)
