"""E-books (``.epub``) and OpenDocument text (``.odt``): zip files of XML, read with
``zipfile``.

EPUB: ``META-INF/container.xml`` names the package document (OPF), whose spine gives the
chapters' reading order and whose ``dc:title``, ``dc:creator`` and ``dc:date`` the metadata;
each chapter's XHTML becomes its visible text (``html.visible_text``: a book's chapter is all
text, with none of a web page's clutter to drop). ODT: ``content.xml``'s headings and
paragraphs in order, ``meta.xml``'s title, creator and creation date.

    >>> sorted(SUFFIXES)
    ['.epub', '.odt']
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from urllib.parse import unquote
from xml.etree import ElementTree

from searcher.errors import DocumentError
from searcher.ingest.html import visible_text
from searcher.ingest.metadata import make_document
from searcher.models import Document

EPUB_SUFFIXES = {".epub"}
ODT_SUFFIXES = {".odt"}
SUFFIXES = EPUB_SUFFIXES | ODT_SUFFIXES
# A member larger than this is not inflated: a zip bomb must not fill memory.
MAX_MEMBER_BYTES = 64_000_000

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"


def parse_epub(data: bytes, path: str, warnings: list[str]) -> Document:
    """The book in an EPUB file's bytes, its chapters in spine order."""
    with _opened(data, "EPUB") as book:
        container = _xml(book, "META-INF/container.xml")
        rootfile = container.find(f".//{_CONTAINER}rootfile")
        if rootfile is None or not rootfile.get("full-path"):
            raise DocumentError("cannot read EPUB: container.xml names no package document")
        opf_path = rootfile.get("full-path")
        opf = _xml(book, opf_path)
        manifest = {item.get("id"): item.get("href") for item in opf.iter(f"{_OPF}item")}
        chapters = []
        for itemref in opf.iter(f"{_OPF}itemref"):
            href = manifest.get(itemref.get("idref"))
            if href is None:
                warnings.append(f"{path}: spine item {itemref.get('idref')!r} not in the "
                                f"manifest; left out")
                continue
            member = posixpath.normpath(posixpath.join(posixpath.dirname(opf_path),
                                                       unquote(href)))
            chapters.append(visible_text(_member(book, member).decode("utf-8", "replace")))
        fields = {key: _first_text(opf, f"{_DC}{tag}")
                  for key, tag in (("title", "title"), ("author", "creator"), ("date", "date"))}
    return make_document(path, "\n\n".join(c for c in chapters if c), fields, warnings)


def parse_odt(data: bytes, path: str, warnings: list[str]) -> Document:
    """The text of an OpenDocument file's bytes: headings and paragraphs in order."""
    with _opened(data, "ODT") as document:
        content = _xml(document, "content.xml")
        lines = ["".join(block.itertext()).strip() for block in content.iter()
                 if block.tag in (f"{_TEXT}p", f"{_TEXT}h")]
        fields = {}
        if "meta.xml" in document.namelist():
            meta = _xml(document, "meta.xml")
            fields = {"title": _first_text(meta, f"{_DC}title"),
                      "author": _first_text(meta, f"{_DC}creator")
                      or _first_text(meta, f"{_META}initial-creator"),
                      "date": (_first_text(meta, f"{_META}creation-date") or "")[:10] or None}
    return make_document(path, "\n".join(line for line in lines if line), fields, warnings)


def _opened(data: bytes, kind: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DocumentError(f"cannot read {kind}: not a zip file ({error})") from error


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        if archive.getinfo(name).file_size > MAX_MEMBER_BYTES:
            raise DocumentError(f"cannot read {name}: larger than {MAX_MEMBER_BYTES:,} bytes")
        return archive.read(name)
    except KeyError as error:
        raise DocumentError(f"cannot read: {name} missing from the archive") from error
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
        raise DocumentError(f"cannot read {name}: {error}") from error


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(_member(archive, name))
    except ElementTree.ParseError as error:
        raise DocumentError(f"cannot read {name}: not well-formed XML ({error})") from error


def _first_text(root: ElementTree.Element, tag: str) -> str | None:
    element = root.find(f".//{tag}")
    return ("".join(element.itertext()).strip() or None) if element is not None else None
