"""Which reader reads which file, and the limits every document is held to.

A file's bytes become ``Document``s by its suffix: binary formats (PDF, DOCX, EPUB, ODT) go as
bytes to their readers; plain text, Markdown and HTML are decoded first (``decoding``: any
encoding an archive of Chinese commentary uses, and a page's in the charset it declares);
JSON Lines are UTF-8 by definition and read
line by line. Empty documents are dropped and huge ones cut, each with
a warning. ``document_path`` names a file's documents.

    >>> [d.title for d in parse_file("停火協議生效。".encode("big5"), "a.txt", []).documents]
    ['停火協議生效。']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from searcher.ingest import docx, epub, html, jsonl, markdown, pdf, plain_text
from searcher.errors import DocumentError
from searcher.ingest.decoding import decode
from searcher.ingest.metadata import MAX_DOCUMENT_CHARS
from searcher.models import Document

# Readers of formats that are bytes, not text, and the name ``-v`` prints for each.
BINARY_READERS: dict[str, tuple[Callable[[bytes, str, list[str]], Document], str]] = {
    **dict.fromkeys(pdf.SUFFIXES, (pdf.parse_pdf, "pdf")),
    **dict.fromkeys(docx.SUFFIXES, (docx.parse_docx, "docx")),
    **dict.fromkeys(epub.EPUB_SUFFIXES, (epub.parse_epub, "epub")),
    **dict.fromkeys(epub.ODT_SUFFIXES, (epub.parse_odt, "odt")),
}
CORPUS_SUFFIXES = (plain_text.SUFFIXES | markdown.SUFFIXES | html.SUFFIXES | jsonl.SUFFIXES
                   | set(BINARY_READERS))
JSONL_SUFFIXES = jsonl.SUFFIXES


@dataclass
class ParsedFile:
    documents: list[Document]
    encoding: str


def parse_file(data: bytes, path: str, warnings: list[str]) -> ParsedFile:
    """The documents in one corpus file's bytes; ``path`` names it in results. Problems that
    cost part of the file or its metadata go to ``warnings``; an unreadable file raises
    ``DocumentError``."""
    suffix = Path(path).suffix.lower()
    if suffix in jsonl.SUFFIXES:
        return ParsedFile(parse_jsonl_chunk(data.rstrip(b"\r\n"), 1, path, warnings), "utf-8")
    if suffix in BINARY_READERS:
        reader, kind = BINARY_READERS[suffix]
        try:
            document = reader(data, path, warnings)
        except DocumentError:
            raise
        # A damaged file makes a parsing library raise whatever its code met first (zlib,
        # struct, IndexError, lxml…): any of them means this one file cannot be read.
        except Exception as error:
            raise DocumentError(f"cannot read {kind.upper()}: {error or type(error).__name__}"
                                ) from error
        return ParsedFile(_kept([document], warnings), kind)
    declared = html.declared_charset(data) if suffix in html.SUFFIXES else None
    text, encoding = decode(data, path, warnings, declared)
    if suffix in markdown.SUFFIXES:
        document = markdown.parse_markdown(text, path, warnings)
    elif suffix in html.SUFFIXES:
        document = html.parse_html(text, path, warnings)
    else:
        document = plain_text.parse_text(text, path, warnings)
    return ParsedFile(_kept([document], warnings), encoding)


def parse_jsonl_chunk(data: bytes, first_line: int, path: str, warnings: list[str],
                      seen: set[str] | None = None) -> list[Document]:
    """The documents in a run of whole JSON Lines starting at line ``first_line``; ``seen``
    holds the paths of the file's earlier runs."""
    return _kept(jsonl.parse_jsonl_range(data, first_line, path, warnings, seen), warnings)


def document_path(relative: str) -> str:
    """The document path of a file at ``relative`` (a POSIX path under the corpus root): the
    path itself, with ``%`` and ``#`` escaped as ``%25`` and ``%23``, so that no file's path
    can equal a JSON Lines record's ``FILE#ID`` (``feed.jsonl#y.txt`` beside ``feed.jsonl``)."""
    return relative.replace("%", "%25").replace("#", "%23")


def _kept(documents: list[Document], warnings: list[str]) -> list[Document]:
    """Documents worth indexing: empty ones dropped, huge ones cut, each with a warning."""
    kept = []
    for doc in documents:
        if doc.body.strip():
            kept.append(_bounded(doc, warnings))
        else:
            warnings.append(f"{doc.path}: no text; not indexed")
    return kept


def _bounded(doc: Document, warnings: list[str]) -> Document:
    if len(doc.body) <= MAX_DOCUMENT_CHARS:
        return doc
    warnings.append(f"{doc.path}: {len(doc.body):,} characters; only the first "
                    f"{MAX_DOCUMENT_CHARS:,} are indexed")
    return replace(doc, body=doc.body[:MAX_DOCUMENT_CHARS],
                   pages=tuple(p for p in doc.pages if p < MAX_DOCUMENT_CHARS))
