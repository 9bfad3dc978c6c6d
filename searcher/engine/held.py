"""Generations a long-lived process keeps open (the search server, ``searcher.server``), so a
command run in one of its forked workers finds its index open already.

Opening a generation costs more than a query on a small index (the variant table parsed, the
small files verified against their checksums: about 14 ms on the bundled corpus). ``hold``
opens one and keeps it; ``open_index`` then asks ``reuse``, which hands out the held
generation as a new ``OpenIndex`` when nothing in the index folder changed since it was held:
the same ``CURRENT`` and ``PREVIOUS`` files and the same generation folder and entries (inode,
size, modification and change times, mode and owner: what ``searcher index`` rewrites and
what the safety check reads). So a search sees the index as the last ``searcher index`` left
it, and a held generation passed the same checks as a fresh open.

A held generation has no reader in the process that holds it: a reader's open files would be
shared with every forked worker, and Whoosh reads them with seek and read on one shared
offset. A worker opens its own (``open_readers``, or on first use). A process that never
calls ``hold`` holds nothing: ``reuse`` is one dictionary lookup and ``open_index`` opens as
before.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from searcher.engine.store import OpenIndex

MOST_HELD = 8  # the least recently held goes first: each costs its variant table in memory

_held: dict[str, tuple[tuple, OpenIndex]] = {}
missed: list[str] | None = None
"""After ``record_misses``: the index folders (real paths) opened since that were not held,
or held but changed since (what a server's worker tells its server to hold next)."""


def record_misses() -> None:
    global missed
    missed = []


def take_misses() -> list[str]:
    """What ``missed`` recorded since ``record_misses``; recording stops."""
    global missed
    taken, missed = missed or [], None
    return taken


def hold(index_dir: Path) -> OpenIndex | None:
    """Open the live generation of ``index_dir`` and keep it for ``reuse``: the generation
    newly held, or None when it was held already (unchanged), cannot be opened, or changed
    while it was being opened."""
    from searcher.engine.directory import current_generation
    from searcher.engine.store import open_index
    from searcher.errors import SearcherError

    key = os.path.realpath(index_dir)
    try:
        generation = current_generation(Path(key))
        before = _signature(key, generation.name) if generation else None
        if before is None:
            return None
        if key in _held and _held[key][0] == before:
            return None
        _held.pop(key, None)
        index = open_index(Path(key))
    except (SearcherError, OSError):
        return None
    if _signature(key, index.generation.name) != before:
        return None  # a writer was at work: the next request tells us again
    _held[key] = (before, index)
    while len(_held) > MOST_HELD:
        del _held[next(iter(_held))]
    return index


def reuse(index_dir: Path) -> OpenIndex | None:
    """The held generation of ``index_dir`` as a new ``OpenIndex`` named as the caller named
    the folder, when the folder is as it was when held; else None (and the folder is noted
    in ``missed``, if recorded)."""
    if not _held and missed is None:
        return None
    key = os.path.realpath(index_dir)
    entry = _held.get(key)
    if entry is not None:
        signature, index = entry
        if _signature(key, index.generation.name) == signature:
            return dataclasses.replace(index, index_dir=index_dir,
                                       generation=index_dir / index.generation.name,
                                       _reader=index._reader)
    if missed is not None:
        missed.append(key)
    return None


def open_readers() -> None:
    """Open a reader on each held generation, which ``reuse`` then hands out with it: only
    in a process that lets no other read through its readers (a server's spare worker; never
    the server, whose forked workers would share the readers' file offsets)."""
    from searcher.errors import SearcherError

    for _, index in _held.values():
        try:
            index.reader()
        except SearcherError:
            pass  # a damaged generation: the command that opens it says so


def held() -> list[OpenIndex]:
    """The generations held, least recently held first."""
    return [index for _, index in _held.values()]


def changed() -> list[Path]:
    """The held index folders whose pointers or live generation changed since they were held
    (a ``searcher index`` since, or one under way in place): four stat calls an index, their
    results compared (a writer adds, renames or removes files in a generation, which changes the
    generation folder's). The folder's own stat is left out: a writer's lock and the
    generation it is still building change only that."""
    return [Path(key) for key, (signature, index) in _held.items()
            if (_pointers(key, index.generation.name) or (None,))[1:] != signature[1:4]]


def _signature(index_dir: str, generation: str) -> tuple | None:
    """What changes when anything ``open_index`` reads or checks changes: the stat of the
    folder, its pointers, the generation folder and each of its entries; None when the
    folder or the generation is gone."""
    parts = _pointers(index_dir, generation)
    if parts is None:
        return None
    try:
        with os.scandir(os.path.join(index_dir, generation)) as entries:
            listed = sorted((entry.name, _stat_key(entry.stat(follow_symlinks=False)))
                            for entry in entries)
    except OSError:
        return None
    return parts + tuple(listed)


def _pointers(index_dir: str, generation: str) -> tuple | None:
    """The stat of the folder, its pointers and the generation folder (``_signature``'s
    first four parts); None when the folder, ``CURRENT`` or the generation is gone."""
    from searcher.engine.directory import CURRENT, PREVIOUS

    parts = []
    for path in (index_dir, os.path.join(index_dir, CURRENT), os.path.join(index_dir, PREVIOUS),
                 os.path.join(index_dir, generation)):
        try:
            parts.append(_stat_key(os.lstat(path)))
        except FileNotFoundError:
            if path != os.path.join(index_dir, PREVIOUS):
                return None
            parts.append(None)
    return tuple(parts)


def _stat_key(info: os.stat_result) -> tuple:
    return (info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns, info.st_ctime_ns,
            info.st_mode, info.st_uid)
