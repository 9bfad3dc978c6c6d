"""English stemming, an index setting: a word of Latin letters is indexed, and searched, as
its Snowball stem, so that each form of it finds the others (``economies`` and ``economy``
are both ``economi``), as Lucene's English analyzer and Recoll do. Only words of ASCII
letters are stemmed: Chinese words, numbers and mixed runs (``covid-19``, ``iphone15``) never
are. Off unless an index is built with it (``AnalysisSettings.stemming``).

    >>> stemmer("english")("economies"), stemmer("english")("停火")
    ('economi', '停火')
    >>> stemmer("none") is None
    True
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from searcher.errors import SearcherError

NO_STEMMING = "none"
STEMMING = (NO_STEMMING, "english")  # the settings an index may have


def stemmer(name: str) -> Callable[[str], str] | None:
    """The function that stems a folded word under the setting ``name`` (None: no stemming).
    snowballstemmer is imported only here, by an index that stems (12 ms)."""
    if name not in STEMMING:  # an index's settings may have been planted
        raise SearcherError(f"unknown stemming {name!r} (one of {', '.join(STEMMING)})")
    if name == NO_STEMMING:
        return None
    from snowballstemmer.english_stemmer import EnglishStemmer

    english = EnglishStemmer()

    @functools.lru_cache(maxsize=1 << 16)  # words repeat: a Snowball run costs microseconds
    def stem(word: str) -> str:
        return english.stemWord(word) if word.isascii() and word.isalpha() else word

    return stem


def version(name: str) -> str:
    """The stemmer's library and version, for an index's fingerprint (a new Snowball release
    may stem a word otherwise)."""
    from importlib.metadata import version as installed

    return f"{name} snowballstemmer {installed('snowballstemmer')}"
