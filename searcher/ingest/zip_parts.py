"""The parts of zip-based formats (DOCX, EPUB, ODT), read within bounds, so that a crafted file
(a zip bomb: a part that inflates a thousandfold, millions of parts or of elements) costs only
itself:

* at most ``MAX_PARTS`` parts, counted from the zip's directory before ``zipfile`` builds an
  entry for each;
* a part inflates to at most ``MAX_PART_BYTES``, and what is read of one file to at most
  ``MAX_ARCHIVE_BYTES`` (``zipfile`` never inflates a part past the size it declares, so
  checking that size bounds the work);
* an XML part holds at most ``MAX_TAGS`` tags, counted as ``<`` before it is parsed (a parser
  spends a hundred bytes or more on each element; a tag can be four bytes).

A part past a bound raises ``DocumentError`` naming the part and the bound; ``formats`` then
skips the file with that reason.

    >>> Archive(b"not a zip", "EPUB")
    Traceback (most recent call last):
    searcher.errors.DocumentError: cannot read EPUB: not a zip file (File is not a zip file)
"""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree import ElementTree

from searcher.errors import DocumentError

MAX_PARTS = 10_000
MAX_PART_BYTES = 64_000_000
MAX_ARCHIVE_BYTES = 256_000_000
MAX_TAGS = 2_000_000
_DIRECTORY_ENTRY = b"PK\x01\x02"  # starts each part's entry in the zip's central directory
_BLOCK = 1 << 20


class Archive:
    """A zip file's parts, read within the bounds above; ``kind`` names the format in errors."""

    def __init__(self, data: bytes, kind: str) -> None:
        # Every entry starts with the signature, so this counts at least the entries.
        if data.count(_DIRECTORY_ENTRY) > MAX_PARTS:
            raise DocumentError(f"cannot read {kind}: more than {MAX_PARTS:,} parts")
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise DocumentError(f"cannot read {kind}: not a zip file ({error})") from error
        self.kind = kind
        self.inflated = 0  # bytes read (or checked) so far

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def names(self) -> list[str]:
        return self._zip.namelist()

    def infos(self) -> list[zipfile.ZipInfo]:
        """Every part's entry, in the zip's order (a name may be given twice)."""
        return self._zip.infolist()

    def read(self, name: str) -> bytes:
        """Part ``name``, inflated."""
        self._claim(self._info(name))
        with _PartReader(self._zip, name) as part:
            return part.read()

    def xml(self, name: str) -> ElementTree.Element:
        """Part ``name`` parsed as XML (with the standard library's parser)."""
        data = self.read(name)
        _check_tags(name, data.count(b"<"))
        try:
            return ElementTree.fromstring(data)
        except ElementTree.ParseError as error:
            raise DocumentError(f"cannot read {name}: not well-formed XML ({error})") from error

    def check_all(self) -> None:
        """Hold every part to the bounds, tags included, without keeping it: for a library
        that opens the file and reads every part itself (python-docx)."""
        for info in self._zip.infolist():
            self._claim(info)
            tags = 0
            with _PartReader(self._zip, info.filename) as part:
                while block := part.read(_BLOCK):
                    tags += block.count(b"<")
            _check_tags(info.filename, tags)

    def _info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self._zip.getinfo(name)
        except KeyError:
            raise DocumentError(f"cannot read {self.kind}: {name} missing from the archive"
                                ) from None

    def _claim(self, info: zipfile.ZipInfo) -> None:
        if info.file_size > MAX_PART_BYTES:
            raise DocumentError(f"cannot read {info.filename}: inflates to more than "
                                f"{MAX_PART_BYTES:,} bytes")
        self.inflated += info.file_size
        if self.inflated > MAX_ARCHIVE_BYTES:
            raise DocumentError(f"cannot read {self.kind}: its parts inflate to more than "
                                f"{MAX_ARCHIVE_BYTES:,} bytes")


class _PartReader:
    """One part open for reading; a damaged part raises ``DocumentError`` naming it."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.name = name
        try:
            self._part = archive.open(name)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError,
                RuntimeError) as error:  # RuntimeError: an encrypted part
            raise DocumentError(f"cannot read {name}: {error}") from error

    def __enter__(self) -> _PartReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._part.close()

    def read(self, size: int = -1) -> bytes:
        try:
            return self._part.read(size)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as error:
            raise DocumentError(f"cannot read {self.name}: {error}") from error


def _check_tags(name: str, tags: int) -> None:
    if tags > MAX_TAGS:
        raise DocumentError(f"cannot read {name}: more than {MAX_TAGS:,} XML tags")
