"""Near-duplicate fingerprints: a few integers per article that its copies share.

An article reposted in another script or region (a Simplified story and its OpenCC ``s2twp``
and ``s2hk`` conversions) or lightly edited should show as one hit. Its fingerprint is
computed at index time from the text the analysis chain has folded (``fold``: width, script
and regional orthography), so that scripts and regional character variants are already one:

1. **Shingles**: every run of ``SHINGLE`` letters and digits of the folded text (white space
   and punctuation dropped: a repost that breaks lines or quotes otherwise is the same
   text), hashed with a stable 64-bit hash (never Python's ``hash``, salted per process).
2. **One-permutation MinHash**: the hashes fall into ``BINS`` bins by their top bits and
   each bin keeps its smallest; an empty bin (a short text) borrows its next non-empty
   neighbour's, shifted by the distance (rotation densification, Shrivastava and Li 2014).
   The chance that two texts agree on a bin is about the Jaccard resemblance of their
   shingle sets.
3. **LSH bands**: ``BANDS`` bands of ``ROWS`` bins, each hashed with its band's number to
   one signed 64-bit key. Two texts share a key with probability ``1 - (1 - s**ROWS) **
   BANDS`` at resemblance ``s``: 0.03 at 0.3, 0.32 at 0.5, 0.62 at 0.6, 0.89 at 0.7, 0.99
   at 0.8.

Why these numbers (``scripts/eval_collapse.py``: 3,000 news stories and their ``s2twp`` and
``s2hk`` copies, three samples): folding makes ``s2hk`` copies all but identical, but
``s2twp`` swaps words (消息 → 訊息, 项目 → 專案), so a Taiwan copy resembles its original by
0.93 in four-character shingles at the median, by less than 0.85 for a tenth of stories and
0.7 for one in 200 (the least 0.53). Different stories written to one template (a daily
bulletin, a state visit's welcome) resemble each other by 0.3 to 0.5. Four characters keep
copies closer than five or six. 12 bands of 5 bins collapse 99.8–99.9% of stories and group
0.7–0.9% with a template story, never with one resembling it by less than 0.2; 8 bands of 4
collapse as many but merge unrelated stories (1–4 pairs a sample), 10 of 6 collapse only
99.3–99.5%, 18 of 7 do little better than 12 of 5 at 50% more keys. 12 keys are 96 bytes an
article.

Texts with fewer than ``MIN_CHARACTERS`` letters and digits have no fingerprint (``()``)
and never collapse: a headline-sized text shares too little to tell a copy from a
coincidence.

    >>> from searcher.analysis.fold import fold
    >>> keys = fingerprint(fold("敍利亞的停火協議" * 10))
    >>> len(keys), keys == fingerprint(fold("叙利亚的停火协议" * 10))
    (12, True)
    >>> fingerprint(fold("太短了"))
    ()
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

from searcher.analysis.fold import code_points

SHINGLE = 4  # characters per shingle
ROWS = 5  # bins per band
BANDS = 12  # band keys per article
BINS = BANDS * ROWS  # MinHash bins
MIN_CHARACTERS = 50  # texts with fewer letters and digits have no fingerprint

_POLYNOMIAL = np.uint64(0x100000001B3)  # odd multiplier of the rolling hash
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.uint64(np.iinfo(np.uint64).max)  # a bin no shingle fell into


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place: every input bit reaches every output bit."""
    values ^= values >> np.uint64(30)
    values *= np.uint64(0xBF58476D1CE4E5B9)
    values ^= values >> np.uint64(27)
    values *= np.uint64(0x94D049BB133111EB)
    values ^= values >> np.uint64(31)
    return values


# A band's key: its bins weighted by fixed odd multipliers, plus its band's own offset (so
# that equal bins in two bands give two keys), mixed.
_ROW_MULTIPLIERS = _mix(np.arange(1, ROWS + 1, dtype=np.uint64) * _GOLDEN) | np.uint64(1)
_BAND_OFFSETS = _mix(np.arange(ROWS + 1, ROWS + BANDS + 1, dtype=np.uint64) * _GOLDEN)


# Letters and digits: ``re``'s ``\w`` is ``str.isalnum`` or ``_`` (the same Unicode tables), so
# this keeps exactly them, with no table written by hand.
_NOT_TEXT_RE = re.compile(r"[\W_]")
_UNSEEN = 2  # in the table of which code points are letters and digits: not looked at yet


@functools.cache
def _text_table() -> np.ndarray:
    """Per code point: 1 for a letter or digit, 0 for anything else, ``_UNSEEN`` until
    first seen."""
    return np.full(0x110000, _UNSEEN, np.uint8)


def _text_codes(folded: str) -> np.ndarray:
    """The code points of ``folded``'s letters and digits (``str.isalnum``), as uint64: from
    a table by code point, filled on first sight (a regular expression's pass over every
    article cost more than the fingerprint's arithmetic)."""
    codes = code_points(folded)
    table = _text_table()
    kinds = table[codes]
    if (kinds == _UNSEEN).any():
        for code in np.unique(codes[kinds == _UNSEEN]).tolist():
            table[code] = _NOT_TEXT_RE.match(chr(code)) is None
        kinds = table[codes]
    return codes[kinds.view(bool)].astype(np.uint64)


def _hashes(codes: np.ndarray) -> np.ndarray:
    """The 64-bit hash of every shingle (``SHINGLE`` consecutive code points; repeats
    included) of at least ``SHINGLE`` code points."""
    count = len(codes) - SHINGLE + 1
    hashes = codes[:count].copy()
    for offset in range(1, SHINGLE):
        hashes *= _POLYNOMIAL
        hashes += codes[offset:offset + count]
    return _mix(hashes)


def shingle_hashes(folded: str) -> np.ndarray:
    """The distinct shingle hashes of folded text, sorted (empty for a text shorter than a
    shingle): the set a fingerprint samples."""
    codes = _text_codes(folded)
    if len(codes) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    return np.unique(_hashes(codes))


def resemblance(folded_a: str, folded_b: str) -> float:
    """The exact Jaccard resemblance of two folded texts' shingle sets (0.0 when either has
    none): what fingerprints estimate, for checking them."""
    a, b = shingle_hashes(folded_a), shingle_hashes(folded_b)
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def fingerprint(folded: str) -> tuple[int, ...]:
    """``BANDS`` (12) band keys, signed 64-bit integers, of text folded by the analysis chain
    (``fold``), or ``()`` for a text with fewer than ``MIN_CHARACTERS`` letters and digits.
    Two texts are near-duplicates when they share a key (a key is never shared across bands).
    The same text gives the same keys in every process and on every platform."""
    codes = _text_codes(folded)
    if len(codes) < MIN_CHARACTERS:
        return ()
    hashes = _hashes(codes)
    bins = ((hashes >> np.uint64(32)) * np.uint64(BINS)) >> np.uint64(32)  # by top bits
    minima = np.full(BINS, _EMPTY, dtype=np.uint64)
    np.minimum.at(minima, bins.astype(np.intp), hashes)
    missing = minima == _EMPTY
    if missing.any():
        filled, every = np.flatnonzero(~missing), np.arange(BINS)
        donors = filled[np.searchsorted(filled, every) % len(filled)]
        distance = ((donors - every) % BINS).astype(np.uint64)
        minima = minima[donors] + distance * _GOLDEN
    keys = (minima.reshape(BANDS, ROWS) * _ROW_MULTIPLIERS).sum(axis=1, dtype=np.uint64)
    keys += _BAND_OFFSETS
    return tuple(_mix(keys).view(np.int64).tolist())


def shared_bands(keys_a: Sequence[int], keys_b: Sequence[int]) -> int:
    """How many band keys two fingerprints share (0 when either is empty)."""
    return len(set(keys_a) & set(keys_b))


def estimated_resemblance(keys_a: Sequence[int], keys_b: Sequence[int]) -> float:
    """The resemblance two fingerprints suggest, ``(shared / BANDS) ** (1 / ROWS)`` (a band
    matches with probability ``s ** ROWS``): coarse, in ``BANDS`` steps; 0.0 when either
    fingerprint is empty."""
    return (shared_bands(keys_a, keys_b) / BANDS) ** (1 / ROWS)
