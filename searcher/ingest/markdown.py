"""Markdown (``.md``): YAML front matter (title, date, author, source, url, tags); without a
title there, the first ``#`` heading is the title.

    >>> parse_markdown("---\\ntitle: 停火\\n---\\n正文", "a.md", []).title
    '停火'
"""

from __future__ import annotations

import re

from searcher.ingest.metadata import make_document
from searcher.models import Document

SUFFIXES = {".md", ".markdown"}

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                              re.DOTALL)
_HEADING_RE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def parse_markdown(text: str, path: str, warnings: list[str]) -> Document:
    """Markdown with optional YAML front matter."""
    fields: dict = {}
    match = _FRONT_MATTER_RE.match(text)
    if match:
        import yaml

        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as error:
            warnings.append(f"{path}: front matter is not YAML ({error.__class__.__name__}); "
                            f"read as text")
            loaded = None
        if isinstance(loaded, dict):
            fields = loaded
            text = text[match.end():]
    body = text.strip()
    if not fields.get("title"):
        heading = _HEADING_RE.search(body)
        if heading:
            fields["title"] = heading.group(1)
    return make_document(path, body, fields, warnings)
