"""More like this: the articles that share the most telling words with one article, found by
the same matching as a search.

An article's key terms are its body's words (as the chain segments and folds them) scored
by the Bo1 model of divergence from randomness (Amati), as Whoosh's ``key_terms`` scores
them: frequent in the article, rare in the collection. The 25 best, each boosted by its
score over the best one's, make an any-of query; the article itself is left out.

    >>> [hit.path for hit in similar(index, "003_fbfd2bed5f7712db.txt", 3)]   # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from math import log2

import numpy as np

from searcher.engine.interface import IndexReader as GenerationReader
from searcher.engine.store import OpenIndex, reading
from searcher.models import Hit
from searcher.search import matching
from searcher.search.collapse import TopDocs, collapsed_order
from searcher.search.documents import get_document
from searcher.search.hits import hydrate
from searcher.search.plan import AnyOf, Term

KEY_TERMS = 25  # terms of the article that make up the query
HIGHLIGHTED_TERMS = 10
FIELD = "body"


def similar(index: OpenIndex, ref: str, limit: int = 10, collapse: bool = True) -> list[Hit]:
    """Articles most like the one ``ref`` names, best first. With ``collapse`` (as a search
    has it), reposts show as one hit, and the article's own copies (reposts in other scripts
    or spellings) are the article, not like it: they are left out with it."""
    stored = get_document(index, ref)
    reader = index.reader()
    with reading(index):
        docnum = reader.find("path", stored["path"])
        terms = key_terms(reader, index.chain.word_tokens(stored.get(FIELD, "")), KEY_TERMS)
        if not terms:
            return []
        plan = AnyOf(tuple(Term(FIELD, term, boost=weight) for term, weight in terms))
        found = matching.evaluate(reader, plan)
        if docnum is not None:
            own = copies_among(reader, docnum, found) if collapse else ()
            found = found.without(np.unique(np.concatenate(([docnum], own)).astype(np.int64)))

    def order(depth: int | None) -> list[tuple[int, float]]:
        return matching.top(found, depth, reader.path)

    top = collapsed_order(index, found, order, limit) if collapse else TopDocs(order(limit))
    return hydrate(index, top, [term for term, _ in terms[:HIGHLIGHTED_TERMS]])


def copies_among(reader: GenerationReader, docnum: int, found: matching.Matches
                 ) -> np.ndarray:
    """The documents of ``found`` in ``docnum``'s group: those that share a fingerprint key
    with it, or with one of them (grouping is transitive, as ``collapse`` has it)."""
    fingerprints = reader.fingerprints()
    rows = fingerprints[found.docs]
    keys = fingerprints[docnum]
    keys, copies = keys[keys != 0], np.zeros(len(found.docs), bool)
    while len(keys):
        joined = np.isin(rows, keys).any(axis=1) & ~copies
        copies |= joined
        keys = np.setdiff1d(rows[joined], np.concatenate(([0], keys)))
    return found.docs[copies]


def key_terms(reader: GenerationReader, tokens, number: int) -> list[tuple[str, float]]:
    """The ``number`` best terms of an article's word ``tokens`` (``(term, …)`` as the chain
    gives them) by Bo1, each with its score over the best one's; ties by term."""
    in_article = Counter(token[0] for token in tokens)
    documents = reader.doc_count
    scored = []
    for term, count in in_article.items():
        in_collection = reader.frequency(FIELD, term)
        if in_collection:
            share = in_collection / documents
            scored.append((count * log2((1 + share) / share) + log2(1 + share), term))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(term, score / best) for score, term in scored[:number]]
