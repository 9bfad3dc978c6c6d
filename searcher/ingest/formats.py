"""Which reader reads which file, and the limits every document is held to.

A file's bytes become ``Document``s by its name's suffix (``format_of``): binary formats (PDF,
DOCX, EPUB, ODT, RTF, MHTML) go as bytes to their readers; plain text, Markdown and HTML are
decoded first (``decoding``: any encoding an archive of Chinese commentary uses, and a page's
in the charset it declares); JSON Lines are UTF-8 by definition and read line by line. A container
(an archive, a ``.gz``, an e-mail or a mailbox: ``archives``, ``email_messages``) yields
members, each read the same way by its own name, within the bounds of ``members``; a member
that cannot be read is left out with a warning, and the rest are read. Empty documents are
dropped and huge ones cut, each with a warning. ``document_path`` names a file's documents,
``member_path`` a member's.

    >>> [d.title for d in parse_file("停火協議生效。".encode("big5"), "a.txt", []).documents]
    ['停火協議生效。']
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from searcher.errors import DocumentError
from searcher.ingest import (
    archives, docx, email_messages, epub, html, jsonl, markdown, mhtml, pdf, plain_text, rtf,
    scans)
from searcher.ingest.decoding import decode
from searcher.ingest.members import (
    MAX_NESTING, Budget, Member, document_path, member_path)
from searcher.ingest.metadata import MAX_DOCUMENT_CHARS
from searcher.ingest.ocr import ImageReader
from searcher.models import Document

__all__ = ["document_path", "member_path"]  # named here for the modules that name files

# Readers of formats that are bytes, not text, and the name ``-v`` prints for each.
BINARY_READERS: dict[str, tuple[Callable[[bytes, str, list[str]], Document], str]] = {
    **dict.fromkeys(pdf.SUFFIXES, (pdf.parse_pdf, "pdf")),
    **dict.fromkeys(docx.SUFFIXES, (docx.parse_docx, "docx")),
    **dict.fromkeys(epub.EPUB_SUFFIXES, (epub.parse_epub, "epub")),
    **dict.fromkeys(epub.ODT_SUFFIXES, (epub.parse_odt, "odt")),
    **dict.fromkeys(rtf.SUFFIXES, (rtf.parse_rtf, "rtf")),
    **dict.fromkeys(mhtml.SUFFIXES, (mhtml.parse_mhtml, "mhtml")),
}
# Readers of containers, ``(data, name, path, wanted, budget, warnings)`` → the documents and
# the members (those whose names ``wanted`` accepts) in them; and the name ``-v`` prints.
CONTAINERS: dict[str, tuple[Callable[..., Iterator[Document | Member]], str]] = {
    **dict.fromkeys(archives.ZIP_SUFFIXES, (archives.zip_members, "zip")),
    **dict.fromkeys(archives.TAR_SUFFIXES, (archives.tar_members, "tar")),
    **dict.fromkeys(archives.TAR_GZ_SUFFIXES, (archives.tar_gz_members, "tar+gzip")),
    archives.GZIP_SUFFIX: (archives.gzip_member, "gzip"),
    **dict.fromkeys(email_messages.EML_SUFFIXES, (email_messages.eml_items, "e-mail")),
    **dict.fromkeys(email_messages.MBOX_SUFFIXES, (email_messages.mbox_items, "mbox")),
}
CORPUS_SUFFIXES = (plain_text.SUFFIXES | markdown.SUFFIXES | html.SUFFIXES | jsonl.SUFFIXES
                   | set(BINARY_READERS) | set(CONTAINERS))
JSONL_SUFFIXES = jsonl.SUFFIXES
BATCH_DOCUMENTS = 100  # a container's documents are handed on this many at a time


@dataclass
class ParsedFile:
    documents: list[Document]
    encoding: str


def format_of(name: str, ocr: bool = False) -> str | None:
    """The suffix naming the format of a file or member called ``name`` (lower case;
    ``.tar.gz`` is one, and ``.gz`` only when the name without it is of a format), or None
    when searcher reads no such file. Images are read only with ``ocr``.

    >>> format_of("a.TXT"), format_of("b.tar.gz"), format_of("c.jsonl.gz"), format_of("d.sql.gz")
    ('.txt', '.tar.gz', '.gz', None)
    >>> format_of("scan.PNG"), format_of("scan.png", ocr=True)
    (None, '.png')
    """
    lower = name.lower()
    if lower.endswith(".tar.gz"):
        return ".tar.gz"
    suffix = posixpath.splitext(lower)[1]
    if suffix == archives.GZIP_SUFFIX:
        return suffix if format_of(lower[:-len(suffix)]) else None
    if ocr and suffix in scans.IMAGE_SUFFIXES:
        return suffix
    return suffix if suffix in CORPUS_SUFFIXES else None


def parse_file(data: bytes, path: str, warnings: list[str],
               ocr: ImageReader | None = None) -> ParsedFile:
    """The documents in one corpus file's bytes; ``path`` names it in results. Problems that
    cost part of the file or its metadata go to ``warnings``; an unreadable file raises
    ``DocumentError``. With ``ocr``, images and PDF pages without text are read by OCR."""
    batches = list(parse_batches(data, path, warnings, ocr))
    return ParsedFile([d for batch in batches for d in batch.documents], batches[-1].encoding)


def parse_batches(data: bytes, path: str, warnings: list[str],
                  ocr: ImageReader | None = None) -> Iterator[ParsedFile]:
    """The documents in one corpus file's bytes, as ``parse_file``, a batch at a time: a
    file's whole, or a container's, ``BATCH_DOCUMENTS`` at a time (so that a mailbox of
    thousands of messages is read a batch within each deadline: ``reading``). At least one
    batch; ``DocumentError`` for a file that cannot be read (before its first batch)."""
    suffix = format_of(path)
    kind = CONTAINERS[suffix][1] if suffix in CONTAINERS else ""
    batch: list[Document] = []
    batches = 0
    for documents, encoding in _read(data, path, path, warnings, Budget(path), 0, ocr):
        kind = kind or encoding
        batch.extend(documents)
        if len(batch) >= BATCH_DOCUMENTS:
            yield ParsedFile(batch, kind)
            batch, batches = [], batches + 1
    if batch or not batches:
        yield ParsedFile(batch, kind)


def parse_jsonl_chunk(data: bytes, first_line: int, path: str, warnings: list[str],
                      seen: set[str] | None = None) -> list[Document]:
    """The documents in a run of whole JSON Lines starting at line ``first_line``; ``seen``
    holds the paths of the file's earlier runs."""
    return _kept(jsonl.parse_jsonl_range(data, first_line, path, warnings, seen), warnings)


def _read(data: bytes, name: str, path: str, warnings: list[str], budget: Budget,
          depth: int, ocr: ImageReader | None) -> Iterator[tuple[list[Document], str]]:
    """The documents of a file or member called ``name`` whose document is ``path``, with
    the encoding each was read in; a container's as it reads them, ``depth`` levels down.
    A container's members are read without OCR (its images are not among them)."""
    suffix = format_of(name, ocr is not None and depth == 0)
    if suffix not in CONTAINERS:
        yield _leaf(data, suffix, path, warnings, ocr if depth == 0 else None)
        return
    items, kind = CONTAINERS[suffix]
    if depth > MAX_NESTING:
        warnings.append(f"{path}: a container inside {depth} others; not read")
        return
    seen: set[str] = set()
    try:
        for position, item in enumerate(items(data, name, path, _wanted, budget, warnings), 1):
            if isinstance(item, Document):
                yield _kept([item], warnings), kind
                continue
            if item.path in seen:  # a name given twice: the later one by its position
                item = replace(item, path=f"{item.path}~{position}")
            seen.add(item.path)
            try:
                yield from _read(item.data, item.name, item.path, warnings, budget, depth + 1,
                                 None)
            except DocumentError as error:
                warnings.append(f"{item.path}: {error}; not read")
    except DocumentError:
        raise
    # As for a binary format: a damaged container makes the standard library raise whatever
    # its code met first.
    except Exception as error:
        raise DocumentError(f"cannot read {kind}: {error or type(error).__name__}") from error


def _wanted(name: str) -> bool:
    """Whether a container's member called ``name`` is of a format searcher reads."""
    return format_of(name) is not None


def _leaf(data: bytes, suffix: str | None, path: str, warnings: list[str],
          ocr: ImageReader | None) -> tuple[list[Document], str]:
    """The documents of a file that is no container, with the encoding it was read in."""
    if ocr is not None and suffix in scans.IMAGE_SUFFIXES | pdf.SUFFIXES:
        reader, kind = ((scans.parse_image, "image") if suffix in scans.IMAGE_SUFFIXES
                        else (pdf.parse_pdf, "pdf"))
        return _binary(lambda *args: reader(*args, ocr=ocr), kind, data, path, warnings)
    if suffix in jsonl.SUFFIXES:
        return parse_jsonl_chunk(data.rstrip(b"\r\n"), 1, path, warnings), "utf-8"
    if suffix in BINARY_READERS:
        return _binary(*BINARY_READERS[suffix], data, path, warnings)
    declared = html.declared_charset(data) if suffix in html.SUFFIXES else None
    text, encoding = decode(data, path, warnings, declared)
    if suffix in markdown.SUFFIXES:
        document = markdown.parse_markdown(text, path, warnings)
    elif suffix in html.SUFFIXES:
        document = html.parse_html(text, path, warnings)
    else:
        document = plain_text.parse_text(text, path, warnings)
    return _kept([document], warnings), encoding


def _binary(reader: Callable[[bytes, str, list[str]], Document], kind: str, data: bytes,
            path: str, warnings: list[str]) -> tuple[list[Document], str]:
    """The document of a file of a binary format, read by ``reader``."""
    try:
        document = reader(data, path, warnings)
    except DocumentError:
        raise
    # A damaged file makes a parsing library raise whatever its code met first (zlib,
    # struct, IndexError, lxml…): any of them means this one file cannot be read.
    except Exception as error:
        raise DocumentError(f"cannot read {kind.upper()}: {error or type(error).__name__}"
                            ) from error
    return _kept([document], warnings), kind


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
