"""Markdown (``.md``): front matter as Hugo reads it — YAML between ``---`` lines, TOML between
``+++`` lines, or a JSON object at the very start — for title, date, author, source, url and
tags; the text rendered from the Markdown, so that what is indexed is what a reader sees.
Without a title in front matter, the first ``#`` heading is the title.

Front matter is held to bounds, since one crafted file must not stall or end a run: at most
``MAX_FRONT_MATTER_CHARS`` long, nested at most ``MAX_DEPTH`` levels (checked before a parser
recurses), and no YAML aliases (a kilobyte of nested aliases expands to gigabytes; metadata has
no use for them). Dates are
left for ``metadata`` to read like any other: YAML's as written, TOML's as the ISO text that
``str`` gives its date and datetime values. Front matter that breaks these rules or does not
parse is a warning, and the file is read as text.

The text is rendered with markdown-it-py (CommonMark with tables): link and image text kept,
their URLs dropped, and markup dropped — emphasis, heading ``#``, list markers, code fences,
HTML tags, reference-link definitions — with a blank line between blocks, one line for each
item of a tight list and each row of a table. Only the first ``MAX_MARKDOWN_CHARS`` are read.

    >>> doc = parse_markdown("+++\\ntitle = '停火'\\n+++\\n**見**[國務院](https://www.state.gov/x)",
    ...                      "a.md", [])
    >>> doc.title, doc.body
    ('停火', '見國務院')
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from searcher.ingest.html import visible_text
from searcher.ingest.jsonl import too_deep
from searcher.ingest.metadata import MAX_DEPTH, MAX_DOCUMENT_CHARS, make_document
from searcher.ingest.reflow import SOFT_BREAK, soft_breaks_resolved
from searcher.models import Document

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SUFFIXES = {".md", ".markdown"}
MAX_FRONT_MATTER_CHARS = 100_000
# As much as any document keeps of its text; rendering drops markup, so more would be cut.
MAX_MARKDOWN_CHARS = MAX_DOCUMENT_CHARS
# markdown-it holds every token of what it parses, up to hundreds of bytes per character of a
# table, so a long file is rendered in pieces of about this size, cut at a blank line.
_PIECE_CHARS = 100_000

_YAML_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_TOML_RE = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MARKDOWN = MarkdownIt("commonmark").enable("table")


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
    """Markdown with optional YAML, TOML or JSON front matter."""
    if len(text) > MAX_MARKDOWN_CHARS:
        warnings.append(f"{path}: {len(text):,} characters; only the first "
                        f"{MAX_MARKDOWN_CHARS:,} are read")
        text = text[:MAX_MARKDOWN_CHARS]
    fields, text = _front_matter(text, path, warnings)
    rendered = [_render(piece) for piece in _pieces(text)]
    body = "\n\n".join(piece_text for piece_text, _ in rendered if piece_text)
    if not fields.get("title"):
        fields["title"] = next((heading for _, heading in rendered if heading), None)
    return make_document(path, body, fields, warnings)


def _front_matter(text: str, path: str, warnings: list[str]) -> tuple[dict, str]:
    """The front matter's fields and the Markdown after it; no fields and the whole text when
    there is none, or none that can be taken (with a warning), or it is not a mapping."""
    value: object = None
    end = 0
    if match := _YAML_RE.match(text):
        value, end = _bounded(match.group(1), _yaml, path, warnings), match.end()
    elif match := _TOML_RE.match(text):
        value, end = _bounded(match.group(1), _toml, path, warnings), match.end()
    elif text.startswith("{"):
        value, end = _json(text, path, warnings)
    if isinstance(value, dict):
        return value, text[end:]
    return {}, text


def _bounded(source: str, load: Callable[[str, str, list[str]], object], path: str,
             warnings: list[str]) -> object:
    """``load(source, path, warnings)``, or None (with a warning) when ``source`` is too long."""
    if len(source) > MAX_FRONT_MATTER_CHARS:
        warnings.append(f"{path}: front matter longer than {MAX_FRONT_MATTER_CHARS:,} "
                        f"characters; read as text")
        return None
    return load(source, path, warnings)


def _yaml(source: str, path: str, warnings: list[str]) -> object:
    """YAML front matter's value, or None (with a warning)."""
    try:
        return yaml.load(source, Loader=_FrontMatterLoader)  # a SafeLoader: no Python objects
    except _Refused as refusal:
        warnings.append(f"{path}: front matter {refusal}; read as text")
    except (yaml.YAMLError, ValueError, OverflowError) as error:
        # ValueError: an integer of thousands of digits; OverflowError: a float tag too large
        warnings.append(f"{path}: front matter is not YAML ({error.__class__.__name__}); "
                        f"read as text")
    return None


def _toml(source: str, path: str, warnings: list[str]) -> object:
    """TOML front matter's table, or None (with a warning)."""
    try:
        table = tomllib.loads(source)
        # Dotted keys (a.b.c…) nest tables without recursing; str() would recurse into them.
        too_deep_table = _deeper_than_max(table)
    except RecursionError:  # inline arrays nested hundreds deep: tomllib recurses into each
        too_deep_table = True
    except ValueError as error:  # a TOMLDecodeError, or an integer of thousands of digits
        warnings.append(f"{path}: front matter is not TOML ({error}); read as text")
        return None
    if too_deep_table:
        warnings.append(f"{path}: front matter nested deeper than {MAX_DEPTH} levels; "
                        f"read as text")
        return None
    return table


def _json(text: str, path: str, warnings: list[str]) -> tuple[object, int]:
    """The JSON object ``text`` starts with and where it ends, or None (with a warning)."""
    if too_deep(text):
        warnings.append(f"{path}: front matter nested deeper than {MAX_DEPTH} levels; "
                        f"read as text")
        return None, 0
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except ValueError as error:  # a JSONDecodeError, or an integer of thousands of digits
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        warnings.append(f"{path}: front matter is not JSON ({reason}); read as text")
        return None, 0
    # Its end is only known once parsed: json reads at C speed, within the depth checked.
    if end > MAX_FRONT_MATTER_CHARS:
        warnings.append(f"{path}: front matter longer than {MAX_FRONT_MATTER_CHARS:,} "
                        f"characters; read as text")
        return None, 0
    return value, end


def _deeper_than_max(value: object) -> bool:
    """Whether tables and arrays in ``value`` nest deeper than ``MAX_DEPTH``, walked a level
    at a time rather than recursively."""
    level = [value]
    for _ in range(MAX_DEPTH):
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return any(isinstance(item, (dict, list)) for item in level)


def _pieces(text: str) -> Iterator[str]:
    """``text`` in pieces of at most ``_PIECE_CHARS``, each cut at a blank line, else at a line
    end, where there is one."""
    while len(text) > _PIECE_CHARS:
        cut = text.rfind("\n\n", 0, _PIECE_CHARS)
        if cut <= 0:
            cut = text.rfind("\n", 0, _PIECE_CHARS)
        if cut <= 0:
            cut = _PIECE_CHARS
        yield text[:cut]
        text = text[cut:]
    yield text


def _render(source: str) -> tuple[str, str | None]:
    """The text of Markdown ``source`` and its first ``#`` heading (None if it has none)."""
    tokens = _MARKDOWN.parse(source)
    parts: list[str] = []
    heading = None
    cells: list[str] = []
    top = 0  # the top-level block being read
    lines_of = None  # the top-level block whose item or row was the last text, if one was
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting == 1:
            top = index
        line = False  # an item of a tight list or a row of a table: on a line of its own
        if token.type == "inline":
            text = _inline_text(token.children or [])
            parent = tokens[index - 1]
            if parent.type in ("th_open", "td_open"):
                cells.append(text.strip())
                continue
            # A "---" line under text is a heading too (setext), as is failed YAML front
            # matter: only "#" headings are taken for a title.
            if parent.type == "heading_open" and parent.markup.startswith("#") and not heading:
                heading = text.strip()
            line = parent.hidden
        elif token.type == "tr_close":
            text, cells, line = " ".join(cell for cell in cells if cell), [], True
        elif token.type in ("fence", "code_block"):
            text = token.content
        elif token.type == "html_block":
            text = visible_text(token.content)
        else:
            continue
        text = text.strip()
        if not text:
            continue
        if parts:
            parts.append("\n" if line and lines_of == top else "\n\n")
        parts.append(text)
        lines_of = top if line else None
    return "".join(parts), heading or None


def _inline_text(children: list[Token]) -> str:
    """The text of a paragraph's, heading's or cell's inline tokens: an image's is its alt
    text; links, emphasis and HTML tags add none of their own."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            # The source's line break inside a paragraph: none between Chinese characters
            # (a writer wrapping the source's lines; a browser draws nothing there).
            parts.append(SOFT_BREAK)
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return soft_breaks_resolved("".join(parts), "\n")
