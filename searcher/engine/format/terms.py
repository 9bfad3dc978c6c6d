"""A segment's terms file (``.terms``) and the postings file it points into (``.postings``).

``.terms`` holds the sorted terms in blocks of ``TERMS_PER_BLOCK``, each sealed
(``records.seal``: deflated, with a CRC32), and a block index at the end (the first key of
each block, and the field numbers) sealed too: a look-up reads the index once and then one
block. A term's key is its field's number (two bytes, big-endian: keys sort by field, then
term) and its bytes. ``.postings`` holds one record per term (``postings``), where the term's
entry says; but a term in one document of a field whose postings carry no values (the words
fields, identifiers, days) has none (its entry's record length is 0, since format 3): the
entry holds all of it already, the document (first and last) and its weight (the total).
About half the terms are such (on the 16 MB slice: 76,000, whose records took 2.2 of its
26.6 MB). ``TermsWriter`` writes both, a term at a time; ``TermsReader`` reads them,
bounding everything a file claims by the segment it belongs to.

Files are what the backend hands over: written through ``write``, ``tell`` and ``close``;
read through ``get(offset, length)``, ``seek`` (for the size) and ``close``.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import struct
import zlib
from array import array
from collections.abc import Iterator, Mapping
from itertools import accumulate

import numpy as np

from searcher.engine.fieldnorms import LENGTH_OF_CODE, length_code
from searcher.engine.format.postings import (
    TermPostings, TermPostingsToWrite, check_document_numbers, decode_postings,
    encode_postings)
from searcher.engine.format.records import (
    FILE_HEADER, MAX_RECORD_BYTES, FormatError, check_header, file_header, from_little_endian,
    little_endian, pack_byte_strings, pack_ints, seal, unpack_byte_strings, unpack_ints, unseal)
from searcher.engine.format.term_batch import TermBatch, encode_term_batch

TERMS_MAGIC = b"STRM"
POSTINGS_MAGIC = b"SPST"
TERMS_PER_BLOCK = 64
TERMS_FOOTER = struct.Struct("<QI4s")  # block index's offset, its length, magic
FIELD_NUMBER = struct.Struct(">H")  # a term key's first bytes: keys sort by field, then term


class TermInfo:
    """A term's statistics in one segment, and where its postings record is (``offset`` and
    ``length`` in ``.postings``): what a terms block holds of it. Its methods and fields are
    those of Whoosh's ``TermInfo``, so Whoosh's readers take it as one (its ``MultiReader``
    shifts ``_minid`` and ``_maxid`` in place)."""

    __slots__ = ("_weight", "_df", "_minlength", "_maxlength", "_maxweight", "_minid",
                 "_maxid", "offset", "length")

    def __init__(self, weight: float = 0.0, df: int = 0, minlength: int | None = None,
                 maxlength: int = 0, maxweight: float = 0.0, minid: int | None = None,
                 maxid: int = 0, offset: int = 0, length: int = 0) -> None:
        self._weight, self._df = weight, df
        self._minlength, self._maxlength, self._maxweight = minlength, maxlength, maxweight
        self._minid, self._maxid = minid, maxid
        self.offset, self.length = offset, length

    def weight(self) -> float:
        """How often the term occurs in the segment (its postings' weights summed)."""
        return self._weight

    def doc_frequency(self) -> int:
        return self._df

    def min_length(self) -> int | None:
        return self._minlength

    def max_length(self) -> int:
        return self._maxlength

    def max_weight(self) -> float:
        return self._maxweight

    def min_id(self) -> int | None:
        return self._minid

    def max_id(self) -> int:
        return self._maxid

    def extent(self) -> tuple[int, int]:
        """Where the term's record is in ``.postings``: offset and length."""
        return self.offset, self.length

    def is_inlined(self) -> bool:
        return False


_TERM_COLUMNS = ("df", "minlength", "maxlength", "minid", "maxid", "offset", "length")
# A terms block's columns as the writer gathers them: the lengths as one-byte codes, and
# each term's total and largest weight.
BLOCK_COLUMNS = (*_TERM_COLUMNS, "weight", "maxweight")


def encode_terms_block(keys: list[bytes], infos: list[TermInfo]) -> bytes:
    """A terms block's payload: the keys, then each statistic of every term packed (the
    lengths as one-byte codes: ``fieldnorms``), then the weights as float64."""
    columns = {
        "df": [i._df for i in infos],
        "minlength": [length_code(i._minlength or 0) for i in infos],
        "maxlength": [length_code(i._maxlength) for i in infos],
        "minid": [i._minid for i in infos],
        "maxid": [i._maxid for i in infos],
        "offset": [i.offset for i in infos],
        "length": [i.length for i in infos],
        "weight": [i._weight for i in infos],
        "maxweight": [i._maxweight for i in infos],
    }
    return encode_block_columns(keys, columns)


def encode_block_columns(keys: list[bytes], columns: Mapping[str, list]) -> bytes:
    """``encode_terms_block`` from its columns (``BLOCK_COLUMNS``)."""
    floats = array("d", columns["weight"] + columns["maxweight"])
    return b"".join([pack_byte_strings(keys),
                     *(pack_ints(columns[name]) for name in _TERM_COLUMNS),
                     little_endian(floats)])


class TermsBlock:
    """A decoded terms block: its keys, and each term's information made when asked for (a
    look-up wants one of the 64)."""

    def __init__(self, payload: bytes) -> None:
        self.keys, offset = unpack_byte_strings(payload, 0)
        self._columns = {}
        for name in _TERM_COLUMNS:
            self._columns[name], offset = unpack_ints(payload, offset)
        count = len(self.keys)
        self._floats = from_little_endian("d", payload[offset:offset + 16 * count])
        if (offset + 16 * count != len(payload)
                or any(len(column) != count for column in self._columns.values())):
            raise FormatError("a terms block is damaged")

    def info(self, n: int) -> TermInfo:
        columns = self._columns
        return TermInfo(weight=self._floats[n], df=columns["df"][n],
                        minlength=LENGTH_OF_CODE[columns["minlength"][n]],
                        maxlength=LENGTH_OF_CODE[columns["maxlength"][n]],
                        maxweight=self._floats[len(self.keys) + n],
                        minid=columns["minid"][n], maxid=columns["maxid"][n],
                        offset=columns["offset"][n], length=columns["length"][n])

    def items_from(self, start: int) -> Iterator[tuple[bytes, TermInfo]]:
        return ((self.keys[n], self.info(n)) for n in range(start, len(self.keys)))


# --- writing -----------------------------------------------------------------------------

class TermsWriter:
    """Writes a segment's ``.terms`` and ``.postings`` in field and term order
    (``start_field``, then its terms: ``add_term`` for each, or ``add_batch`` for many)."""

    def __init__(self, terms_file, postings_file) -> None:
        self._terms_file = terms_file
        self._postings_file = postings_file
        terms_file.write(file_header(TERMS_MAGIC))
        postings_file.write(file_header(POSTINGS_MAGIC))
        self._fieldmap: dict[str, int] = {}
        self._field_prefix = b""
        # Terms not yet in a block: their keys and each of their columns.
        self._block_keys: list[bytes] = []
        self._block_columns: dict[str, list] = {name: [] for name in BLOCK_COLUMNS}
        self._index_keys: list[bytes] = []
        self._index_offsets: list[int] = []

    def start_field(self, fieldname: str) -> None:
        number = self._fieldmap.setdefault(fieldname, len(self._fieldmap))
        self._field_prefix = FIELD_NUMBER.pack(number)

    def add_term(self, term: TermPostingsToWrite, minlength: int | None,
                 maxlength: int) -> None:
        """The term's record, and its entry (``minlength`` and ``maxlength``: the shortest
        and longest length of the field among its documents)."""
        docnums, weights = term.docnums, term.weights
        payload, area = encode_postings(term)
        record = seal(payload) + area
        columns = {"df": [len(docnums)], "minlength": [length_code(minlength or 0)],
                   "maxlength": [length_code(maxlength)], "minid": [docnums[0]],
                   "maxid": [docnums[-1]], "weight": [float(sum(weights))],
                   "maxweight": [float(max(weights))]}
        valueless = term.deltas is None and not (term.values and any(term.values))
        self._add_entries([term.term], record, [len(record)], columns, valueless)

    def add_batch(self, batch: TermBatch, field_lengths: np.ndarray) -> None:
        """A batch of the field's terms, encoded a slice at a time in one vectorised pass
        (``term_batch``); ``field_lengths``: every document's length of the field."""
        for part in batch.slices():
            # The records left out are never made: the pass leaves them out itself.
            encoded = encode_term_batch(part, field_lengths,
                                        leave_out_single=batch.deltas is None)
            self._add_entries(part.terms, encoded.records, encoded.lengths, encoded.columns,
                              valueless=False)

    def _add_entries(self, terms: list[bytes], records: bytes, lengths: list[int],
                     columns: Mapping[str, list], valueless: bool) -> None:
        """Terms whose records (``lengths`` bytes each) are ``records``, and their entries
        (``columns``: those of ``BLOCK_COLUMNS`` but where their records are); the records
        of the terms in one document are left out if their postings carry no values
        (``valueless``)."""
        single = np.asarray(columns["df"]) == 1 if valueless else None
        if single is not None and single.any():
            sizes = np.asarray(lengths, np.int64)
            records = np.frombuffer(records, np.uint8)[np.repeat(~single, sizes)].tobytes()
            lengths = np.where(single, 0, sizes).tolist()
        offset = self._postings_file.tell()
        self._postings_file.write(records)
        prefix = self._field_prefix
        self._block_keys.extend([prefix + term for term in terms])
        for name, values in columns.items():
            self._block_columns[name].extend(values)
        self._block_columns["offset"].extend(accumulate(lengths[:-1], initial=offset))
        self._block_columns["length"].extend(lengths)
        self._write_blocks(TERMS_PER_BLOCK)

    def _write_blocks(self, smallest: int) -> None:
        """Blocks of ``TERMS_PER_BLOCK`` terms of those pending, and a last one of fewer if
        ``smallest`` allows it."""
        keys, columns = self._block_keys, self._block_columns
        start = 0
        while len(keys) - start >= smallest and start < len(keys):
            end = start + TERMS_PER_BLOCK
            self._index_keys.append(keys[start])
            self._index_offsets.append(self._terms_file.tell())
            self._terms_file.write(seal(encode_block_columns(
                keys[start:end], {name: values[start:end] for name, values in columns.items()})))
            start = min(end, len(keys))
        del keys[:start]
        for values in columns.values():
            del values[:start]

    def close(self) -> None:
        """The last block, the block index and the footer; both files closed."""
        self._write_blocks(1)
        fieldmap = json.dumps(self._fieldmap, ensure_ascii=False).encode("utf-8")
        index = seal(pack_byte_strings(self._index_keys) + pack_ints(self._index_offsets)
                     + fieldmap)
        offset = self._terms_file.tell()
        self._terms_file.write(index + TERMS_FOOTER.pack(offset, len(index), TERMS_MAGIC))
        self._terms_file.close()
        self._postings_file.close()


# --- reading -----------------------------------------------------------------------------

class TermsReader:
    """A segment's terms (``.terms``) and their postings (``.postings``). The segment bounds
    what a term may claim: no more documents than it holds (``doc_count``), no more weight (a
    positional field's weight is its count of positions) than the field's length in it
    (``field_lengths``)."""

    def __init__(self, terms_file, postings_file, doc_count: int,
                 field_lengths: Mapping[str, int]) -> None:
        self._terms = terms_file
        self._postings = postings_file
        self._terms_size = _size_of(terms_file)
        self._postings_size = _size_of(postings_file)
        self._doc_count = doc_count
        self._field_lengths = field_lengths
        check_header(terms_file.get(0, FILE_HEADER.size), TERMS_MAGIC, "terms")
        check_header(postings_file.get(0, FILE_HEADER.size), POSTINGS_MAGIC, "postings")
        try:
            offset, length, magic = TERMS_FOOTER.unpack(terms_file.get(
                self._terms_size - TERMS_FOOTER.size, TERMS_FOOTER.size))
        except (struct.error, ValueError, OverflowError):
            raise FormatError("a terms file is truncated") from None
        if magic != TERMS_MAGIC or offset + length + TERMS_FOOTER.size != self._terms_size:
            raise FormatError("a terms file is truncated or damaged")
        payload, _ = self._unseal_terms(offset, "terms index")
        self._first_keys, position = unpack_byte_strings(payload, 0)
        self._block_offsets, position = unpack_ints(payload, position)
        try:
            self.fieldmap: dict[str, int] = json.loads(payload[position:].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise FormatError("a terms index is damaged") from None
        if (len(self._first_keys) != len(self._block_offsets)
                or not _is_field_map(self.fieldmap)):
            raise FormatError("a terms index is damaged")
        self._fieldnames = {number: name for name, number in self.fieldmap.items()}
        self._blocks: dict[int, TermsBlock] = {}

    def _unseal_terms(self, offset: int, what: str) -> tuple[bytes, int]:
        return unseal(self._terms.get, offset, what, self._terms_size, MAX_RECORD_BYTES)

    # keys and blocks

    def key(self, fieldname: str, tbytes: bytes) -> bytes | None:
        """A term's key; None for a field with no term here."""
        number = self.fieldmap.get(fieldname)
        return None if number is None else FIELD_NUMBER.pack(number) + tbytes

    def decode_key(self, key: bytes) -> tuple[str, bytes]:
        """``(field, term bytes)`` of a key."""
        try:
            return self._fieldnames[FIELD_NUMBER.unpack_from(key)[0]], key[2:]
        except (KeyError, struct.error):
            raise FormatError("a terms block holds a term of no field") from None

    def _block(self, number: int) -> TermsBlock:
        if number not in self._blocks:
            payload, _ = self._unseal_terms(self._block_offsets[number], "terms block")
            self._blocks[number] = TermsBlock(payload)
        return self._blocks[number]

    def find(self, key: bytes | None) -> TermInfo | None:
        """The entry of the term of ``key``, None when there is none."""
        if key is None:
            return None
        number = bisect.bisect_right(self._first_keys, key) - 1
        if number < 0:
            return None
        block = self._block(number)
        at = bisect.bisect_left(block.keys, key)
        return block.info(at) if at < len(block.keys) and block.keys[at] == key else None

    def items_from(self, key: bytes) -> Iterator[tuple[bytes, TermInfo]]:
        """Every term's key and entry, in order, from ``key`` on."""
        number = max(bisect.bisect_right(self._first_keys, key) - 1, 0)
        for block_number in range(number, len(self._first_keys)):
            block = self._block(block_number)
            yield from block.items_from(
                bisect.bisect_left(block.keys, key) if block_number == number else 0)

    # postings

    def postings(self, fieldname: str, tbytes: bytes) -> TermPostings | None:
        """The term's postings in this segment, None when it has none here."""
        info = self.find(self.key(fieldname, tbytes))
        if info is None:
            return None
        return self.read_postings(fieldname, info)

    def read_postings(self, fieldname: str, info: TermInfo) -> TermPostings:
        """The postings of a term of ``fieldname`` (``info``: where its record is, and what it
        claims), read only if its claims fit the segment, inflated only as far as they
        allow, and holding exactly the documents it claims, each inside the segment. A
        positional field's positions are read when first asked for (``positions_area``)."""
        count, weight = info.doc_frequency(), info.weight()
        if not (0 < count <= self._doc_count
                and 0 <= weight <= max(count, self._field_lengths.get(fieldname, 0))):
            raise FormatError("a term claims more postings than its segment holds")
        if info.length == 0:  # in one document, no values: all of it in the entry
            if count != 1 or info.min_id() != info.max_id():
                raise FormatError("a term without a record claims more than one document")
            postings = TermPostings(array("I", [info.min_id()]), [weight])
            check_document_numbers(postings.docnum_deltas, self._doc_count)
            return postings
        # What a record of ``count`` postings and ``weight`` positions takes at most: each
        # list at 4 bytes a value (8 a weight, 4 a Whoosh value), and their headers.
        limit = 64 + 32 * count + 4 * int(weight)
        payload, end = unseal(self._postings.get, info.offset, "postings record",
                              self._postings_size, limit)
        postings = decode_postings(payload)
        if len(postings.docnum_deltas) != count:
            raise FormatError("a postings record does not match its term")
        check_document_numbers(postings.docnum_deltas, self._doc_count)
        lengths = postings.position_lengths
        area = 0 if lengths is None else int(np.asarray(lengths).sum(dtype=np.int64))
        if end + area != info.offset + info.length or end + area > self._postings_size:
            raise FormatError("a postings record is not where its term says")
        if postings.position_lengths is not None:
            postings.area_length = area
            crc = postings.area_crc
            postings._positions_area = lambda: self._read_area(end, area, crc)
        return postings

    def _read_area(self, offset: int, length: int, crc: int) -> np.ndarray:
        """A record's positions area (bytes), checked against its CRC32."""
        data = self._postings.get(offset, length)
        if len(data) != length or zlib.crc32(data) != crc:
            raise FormatError("a postings record's positions fail their checksum")
        return np.frombuffer(data, np.uint8)

    def verify(self, positional: Mapping[str, bool]) -> None:
        """Read every term and every record (``searcher check``), as ``read_postings`` does
        and more: terms in strictly rising order, each of a field of ``positional`` (the
        schema's fields, and whether each keeps positions), its record holding positions if
        and only if the field keeps them, and its statistics (total weight, first and last
        document) those of its postings. ``FormatError`` at the first problem."""
        unknown = self.fieldmap.keys() - positional.keys()
        if unknown:
            raise FormatError(f"a terms index names fields the schema lacks: {sorted(unknown)}")
        previous = b""
        for key, info in self.items_from(b""):
            if key <= previous:
                raise FormatError("a terms file holds its terms out of order")
            previous = key
            fieldname, _ = self.decode_key(key)
            postings = self.read_postings(fieldname, info)
            deltas = postings.docnum_deltas
            if (not math.isclose(sum(postings.weights), info.weight(), rel_tol=1e-9)
                    or (info.min_id(), info.max_id()) != (deltas[0], sum(deltas))):
                raise FormatError("a term's statistics are not those of its postings")
            if (postings.deltas is not None) != positional[fieldname]:
                raise FormatError("a postings record does not hold what its field keeps")

    def close(self) -> None:
        self._terms.close()
        self._postings.close()


def _is_field_map(fieldmap) -> bool:
    """A terms index's map of field names to the numbers that begin their terms' keys."""
    return (isinstance(fieldmap, dict) and len(set(fieldmap.values())) == len(fieldmap)
            and all(isinstance(name, str) and type(number) is int and 0 <= number < 1 << 16
                    for name, number in fieldmap.items()))


def _size_of(file) -> int:
    """The size of an open file, as it is now."""
    return file.seek(0, os.SEEK_END)
