"""Word files (``.docx``): paragraphs and table cells in document order, with python-docx, and
the title, author and creation date from the file's core properties.

    >>> sorted(SUFFIXES)
    ['.docx']
"""

from __future__ import annotations

from collections.abc import Iterator

from searcher.ingest.metadata import make_document
from searcher.models import Document

SUFFIXES = {".docx"}


def parse_docx(data: bytes, path: str, warnings: list[str]) -> Document:
    """The document in a DOCX file's bytes (a file that is not one raises; ``formats``
    reports it)."""
    # Imported here: ``searcher search`` never reads a Word file.
    import io

    import docx

    document = docx.Document(io.BytesIO(data))
    lines = list(_block_texts(document))
    core = document.core_properties
    fields = {"title": core.title, "author": core.author,
              "date": core.created.date().isoformat() if core.created else None}
    body = "\n".join(line for line in lines if line)
    return make_document(path, body, fields, warnings)


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
