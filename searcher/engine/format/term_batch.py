"""A field's terms in a segment encoded in one vectorised pass: their records and statistics.

A segment holds tens of thousands of terms, most with a posting or two; encoding them one
call chain at a time (``postings.encode_postings``, ``records.seal``, a ``TermInfo``: about
20 µs a term) was a third of a writer's time. ``encode_term_batch`` takes a field's terms in
order with their postings as flat arrays (``TermBatch``) and computes, for all of them at
once with numpy, every record's lists (document deltas, weights, the byte lengths of each
document's positions) as byte planes, the positions as variable-length integers, and every
term's statistics; what is left a call per term is C: deflating a long payload and the
CRC32s. The bytes are exactly those of ``encode_postings`` and ``seal`` (a test compares
them on generated terms), for a field whose weights are its counts (no field boost).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from searcher.engine.fieldnorms import LENGTH_OF_CODE
from searcher.engine.format.postings import (
    VALUES_NONE, VALUES_POSITIONS, WEIGHTS_INTEGERS, WEIGHTS_SAME, vbyte_encode)
from searcher.engine.format.records import RECORD, SMALL_PAYLOAD, record_crc, seal

# Positions encoded per pass at most (about 40 bytes of arrays each): a segment's millions of
# positions are encoded a slice of terms at a time, so that the pass costs little memory.
BATCH_POSITIONS = 1 << 15
_LENGTH_TABLE = np.array(LENGTH_OF_CODE, np.int64)
_NO_LENGTH = np.iinfo(np.int64).max


@dataclass
class TermBatch:
    """One field's terms in a segment, in key order, and their postings as flat arrays: term
    ``i``'s are ``bounds[i]:bounds[i + 1]``, in document order, each a document's number and
    its count of the term (its weight). In a positional field, a posting's positions (as
    deltas, the document's first as itself: ``counts`` of them) are ``deltas`` from
    ``delta_starts``: the pool keeps them in the order documents came, not by term."""

    terms: list[bytes]
    bounds: np.ndarray
    docnums: np.ndarray
    counts: np.ndarray
    deltas: np.ndarray | None = None
    delta_starts: np.ndarray | None = None

    def slices(self) -> list[TermBatch]:
        """The batch cut into consecutive batches of about ``BATCH_POSITIONS`` positions (or
        postings) each, a term never cut."""
        bounds = self.bounds
        cost = bounds
        if self.deltas is not None:
            cost = np.concatenate(([0], np.cumsum(self.counts, dtype=np.int64)))[bounds]
        cuts = [0]
        while cuts[-1] < len(self.terms):
            at = int(np.searchsorted(cost, cost[cuts[-1]] + BATCH_POSITIONS, "right")) - 1
            cuts.append(min(max(at, cuts[-1] + 1), len(self.terms)))
        batches = []
        for first, end in zip(cuts, cuts[1:]):
            lo, hi = int(bounds[first]), int(bounds[end])
            starts = None if self.delta_starts is None else self.delta_starts[lo:hi]
            batches.append(TermBatch(self.terms[first:end], bounds[first:end + 1] - lo,
                                     self.docnums[lo:hi], self.counts[lo:hi], self.deltas,
                                     starts))
        return batches

    def posting_deltas(self) -> np.ndarray:
        """Every posting's position deltas, one posting after another."""
        counts = np.asarray(self.counts, np.int64)
        ends = np.cumsum(counts)
        at = np.repeat(np.asarray(self.delta_starts, np.int64) - (ends - counts), counts)
        return np.asarray(self.deltas)[at + np.arange(int(ends[-1]) if len(ends) else 0)]


@dataclass
class EncodedTerms:
    """A batch's records, one after another as ``.postings`` holds them, each record's length,
    and each term's entry in a terms block (``terms.BLOCK_COLUMNS``) as lists."""

    records: bytes
    lengths: list[int]
    columns: dict[str, list]


def encode_term_batch(batch: TermBatch, field_lengths: np.ndarray,
                      leave_out_single: bool = False) -> EncodedTerms:
    """Every term's record (``seal(payload) + area``, as ``encode_postings`` and ``seal``
    make it) and entry; ``field_lengths``: every document's length of the field. With
    ``leave_out_single``, a term in one document has no record (its length is 0)."""
    bounds = np.asarray(batch.bounds, np.int64)
    starts = bounds[:-1]
    df = np.diff(bounds)
    docnums = np.asarray(batch.docnums, np.int64)
    counts = np.asarray(batch.counts, np.int64)
    term_of = np.repeat(np.arange(len(df)), df)
    place = np.arange(len(docnums)) - starts[term_of]  # each posting's place in its term
    doc_deltas = np.diff(docnums, prepend=0)
    doc_deltas[starts] = docnums[starts]
    weight_min = np.minimum.reduceat(counts, starts)
    weight_max = np.maximum.reduceat(counts, starts)
    same = weight_min == weight_max
    doc_width = _width(np.maximum.reduceat(doc_deltas, starts))
    weight_width = _width(weight_max)
    positional = batch.deltas is not None

    sizes = 6 + 5 + doc_width * df + np.where(same, 8, 5 + weight_width * df)
    if positional:
        area, posting_bytes = vbyte_encode(batch.posting_deltas(), counts)
        area_bounds = np.concatenate(([0], np.cumsum(posting_bytes)))[bounds].tolist()
        length_width = _width(np.maximum.reduceat(posting_bytes, starts))
        sizes += 5 + length_width * df + 4
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    at = offsets[:-1]
    payloads = np.zeros(int(offsets[-1]), np.uint8)
    _put_u32(payloads, at, df)
    payloads[at + 4] = np.where(same, WEIGHTS_SAME, WEIGHTS_INTEGERS)
    payloads[at + 5] = VALUES_POSITIONS if positional else VALUES_NONE
    at = at + 6
    everywhere = np.ones(len(df), bool)
    _put_packed(payloads, at, everywhere, doc_width, df, doc_deltas, term_of, place)
    at = at + 5 + doc_width * df
    payloads[(at[same, None] + np.arange(8)).ravel()] = (
        weight_min[same].astype("<f8").view(np.uint8))
    _put_packed(payloads, at, ~same, weight_width, df, counts, term_of, place)
    at = at + np.where(same, 8, 5 + weight_width * df)
    area_bytes = b""
    if positional:
        _put_packed(payloads, at, everywhere, length_width, df, posting_bytes, term_of, place)
        at = at + 5 + length_width * df
        area_bytes = area.tobytes()
        view = memoryview(area_bytes)
        crcs = [zlib.crc32(view[a:b]) for a, b in zip(area_bounds, area_bounds[1:])]
        _put_u32(payloads, at, np.array(crcs, np.int64))
    kept = (df > 1).tolist() if leave_out_single else None
    records, lengths = _sealed(payloads.tobytes(), offsets.tolist(),
                               area_bytes, area_bounds if positional else None, kept)
    return EncodedTerms(records, lengths, _statistics(bounds, docnums, counts, weight_max,
                                                      field_lengths))


def _statistics(bounds: np.ndarray, docnums: np.ndarray, counts: np.ndarray,
                weight_max: np.ndarray, field_lengths: np.ndarray) -> dict[str, list]:
    """Each term's entry but where its record is: as ``TermsWriter.add_term`` makes it."""
    starts = bounds[:-1]
    lengths_of = np.asarray(field_lengths, np.int64)[docnums]
    shortest = np.minimum.reduceat(np.where(lengths_of > 0, lengths_of, _NO_LENGTH), starts)
    shortest[shortest == _NO_LENGTH] = 0
    return {
        "df": np.diff(bounds).tolist(),
        "minlength": _length_codes(shortest).tolist(),
        "maxlength": _length_codes(np.maximum.reduceat(lengths_of, starts)).tolist(),
        "minid": docnums[starts].tolist(),
        "maxid": docnums[bounds[1:] - 1].tolist(),
        "weight": np.add.reduceat(counts, starts).astype(np.float64).tolist(),
        "maxweight": weight_max.astype(np.float64).tolist(),
    }


def _sealed(payloads: bytes, offsets: list[int], area: bytes, area_bounds: list[int] | None,
            kept: list[bool] | None) -> tuple[bytes, list[int]]:
    """Each payload sealed (``records.seal``) and followed by its positions area; a term
    not ``kept`` (when given) has none (its length is 0)."""
    parts, lengths = [], []
    view = memoryview(payloads)
    for n, (a, b) in enumerate(zip(offsets, offsets[1:])):
        if kept is not None and not kept[n]:
            lengths.append(0)
            continue
        if b - a > SMALL_PAYLOAD:
            record = seal(payloads[a:b])
        else:  # too short to deflate, stored as it is: most terms
            payload = view[a:b]
            record = RECORD.pack(0, b - a, record_crc(0, payload)) + payload
        parts.append(record)
        length = len(record)
        if area_bounds is not None:
            parts.append(area[area_bounds[n]:area_bounds[n + 1]])
            length += area_bounds[n + 1] - area_bounds[n]
        lengths.append(length)
    return b"".join(parts), lengths


def _width(largest: np.ndarray) -> np.ndarray:
    """``records.pack_ints``'s width for lists of these largest values."""
    return np.where(largest < 1 << 8, 1, np.where(largest < 1 << 16, 2,
                                                  np.where(largest < 1 << 32, 4, 8)))


def _put_u32(out: np.ndarray, at: np.ndarray, values: np.ndarray) -> None:
    for k in range(4):
        out[at + k] = (values >> (8 * k)) & 0xFF


def _put_packed(out: np.ndarray, at: np.ndarray, chosen: np.ndarray, width: np.ndarray,
                count: np.ndarray, values: np.ndarray, term_of: np.ndarray,
                place: np.ndarray) -> None:
    """``records.pack_ints`` of each chosen term's values, at ``at``: width, count, planes."""
    out[at[chosen]] = width[chosen]
    _put_u32(out, at[chosen] + 1, count[chosen])
    mine = chosen[term_of]
    values, term_of, place = values[mine], term_of[mine], place[mine]
    item_width = width[term_of]
    base = at[term_of] + 5 + place
    stride = count[term_of]
    for plane in range(int(item_width.max(initial=0))):
        wide = item_width > plane
        out[base[wide] + plane * stride[wide]] = (values[wide] >> (8 * plane)) & 0xFF


def _length_codes(lengths: np.ndarray) -> np.ndarray:
    """``fieldnorms.length_code`` of each length."""
    return np.minimum(np.searchsorted(_LENGTH_TABLE, lengths, "left"), 255)
