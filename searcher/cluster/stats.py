"""What a sharded index holds (``stats --cluster``), read from its shards on this machine: the
cluster is not needed. Each shard's figures are added up; the top terms are those one index
of the same files has, found without reading every shard's whole vocabulary, by the
three-phase uniform threshold (TPUT, Cao and Wang 2004): each shard's best, which bound the
collection's; then every term of any shard above the bound's share; then their exact
totals.

    >>> sharded_stats(Path("index"))["documents"]                        # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from searcher.cluster.layout import open_shard, require_layout
from searcher.engine.store import OpenIndex, reading
from searcher.search.stats import TOP_TERMS, TOPIC_FIELDS, index_stats, top_terms


def sharded_stats(index_dir: Path, top: int = TOP_TERMS) -> dict:
    """``stats.index_stats`` of the sharded index at ``index_dir``, with its shard count."""
    layout = require_layout(index_dir)
    shards = [open_shard(layout, number) for number in range(layout.shards)]
    parts = [index_stats(index, top=0) for index in shards]
    first, last = ([part[key] for part in parts if part[key]]
                   for key in ("first_date", "last_date"))
    built = [part["built_at"] for part in parts if part["built_at"]]
    return parts[0] | {
        "index": str(index_dir),
        **{key: sum(part[key] for part in parts)
           for key in ("documents", "dated", "undated", "size_bytes", "segments")},
        "first_date": min(first, default=None),
        "last_date": max(last, default=None),
        "top_terms": top_terms({field: most_frequent(shards, field, top * 10)
                                for field in TOPIC_FIELDS}, top),
        "built_at": max(built, default=None),  # the latest shard's
        "shards": layout.shards,
    }


def most_frequent(shards: list[OpenIndex], field: str, number: int) -> list[tuple[int, str]]:
    """The ``number`` most frequent ``(frequency, term)`` of ``field`` over ``shards``, in
    the order one index's ``most_frequent_terms`` gives them (both descending)."""
    if number <= 0:
        return []
    partial: Counter[str] = Counter()
    for index in shards:
        for frequency, term in _most_frequent(index, field, number):
            partial[term] += frequency
    # The number-th best partial sum bounds the number-th best total from below; a term
    # whose total reaches it reaches its share in one shard at least. Fewer terms than
    # ``number``: every shard gave its whole vocabulary.
    candidates = set(partial)
    if len(partial) >= number:
        share = sorted(partial.values(), reverse=True)[number - 1] / len(shards)
        for index in shards:
            candidates |= _at_least(index, field, share, number)
    totals = Counter()
    for index in shards:
        reader = index.reader()
        with reading(index):
            for term in candidates:
                totals[term] += int(reader.frequency(field, term))
    return sorted(((frequency, term) for term, frequency in totals.items()),
                  reverse=True)[:number]


def _most_frequent(index: OpenIndex, field: str, number: int) -> list[tuple[int, str]]:
    with reading(index):
        return index.reader().most_frequent_terms(field, number)


def _at_least(index: OpenIndex, field: str, share: float, number: int) -> set[str]:
    """The shard's terms of ``field`` at least ``share`` frequent (the best ``number`` first,
    twice as many each time while the last still reaches it)."""
    while True:
        best = _most_frequent(index, field, number)
        if len(best) < number or best[-1][0] < share:
            return {term for frequency, term in best if frequency >= share}
        number *= 2
