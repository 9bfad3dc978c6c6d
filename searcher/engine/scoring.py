"""BM25F, written once: the inverse document frequency, the length normalisation and a term's
score, as Whoosh 2.7's ``BM25F`` computes them (B 0.75, K1 1.2; a test compares the two).

``idf`` counts deleted documents too, as Whoosh does; field lengths are the one-byte codes an
index keeps (``fieldnorms``), normalised once per field for all 256 codes.

    >>> round(idf(doc_count=100, doc_frequency=9), 4)
    3.3026
"""

from __future__ import annotations

import math

import numpy as np

from searcher.engine.fieldnorms import LENGTH_OF_CODE

K1 = 1.2
B = 0.75

_LENGTHS = np.array(LENGTH_OF_CODE)  # the field length each one-byte code stands for


def idf(doc_count: int, doc_frequency: int) -> float:
    """How rare a term is: ``doc_frequency`` of ``doc_count`` documents hold it."""
    return math.log(doc_count / (doc_frequency + 1)) + 1


def length_norms(avg_length: float) -> np.ndarray:
    """BM25's length normalisation for each length code, in a field whose average length
    is ``avg_length``."""
    return K1 * ((1 - B) + B * _LENGTHS / avg_length)


def bm25(term_idf: float, weights: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """A term's score in each document: its frequency there (``weights``) and the length
    normalisation of the document's field (``norms``, from ``length_norms``)."""
    scale = term_idf * (K1 + 1)
    return scale * weights / (weights + norms)
