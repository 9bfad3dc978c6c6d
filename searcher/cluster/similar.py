"""More like this on a sharded index (``similar --cluster``), as ``search.similar`` finds it in
one index of the same files: the article from its shard (``documents``), its key terms
scored with the collection's figures (every shard's document count and term frequencies),
then a sharded search of them (``ShardedIndex.ranked``), the article left out, and with
collapsing its copies in any shard too.

    >>> hits = sharded_similar(index, "2025/a.txt", 5)                    # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from searcher.cluster.documents import located_document
from searcher.cluster.searching import ShardedIndex
from searcher.cluster.shard_searcher import Query
from searcher.engine.store import reading
from searcher.models import Hit
from searcher.search.plan import AnyOf, Term
from searcher.search.similar import FIELD, HIGHLIGHTED_TERMS, KEY_TERMS, key_terms


@dataclass(frozen=True)
class _Collection:
    """What ``key_terms`` asks of a reader, over every shard."""

    doc_count: int
    frequencies: dict[str, float]

    def frequency(self, field: str, term: str) -> float:
        return self.frequencies.get(term, 0)


def sharded_similar(index: ShardedIndex, ref: str, limit: int = 10,
                    collapse: bool = True) -> list[Hit]:
    """``search.similar.similar`` over every shard of ``index``."""
    shard, opened, stored = located_document(index.layout, ref)
    reader = opened.reader()
    with reading(opened):
        docnum = reader.find("path", stored["path"])
        row = reader.fingerprints()[docnum]
    tokens = list(opened.chain.word_tokens(stored.get(FIELD, "")))
    words = sorted({token[0] for token in tokens})
    answers = index.everywhere("frequencies", FIELD, words)
    collection = _Collection(sum(count for count, _ in answers),
                             {word: sum(frequencies[at] for _, frequencies in answers)
                              for at, word in enumerate(words)})
    terms = key_terms(collection, tokens, KEY_TERMS)
    if not terms:
        return []
    query = Query("", plan=AnyOf(tuple(Term(FIELD, term, boost=weight)
                                       for term, weight in terms)),
                  needles=tuple(term for term, _ in terms[:HIGHLIGHTED_TERMS]))
    left_out = {(shard, docnum)}
    if collapse:  # the article's copies, in any shard: the article, not like it
        left_out |= _copies(index, query, set(row[row != 0].tolist()))
    query = replace(query, left_out=tuple(sorted(left_out)))
    return index.ranked(query, limit, collapse).hits


def _copies(index: ShardedIndex, query: Query, keys: set[int]) -> set[tuple[int, int]]:
    """The matches of ``query`` in any shard that share a fingerprint key with ``keys``, or
    with one of them (grouping is transitive, as ``similar.copies_among`` has it)."""
    taken: dict[int, list[int]] = {}
    new = keys
    while new:
        joined = [match for answer in index.everywhere("sharing", query, sorted(new), taken)
                  for match in answer]
        for shard, docnum, _ in joined:
            taken.setdefault(shard, []).append(docnum)
        new = {key for _, _, row in joined for key in row} - keys
        keys |= new
    return {(shard, docnum) for shard, docnums in taken.items() for docnum in docnums}
