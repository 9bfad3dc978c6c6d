"""Web pages saved in one file (MHTML, RFC 2557: ``.mhtml`` from Chrome and Edge's "Webpage,
Single File", ``.mht`` from Internet Explorer, the old Edge and Word): a MIME message whose
root part is the page, its images, style sheets and frames the further parts. The page is read
as a saved ``.html`` file is (``html.parse_html``: the article, its title, date and author from
the page itself), decoded in the charset its part's ``Content-Type`` names, else the one the
page declares (``<meta charset>``), else as its bytes read best (``decoding``).

The root part is the one the ``start`` parameter names by its ``Content-ID``, else the first
``text/html`` part (a multipart part inside the message is looked into, ``MAX_DEPTH`` deep);
frames, images and style sheets are not read. The document's url is the page's own (``og:url``,
canonical link), else the address it was saved from: Chrome's ``Snapshot-Content-Location``,
else the root part's or the message's ``Content-Location`` (only a web address: Word writes a
``file:///`` path of the author's disk). The ``Subject`` is the page's ``<title>``, which the
page gives itself; the ``Date`` is when the page was saved, not when the article was written,
and is never its date.

A saved page holds its images inline, in base64: tens of megabytes are common. The message is
not parsed whole (``email`` would hold it as text several times its size): its parts are found
by their boundary lines in the bytes, only their headers are parsed, and only the root part is
decoded. A file whose page part holds more than ``MAX_MEMBER_BYTES``, or of more than
``MAX_MEMBERS`` parts, is not read; one that is not a MIME message, or has no HTML part, raises
``DocumentError``.

    >>> page = (b"Content-Type: multipart/related; boundary=B\\r\\n\\r\\n--B\\r\\n"
    ...         b"Content-Type: text/html; charset=utf-8\\r\\n"
    ...         b"Content-Transfer-Encoding: quoted-printable\\r\\n\\r\\n"
    ...         b"<title>=E5=81=9C=E7=81=AB</title><p>=E6=AD=A3=E6=96=87=E3=80=82</p>"
    ...         b"\\r\\n--B--\\r\\n")
    >>> document = parse_mhtml(page, "a.mhtml", [])
    >>> document.title, document.body
    ('停火', '正文。')
"""

from __future__ import annotations

import email
import itertools
import re
from collections.abc import Iterator
from dataclasses import replace
from email.message import Message
from email.policy import compat32

from searcher.errors import DocumentError
from searcher.ingest import html
from searcher.ingest.email_messages import part_text
from searcher.ingest.members import MAX_MEMBER_BYTES, MAX_MEMBERS
from searcher.models import Document

SUFFIXES = {".mhtml", ".mht"}
MAX_HEADER_BYTES = 65_536  # a message's or a part's headers (Chrome's are a few hundred bytes)
MAX_DEPTH = 2  # multipart parts inside the message looked into, this many levels down

_HEADER_END_RE = re.compile(rb"\r?\n\r?\n")
_LINE_END_RE = re.compile(rb"\r?\n")
_WEB_ADDRESS_RE = re.compile(r"https?://", re.IGNORECASE)
_PAGE_TYPES = {"text/html", "application/xhtml+xml"}  # what a browser saves a page as


def parse_mhtml(data: bytes, path: str, warnings: list[str]) -> Document:
    """The article in a saved page's MHTML bytes (a file that is not MIME, or holds no
    HTML part, raises ``DocumentError``)."""
    message = _headers(data)
    if message is None or message["Content-Type"] is None:
        raise DocumentError("not a MIME message: it has no Content-Type header")
    # The parts looked at, at every level: a message of a million empty parts costs no more
    # than one of ``MAX_MEMBERS``.
    root = _root(message, data, 0, itertools.count(1))
    if root is None:
        raise DocumentError("no HTML part (text/html) in the saved page")
    if len(root) > MAX_MEMBER_BYTES:
        raise DocumentError(f"its page part holds more than {MAX_MEMBER_BYTES:,} bytes")
    # Only now is a part parsed whole, and only the page's: the images' base64 is never read.
    part = email.message_from_bytes(root, policy=compat32)
    document = html.parse_html(part_text(part, path, warnings, page=True), path, warnings)
    address = _address(message, part)
    return replace(document, url=address) if document.url is None and address else document


def _headers(entity: bytes) -> Message | None:
    """The headers of a message or part (its bytes up to the first blank line), or None
    when no blank line ends them within ``MAX_HEADER_BYTES``. A part with no headers (its
    first line blank) has none."""
    if entity.startswith((b"\n", b"\r\n")):
        return Message()
    end = _HEADER_END_RE.search(entity, 0, MAX_HEADER_BYTES)
    head = entity[:end.start()] if end else entity if len(entity) <= MAX_HEADER_BYTES else None
    return None if head is None else email.message_from_bytes(head, policy=compat32)


def _root(headers: Message, entity: bytes, depth: int,
          counted: Iterator[int]) -> bytes | None:
    """The bytes (headers and body) of the page part of an entity whose headers are
    ``headers``: the entity itself when it is HTML, else its part that ``start`` names, else
    its first HTML part; None when it has none."""
    if headers.get_content_type() in _PAGE_TYPES:
        return entity
    if headers.get_content_maintype() != "multipart" or depth > MAX_DEPTH:
        return None
    start = _content_id(headers.get_param("start"))
    first = None
    for part in _parts(entity, headers.get_boundary(), counted):
        part_headers = _headers(part)
        if part_headers is None:
            continue  # no headers end: not a part a browser wrote
        if start and _content_id(part_headers["Content-ID"]) == start:
            found = _root(part_headers, part, depth + 1, counted)
            if found is not None:
                return found
        if first is None:
            first = _root(part_headers, part, depth + 1, counted)
            if first is not None and not start:
                return first  # no part named: the first page is the root, the rest not read
    return first


def _parts(entity: bytes, boundary: str | None, counted: Iterator[int]) -> Iterator[bytes]:
    """The parts of a multipart entity, split at its boundary lines (the line end before
    each belongs to it, RFC 2046), to its closing one or its end; one at a time, so that only
    the part being looked at is copied out of the file."""
    if not boundary:
        return
    delimiter = re.compile(rb"^--" + re.escape(boundary.encode("ascii", "surrogateescape"))
                           + rb"(--)?[ \t]*\r?$", re.MULTILINE)
    begun = None
    for line in delimiter.finditer(entity):
        if begun is not None:
            if next(counted) > MAX_MEMBERS:
                raise DocumentError(f"more than {MAX_MEMBERS:,} parts")
            yield entity[begun:_before_line_end(entity, line.start())]
        if line.group(1):
            return
        end = _LINE_END_RE.match(entity, line.end())
        begun = end.end() if end else line.end()
    if begun is not None and begun < len(entity):
        yield entity[begun:]  # no closing boundary: a file cut short keeps its page


def _before_line_end(entity: bytes, at: int) -> int:
    """Where the line ending just before ``at`` starts (``at`` if none)."""
    if entity[at - 2:at] == b"\r\n":
        return at - 2
    return at - 1 if entity[at - 1:at] == b"\n" else at


def _content_id(value: object) -> str | None:
    """A Content-ID as ``start`` and ``Content-ID`` both write it, without its angle
    brackets."""
    if value is None:
        return None
    if isinstance(value, tuple):  # an RFC 2231 parameter: (charset, language, value)
        value = value[2]
    return str(value).strip().strip("<>").strip() or None


def _address(message: Message, page: Message) -> str | None:
    """The web address the page was saved from, if the message gives one."""
    for value in (message["Snapshot-Content-Location"], page["Content-Location"],
                  message["Content-Location"]):
        address = "".join(str(value or "").split())  # a long one is folded over lines
        if _WEB_ADDRESS_RE.match(address):
            return address
    return None
