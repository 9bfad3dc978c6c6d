"""Which shard a corpus file belongs to: a stable hash of its path, so that a file stays in
its shard from run to run (an incremental run touches only the shards whose files changed)
and every machine places it alike.

    >>> shard_of("2026/01/a.txt", 4) == shard_of("2026/01/a.txt", 4)
    True
    >>> shard_name(3)
    'shard-03'
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


def shard_of(path: str, shards: int) -> int:
    """The shard of the file whose path (relative to the index's base folder) is ``path``:
    BLAKE2b of its bytes (undecodable names included), modulo ``shards``."""
    digest = hashlib.blake2b(os.fsencode(path), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_name(shard: int) -> str:
    """The folder of shard number ``shard`` inside the index folder."""
    return f"shard-{shard:02d}"


@dataclass(frozen=True)
class ShardSelection:
    """The corpus files of one shard: ``update_index``'s ``select`` (picklable, so that it
    travels to a worker)."""

    shard: int
    shards: int

    def __call__(self, file: Path, base: Path) -> bool:
        return shard_of(Path(os.path.relpath(file, base)).as_posix(), self.shards) == self.shard
