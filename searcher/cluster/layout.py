"""A sharded index's folder: its shards and the record (``SHARDS``) of what it is made of.

    index/
      SHARDS         {"format": 1, "shards": N, "generations": ["gen-…", …]}: the shard count
                     (fixed at the first build) and the generation of each shard that the
                     sharded index is made of (replaced atomically: the commit of a build)
      shard-00/ …    each an ordinary searcher index (CURRENT, generations, its own lock)
      .lock          held by the one build at a time

A build writes each changed shard's new generation beside its live one, then replaces
``SHARDS`` (the sharded index is now the new generations, all of them or none), then makes
each the live one of its shard (its ``CURRENT``). A build killed between the two leaves
shards whose ``CURRENT`` lags behind ``SHARDS``; the next build first brings them forward
(``bring_forward``), and a search reads the generations ``SHARDS`` names, whatever the
shards' ``CURRENT`` says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from searcher.atomic_files import replace_file
from searcher.cluster.placement import shard_name
from searcher.engine.directory import (
    GENERATION_NAME, current_generation, publish, writer_lock)
from searcher.engine.store import OpenIndex, open_generation
from searcher.errors import IndexDamagedError, IndexMissingError, SearcherError

SHARDS = "SHARDS"
FORMAT = 1


class ShardError(SearcherError):
    """A shard that cannot be used: missing, unreadable, or not this index's."""


@dataclass(frozen=True)
class Layout:
    """What ``SHARDS`` records: the shard count and each shard's generation (None: never
    built)."""

    index_dir: Path
    generations: tuple[str | None, ...]

    @property
    def shards(self) -> int:
        return len(self.generations)

    def shard_dir(self, shard: int) -> Path:
        return self.index_dir / shard_name(shard)

    def with_generations(self, new: dict[int, str]) -> Layout:
        return replace(self, generations=tuple(new.get(shard, name) for shard, name
                                               in enumerate(self.generations)))


def empty_layout(index_dir: Path, shards: int) -> Layout:
    if shards < 1:
        raise SearcherError(f"a sharded index needs at least one shard, not {shards}")
    return Layout(index_dir, (None,) * shards)


def read_layout(index_dir: Path) -> Layout | None:
    """The record of the sharded index at ``index_dir``; None when it has none (not built
    yet, or not sharded); ``IndexDamagedError`` when it cannot be read."""
    try:
        raw = (index_dir / SHARDS).read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise _damaged(index_dir, f"cannot be read ({error.strerror})") from error
    try:
        record = json.loads(raw)
        generations = record["generations"]
        valid = (record["format"] == FORMAT and isinstance(generations, list) and generations
                 and record["shards"] == len(generations)
                 and all(name is None or (isinstance(name, str)
                                          and GENERATION_NAME.match(name))
                         for name in generations))
    except (ValueError, TypeError, KeyError):
        valid = False
    if not valid:
        raise _damaged(index_dir, "is not a record of shards")
    return Layout(index_dir, tuple(generations))


def write_layout(layout: Layout) -> None:
    """Replace ``SHARDS`` atomically (and durably): the commit of a build."""
    replace_file(layout.index_dir / SHARDS, json.dumps(
        {"format": FORMAT, "shards": layout.shards, "generations": list(layout.generations)},
        indent=1) + "\n")


def bring_forward(layout: Layout) -> None:
    """Make each shard's live generation the one ``SHARDS`` names, where a build that was
    killed after its commit did not (call with the index's lock held)."""
    for shard, name in enumerate(layout.generations):
        folder = layout.shard_dir(shard)
        if name is None or not (folder / name).is_dir() or _is_live(folder, name):
            continue
        with writer_lock(folder):
            if not _is_live(folder, name):
                publish(folder, folder / name)


def _is_live(folder: Path, name: str) -> bool:
    live = current_generation(folder)
    return live is not None and live.name == name


def open_shard(layout: Layout, shard: int) -> OpenIndex:
    """Shard ``shard``'s generation as ``SHARDS`` names it; ``ShardError`` naming the shard
    when it is missing or is not this index's (a folder from another index holds other
    generations), the shard's own error when it cannot be opened."""
    folder, name = layout.shard_dir(shard), layout.generations[shard]
    where = f"shard {folder.name} of the index at {layout.index_dir}"
    if name is None:
        raise ShardError(f"{where} was never built: run `searcher index` on the index")
    if not folder.is_dir():
        raise ShardError(f"{where} is missing ({folder} is not there)")
    if not (folder / name).is_dir():
        raise ShardError(f"{where} does not hold {name}, the generation the index is made of: "
                         f"it is missing, or the folder is another index's")
    try:
        return open_generation(folder, name)
    except SearcherError as error:
        raise ShardError(f"{where}: {error}") from error


def require_layout(index_dir: Path) -> Layout:
    """``read_layout``, refusing a folder that holds no sharded index."""
    layout = read_layout(index_dir)
    if layout is None:
        raise IndexMissingError(f"no sharded index at {index_dir}: build it with "
                                f"`searcher index PATH --index {index_dir} --cluster ADDRESS`")
    return layout


def _damaged(index_dir: Path, problem: str) -> IndexDamagedError:
    return IndexDamagedError(f"sharded index at {index_dir} is damaged: {SHARDS} {problem}")
