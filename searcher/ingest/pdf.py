"""PDF files (``.pdf``): the text layer in reading order, page by page, with pypdf, its lines
joined into paragraphs and its running headers, footers and page numbers dropped
(``reflow``); the date and author of the byline at the top of the text, else the creation
date and author of the document's information dictionary (often the day and the account of
whoever saved the file); the title from that dictionary.

A PDF whose pages hold no text (a scan) is refused with that reason rather than indexed as
nothing, unless OCR is on: then such a page is read from its images (``scans``). An encrypted
one that does not open with the empty password is refused too. The body separates the pages
with a blank line, unless a paragraph runs on from one to the next; ``Document.pages`` holds
the offset at which each starts, so a passage's page can be named. At most ``MAX_PAGES``
pages are read (with a warning), and none once the text is as long as a document can be
(``MAX_DOCUMENT_CHARS``); pypdf bounds what each stream inflates to (75 MB).

    >>> pdf_date("D:20240826083000+08'00'")
    '2024-08-26'
"""

from __future__ import annotations

import re

from searcher.errors import DocumentError
from searcher.ingest.bylines import document_fields
from searcher.ingest.metadata import MAX_DOCUMENT_CHARS, make_document
from searcher.ingest.ocr import ImageReader
from searcher.ingest.reflow import reflow
from searcher.ingest.scans import page_images
from searcher.models import Document

SUFFIXES = {".pdf"}
MAX_PAGES = 10_000

_PDF_DATE_RE = re.compile(r"(?:D:)?(\d{4})(\d{2})(\d{2})")


def pdf_date(value: str) -> str | None:
    """A PDF date string (``D:YYYYMMDDHHmmSS…``) as ``YYYY-MM-DD`` text for ``make_document``
    to check, or None when it holds no date."""
    match = _PDF_DATE_RE.match(value.strip())
    return "-".join(match.groups()) if match else None


def parse_pdf(data: bytes, path: str, warnings: list[str],
              ocr: ImageReader | None = None) -> Document:
    """The document in a PDF's bytes; ``DocumentError`` when it is encrypted or has no text.
    With ``ocr``, a page without text is read from the images drawn on it (``scans``)."""
    # Imported here: ``searcher search`` never reads a PDF and should not pay for pypdf.
    import io
    import logging

    from pypdf import PdfReader

    # pypdf logs every defect it repairs in a damaged file, some at ERROR; the rule is one
    # warning line per file, and a file it cannot repair raises (``formats`` reports it).
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentError("encrypted PDF (needs a password); not read")
    texts: list[str] = []
    length = 0
    for number, page in enumerate(reader.pages):
        if number == MAX_PAGES:
            warnings.append(f"{path}: more than {MAX_PAGES:,} pages; only the first "
                            f"{MAX_PAGES:,} are read")
            break
        if length > MAX_DOCUMENT_CHARS:
            break  # the rest would be cut (``formats`` says so)
        text = page.extract_text() or ""
        if ocr is not None and not text.strip():
            text = ocr.page(page_images(page, number + 1, path, warnings))
        texts.append(text)
        length += len(text)
    info = reader.metadata or {}
    fields = {"title": info.get("/Title"), "author": info.get("/Author"),
              "date": pdf_date(str(info.get("/CreationDate") or ""))}
    body, pages = reflow(texts)
    if not body.strip():
        raise DocumentError("no text layer (a scanned PDF?); not indexed" if ocr is None else
                            "no text layer, and no text in its pages' images; not indexed")
    fields = document_fields(body, {k: str(v) for k, v in fields.items() if v})
    return make_document(path, body, fields, warnings, pages=pages)
