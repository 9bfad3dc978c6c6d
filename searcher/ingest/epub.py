"""E-books (``.epub``) and OpenDocument text (``.odt``): zip files of XML, read within the bounds
of ``zip_parts``.

EPUB: ``META-INF/container.xml`` names the package document (OPF), whose spine gives the
chapters' reading order and whose ``dc:title``, ``dc:creator`` and ``dc:date`` the metadata;
each chapter's XHTML, decoded as it declares (``decoding``; a chapter that cannot be is left
out with a warning), becomes its visible text (``html.visible_text``: a book's chapter is all
text, with none of a web page's clutter to drop). A chapter the spine lists again is read
once, and chapters stop being read once the book's text is as long as a document can be
(``MAX_DOCUMENT_CHARS``). ODT: ``content.xml``'s headings and paragraphs in order,
``meta.xml``'s title, and the date and author of the byline at the top of the text, else
``meta.xml``'s creation date and creator (as for a Word file).

    >>> sorted(SUFFIXES)
    ['.epub', '.odt']
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote
from xml.etree import ElementTree

from searcher.errors import DocumentError
from searcher.ingest.bylines import document_fields
from searcher.ingest.decoding import decode
from searcher.ingest.html import declared_charset, visible_text
from searcher.ingest.metadata import MAX_DOCUMENT_CHARS, make_document
from searcher.ingest.zip_parts import Archive
from searcher.models import Document

EPUB_SUFFIXES = {".epub"}
ODT_SUFFIXES = {".odt"}
SUFFIXES = EPUB_SUFFIXES | ODT_SUFFIXES

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"


def parse_epub(data: bytes, path: str, warnings: list[str]) -> Document:
    """The book in an EPUB file's bytes, its chapters in spine order."""
    with Archive(data, "EPUB") as book:
        container = book.xml("META-INF/container.xml")
        rootfile = container.find(f".//{_CONTAINER}rootfile")
        if rootfile is None or not rootfile.get("full-path"):
            raise DocumentError("cannot read EPUB: container.xml names no package document")
        opf_path = rootfile.get("full-path")
        opf = book.xml(opf_path)
        chapters, length = [], 0
        for member in _spine(opf, opf_path, path, warnings):
            if length > MAX_DOCUMENT_CHARS:
                break  # the rest would be cut (``formats`` says so)
            data = book.read(member)
            try:
                chapter, _ = decode(data, f"{path}: {member}", warnings, declared_charset(data))
            except DocumentError as error:
                warnings.append(f"{error}; chapter left out")
                continue
            chapters.append(visible_text(chapter))
            length += len(chapters[-1])
        fields = {key: _first_text(opf, f"{_DC}{tag}")
                  for key, tag in (("title", "title"), ("author", "creator"), ("date", "date"))}
    return make_document(path, "\n\n".join(c for c in chapters if c), fields, warnings)


def _spine(opf: ElementTree.Element, opf_path: str, path: str,
           warnings: list[str]) -> list[str]:
    """The chapters' parts in reading order, each once (a spine may list one many times)."""
    manifest = {item.get("id"): item.get("href") for item in opf.iter(f"{_OPF}item")}
    members: dict[str, None] = {}
    for itemref in opf.iter(f"{_OPF}itemref"):
        href = manifest.get(itemref.get("idref"))
        if href is None:
            warnings.append(f"{path}: spine item {itemref.get('idref')!r} not in the "
                            f"manifest; left out")
            continue
        members[posixpath.normpath(posixpath.join(posixpath.dirname(opf_path),
                                                  unquote(href)))] = None
    return list(members)


def parse_odt(data: bytes, path: str, warnings: list[str]) -> Document:
    """The text of an OpenDocument file's bytes: headings and paragraphs in order."""
    with Archive(data, "ODT") as document:
        content = document.xml("content.xml")
        lines = ["".join(block.itertext()).strip() for block in content.iter()
                 if block.tag in (f"{_TEXT}p", f"{_TEXT}h")]
        fields = {}
        if "meta.xml" in document.names():
            meta = document.xml("meta.xml")
            fields = {"title": _first_text(meta, f"{_DC}title"),
                      "author": _first_text(meta, f"{_DC}creator")
                      or _first_text(meta, f"{_META}initial-creator"),
                      "date": (_first_text(meta, f"{_META}creation-date") or "")[:10] or None}
    body = "\n".join(line for line in lines if line)
    return make_document(path, body, document_fields(body, fields), warnings)


def _first_text(root: ElementTree.Element, tag: str) -> str | None:
    element = root.find(f".//{tag}")
    return ("".join(element.itertext()).strip() or None) if element is not None else None
