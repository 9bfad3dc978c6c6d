"""JSON Lines (``.jsonl``, ``.ndjson``; UTF-8, as the format requires): one article a line
(``title``, ``date``, ``body``/``text``/``content``, ``url``, ``author``, ``source``, ``tags``).
Its path is ``FILE#ID``: the line's ``id``, else its line number. A line that is not UTF-8 or
not a JSON object is skipped with a warning.

    >>> [d.path for d in parse_jsonl_range(b'{"id": "a", "text": "停火"}', 1, "f.jsonl", [])]
    ['f.jsonl#a']
"""

from __future__ import annotations

import json

from searcher.ingest.metadata import make_document
from searcher.models import Document

SUFFIXES = {".jsonl", ".ndjson"}
BODY_KEYS = ("body", "text", "content")


def parse_jsonl_line(line: str, number: int, path: str, warnings: list[str]) -> Document | None:
    """The document on line ``number`` of a JSON Lines file, or None (blank or bad line)."""
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except ValueError as error:
        warnings.append(f"{path}:{number}: not JSON ({error.msg}); line skipped")
        return None
    if not isinstance(record, dict):
        warnings.append(f"{path}:{number}: not a JSON object; line skipped")
        return None
    body = next((record[k] for k in BODY_KEYS if isinstance(record.get(k), str)), "")
    return make_document(f"{path}#{record.get('id', number)}", body.strip(), record, warnings)


def parse_jsonl_range(data: bytes, first_line: int, path: str,
                      warnings: list[str]) -> list[Document]:
    """The documents in a run of whole UTF-8 JSON Lines starting at line ``first_line`` (a
    large file is read in such runs, so it never sits in memory whole)."""
    documents = []
    for number, raw in enumerate(data.split(b"\n"), first_line):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            warnings.append(f"{path}:{number}: not UTF-8; line skipped")
            continue
        doc = parse_jsonl_line(line, number, path, warnings)
        if doc is not None:
            documents.append(doc)
    return documents
