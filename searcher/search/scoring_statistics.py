"""The collection statistics BM25F scores with: how many documents there are, how many hold
each term, and each field's total length (for its average).

By default they are the index's own (``IndexStatistics``). A sharded index gives every shard
the figures of all of them (``CollectionStatistics``: each shard's ``gathered``, then
``merged``), so that each shard scores its documents as one index of every shard's documents
would: Elasticsearch's ``dfs_query_then_fetch``.

    >>> whole = CollectionStatistics(10, {("body", "停火"): 3}, {"body": 2000})
    >>> merged = CollectionStatistics.merged([whole, whole])
    >>> merged.doc_count, merged.doc_frequency("body", "停火"), merged.avg_field_length("body")
    (20, 6, 200.0)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from searcher.engine.interface import IndexReader as GenerationReader, Postings
from searcher.engine.scoring import idf


class Statistics:
    """What scoring asks of a collection; ``idf`` is Whoosh's, from the other two."""

    doc_count: int  # deleted documents included, as Whoosh counts for idf

    def doc_frequency(self, field: str, text: str) -> int:
        raise NotImplementedError

    def avg_field_length(self, field: str) -> float:
        raise NotImplementedError

    def idf(self, field: str, text: str) -> float:
        return idf(self.doc_count, self.doc_frequency(field, text))


class IndexStatistics(Statistics):
    """One index's own figures, read through ``postings`` (a search's postings cache)."""

    def __init__(self, reader: GenerationReader,
                 postings: Callable[[str, str], Postings]) -> None:
        self._reader = reader
        self._postings = postings
        self.doc_count = reader.doc_count

    def doc_frequency(self, field: str, text: str) -> int:
        return self._postings(field, text).doc_frequency

    def avg_field_length(self, field: str) -> float:
        return self._reader.avg_field_length(field)


@dataclass(frozen=True)
class CollectionStatistics(Statistics):
    """Figures given from outside, for the terms (``(field, text)``) of one query: asking for
    another term is a bug, and raises ``KeyError``."""

    doc_count: int
    doc_frequencies: dict[tuple[str, str], int] = field(default_factory=dict)
    field_lengths: dict[str, int] = field(default_factory=dict)  # each field's total length

    def doc_frequency(self, field: str, text: str) -> int:
        return self.doc_frequencies[(field, text)]

    def avg_field_length(self, field: str) -> float:
        return self.field_lengths[field] / (self.doc_count or 1)

    @classmethod
    def gathered(cls, reader: GenerationReader,
                 terms: Iterable[tuple[str, str]]) -> CollectionStatistics:
        """An index's own figures for ``terms`` and their fields."""
        terms = set(terms)
        return cls(reader.doc_count,
                   {term: reader.postings(*term).doc_frequency for term in terms},
                   {name: reader.field_length(name) for name in {name for name, _ in terms}})

    @classmethod
    def merged(cls, parts: Iterable[CollectionStatistics]) -> CollectionStatistics:
        """The figures of the collection made of ``parts`` (disjoint sets of documents)."""
        doc_count, frequencies, lengths = 0, Counter(), Counter()
        for part in parts:
            doc_count += part.doc_count
            frequencies.update(part.doc_frequencies)
            lengths.update(part.field_lengths)
        return cls(doc_count, dict(frequencies), dict(lengths))
