"""What one open generation keeps between searches: its terms' decoded postings and its
recently shown documents' stored fields, each in a bounded least-recently-used cache.

A reader sees its generation as it was when opened (segments are written once, never
changed), and the cache lives and dies with the reader it wraps, as Lucene's caches live with
a segment's reader: nothing kept is stale to it, and a newer index is read by a new reader
(the server opens one when ``CURRENT`` moves). Searches that follow one another share their words (a
common character's postings are in most of them) and show the same articles again (``browse``
paging, a query refined): those reads and decodes happen once. Other reads pass through.

A kept term's positions are decoded for the documents a search asks about; once those reads
have cost what decoding all of them would (``Postings.decoding_whole_pays``), the next search
to look the term up decodes them whole, if the budget has room for them, and later reads
gather them: on the benchmark's 16 queries, a fifth of a warm search.

Searches also keep what they derive from postings and may ask for again (``derived``):
where a phrase of characters stands, found by reading positions, is the largest part of a
query of common words on a large archive, and the same phrase recurs in the queries that
repeat or refine it; a search checks only the documents no earlier one did.

    >>> reader = CachingReader(open_index(Path("index")).opened.reader())  # doctest: +SKIP
    >>> reader.postings("body", "停火") is reader.postings("body", "停火")      # doctest: +SKIP
    True
"""

from __future__ import annotations

from pathlib import Path

from searcher.bounded_cache import BoundedCache
from searcher.engine.interface import IndexReader, Postings

POSTINGS_BYTES = 64 << 20  # decoded postings kept at least, positions included once read
POSTINGS_SHARE = 4  # or a quarter of the generation's bytes, when that is more
STORED_CHARS = 16_000_000  # documents' stored fields kept, in characters of their values
STORED_OVERHEAD = 64  # what a document costs besides its values' characters
DERIVED_BYTES = 16 << 20  # what searches derive from postings (where phrases stand)


def postings_budget(generation: Path) -> int:
    """How many bytes of decoded postings to keep for ``generation``: ``POSTINGS_BYTES``, or
    a share of its files when that is more (a query's common characters hold more documents,
    and more bytes, the larger the archive: about 240 MiB for the benchmark's 16 queries over
    835 MB of text)."""
    size = sum(entry.stat().st_size for entry in generation.iterdir() if entry.is_file())
    return max(POSTINGS_BYTES, size // POSTINGS_SHARE)


class CachingReader:
    """An ``IndexReader`` keeping the postings and stored fields it was asked for, up to
    ``postings_bytes`` of postings (by ``Postings.memory_bound``) and ``stored_chars``
    characters of stored fields (the values' lengths: pages of hits and their copies, not a
    few long books), and ``derived`` document sets up to ``derived_bytes``; safe to share
    between threads."""

    def __init__(self, reader: IndexReader, postings_bytes: int = POSTINGS_BYTES,
                 stored_chars: int = STORED_CHARS, derived_bytes: int = DERIVED_BYTES) -> None:
        self._reader = reader
        self._postings = BoundedCache(postings_bytes)
        self._stored = BoundedCache(stored_chars)
        self.derived = BoundedCache(derived_bytes)
        """What searches derive from the postings and may ask for again, by their own keys
        and costs (``matching.PhraseDocs``): the reader only bounds it."""

    def __getattr__(self, name: str):
        return getattr(self._reader, name)  # what is not cached is the reader's own

    def postings(self, field: str, text: str) -> Postings:
        key = (field, text)
        postings = self._postings.get(key)
        if postings is None:
            postings = self._reader.postings(field, text)
            self._postings.keep(key, postings, postings.memory_bound)
        elif postings.decoding_whole_pays and postings.whole_growth <= self._postings.room():
            # Only with room to spare: were the decoded positions to push other terms out,
            # searches that cycle through more terms than fit would read every one again.
            postings.decode_whole()
            self._postings.keep(key, postings, postings.memory_bound)
        return postings

    def stored_fields(self, docnum: int) -> dict:
        """The document's stored fields: a copy of what is kept, so a caller may change it."""
        stored = self._stored.get(docnum)
        if stored is None:
            stored = self._reader.stored_fields(docnum)
            self._stored.keep(docnum, stored, STORED_OVERHEAD + sum(
                len(value) for value in stored.values() if isinstance(value, (str, list))))
        return dict(stored)

