"""Word files (``.docx``): all the text a reader sees, in document order — the body's
paragraphs and table rows (nested tables, content controls, tracked insertions, smart tags,
simple fields and text boxes included), then the footnotes and endnotes, then the headers and
footers; the date and author of the byline at the top of the text, else the creation date and
author of the file's core properties (often the day and the account of whoever saved it); the
title from those properties.

What a reader does not see is left out: deleted and moved-away text (``w:del``,
``w:moveFrom``), field codes (``w:instrText``), ruby annotations over a word (``w:rt``, which
would split it), and the copy Word writes of each text box for older readers
(``mc:Fallback``).

Every part is held to the bounds of ``zip_parts`` before python-docx opens the file (it reads
them all). An entity reference (``&xxe;``, declared in a DOCTYPE that Word never writes) is
never resolved: python-docx's parser leaves it as a node, which is dropped, keeping the text
after it.

    >>> sorted(SUFFIXES)
    ['.docx']
"""

from __future__ import annotations

from collections.abc import Iterator

from searcher.ingest.bylines import document_fields
from searcher.ingest.metadata import make_document
from searcher.ingest.zip_parts import Archive
from searcher.models import Document

SUFFIXES = {".docx"}

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_P, _TBL, _TR, _TC, _T = _W + "p", _W + "tbl", _W + "tr", _W + "tc", _W + "t"
_TEXT_BOX = _W + "txbxContent"
_ALTERNATE, _CHOICE, _FALLBACK = (_MC + "AlternateContent", _MC + "Choice", _MC + "Fallback")
# Run content that stands for a character (as python-docx reads it, but every break a newline:
# a page break between two words must not join them).
_CHARACTERS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n",
               _W + "noBreakHyphen": "-"}
# Elements whose text a reader never sees, or that hold none: deletions, text moved away (its
# copy is in ``w:moveTo``), ruby text over a base, and properties (``w:pPr`` holds ``w:tab``
# stops, ``w:rPr`` deletion marks). Field codes (``w:instrText``) and deleted text
# (``w:delText``) are never read, being neither ``w:t`` nor in ``_CHARACTERS``.
_UNSEEN = {_W + name for name in ("del", "moveFrom", "rt", "pPr", "rPr", "sdtPr", "sdtEndPr",
                                  "tblPr", "tblGrid", "trPr", "tcPr", "sectPr")}
# Wrappers a table's rows or a row's cells may sit in.
_WRAPPERS = {_W + "sdt", _W + "sdtContent", _W + "customXml"}
_NOTES = ("footnotes", "endnotes")
_RUNNING = {"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"}
_NOTE_KINDS = {_W + "footnote", _W + "endnote"}
_SEPARATORS = {"separator", "continuationSeparator", "continuationNotice"}


def parse_docx(data: bytes, path: str, warnings: list[str]) -> Document:
    """The document in a DOCX file's bytes (a file that is not one raises; ``formats``
    reports it)."""
    # Imported here: ``searcher search`` never reads a Word file.
    import io

    import docx

    with Archive(data, "DOCX") as archive:
        archive.check_all()
    document = docx.Document(io.BytesIO(data))
    _drop_entities(document)
    lines = list(_block_texts(document, path, warnings))
    core = document.core_properties
    fields = {"title": core.title, "author": core.author,
              "date": core.created.date().isoformat() if core.created else None}
    body = "\n".join(line for line in lines if line)
    return make_document(path, body, document_fields(body, fields), warnings)


def _drop_entities(document) -> None:
    """Remove each unresolved entity node from the file's XML parts, keeping the text after
    it (only a text element's own text is read: the rest would be lost)."""
    from docx.opc.part import XmlPart

    for part in document.part.package.iter_parts():
        if isinstance(part, XmlPart):
            _drop_entities_in(part.element)


def _drop_entities_in(element) -> None:
    from lxml import etree

    for entity in list(element.iter(etree.Entity)):
        parent, before = entity.getparent(), entity.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + (entity.tail or "")
        else:
            parent.text = (parent.text or "") + (entity.tail or "")
        parent.remove(entity)


def _block_texts(document, path: str = "", warnings: list[str] | None = None) -> Iterator[str]:
    """The lines of the body in the order it holds them, then of the notes, then of each
    header and footer once (as Recoll reads them; after the body, so that a running head
    is never taken for the byline at the top of the text)."""
    yield from _blocks(document.element.body)
    for kind in _NOTES:
        notes = _notes_element(document, kind, path, warnings)
        for note in [] if notes is None else notes:
            if note.tag in _NOTE_KINDS and note.get(_W + "type") not in _SEPARATORS:
                yield from _blocks(note)
    # Each part once; and once each text, for sections whose headers are copies of one
    # another (Word gives each section its own part when "link to previous" is off).
    related = document.part.related_parts
    references = document.element.body.iter(_W + "headerReference", _W + "footerReference")
    parts = dict.fromkeys(related[reference.get(_R + "id")] for reference in references
                          if reference.get(_R + "id") in related)
    texts = ("\n".join(line for line in _blocks(part.element) if line)
             for part in parts if part.content_type in _RUNNING)
    yield from dict.fromkeys(texts)


def _notes_element(document, kind: str, path: str, warnings: list[str] | None):
    """The root of the file's footnotes or endnotes part, or None. python-docx loads these
    parts as bytes, so they are parsed here, with its parser (which resolves no entity); a
    damaged one costs its notes, with a warning, not the file."""
    from docx.opc.part import XmlPart
    from docx.oxml import parse_xml
    from lxml import etree

    for relationship in document.part.rels.values():
        if relationship.is_external or relationship.reltype != _RELATIONSHIPS + kind:
            continue
        part = relationship.target_part
        if isinstance(part, XmlPart):
            return part.element
        try:
            element = parse_xml(part.blob)
        except etree.XMLSyntaxError as error:
            if warnings is not None:
                warnings.append(f"{path}: cannot read {str(part.partname).lstrip('/')} "
                                f"({error}); its {kind} are not indexed")
            return None
        _drop_entities_in(element)
        return element
    return None


def _blocks(container) -> Iterator[str]:
    """The lines of the paragraphs and tables in ``container`` (a body, a cell, a note, a
    text box, a header), in order, looking into the content controls and custom XML that
    may wrap them."""
    for child in container:
        tag = child.tag
        if tag == _P:
            yield from _paragraph(child)
        elif tag == _TBL:
            yield from _table(child)
        elif tag == _ALTERNATE:
            yield from _blocks(_chosen(child))
        elif tag not in _UNSEEN and len(child):
            yield from _blocks(child)


def _paragraph(paragraph) -> Iterator[str]:
    """A paragraph's text on a line, then the lines of the text boxes it anchors."""
    pieces: list[str] = []
    boxes: list = []
    _inline(paragraph, pieces, boxes)
    yield "".join(pieces).strip()
    for box in boxes:
        yield from _blocks(box)


def _inline(element, pieces: list[str], boxes: list) -> None:
    """The text within a paragraph, into ``pieces``, whatever wraps its runs (tracked
    insertions, hyperlinks, content controls, smart tags, simple fields, ruby); the text
    boxes it anchors into ``boxes``, unread."""
    for child in element:
        tag = child.tag
        if tag == _T:
            pieces.append(child.text or "")
        elif tag in _CHARACTERS:
            pieces.append(_CHARACTERS[tag])
        elif tag == _TEXT_BOX:
            boxes.append(child)
        elif tag == _ALTERNATE:
            _inline(_chosen(child), pieces, boxes)
        elif tag not in _UNSEEN and len(child):
            _inline(child, pieces, boxes)


def _chosen(alternate):
    """The one branch of an ``mc:AlternateContent`` to read: its first ``mc:Choice`` (Word
    writes a text box both as DrawingML there and as VML in ``mc:Fallback``, for readers that
    know no DrawingML); the fallback only when there is no choice, being then the only copy."""
    for tag in (_CHOICE, _FALLBACK):
        branch = alternate.find(tag)
        if branch is not None:
            return branch
    return ()


def _table(table) -> Iterator[str]:
    """A line per row: its cells' text joined by tabs. A cell merged across columns is one
    ``w:tc``, and the cells it covers in the rows below are empty: each is read once. A
    table inside a cell is part of that cell's text."""
    for row in _wrapped(table, _TR):
        cells = ("\n".join(line for line in _blocks(cell) if line) for cell in _wrapped(row, _TC))
        yield "\t".join(cell for cell in cells if cell)


def _wrapped(element, tag: str) -> Iterator:
    """The children of ``element`` called ``tag``, and those within content controls and
    custom XML."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _wrapped(child, tag)
        elif child.tag == _ALTERNATE:
            yield from _wrapped(_chosen(child), tag)
