"""The lead bonus: an article whose opening already holds every word of the query is about it.

News and commentary put their subject first: the lead paragraph names who and what. BM25F
counts occurrences anywhere; this bonus looks at *where* the query's words first stand in
the body. For each of the best ``LEAD_DEPTH`` matches by BM25F, ``p`` is the place (in units:
characters, a Latin word, a run of white space) by which every word of the query has stood
at least once, each word in any of its spellings (its variant group) and found as the run
of its characters, so segmentation cannot hide it. The bonus is

    LEAD_WEIGHT × (sum of the words' idf in ``body``) / (1 + p / LEAD_SCALE)

and nothing when a word is not in the body at all. It is never negative, so a match below
the re-ranked ones never passes one of them.

Measured on ``scripts/eval_ranking.py`` (2,000 bench articles, 300 known-item queries; README,
"Ranking evaluation"), against the other candidates: BM25TP-style proximity of the query
words, the smallest window holding them, a sloppy-phrase boost, BM25's ``b`` and the field
boosts. The lead bonus alone moved MRR@10 the most, in both scripts, with titles and without;
proximity added nothing on top of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from searcher.analysis.units import units
from searcher.fields import FIELDS
from searcher.search.compiler import LeadItem
from searcher.search.matching import PostingsCache, first_places

LEAD_WEIGHT = 4.0  # the bonus when every word stands at the body's start, per unit of idf
LEAD_SCALE = 100.0  # units into the body at which the bonus has halved
LEAD_DEPTH = 100  # the best this many by BM25F are re-ranked
FIELD = "body"


def lead_bonus(postings: PostingsCache, items: Sequence[LeadItem], docs: np.ndarray
               ) -> np.ndarray:
    """The lead bonus of each of ``docs`` (ascending) for a query's ``items``, from the
    search's ``postings`` (most of them read already by its evaluation)."""
    unit_field = FIELDS[FIELD].units
    covered = np.zeros(len(docs), np.int64)  # the place by which every item has stood
    weight = 0.0
    for item in items:
        first = np.full(len(docs), -1, np.int64)
        for spelling in item.spellings:
            places = first_places(postings, unit_field, [u for u, _, _ in units(spelling)],
                                  docs)
            earlier = (places >= 0) & ((first < 0) | (places < first))
            first[earlier] = places[earlier]
        covered = np.where((covered < 0) | (first < 0), -1, np.maximum(covered, first))
        weight += postings.statistics.idf(FIELD, item.idf_term)
    return np.where(covered >= 0, LEAD_WEIGHT * weight / (1 + covered / LEAD_SCALE), 0.0)
