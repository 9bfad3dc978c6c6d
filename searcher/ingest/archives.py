"""Archives: the members of a ``.zip``, a ``.tar`` (``.tar.gz``, ``.tgz``), and the one file a
``.gz`` compresses (``notes.txt.gz``, ``feed.jsonl.gz``), each held to the bounds of
``members`` and handed back as a ``Member`` for the reader its name's format calls for.

A zip is read through ``zip_parts`` (at most ``MAX_PARTS`` entries, each member's declared
size checked before it is inflated); a member's name that the zip does not mark as UTF-8 is
read as UTF-8 when it is, else as a Chinese system wrote it (GBK or Big5, as ``decoding``
guesses) rather than as the DOS code page the format's default names. A tar is read as a
stream, entry after entry, at most ``MAX_PARTS`` entries; gzip is inflated a block at a time,
never past what is left of the file's budget nor past ``MAX_RATIO`` times its own size. Only
the members whose names ``wanted`` accepts are read; folders, links and other entries are
passed over. A member that cannot be read is left out with a warning naming it; an archive
that cannot be opened at all raises ``DocumentError``.

    >>> [(m.name, m.path) for m in gzip_member(gzip.compress(b"..."), "a.txt.gz", "a.txt.gz",
    ...                                        bool, Budget("a.txt.gz"), [])]
    [('a.txt', 'a.txt.gz')]
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from searcher.errors import DocumentError
from searcher.ingest.decoding import decode
from searcher.ingest.members import (
    MAX_BYTES, MAX_RATIO, RATIO_FLOOR, Budget, Member, member_path, too_large)
from searcher.ingest.zip_parts import MAX_PARTS, Archive

ZIP_SUFFIXES = {".zip"}
TAR_SUFFIXES = {".tar"}
TAR_GZ_SUFFIXES = {".tgz", ".tar.gz"}
GZIP_SUFFIX = ".gz"
_UTF8_NAMES = 0x800  # a zip entry's flag: its name is UTF-8 (else the DOS code page, cp437)
_BLOCK = 1 << 20
T = TypeVar("T")  # an archive's handle on one of its entries
_TAR_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error, DocumentError)


def zip_members(data: bytes, name: str, path: str, wanted: Callable[[str], bool],
                budget: Budget, warnings: list[str]) -> Iterator[Member]:
    """The members of the zip ``data`` (the file or member ``name`` at ``path``) that are
    ``wanted``;
    a name given twice is read once, as ``unzip`` would leave it (its last entry)."""
    with Archive(data, "ZIP") as archive:
        entries = {info.filename: info for info in archive.infos() if not info.is_dir()}
        for name, where, info in _admitted(
                ((_zip_name(info), info.file_size, info.compress_size, info)
                 for info in entries.values()), path, wanted, budget, warnings):
            try:
                content = archive.read(info.filename)
            except DocumentError as error:
                warnings.append(f"{where}: {error}; not read")
                continue
            yield Member(name, content, where)


def tar_members(data: bytes, name: str, path: str, wanted: Callable[[str], bool],
                budget: Budget, warnings: list[str]) -> Iterator[Member]:
    """The regular files of the tar ``data`` that are ``wanted``, read as a stream; a
    damaged entry ends the reading, with a warning, keeping the members before it."""
    return _tar_members(io.BytesIO(data), path, wanted, budget, warnings)


def tar_gz_members(data: bytes, name: str, path: str, wanted: Callable[[str], bool],
                   budget: Budget, warnings: list[str]) -> Iterator[Member]:
    """The same of a gzipped tar, inflated as it is read."""
    return _tar_members(_Inflating(data, MAX_BYTES), path, wanted, budget, warnings)


def _tar_members(stream: io.RawIOBase, path: str, wanted: Callable[[str], bool],
                 budget: Budget, warnings: list[str]) -> Iterator[Member]:
    try:
        tar = tarfile.open(fileobj=stream, mode="r|")
    except _TAR_ERRORS as error:
        raise DocumentError(f"cannot read TAR: {_reason(error)}") from error
    with tar:
        for name, where, info in _admitted(_tar_files(tar, path, warnings), path, wanted,
                                           budget, warnings):
            try:
                content = tar.extractfile(info).read()
            except _TAR_ERRORS as error:
                warnings.append(f"{where}: {_reason(error)}; the rest is not read")
                return
            yield Member(name, content, where)


def _tar_files(tar: tarfile.TarFile, path: str, warnings: list[str]
               ) -> Iterator[tuple[str, int, int, tarfile.TarInfo]]:
    """``(name, size, size, entry)`` of each regular file of the tar stream, in order: no
    more than ``MAX_PARTS`` entries, none after a damaged one (a warning says which)."""
    for entries in range(MAX_PARTS + 1):
        try:
            info = tar.next()
        except _TAR_ERRORS as error:
            warnings.append(f"{path}: {_reason(error)} after {entries:,} entries; the rest "
                            f"is not read")
            return
        if info is None:
            return
        if entries == MAX_PARTS:
            warnings.append(f"{path}: more than {MAX_PARTS:,} entries; only the first "
                            f"{MAX_PARTS:,} are read")
            return
        if info.isfile():
            yield info.name.lstrip("/").removeprefix("./"), info.size, info.size, info


def _admitted(entries: Iterable[tuple[str, int, int, T]], path: str,
              wanted: Callable[[str], bool], budget: Budget, warnings: list[str]
              ) -> Iterator[tuple[str, str, T]]:
    """Of an archive's ``entries`` (``(name, size inflated, size stored, handle)``), those
    ``wanted`` and within a member's bounds, as ``(name, path, handle)``; until the archive's
    budget is spent. Each left out for its size is named in a warning."""
    for name, size, stored, handle in entries:
        if not wanted(name):
            continue
        where = member_path(path, name)
        if too_large(where, size, stored, warnings):
            continue
        if not budget.admit(size, warnings):
            return
        yield name, where, handle


def gzip_member(data: bytes, name: str, path: str, wanted: Callable[[str], bool],
                budget: Budget, warnings: list[str]) -> Iterator[Member]:
    """The one file the gzip ``data`` named ``name`` (``NAME.gz``, at ``path``) holds:
    ``NAME``, whose document is the gzip's own. A gzip that cannot be inflated within bounds
    raises ``DocumentError``."""
    stream = _Inflating(data, max(MAX_BYTES - budget.bytes, 0))
    content = b"".join(iter(lambda: stream.read(_BLOCK), b""))
    if budget.admit(len(content), warnings):
        yield Member(name[:-len(GZIP_SUFFIX)], content, path)


class _Inflating(io.RawIOBase):
    """A gzip's inflated bytes, read at most ``limit`` of them, and no more than
    ``MAX_RATIO`` times the gzip's own size (past ``RATIO_FLOOR``): past either, a read
    raises ``DocumentError``."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__()
        self._gzip = gzip.GzipFile(fileobj=io.BytesIO(data))
        self.limit, self.stored, self.inflated = limit, len(data), 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = _BLOCK if size is None or size < 0 else size
        try:
            block = self._gzip.read(min(size, self.limit + 1 - self.inflated))
        except (OSError, EOFError, zlib.error) as error:
            raise DocumentError(f"not a gzip file, or a damaged one ({error})") from error
        self.inflated += len(block)
        if self.inflated > self.limit:
            raise DocumentError(f"inflates to more than {self.limit:,} bytes")
        if self.inflated > RATIO_FLOOR and self.inflated > MAX_RATIO * self.stored:
            raise DocumentError(f"inflates more than {MAX_RATIO:,} times its size (a zip "
                                f"bomb?)")
        return block

    def readinto(self, buffer) -> int:
        block = self.read(len(buffer))
        buffer[:len(block)] = block
        return len(block)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its maker wrote it: a zip made on a Chinese system holds its names
    in GBK or Big5 without saying so (``zipfile`` reads such names as cp437, the format's
    default)."""
    if info.flag_bits & _UTF8_NAMES:
        return info.filename
    raw = info.filename.encode("cp437")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return decode(raw, info.filename)[0]
    except DocumentError:
        return info.filename


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__
