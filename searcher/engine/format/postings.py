"""Postings records: one term's postings in one segment, as ``.postings`` stores them.

A record's payload holds the postings' count, how its weights and values are stored, the
document numbers as deltas and the weights (each list packed: ``records.pack_ints``); it is
sealed (``records.seal``). A positional field's record is followed by its positions area:
each posting's positions as deltas within the document, variable-length integers, not
deflated, under a CRC32 the payload holds, read only when a search asks for positions and
decoded only for the documents it asks about. ``docs/index-format.md`` gives the bytes.

    >>> record, area = encode_postings(TermPostingsToWrite("body", b"x", [2, 5], [1, 3]))
    >>> decode_postings(record).docnums.tolist()
    [2, 5]
"""

from __future__ import annotations

import struct
import zlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

import numpy as np

from searcher.engine.format.records import (
    FormatError, from_little_endian, little_endian, pack_byte_strings, pack_ints,
    unpack_byte_strings, unpack_ints)

SHORT_LIST = 48  # checked in Python, quicker than a call into numpy (most terms' postings)

# How a record stores its weights and its values.
WEIGHTS_SAME, WEIGHTS_INTEGERS, WEIGHTS_FLOATS = 0, 1, 2
VALUES_NONE, VALUES_POSITIONS, VALUES_BYTES = 0, 1, 2


def position_starts(counts: Sequence[int]) -> list[int]:
    """Where each document's positions start among a term's, given how many each has."""
    return [0, *accumulate(counts)][:-1]


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
        self.area_length = 0  # its bytes: the sum of ``position_lengths``
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
        parts.append(little_endian(array("d", weights)))
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
    data, lengths = vbyte_encode(deltas, counts)
    return data.tobytes(), lengths.tolist()


def vbyte_encode(deltas: Sequence[int], counts: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``encode_positions`` as arrays: the bytes (uint8) and each posting's byte count."""
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
    if not values.size:
        return data, np.zeros(0, np.int64)
    counts = np.asarray(counts, np.int64)
    return data, np.add.reduceat(sizes, np.cumsum(counts) - counts)


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
    if last.all():  # every value a byte: most of a common character's
        return lengths.astype(np.int64), data.astype(np.int64)
    value_ends = np.flatnonzero(last)
    counts = np.diff(np.searchsorted(value_ends, ends), prepend=0)
    sizes = np.diff(value_ends, prepend=-1)
    longest = int(sizes.max())
    if longest > _VBYTE_MAX:
        raise FormatError("a postings record's positions are damaged")
    values = data[value_ends].astype(np.int64)
    # The few values longer than a byte, by index (a mask as long as all of them, each
    # round, cost most of the decode): each round adds the next byte back.
    longer = np.flatnonzero(sizes > 1)
    for k in range(1, longest):
        values[longer] |= (data[value_ends[longer] - k] & 0x7F).astype(np.int64) << (7 * k)
        longer = longer[sizes[longer] > k + 1]
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
    (``terms.TermsReader.read_postings``)."""
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
        weights = from_little_endian("d", payload[offset:offset + 8 * count])
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


def check_document_numbers(deltas: array, doc_count: int) -> None:
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
