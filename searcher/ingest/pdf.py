"""PDF files (``.pdf``): the text layer in reading order, page by page, with pypdf, and the
title, author and creation date from the document's information dictionary.

A PDF whose pages hold no text (a scan) is refused with that reason rather than indexed as
nothing; an encrypted one that does not open with the empty password is refused too. The body
joins the pages with a blank line; ``Document.pages`` holds the offset at which each starts,
so a passage's page can be named. At most ``MAX_PAGES`` pages are read (with a warning), and
none once the text is as long as a document can be (``MAX_DOCUMENT_CHARS``); pypdf bounds
what each stream inflates to (75 MB).

    >>> pdf_date("D:20240826083000+08'00'")
    '2024-08-26'
"""

from __future__ import annotations

import re

from searcher.errors import DocumentError
from searcher.ingest.metadata import MAX_DOCUMENT_CHARS, make_document
from searcher.models import Document

SUFFIXES = {".pdf"}
PAGE_SEPARATOR = "\n\n"
MAX_PAGES = 10_000

_PDF_DATE_RE = re.compile(r"(?:D:)?(\d{4})(\d{2})(\d{2})")


def pdf_date(value: str) -> str | None:
    """A PDF date string (``D:YYYYMMDDHHmmSS…``) as ``YYYY-MM-DD`` text for ``make_document``
    to check, or None when it holds no date."""
    match = _PDF_DATE_RE.match(value.strip())
    return "-".join(match.groups()) if match else None


def parse_pdf(data: bytes, path: str, warnings: list[str]) -> Document:
    """The document in a PDF's bytes; ``DocumentError`` when it is encrypted or has no text."""
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
        texts.append(_clean(page.extract_text() or ""))
        length += len(texts[-1])
    info = reader.metadata or {}
    fields = {"title": info.get("/Title"), "author": info.get("/Author"),
              "date": pdf_date(str(info.get("/CreationDate") or ""))}
    if not any(texts):
        raise DocumentError("no text layer (a scanned PDF?); not indexed")
    body, pages = "", []
    for text in texts:
        if body:
            body += PAGE_SEPARATOR
        pages.append(len(body))
        body += text
    fields = {k: str(v) for k, v in fields.items() if v}
    return make_document(path, body, fields, warnings, pages=tuple(pages))


def _clean(text: str) -> str:
    """A page's text without the trailing spaces and empty lines extraction leaves."""
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line).strip()
