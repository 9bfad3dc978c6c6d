"""A field's terms encoded in one vectorised pass (``format.term_batch``) are byte for byte
what the writer's term-at-a-time path (``TermsWriter.add_term``) writes, on generated terms:
single postings, long lists, document gaps and counts past each byte width, equal and
unequal weights, positions of every size, with and without positions, across several
fields and blocks, and cut into slices."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest

from searcher.engine.format import term_batch
from searcher.engine.format.postings import TermPostingsToWrite
from searcher.engine.format.term_batch import TermBatch
from searcher.engine.format.terms import TermsWriter

DOCS = 70_000  # document numbers and gaps past two bytes


class _File(io.BytesIO):
    def close(self) -> None:  # the bytes are read after the writer closes its files
        pass


def _terms(rng: random.Random, count: int, positional: bool) -> list[TermPostingsToWrite]:
    """``count`` terms in order, each with postings of a kind the rng picks."""
    names = sorted({f"t{rng.randrange(10 ** 6)}".encode() for _ in range(count)})
    terms = []
    for name in names:
        kind = rng.random()
        size = 1 if kind < 0.5 else rng.randrange(2, 60) if kind < 0.9 else rng.randrange(60, 400)
        docnums = sorted(rng.sample(range(DOCS), size))
        if rng.random() < 0.3:
            counts = [rng.choice([1, 2, 300])] * size  # all equal: one weight stored
        else:
            counts = [rng.choice([1, 1, 2, 5, 300, 70_000]) if positional is False
                      else rng.randrange(1, 6) for _ in range(size)]
        deltas = None
        if positional:
            deltas = [rng.choice([0, 1, 5, 127, 128, 20_000, 3_000_000, 2 ** 32 - 1])
                      for _ in range(sum(counts))]
        terms.append(TermPostingsToWrite("f", name, docnums, counts,
                                         counts=counts if positional else None,
                                         deltas=deltas))
    return terms


def _batch(terms: list[TermPostingsToWrite], positional: bool) -> TermBatch:
    """The terms as a batch, each posting's positions where a pool might keep them: the
    postings' in reverse order."""
    bounds = np.cumsum([0] + [len(t.docnums) for t in terms])
    batch = TermBatch([t.term for t in terms], bounds,
                      np.array([d for t in terms for d in t.docnums], np.uint32),
                      np.array([c for t in terms for c in t.weights], np.uint32))
    if positional:
        counts = batch.counts.astype(np.int64)
        ends = np.cumsum(counts)
        per_posting = np.split(np.array([d for t in terms for d in t.deltas], np.uint32),
                               ends[:-1])
        batch.deltas = np.concatenate(per_posting[::-1])
        batch.delta_starts = len(batch.deltas) - ends
    return batch


def _write(fields, lengths: np.ndarray, batched: bool) -> tuple[bytes, bytes]:
    terms_file, postings_file = _File(), _File()
    writer = TermsWriter(terms_file, postings_file)
    for name, terms, positional in fields:
        writer.start_field(name)
        if batched:
            writer.add_batch(_batch(terms, positional), lengths)
        else:
            for term in terms:
                found = [int(lengths[d]) for d in term.docnums if lengths[d]]
                writer.add_term(term, min(found, default=None), max(found, default=0))
    writer.close()
    return terms_file.getvalue(), postings_file.getvalue()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("slice_positions", [1 << 20, 500])
def test_a_batch_is_written_as_its_terms_one_at_a_time(seed, slice_positions, monkeypatch):
    monkeypatch.setattr(term_batch, "BATCH_POSITIONS", slice_positions)
    rng = random.Random(seed)
    lengths = np.array([rng.choice([0, 0, 3, 9, 40, 1000, 200_000]) for _ in range(DOCS)])
    fields = [("body", _terms(rng, 150, False), False),
              ("body_units", _terms(rng, 200, True), True),
              ("title", _terms(rng, 3, False), False)]
    assert _write(fields, lengths, batched=True) == _write(fields, lengths, batched=False)
