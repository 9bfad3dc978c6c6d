"""Plain text (``.txt``): an optional header block, then the body. The header is the sample
format's ``date YYYY-MM-DD`` prefix (the lead paragraph may follow on the same line), or
``title:``/``author:``/``date:``/``source:``/``url:`` lines, also as 標題/作者/日期/來源/網址
with ``:`` or ``：``, ended by the first other line.

    >>> doc = parse_text(" date 2026-01-20 在海灣阿拉伯國家內部力勸下，特朗普暫緩。", "a.txt", [])
    >>> doc.date, doc.title
    ('2026-01-20', '在海灣阿拉伯國家內部力勸下，特朗普暫緩。')
"""

from __future__ import annotations

import re

from searcher.ingest.metadata import make_document
from searcher.ingest.reflow import unwrapped
from searcher.models import Document

SUFFIXES = {".txt", ".text"}

_DATE_PREFIX_RE = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+|[ \t]*\r?\n)")
_HEADER_RE = re.compile(
    r"[ \t]*(title|author|date|source|url|標題|标题|作者|日期|來源|来源|網址|网址)[ \t]*[:：][ \t]*(.*)",
    re.IGNORECASE)
_HEADER_KEYS = {"標題": "title", "标题": "title", "作者": "author", "日期": "date",
                "來源": "source", "来源": "source", "網址": "url", "网址": "url"}


def parse_text(text: str, path: str, warnings: list[str]) -> Document:
    """Plain text: optional date prefix or header block, then the body."""
    fields: dict[str, str] = {}
    match = _DATE_PREFIX_RE.match(text)
    if match:
        fields["date"] = match.group(1)
        text = text[match.end():]
    else:
        text = text.lstrip("\n")
        lines = text.split("\n")
        consumed = 0
        for line in lines:
            header = _HEADER_RE.fullmatch(line.rstrip("\r"))
            if not header:
                break
            key = header.group(1).lower()
            fields.setdefault(_HEADER_KEYS.get(key, key), header.group(2).strip())
            consumed += 1
        if consumed:
            text = "\n".join(lines[consumed:])
    return make_document(path, unwrapped(text.strip()), fields, warnings)
