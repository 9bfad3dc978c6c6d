"""More like this: the articles that share the most telling words with one article.

    >>> [hit.path for hit in similar(index, "003_fbfd2bed5f7712db.txt", 3)]   # doctest: +SKIP
"""

from __future__ import annotations

from searcher.engine.store import OpenIndex, reading
from searcher.models import Hit
from searcher.search.documents import get_document
from searcher.search.hits import make_hit

KEY_TERMS = 25  # terms of the article that make up the query
HIGHLIGHTED_TERMS = 10


def similar(index: OpenIndex, ref: str, limit: int = 10) -> list[Hit]:
    """Articles most like the one ``ref`` names: Whoosh's key-term "more like this" over the
    body's words, as the chain segments and folds them."""
    stored = get_document(index, ref)
    reader = index.reader()
    with reading(index):
        docnum = reader.find("path", stored["path"])
        results = reader.more_like(docnum, "body", stored.get("body", ""), limit, KEY_TERMS)
        key_terms = reader.key_terms(docnum, "body", HIGHLIGHTED_TERMS)
        return [make_hit(rank, reader.stored_fields(other), score, key_terms)
                for rank, (other, score) in enumerate(results, 1)]
