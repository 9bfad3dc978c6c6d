"""Word files (``.docx``): paragraphs and table cells in document order, with python-docx; the
date and author of the byline at the top of the text, else the creation date and author of the
file's core properties (often the day and the account of whoever saved it); the title from
those properties.

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
    lines = list(_block_texts(document))
    core = document.core_properties
    fields = {"title": core.title, "author": core.author,
              "date": core.created.date().isoformat() if core.created else None}
    body = "\n".join(line for line in lines if line)
    return make_document(path, body, document_fields(body, fields), warnings)


def _drop_entities(document) -> None:
    """Remove each unresolved entity node from the file's XML parts, keeping the text after
    it (python-docx reads a text element's own text only: the rest would be lost)."""
    from docx.opc.part import XmlPart
    from lxml import etree

    for part in document.part.package.iter_parts():
        if not isinstance(part, XmlPart):
            continue
        for entity in list(part.element.iter(etree.Entity)):
            parent, before = entity.getparent(), entity.getprevious()
            if before is not None:
                before.tail = (before.tail or "") + (entity.tail or "")
            else:
                parent.text = (parent.text or "") + (entity.tail or "")
            parent.remove(entity)


def _block_texts(document) -> Iterator[str]:
    """Each paragraph's text and each table row's cells, in the order the body holds them
    (``document.paragraphs`` alone would lose the tables, ``.tables`` their place)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            yield block.text.strip()
        elif isinstance(block, Table):
            for row in block.rows:
                cells = dict.fromkeys(c.text.strip() for c in row.cells)  # merged cells repeat
                yield "\t".join(c for c in cells if c)
