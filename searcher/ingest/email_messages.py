"""E-mail: a message (``.eml``) or a mailbox of them (mbox: ``.mbox``, ``.mbx``), read with the
standard library's ``email`` and ``mailbox``. Each message is a document: its Subject the
title, its Date the date (the day as the sender wrote it), its From the author (the name, else
the address), its ``Archived-At`` the url; its text is the HTML part's visible text
(``html.visible_text``: a newsletter is laid out in tables, whose cells the article finder
would run together), else the plain-text part. An attachment whose name is of a format
searcher reads (a PDF, a page, a zip…) is a document of its own, through that format's reader.

Headers are decoded as mail clients write them: RFC 2047 encoded words in any charset
(``=?GB2312?B?…?=``, read as ``decoding`` reads the label: GB2312 and GBK as GB18030, Big5 as
Big5-HKSCS), and raw 8-bit headers, which Chinese mail clients still send, as their bytes read
best. A part's text is decoded in the charset it declares, checked as a page's is.

A mailbox's messages start at lines beginning ``From `` (as ``mailbox.mbox`` splits them; a
file that does not start with one is not a mailbox). Its message ``N`` (from 1) is the
document ``FILE#N``, and an attachment ``FILE#N#NAME``; an ``.eml``'s message is the file
itself, and an attachment ``FILE#NAME`` (``members``).

    >>> message = (b"Subject: =?utf-8?B?5YGc54Gr?=\\nDate: Tue, 30 Sep 2025 08:00:00 +0800"
    ...            b"\\n\\nceasefire")
    >>> [(d.title, d.date, d.body) for d in eml_items(message, "a.eml", "a.eml", bool,
    ...                                                Budget("a.eml"), [])]
    [('停火', '2025-09-30', 'ceasefire')]
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.utils
import itertools
import mailbox
import re
from collections.abc import Callable, Iterator
from email.message import Message
from email.policy import compat32

from searcher.errors import DocumentError
from searcher.ingest import html
from searcher.ingest.decoding import decode
from searcher.ingest.members import MAX_MEMBERS, Budget, Member, member_path
from searcher.ingest.metadata import make_document
from searcher.ingest.reflow import SOFT_BREAK, soft_breaks_resolved
from searcher.models import Document

EML_SUFFIXES = {".eml"}
MBOX_SUFFIXES = {".mbox", ".mbx"}

_FROM_LINE_RE = re.compile(rb"^From ", re.MULTILINE)
_8BIT_RE = re.compile("[\udc80-\udcff]")  # a header's raw bytes, as ``email`` keeps them


def eml_items(data: bytes, name: str, path: str, wanted: Callable[[str], bool],
              budget: Budget, warnings: list[str]) -> Iterator[Document | Member]:
    """The message in an ``.eml`` file's bytes, then its ``wanted`` attachments."""
    yield from _message_items(email.message_from_bytes(data, policy=compat32), path, wanted,
                              budget, warnings)


def mbox_items(data: bytes, name: str, path: str, wanted: Callable[[str], bool],
               budget: Budget, warnings: list[str]) -> Iterator[Document | Member]:
    """Each message of a mailbox's bytes, each followed by its ``wanted`` attachments."""
    if not data.lstrip().startswith(b"From "):
        raise DocumentError('not a mailbox: it does not start with a "From " line')
    # No more starts are found than can be read: a mailbox of a million one-line messages
    # costs no more than one of ``MAX_MEMBERS``.
    starts = [m.start() for m in itertools.islice(_FROM_LINE_RE.finditer(data),
                                                   MAX_MEMBERS + 1)]
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(data)]), 1):
        if not budget.admit(end - start, warnings):
            return
        try:
            message = mailbox.mboxMessage(data[data.find(b"\n", start, end) + 1 or end:end])
            items = list(_message_items(message, f"{path}#{number}", wanted, budget, warnings))
        # The standard library meeting a broken message raises whatever its code met first:
        # the message costs only itself.
        except Exception as error:
            warnings.append(f"{path}#{number}: cannot read the message "
                            f"({error or type(error).__name__}); not indexed")
            continue
        yield from items


def _message_items(message: Message, path: str, wanted: Callable[[str], bool],
                   budget: Budget, warnings: list[str]) -> Iterator[Document | Member]:
    """A message's document, then its ``wanted`` attachments as members."""
    attachments = []
    texts: dict[str, Message] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if part.get_content_disposition() == "attachment" or (
                name and part.get_content_maintype() != "text"):
            attachments.append((_header_text(name, path) if name else "", part))
        elif part.get_content_type() in ("text/html", "text/plain"):
            texts.setdefault(part.get_content_subtype(), part)
    body = None
    if "html" in texts and (page := _part_text(texts["html"], path, warnings, page=True)):
        body = html.visible_text(page)
    if body is None and "plain" in texts:
        body = _part_text(plain := texts["plain"], path, warnings, page=False)
        if body and str(plain.get_param("format", "")).lower() == "flowed":
            body = unflowed(body, delete_space=str(plain.get_param("delsp", "")).lower() == "yes")
    yield make_document(path, (body or "").strip(), _fields(message, path), warnings)
    for name, part in attachments:
        if not name or not wanted(name):
            continue
        content = part.get_payload(decode=True) or b""
        if not budget.admit(len(content), warnings):
            return
        yield Member(name, content, member_path(path, name))


def unflowed(text: str, delete_space: bool) -> str:
    """A ``format=flowed`` text (RFC 3676) as it was written: a line that ends in a space (a
    soft break, which the sender's program made; not a signature's ``-- ``) runs on into the
    next line of the same quote depth, without its space when ``delete_space`` (DelSp=yes)
    or when the space stands between two wide characters (Chinese sets none: a program
    that could break the line only at a space put it there). A stuffed space is removed.

    >>> unflowed("停火談判持續 \\r\\n到深夜。 \\r\\nIt went on \\r\\nall night.\\r\\n-- \\r\\n王", False)
    '停火談判持續到深夜。 It went on all night.\\n-- \\n王'
    """
    lines, flowing = [], False
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        quote, content = line[:depth], line[depth:]
        content = content[1:] if content.startswith(" ") else content  # stuffed
        if flowing and lines and lines[-1][0] == quote:
            lines[-1][1].append(content)
        else:
            lines.append((quote, [content]))
        flowing = content.endswith(" ") and content != "-- "
        if flowing:
            lines[-1][1][-1] = content[:-1] + ("" if delete_space else SOFT_BREAK)
    return soft_breaks_resolved("\n".join(quote + "".join(pieces) for quote, pieces in lines),
                                " ")


def _fields(message: Message, path: str) -> dict:
    """A message's title, date, author and url, from its headers."""
    fields = {}
    subject = _header(message, "Subject", path)
    if subject and subject.strip():
        fields["title"] = " ".join(subject.split())
    sender = _header(message, "From", path)
    if sender:
        name, address = email.utils.parseaddr(sender)
        fields["author"] = name.strip() or address or sender.strip()
    written = _header(message, "Date", path)
    if written:
        try:
            fields["date"] = email.utils.parsedate_to_datetime(written).date().isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            fields["date"] = written  # ``make_document`` reads it, or warns that it cannot
    archived = _header(message, "Archived-At", path)
    if archived:
        fields["url"] = archived.strip().strip("<>")
    return fields


def _header(message: Message, name: str, path: str) -> str | None:
    """A header's first value, decoded (``raw_items``: ``email``'s own reading of one with
    raw 8-bit bytes is a ``Header`` object of unknown charset)."""
    wanted = name.lower()
    value = next((v for k, v in message.raw_items() if k.lower() == wanted), None)
    return None if value is None else _header_text(value, path)


def _header_text(value: str, path: str) -> str:
    """A header's text: raw 8-bit bytes read as they read best, RFC 2047 encoded words in
    their charsets."""
    if _8BIT_RE.search(value):
        return _decoded(value.encode("ascii", "surrogateescape"), path)
    try:
        pieces = email.header.decode_header(value)
    except (email.errors.HeaderParseError, ValueError):
        return value
    return "".join(piece if isinstance(piece, str) else _decoded(piece, path, charset)
                   for piece, charset in pieces)


def _decoded(raw: bytes, path: str, charset: str | None = None) -> str:
    """Bytes of a header in the charset it names (as ``decoding`` reads a label: ``big5``
    as Big5-HKSCS), else as they read best."""
    try:
        return decode(raw, path, None, charset)[0]
    except DocumentError:
        return raw.decode("utf-8", "replace")


def part_text(part: Message, path: str, warnings: list[str], page: bool) -> str:
    """A MIME part's text, in the charset it declares (a ``page``'s own declaration when the
    part declares none, as a browser reads a page whose HTTP header names none);
    ``DocumentError`` when it cannot be decoded."""
    payload = part.get_payload(decode=True) or b""
    declared = part.get_content_charset() or (html.declared_charset(payload) if page else None)
    return decode(payload, path, warnings, declared)[0]


def _part_text(part: Message, path: str, warnings: list[str], page: bool) -> str | None:
    """``part_text``, or None (with a warning) when it cannot be decoded."""
    try:
        return part_text(part, path, warnings, page)
    except DocumentError as error:
        warnings.append(f"{path}: {error}; its text is not indexed")
        return None
