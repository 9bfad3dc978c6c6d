"""What one open generation keeps between searches: its terms' decoded postings and its
recently shown documents' stored fields, each in a bounded least-recently-used cache.

A reader sees its generation as it was when opened (segments are written once, never
changed), and the cache lives and dies with the reader it wraps, as Lucene's caches live with
a segment's reader: nothing kept is stale to it, and a newer index is read by a new reader
(the server opens one when ``CURRENT`` moves). Searches that follow one another share their words (a
common character's postings are in most of them) and show the same articles again (``browse``
paging, a query refined): those reads and decodes happen once. Other reads pass through.

    >>> reader = CachingReader(open_index(Path("index")).opened.reader())  # doctest: +SKIP
    >>> reader.postings("body", "停火") is reader.postings("body", "停火")      # doctest: +SKIP
    True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from searcher.engine.interface import IndexReader, Postings

POSTINGS_BYTES = 64 << 20  # decoded postings kept at least, positions included once read
POSTINGS_SHARE = 4  # or a quarter of the generation's bytes, when that is more
STORED_DOCUMENTS = 512  # documents' stored fields kept (a few pages of hits)


def postings_budget(generation: Path) -> int:
    """How many bytes of decoded postings to keep for ``generation``: ``POSTINGS_BYTES``, or
    a share of its files when that is more (a query's common characters hold more documents,
    and more bytes, the larger the archive: about 240 MiB for the benchmark's 16 queries over
    835 MB of text)."""
    size = sum(entry.stat().st_size for entry in generation.iterdir() if entry.is_file())
    return max(POSTINGS_BYTES, size // POSTINGS_SHARE)


class CachingReader:
    """An ``IndexReader`` keeping the postings and stored fields it was asked for, up to
    ``postings_bytes`` of postings (by ``Postings.memory_bound``) and ``stored_documents``
    documents; safe to share between threads."""

    def __init__(self, reader: IndexReader, postings_bytes: int = POSTINGS_BYTES,
                 stored_documents: int = STORED_DOCUMENTS) -> None:
        self._reader = reader
        self._postings: OrderedDict[tuple[str, str], tuple[Postings, int]] = OrderedDict()
        self._postings_bytes = 0
        self._most_postings_bytes = postings_bytes
        self._stored: OrderedDict[int, dict] = OrderedDict()
        self._most_stored = stored_documents
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        return getattr(self._reader, name)  # what is not cached is the reader's own

    def postings(self, field: str, text: str) -> Postings:
        key = (field, text)
        with self._lock:
            if key in self._postings:
                self._postings.move_to_end(key)
                return self._postings[key][0]
        postings = self._reader.postings(field, text)
        size = postings.memory_bound
        with self._lock:
            if key not in self._postings and size <= self._most_postings_bytes:
                self._postings[key] = postings, size
                self._postings_bytes += size
                while self._postings_bytes > self._most_postings_bytes:
                    _, (_, dropped) = self._postings.popitem(last=False)
                    self._postings_bytes -= dropped
        return postings

    def stored_fields(self, docnum: int) -> dict:
        """The document's stored fields: a copy of what is kept, so a caller may change it."""
        with self._lock:
            stored = self._stored.get(docnum)
            if stored is not None:
                self._stored.move_to_end(docnum)
                return dict(stored)
        stored = self._reader.stored_fields(docnum)
        with self._lock:
            self._stored[docnum] = stored
            if len(self._stored) > self._most_stored:
                self._stored.popitem(last=False)
        return dict(stored)
