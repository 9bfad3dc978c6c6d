"""JSON Lines (``.jsonl``, ``.ndjson``; UTF-8, as the format requires): one article a line
(``title``, ``date``, ``body``/``text``/``content``, ``url``, ``author``, ``source``, ``tags``).
Its path is ``FILE#ID``: the line's ``id`` (a string or a finite number), else its line
number; an id already taken in the file gets the line number as a suffix (``FILE#ID~LINE``),
so no record can replace another (an id holding a lone surrogate has it replaced first, as
``metadata`` does in the text). A line that is not UTF-8, not a JSON object or nested deeper
than ``MAX_DEPTH`` is skipped with a warning.

    >>> line = '{"id": "a", "text": "停火"}'.encode()
    >>> [d.path for d in parse_jsonl_range(line + b"\\n" + line, 1, "f.jsonl", [])]
    ['f.jsonl#a', 'f.jsonl#a~2']
"""

from __future__ import annotations

import json
import math
import re

from searcher.ingest.metadata import MAX_DEPTH, make_document, repaired
from searcher.models import Document

SUFFIXES = {".jsonl", ".ndjson"}
BODY_KEYS = ("body", "text", "content")

_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET_RE = re.compile(r"[\[\]{}]")


def parse_jsonl_line(line: str, number: int, path: str, warnings: list[str],
                     seen: set[str] | None = None) -> Document | None:
    """The document on line ``number`` of a JSON Lines file, or None (blank or bad line);
    ``seen`` holds the paths given to the file's earlier lines."""
    if not line.strip():
        return None
    if too_deep(line):
        warnings.append(f"{path}:{number}: nested deeper than {MAX_DEPTH} levels; line skipped")
        return None
    try:
        record = json.loads(line)
    except ValueError as error:  # a JSONDecodeError, or an integer of thousands of digits
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        warnings.append(f"{path}:{number}: not JSON ({reason}); line skipped")
        return None
    if not isinstance(record, dict):
        warnings.append(f"{path}:{number}: not a JSON object; line skipped")
        return None
    body = next((record[k] for k in BODY_KEYS if isinstance(record.get(k), str)), "")
    doc_path = _unique_path(path, _record_id(record, number, path, warnings), number,
                            set() if seen is None else seen, warnings)
    return make_document(doc_path, body.strip(), record, warnings)


def parse_jsonl_range(data: bytes, first_line: int, path: str, warnings: list[str],
                      seen: set[str] | None = None) -> list[Document]:
    """The documents in a run of whole UTF-8 JSON Lines starting at line ``first_line`` (a
    large file is read in such runs, so it never sits in memory whole; pass each run of a
    file the same ``seen`` set, so their paths stay unique)."""
    seen = set() if seen is None else seen
    documents = []
    for number, raw in enumerate(data.split(b"\n"), first_line):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            warnings.append(f"{path}:{number}: not UTF-8; line skipped")
            continue
        doc = parse_jsonl_line(line, number, path, warnings, seen)
        if doc is not None:
            documents.append(doc)
    return documents


def too_deep(text: str) -> bool:
    """Whether the JSON value ``text`` starts with nests its brackets (outside strings) deeper
    than ``MAX_DEPTH``, checked before ``json`` recurses into it; brackets after the value
    closes are not its own (Markdown after JSON front matter). Counting them first keeps this
    to one C-speed pass for nearly every line."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for bracket in _BRACKET_RE.findall(_STRING_RE.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return True
        if depth <= 0:
            return False
    return False


def _record_id(record: dict, number: int, path: str, warnings: list[str]) -> str:
    """The record's ``id`` as text; its line number when it has none it can be named by."""
    value = record.get("id")
    if isinstance(value, str) and value.strip():
        if (fixed := repaired(value)) is not value:
            warnings.append(f"{path}:{number}: lone surrogate (half a character) in its id; "
                            f"replaced with U+FFFD")
        return fixed
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    if value is not None:
        warnings.append(f"{path}:{number}: id is not a string or a number; named by its line "
                        f"number")
    return str(number)


def _unique_path(path: str, record_id: str, number: int, seen: set[str],
                 warnings: list[str]) -> str:
    """``FILE#ID``, or, when an earlier line of the file has it, ``FILE#ID~LINE`` (stable
    from run to run while the file stays the same)."""
    unique = f"{path}#{record_id}"
    if unique in seen:
        while unique in seen:  # only if some line's own id is literally ID~LINE
            unique = f"{unique}~{number}"
        warnings.append(f"{path}:{number}: id {record_id!r} is taken by an earlier line; "
                        f"indexed as {unique!r}")
    seen.add(unique)
    return unique
