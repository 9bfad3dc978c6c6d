"""Files replaced all at once and made durable: a reader, or the machine after a power cut,
sees the old content or the new, never part of either.

    >>> replace_file(Path(folder) / "CURRENT", "gen-2\\n")   # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path


TEMPORARY_SUFFIX = ".tmp"  # what ``replace_file`` writes before its rename


def replace_file(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) beside ``path``, flush it to disk, rename it over
    ``path`` and flush the folder (so the rename, too, survives a power cut). The temporary
    file is created afresh and never through a symbolic link someone planted in its place."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    temporary = path.with_name(path.name + TEMPORARY_SUFFIX)
    try:
        os.unlink(temporary)  # left by a crash; unlinking a link never touches its target
    except FileNotFoundError:
        pass
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as error:
        os.unlink(temporary)  # a full disk: the space it took is free again, and nothing left
        if isinstance(error, OSError) and not error.filename:
            error.filename = str(path)  # "No space left on device" names no file
        raise
    os.replace(temporary, path)
    fsync_dir(path.parent)


def write_cache_file(path: Path, data: bytes) -> None:
    """Write a file of a cache whole or not at all (a temporary file of this process's, then
    a rename), in a folder made only its owner's; not flushed to disk: what a cache holds is
    checked when read, and made again when it fails. ``OSError`` if it cannot be written."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}{TEMPORARY_SUFFIX}")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass  # never made
        raise


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (files created, renamed or removed in it) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a file's content to disk."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_tree(path: Path) -> None:
    """Flush every file directly in a folder, then the folder itself."""
    for file in path.iterdir():
        if file.is_file() and not file.is_symlink():
            fsync_file(file)
    fsync_dir(path)
