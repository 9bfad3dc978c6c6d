r"""Rich Text Format (``.rtf``: older Word exports, WordPad, Taiwanese government documents),
read with striprtf. Its text is the document's; the title and author are the ``\info`` group's,
the date and author the byline's at the top of the text, else the ``\creatim`` creation date
and the ``\info`` author (as for a Word file: ``bylines``).

Chinese is written three ways, each read right: ``\uN?`` escapes (negative past 32767, and a
character beyond the BMP as two: they are joined), ``\'hh`` byte pairs in the code page the
header names (``\ansicpg936`` GBK, ``\ansicpg950`` Big5) or the current font's charset
(``\fcharset134``, ``\fcharset136``), and raw 8-bit bytes, which some writers leave
unescaped (read as if escaped). Pictures (``{\pict …}``, hex digits that can be most of a
file) are dropped before the text is read.

    >>> parse_rtf(rb"{\rtf1\ansi\ansicpg950 \'b0\'b1\'a4\'f5\par}", "a.rtf", []).body
    '停火'
"""

from __future__ import annotations

import re

from searcher.errors import DocumentError
from searcher.ingest.bylines import document_fields
from searcher.ingest.metadata import make_document
from searcher.models import Document

SUFFIXES = {".rtf"}

_RAW_BYTE_RE = re.compile(rb"[\x80-\xff]")
# In a double-byte code page a character's second byte may be ASCII (``\``, ``{`` too)
_RAW_PAIR_RE = re.compile(rb"[\x81-\xfe][\x40-\xfe]|[\x80-\xff]")
_DOUBLE_BYTE_PAGES = {b"932", b"936", b"949", b"950"}
_PICTURE_RE = re.compile(r"\{\\pict\b")
_BRACE_RE = re.compile(r"(?<!\\)[{}]")
_CODE_PAGE_RE = re.compile(r"\\ansicpg(\d+)")
_CREATED_RE = re.compile(r"\\creatim\s*\\yr(\d{4})\s*\\mo(\d{1,2})\s*\\dy(\d{1,2})")


def parse_rtf(data: bytes, path: str, warnings: list[str]) -> Document:
    """The document in an RTF file's bytes (a file that is not RTF raises)."""
    from striprtf.striprtf import rtf_to_text  # imported here: only indexing reads RTF

    if not data.lstrip().startswith(b"{\\rtf"):
        raise DocumentError(r"cannot read RTF: it does not start with {\rtf")
    source = _without_pictures(_escaped(data).decode("ascii"))
    body = _joined(rtf_to_text(source, errors="replace")).strip()
    code_page = _CODE_PAGE_RE.search(source)
    header = r"{\rtf1\ansi" + (code_page.group() if code_page else "") + " "
    fields = {key: _joined(rtf_to_text(header + value + "}", errors="replace")).strip()
              for key in ("title", "author") if (value := _info(source, key))}
    if created := _CREATED_RE.search(source):
        year, month, day = created.groups()
        fields["date"] = f"{year}-{int(month):02d}-{int(day):02d}"
    return make_document(path, body, document_fields(body, fields), warnings)


def _escaped(data: bytes) -> bytes:
    r"""``data`` with its raw 8-bit bytes written as ``\'hh`` escapes: in pairs under a
    double-byte code page (whose second bytes may be ASCII), else one by one."""
    code_page = re.search(rb"\\ansicpg(\d+)", data[:1000])
    pairs = code_page is not None and code_page.group(1) in _DOUBLE_BYTE_PAGES
    return (_RAW_PAIR_RE if pairs else _RAW_BYTE_RE).sub(
        lambda match: b"".join(b"\\'%02x" % byte for byte in match[0]), data)


def _info(source: str, key: str) -> str | None:
    r"""The RTF of an ``\info`` field (``{\title …}``), or None."""
    match = re.search(r"\{\\" + key + r"\b ?((?:[^{}\\]|\\.)*)\}", source)
    return match.group(1) if match else None


def _without_pictures(source: str) -> str:
    r"""``source`` less its ``{\pict …}`` groups (a picture in hex digits: striprtf would
    look at each; one in ``\bin`` bytes is left to it, which knows their length)."""
    if "\\bin" in source:
        return source
    kept, at = [], 0
    for picture in _PICTURE_RE.finditer(source):
        if picture.start() < at:
            continue  # inside a picture already dropped
        depth = 0
        for brace in _BRACE_RE.finditer(source, picture.start()):
            depth += 1 if brace.group() == "{" else -1
            if depth == 0:
                kept.append(source[at:picture.start()])
                at = brace.end()
                break
        else:
            break  # never closed: striprtf reads the rest as it can
    kept.append(source[at:])
    return "".join(kept)


def _joined(text: str) -> str:
    r"""``text`` with the two halves of each character beyond the BMP (two ``\uN``
    escapes) joined into one; a lone half is left for ``metadata`` to replace."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
