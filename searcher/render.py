"""Printers: hits in, text out. Each gets a stream and what to print, never command-line flags;
``cli`` picks one. Document text is never interpreted as rich markup, and control characters
from documents or file names are replaced before they reach a terminal.

JSON Lines contract (``JsonLinesPrinter``), one object a hit, UTF-8, flushed per line:
``path``, ``title``, ``date`` (YYYY-MM-DD or null), ``score``, ``snippet`` (plain text),
``highlights`` ([start, end) offsets into ``snippet``), ``matches`` (surface strings as written),
plus ``rank`` and ``author``.
"""

from __future__ import annotations

import json
import re
from typing import IO

from rich.console import Console
from rich.text import Text

from searcher.models import Hit

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HIGHLIGHT_STYLE = "bold red"
SNIPPET_SEPARATOR = " "


def safe(text: str) -> str:
    """Control characters (escape sequences, bidi overrides) to U+FFFD; same length."""
    return _CONTROL_RE.sub("\ufffd", text)


def joined_snippet(hit: Hit) -> tuple[str, list[tuple[int, int]]]:
    """The hit's snippets as one string, with highlight offsets into it."""
    text = ""
    highlights: list[tuple[int, int]] = []
    for snippet in hit.snippets:
        if text:
            text += SNIPPET_SEPARATOR
        highlights.extend((s + len(text), e + len(text)) for s, e in snippet.highlights)
        text += snippet.text
    return text, highlights


class JsonLinesPrinter:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        snippet, highlights = joined_snippet(hit)
        record = {"rank": hit.rank, "path": hit.path, "title": hit.title, "date": hit.date,
                  "score": round(hit.score, 4), "snippet": snippet,
                  "highlights": [list(h) for h in highlights], "matches": list(hit.matches),
                  "author": hit.author}
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()


class PlainPrinter:
    """One line a hit: ``path<TAB>date<TAB>score<TAB>title`` (date empty when undated)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        fields = [hit.path, hit.date or "", f"{hit.score:.4f}", hit.title]
        self.stream.write("\t".join(safe(f).replace("\t", " ").replace("\n", " ")
                                    for f in fields) + "\n")


class TextPrinter:
    """The terminal view: a header line per hit and its highlighted snippets."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def hit(self, hit: Hit) -> None:
        header = Text()
        header.append(f"{hit.rank:>2}. ", style="dim")
        title = Text(safe(hit.title), style="bold")
        for start, end in hit.title_highlights:
            title.stylize(HIGHLIGHT_STYLE, start, end)
        header.append_text(title)
        header.append(f"  {hit.date or 'undated'}", style="cyan")
        header.append(f"  {safe(hit.path)}", style="green")
        header.append(f"  {hit.score:.2f}", style="dim")
        self.console.print(header)
        for snippet in hit.snippets:
            line = Text("    ")
            body = Text(safe(snippet.text))
            for start, end in snippet.highlights:
                body.stylize(HIGHLIGHT_STYLE, start, end)
            line.append_text(body)
            self.console.print(line)
        self.console.print()

    def footer(self, shown: int, total: int, seconds: float, filters: list[str]) -> None:
        text = f"{total} matching article{'s' if total != 1 else ''}"
        if shown < total:
            text += f", showing {shown}"
        text += f" · {seconds * 1000:.0f} ms"
        if filters:
            text += " · " + ", ".join(filters)
        self.console.print(Text(text, style="dim"))


def make_console(stream: IO[str], styled: bool, colored: bool,
                 width: int | None = None) -> Console:
    """A console that never reads markup or emoji codes from the text it prints.

    ``styled``: emit escape codes at all; ``colored``: colours too (bold alone otherwise, as
    NO_COLOR asks).
    """
    return Console(file=stream, force_terminal=styled, no_color=not colored,
                   color_system="auto" if styled else None, highlight=False, markup=False,
                   emoji=False, width=width)


DOCUMENT_FIELDS = ("path", "doc_id", "title", "date", "author", "source", "url", "tags", "file")


def print_document(stored: dict, stream: IO[str], as_json: bool) -> None:
    """One document: metadata lines, a blank line, the body (``show``)."""
    if as_json:
        record = {k: stored.get(k) for k in DOCUMENT_FIELDS} | {"body": stored.get("body", "")}
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    for key in DOCUMENT_FIELDS:
        value = stored.get(key)
        stream.write(f"{key}: {safe(str(value)) if value is not None else '-'}\n")
    stream.write("\n" + safe(stored.get("body", "")) + "\n")
