"""The folder Whoosh writes a generation in: Whoosh's ``FileStorage`` creating and opening its
files as ``directory`` does.

``IndexStorage`` creates its segment files, tables of contents, temporary folders and lock
files without group or other write whatever the umask, and never through a symbolic link
(``directory.create_file``, ``make_folder``); what it opens is a regular file of its own
folder, named as a plain name, opened without following a link or waiting on a FIFO
(``directory.open_inside``; anything else is a damaged index, ``FormatError``). Its index
reads its table of contents through ``claims``.
"""

from __future__ import annotations

import os
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import _DEF_INDEX_NAME
from whoosh.util import random_name

from searcher.engine.directory import FILE_MODE, create_file, make_folder, open_inside
from searcher.engine.whoosh.claims import CheckedIndex


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
