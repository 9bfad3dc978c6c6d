"""The folder Whoosh writes a generation in, and who may have written an index folder.

An index is data this program trusts (its pickles are allow-listed, but a planted file could
still make searches lie), so, as ssh treats ``authorized_keys``, an index folder, its
pointers or any file of its live generation that another user owns, or that group or others
may write, is refused with one line (``refuse_unsafe``). For the same reason everything
written here is created without group or other write whatever the umask, and never through a
symbolic link: ``IndexStorage`` is Whoosh's ``FileStorage`` with its file, folder and lock
creation done that way. What it opens is a regular file of its own folder, named as a plain
name, opened without following a link or waiting on a FIFO; anything else is a damaged index
(``codec.FormatError``). Its index reads its table of contents through ``claims``.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import _DEF_INDEX_NAME
from whoosh.util import random_name

from searcher.engine.claims import CheckedIndex
from searcher.engine.format.records import FormatError
from searcher.errors import IndexUnsafeError
from searcher.regular_files import NotRegularFileError, open_regular

FILE_MODE = 0o644  # the umask may take more away, never add group or other write
FOLDER_MODE = 0o755
# A name Whoosh or searcher gives a file of a generation: one entry of the folder, nothing
# that leads out of it.
FILE_NAME = re.compile(r"[0-9A-Za-z_][0-9A-Za-z_.-]*\Z")


def make_folder(path: Path, parents: bool = False) -> None:
    """Create ``path`` (if missing) without group or other write."""
    path.mkdir(mode=FOLDER_MODE, parents=parents, exist_ok=True)


def create_file(path: Path, exclusive: bool = False) -> int:
    """A file descriptor open on ``path`` (for writing, and reading back), created without
    group or other write, never through a symbolic link (one planted there makes it fail with
    ``ELOOP``)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | (os.O_EXCL if exclusive else os.O_TRUNC)
    return os.open(path, flags, FILE_MODE)


class IndexStorage(FileStorage):
    """Whoosh's file storage, creating what it writes as ``create_file`` and ``make_folder``
    do: its segment files, tables of contents, temporary folders and lock files."""

    def create(self) -> IndexStorage:
        make_folder(Path(self.folder), parents=True)
        return self

    def create_file(self, name, excl=False, mode="wb", **kwargs):
        path = self._fpath(name)
        fd = create_file(Path(path), exclusive=excl)
        return _WrittenFile(path, os.fdopen(fd, mode), name=name, **kwargs)

    def open_file(self, name, **kwargs):
        return StructFile(open_inside(Path(self.folder), name), name=name, **kwargs)

    def create_index(self, schema, indexname=_DEF_INDEX_NAME, indexclass=CheckedIndex):
        return super().create_index(schema, indexname, indexclass)

    def open_index(self, indexname=_DEF_INDEX_NAME, schema=None, indexclass=CheckedIndex):
        return super().open_index(indexname, schema, indexclass)

    def temp_storage(self, name=None):
        name = name or f"{random_name()}.tmp"
        return IndexStorage(os.path.join(self.folder, name)).create()

    def lock(self, name):
        # Whoosh's lock opens (creating) the file with the process's umask and follows links.
        os.close(os.open(self._fpath(name), os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE))
        return super().lock(name)


class _WrittenFile(StructFile):
    """A file being written: an error writing it names it (a full disk says only "No space
    left on device")."""

    def __init__(self, path: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._path = path

    def write(self, *args, **kwargs):
        try:
            return super().write(*args, **kwargs)
        except OSError as error:
            raise self._named(error)

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as error:
            raise self._named(error)

    def close(self) -> None:
        try:
            super().close()
        except OSError as error:
            raise self._named(error)

    def _named(self, error: OSError) -> OSError:
        error.filename = error.filename or self._path
        return error


def open_inside(folder: Path, name: str):
    """The file ``name`` of ``folder`` opened for reading, if ``name`` is a plain name and the
    file a regular file (not a link, a FIFO or a device); else ``FormatError``."""
    if not FILE_NAME.match(name):
        raise FormatError(f"{name!r} is not the name of a file of the index")
    try:
        return open_regular(folder / name, follow_links=False)
    except NotRegularFileError as error:
        raise FormatError(f"{name} is {error.kind}, not a file of the index") from None
    except FileNotFoundError:
        raise FormatError(f"{name} is missing") from None
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        raise FormatError(f"{name} is a symbolic link, not a file of the index") from None


def refuse_unsafe(index_dir: Path, paths: list[Path]) -> None:
    """Refuse the index at ``index_dir`` if ``index_dir`` or any of ``paths`` (which must not
    be symbolic links) is owned by another user (root aside) or writable by group or others."""
    me = os.geteuid()
    for path in [index_dir, *paths]:
        try:
            info = os.stat(path) if path == index_dir else os.lstat(path)
        except FileNotFoundError:
            continue  # not there (yet): nothing to trust
        # The fix each cause has: chmod cannot give a file back to its owner.
        if stat.S_ISLNK(info.st_mode):
            problem, fix = "is a symbolic link", "remove it, or rebuild the index elsewhere"
        elif info.st_uid not in (me, 0):
            problem = f"is owned by another user (uid {info.st_uid})"
            fix = (f'`chown -R "$USER" {index_dir}` as root, or rebuild the index '
                   f"elsewhere with --index")
        elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            problem, fix = "is writable by group or others", f"`chmod -R go-w {index_dir}`"
        else:
            continue
        raise IndexUnsafeError(
            f"refusing the index at {index_dir}: {path} {problem}, so anyone could change "
            f"what searches read; only you may write an index (fix: {fix})")


def generation_entries(generation: Path) -> list[Path]:
    """Everything in a generation folder (one level: Whoosh's temporary folders included)."""
    try:
        return [generation / name for name in os.listdir(generation)]
    except (FileNotFoundError, NotADirectoryError):
        return []
