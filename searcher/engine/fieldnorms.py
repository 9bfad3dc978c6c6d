"""A document's field length in one byte: the table of lengths the 256 codes stand for.

BM25F scales a term's frequency by its field's length, and an index keeps each document's
length of each field as a one-byte code (tantivy's and Lucene's fieldnorms do the same): exact
up to 10, then rounded up to the next value of a geometric table, up to 106,374. The table is
Whoosh 2.7's (``whoosh.util.numeric``), which wrote the per-document length columns of every
index and the shortest and longest lengths in our terms blocks: it is part of the format.

    >>> length_code(12), LENGTH_OF_CODE[length_code(12)]
    (11, 12)
    >>> LENGTH_OF_CODE[length_code(1000)]
    1032
"""

from __future__ import annotations

from bisect import bisect_left

# The length each code stands for: round((1.033 ** code - 1) * 27).
LENGTH_OF_CODE: tuple[int, ...] = tuple(int(round((pow(1.033, code) - 1) * 27))
                                        for code in range(256))


def length_code(length: int | None) -> int:
    """The code of a field length: the first code standing for at least ``length`` (0 for
    none), 255 for any length past the table."""
    if length is None:
        return 0
    if length >= LENGTH_OF_CODE[-1]:
        return 255
    return bisect_left(LENGTH_OF_CODE, length)
