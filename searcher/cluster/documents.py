"""One document of a sharded index (``show --cluster``), read from its shard on this machine:
the cluster is not needed. A path (as ``search`` prints it, or as stored) names a file, which
lives in the shard its hash places it in (``placement``), so that shard alone is opened; an
id or the end of a path is looked for in every shard, as ``documents.get_document`` looks in
one index.

    >>> shard, stored = sharded_document(Path("index"), "2025/a.txt")    # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from searcher.cluster.layout import Layout, ShardError, open_shard, require_layout
from searcher.cluster.placement import shard_of
from searcher.engine.store import OpenIndex
from searcher.search.documents import documents_named, names_file, one_named


def sharded_document(index_dir: Path, ref: str) -> tuple[OpenIndex, dict]:
    """The shard (opened alone) holding the document ``ref`` names, and its stored fields;
    ``SearcherError`` when none or several match, as for one index."""
    _, index, stored = located_document(require_layout(index_dir), ref)
    return index, stored


def located_document(layout: Layout, ref: str) -> tuple[int, OpenIndex, dict]:
    """``sharded_document`` of the sharded index ``layout`` records, with the shard's
    number."""
    opened: dict[int, OpenIndex] = {}

    def shard(number: int) -> OpenIndex:
        if number not in opened:
            opened[number] = open_shard(layout, number)
        return opened[number]

    for number in _placed(layout, ref, shard):
        candidates, _ = documents_named(shard(number), ref)
        named = [stored for stored in candidates if names_file(stored, ref)]
        if len(named) == 1:
            return number, shard(number), named[0]
    found: list[tuple[int, dict]] = []
    for number in range(layout.shards):
        candidates, exact = documents_named(shard(number), ref)
        if exact:  # its id: it wins, as in one index
            return number, shard(number), candidates[0]
        found += [(number, stored) for stored in candidates]
    stored = one_named(ref, [stored for _, stored in found], layout.index_dir)
    number = next(number for number, other in found if other is stored)
    return number, shard(number), stored


def _placed(layout: Layout, ref: str, shard) -> list[int]:
    """The shards ``ref`` would be in if it were a path: as stored (relative to the index's
    base folder), or a file from here or absolute; ``FILE#ID`` for a record, split at any of
    its ``#``s."""
    files = [ref, *(ref[:at] for at, char in enumerate(ref) if char == "#")]
    stored = [file for file in files if not os.path.isabs(file)]
    base = _base(layout, shard, [shard_of(file, layout.shards) for file in stored])
    if base:
        stored += [Path(os.path.relpath(os.path.abspath(file), base)).as_posix()
                   for file in files]
    return list(dict.fromkeys(shard_of(file, layout.shards) for file in stored))


def _base(layout: Layout, shard, first: list[int]) -> str | None:
    """The folder the shards' paths are relative to (the same in each: the index's), from
    the first of ``first`` and then of every shard that opens."""
    for number in dict.fromkeys([*first, *range(layout.shards)]):
        try:
            return shard(number).meta.get("base")
        except ShardError:
            continue
    return None
