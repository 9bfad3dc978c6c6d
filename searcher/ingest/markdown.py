"""Markdown (``.md``): YAML front matter (title, date, author, source, url, tags); without a
title there, the first ``#`` heading is the title.

Front matter is parsed within bounds, since one crafted file must not stall or end a run: at
most ``MAX_FRONT_MATTER_CHARS``, nested at most ``MAX_DEPTH`` levels, and no aliases (a
kilobyte of nested aliases expands to gigabytes; metadata has no use for them). Dates stay as
written, for ``metadata`` to read like any other. Front matter that breaks these rules or is
not YAML is a warning, and the file is read as text.

    >>> parse_markdown("---\\ntitle: 停火\\n---\\n正文", "a.md", []).title
    '停火'
"""

from __future__ import annotations

import re

import yaml

from searcher.ingest.metadata import MAX_DEPTH, make_document
from searcher.models import Document

SUFFIXES = {".md", ".markdown"}
MAX_FRONT_MATTER_CHARS = 100_000

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                              re.DOTALL)
_HEADING_RE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Refused(yaml.YAMLError):
    """Front matter outside the bounds above."""


class _FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's safe loader with no aliases, bounded nesting and no timestamp conversion (a
    date YAML cannot construct, such as 2025-13-45, would raise ValueError)."""

    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _Refused("uses an alias")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def parse_markdown(text: str, path: str, warnings: list[str]) -> Document:
    """Markdown with optional YAML front matter."""
    fields: dict = {}
    match = _FRONT_MATTER_RE.match(text)
    if match:
        loaded = _front_matter(match.group(1), path, warnings)
        if isinstance(loaded, dict):
            fields = loaded
            text = text[match.end():]
    body = text.strip()
    if not fields.get("title"):
        heading = _HEADING_RE.search(body)
        if heading:
            fields["title"] = heading.group(1)
    return make_document(path, body, fields, warnings)


def _front_matter(source: str, path: str, warnings: list[str]) -> object:
    """The front matter's YAML value, or None (with a warning) when it cannot be taken."""
    if len(source) > MAX_FRONT_MATTER_CHARS:
        warnings.append(f"{path}: front matter longer than {MAX_FRONT_MATTER_CHARS:,} "
                        f"characters; read as text")
        return None
    try:
        return yaml.load(source, Loader=_FrontMatterLoader)  # a SafeLoader: no Python objects
    except _Refused as refusal:
        warnings.append(f"{path}: front matter {refusal}; read as text")
    except (yaml.YAMLError, ValueError, OverflowError) as error:
        # ValueError: an integer of thousands of digits; OverflowError: a float tag too large
        warnings.append(f"{path}: front matter is not YAML ({error.__class__.__name__}); "
                        f"read as text")
    return None
