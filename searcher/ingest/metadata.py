"""A ``Document`` from a body and whatever metadata its format supplied: dates read as
commentary writes them, a title derived from the lead when there is none, an author from an
author line in the text, tags as a tuple.

A lone surrogate (half of a UTF-16 pair: ``"\\ud83d"`` in JSON or YAML, an emoji cut in half)
cannot be stored or printed; in the body or a field it is replaced with U+FFFD, with a warning
naming the document.

Without a date the article is undated: a date is never invented (nor taken from the file's
modification time), and one that cannot be read is a warning. Without a title, the text's
first line stands in (up to a byline run into its end: ``標題2020/08/09 17:30　記者：陳子謙``,
as a PDF's lines joined give it) when it is at most ``TITLE_LENGTH`` characters long, else its
first sentence when that is, else the line cut with an ellipsis at the last pause (，、；： or a
space) before ``TITLE_LENGTH``. Without an author field, an author line in the text (作者為…, 作者：…,
文／…) fills it, up to the end of the names it lists, when they are names (``bylines``); the body
stays whole.

    >>> make_document("a.txt", "正文。\\n作者為政治評論員", {"date": "2025年9月30日"}, []).author
    '政治評論員'
"""

from __future__ import annotations

import bisect
import re

from searcher.dates import normalize_date
from searcher.ingest.bylines import author_name, byline_start
from searcher.models import Document

TITLE_LENGTH = 60
# The metadata a format supplies (a JSON Lines record, YAML front matter) is a flat mapping; a
# deeper nesting is refused before a parser recurses into it, where Python's own limit would
# end the run with a RecursionError.
MAX_DEPTH = 64
# A longer document is cut (``formats``, with a warning): one article never needs more, and
# analysing a 50 MB blob would stall the run. Readers stop reading once they have this much.
MAX_DOCUMENT_CHARS = 2_000_000
FIELDS = ("title", "date", "author", "source", "url", "tags")  # what a format may supply

_AUTHOR_LINE_RE = re.compile(r"^[ \t]*(?:作者[為为是][ \t]*|作者[:：][ \t]*|文[／/][ \t]*)([^\n]{1,60})$",
                             re.MULTILINE)
_SENTENCE_END_RE = re.compile(r"[。！？!?]")
_PAUSE_RE = re.compile(r"[，、；：,;:\s（(]")
_AUTHOR_END_RE = re.compile(r"[，；：,;:（(。]")  # after the names an author line lists
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def derive_title(body: str, length: int = TITLE_LENGTH) -> str:
    """A title from the text: its first line (less a byline run into it), else the line's
    first sentence, else the line cut at a pause with an ellipsis; at most ``length``
    characters."""
    line = body.strip().split("\n", 1)[0].strip()
    cut = byline_start(line)  # a headline the byline was run into (a PDF's lines joined)
    line = line[:cut].rstrip() if cut is not None else line
    if len(line) <= length:
        return line
    end = _SENTENCE_END_RE.search(line)
    if end and end.end() <= length:
        return line[:end.end()]
    head = line[:length - 1]
    pauses = [match.start() for match in _PAUSE_RE.finditer(head)]
    if pauses and pauses[-1] >= length // 3:  # a pause too early would leave a stub
        head = head[:pauses[-1]]
    return head.rstrip() + "…"


def make_document(path: str, body: str, fields: dict, warnings: list[str],
                  pages: tuple[int, ...] = ()) -> Document:
    """A Document from a body and the metadata ``fields`` its format supplied (title, date,
    author, source, url, tags; anything else is ignored); ``pages``: where each page starts."""
    body, fields = _without_surrogates(path, body, fields, warnings)
    body, pages = _visible(body, pages)
    date = None
    written_date = _field(fields, "date")
    if written_date:
        date = normalize_date(written_date)
        if date is None:
            warnings.append(f"{path}: unreadable date {written_date!r}; indexed as undated")
    author = _field(fields, "author")
    if author is None:
        author = next((name for line in _AUTHOR_LINE_RE.finditer(body)
                       if (name := author_name(_AUTHOR_END_RE.split(line.group(1).strip())[0],
                                               strict=False))), None)
    tags = fields.get("tags") or ()
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,，、\s]+", tags) if t]
    return Document(path=path, body=body, title=_field(fields, "title") or derive_title(body),
                    date=date, author=author, source=_field(fields, "source"),
                    url=_field(fields, "url"),
                    tags=tuple(str(t) for t in tags) if isinstance(tags, (list, tuple)) else (),
                    pages=pages)


def repaired(text: str) -> str:
    """``text`` with each lone surrogate replaced with U+FFFD (the same object when it has
    none, as nearly all text)."""
    return _SURROGATE_RE.sub("\ufffd", text) if _SURROGATE_RE.search(text) else text


def _without_surrogates(path: str, body: str, fields: dict,
                        warnings: list[str]) -> tuple[str, dict]:
    """``body`` and the ``FIELDS`` of ``fields`` repaired, with a warning naming what was."""
    kept = {"body": body, **{key: fields.get(key) for key in FIELDS}}
    broken = []
    for key, value in kept.items():
        if isinstance(value, str) and _SURROGATE_RE.search(value):
            kept[key] = repaired(value)
        elif isinstance(value, (list, tuple)) and any(
                isinstance(item, str) and _SURROGATE_RE.search(item) for item in value):
            kept[key] = [repaired(item) if isinstance(item, str) else item for item in value]
        else:
            continue
        broken.append(key)
    if broken:
        warnings.append(f"{path}: lone surrogate (half a character) in its {', '.join(broken)}; "
                        f"replaced with U+FFFD")
    return kept.pop("body"), kept


def _field(fields: dict, key: str) -> str | None:
    value = fields.get(key)
    text = _INVISIBLE_RE.sub("", str(value)).strip() if value is not None else ""
    return text or None


# Characters that draw nothing yet split a word for the analysis chain, left inside words by
# editors, web pages and converters: soft hyphen, zero-width space, non-joiner and joiner,
# word joiner, a byte order mark inside the text. (Lucene's ICU folding drops them too.)
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")


def _visible(body: str, pages: tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
    """``body`` without invisible characters, and the ``pages``' starts moved with it."""
    removed = [match.start() for match in _INVISIBLE_RE.finditer(body)]
    if not removed:
        return body, pages
    return (_INVISIBLE_RE.sub("", body),
            tuple(start - bisect.bisect_left(removed, start) for start in pages))
