"""Read corpus files into ``Document``s.

The sample format is plain text with an optional ``date YYYY-MM-DD`` prefix at the very start;
the lead paragraph may begin on the same line (`` date 2026-01-20 在海灣…``) or the next one.
Without a prefix the article is undated: a date is never invented. No sample carries a title,
so one is derived from the lead's first sentence.

    >>> doc = parse_text(" date 2026-01-20 在海灣阿拉伯國家內部力勸下，特朗普暫緩。", "a.txt")
    >>> doc.date, doc.title
    ('2026-01-20', '在海灣阿拉伯國家內部力勸下，特朗普暫緩。')
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from searcher.dates import normalize_date
from searcher.errors import DocumentError
from searcher.models import Document

TEXT_SUFFIXES = {".txt", ".text"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CORPUS_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES
BODY_KEYS = ("body", "text", "content")
TITLE_LENGTH = 30

_DATE_PREFIX_RE = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}-\d{2})(?:[ \t]+|[ \t]*\r?\n)")
_SENTENCE_END_RE = re.compile(r"[。！？!?\n]")


def derive_title(body: str, length: int = TITLE_LENGTH) -> str:
    """The lead's first sentence, cut with an ellipsis when longer than ``length``."""
    lead = body.strip()
    end = _SENTENCE_END_RE.search(lead)
    sentence = lead[: end.end()].strip() if end else lead
    return sentence if len(sentence) <= length else sentence[: length - 1].rstrip() + "…"


def parse_text(text: str, path: str) -> Document:
    """A plain-text article: optional date prefix, then the body."""
    date = None
    match = _DATE_PREFIX_RE.match(text)
    if match:
        date = match.group(1)
        text = text[match.end():]
    body = text.strip()
    return Document(path=path, body=body, title=derive_title(body), date=date)


def decode(data: bytes, name: str) -> str:
    """Corpus bytes as text (UTF-8, with or without BOM)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(f"cannot decode {name}: not UTF-8 ({error.reason} at byte "
                            f"{error.start})") from error


def parse_file(data: bytes, path: str, warnings: list[str] | None = None) -> list[Document]:
    """The documents in one corpus file's bytes; ``path`` names it in results. Problems that
    cost a part of the file (one bad JSON line) are appended to ``warnings``."""
    if Path(path).suffix.lower() in JSONL_SUFFIXES:
        return list(parse_jsonl(decode(data, path), path, warnings if warnings is not None else []))
    return [parse_text(decode(data, path), path)]


def parse_jsonl(text: str, path: str, warnings: list[str]) -> Iterator[Document]:
    """One article a line: ``title``, ``date``, ``body``/``text``/``content``, ``url``,
    ``author``, ``source``; its path is ``FILE#ID`` (the ``id`` field, else the line number)."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            warnings.append(f"{path}:{number}: not JSON ({error.msg}); line skipped")
            continue
        if not isinstance(record, dict):
            warnings.append(f"{path}:{number}: not a JSON object; line skipped")
            continue
        body = next((record[k] for k in BODY_KEYS if isinstance(record.get(k), str)), "")
        date = None
        if record.get("date"):
            date = normalize_date(str(record["date"]))
            if date is None:
                warnings.append(f"{path}:{number}: unreadable date {record['date']!r}; undated")
        title = _text_field(record, "title") or derive_title(body)
        yield Document(path=f"{path}#{record.get('id', number)}", body=body, title=title,
                       date=date, author=_text_field(record, "author"),
                       source=_text_field(record, "source"), url=_text_field(record, "url"))


def _text_field(record: dict, key: str) -> str | None:
    value = record.get(key)
    text = str(value).strip() if value is not None else ""
    return text or None


def corpus_files(paths: list[Path]) -> Iterator[tuple[Path, Path]]:
    """``(file, root)`` for every corpus file under ``paths``, in a stable order."""
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and file.suffix.lower() in CORPUS_SUFFIXES:
                    yield file, path
        elif path.is_file():
            yield path, path.parent
        else:
            raise DocumentError(f"no such file or folder: {path}")
