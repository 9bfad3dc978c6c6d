"""The terminal view's pieces, as rich text: a console that reads no markup, document text
with its matches highlighted, paragraphs broken as CJK is typeset, a hit's place (file and
record), a timeline's bars. rich is imported only when one is drawn (a search into a pipe never is).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from searcher.cli.messages import safe

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

HIGHLIGHT_STYLE = "bold red"


def make_console(stream: IO[str], styled: bool, colored: bool,
                 width: int | None = None) -> Console:
    """A console that never reads markup or emoji codes from the text it prints.

    ``styled``: emit escape codes at all; ``colored``: colours too (bold alone otherwise, as
    NO_COLOR asks).
    """
    from rich.console import Console

    return Console(file=stream, force_terminal=styled, no_color=not colored,
                   color_system="auto" if styled else None, highlight=False, markup=False,
                   emoji=False, width=width)


def highlighted(text: str, spans, style: str = "") -> "Text":
    """Document text as rich ``Text`` (never markup), control characters made harmless."""
    from rich.text import Text

    result = Text(safe(text), style=style)
    for start, end in spans:
        result.stylize(HIGHLIGHT_STYLE, start, end)
    return result


def wrapped_lines(text: "Text", width: int, indent: int = 0) -> list[tuple["Text", int, int]]:
    """``text`` laid out in ``width`` cells less ``indent``, each paragraph broken by the rules
    of CJK typesetting (``line_breaking``), never by rich's own wrapping: each line indented
    and cut to ``width`` (a word longer than the room), with the offsets it came from."""
    from rich.text import Span, Text

    from searcher.cli.line_breaking import text_line_breaks

    # Each line made from the text's characters and styles at once: a rich slice of the text
    # makes three Text objects, a tenth of a millisecond a snippet's line.
    plain, style, spans = text.plain, text.style, text.spans
    room = width - indent
    lines = []
    for start, end in text_line_breaks(plain, room):
        line = Text(" " * indent + plain[start:end])
        shift = indent - start
        if style:
            line.spans.append(Span(indent, end + shift, style))
        line.spans.extend(Span(max(span_start, start) + shift, min(span_end, end) + shift,
                               span_style)
                          for span_start, span_end, span_style in spans
                          if span_start < end and span_end > start)
        if room < 2:  # a line fits its room, unless the room is narrower than a character
            line.truncate(width, overflow="crop")
        lines.append((line, start, end))
    return lines


def print_wrapped(console: "Console", text: "Text", indent: int = 0,
                  mark: int | None = None) -> tuple[int, int | None]:
    """``text`` printed as ``wrapped_lines`` in the console's width. Returns the lines
    printed and which of them (0-based) holds the character at offset ``mark``."""
    lines = wrapped_lines(text, console.width, indent)
    marked = None
    for n, (line, start, end) in enumerate(lines):
        console.print(line, no_wrap=True, overflow="crop")
        if mark is not None and marked is None and mark < max(end, start + 1):
            marked = n
    return len(lines), marked


def place(file: str, record: str | None, style: str) -> "Text":
    """A hit's file, and its record's id when it is one of a JSON Lines file's."""
    from rich.text import Text

    text = Text(safe(file), style=style)
    if record is not None:
        text.append(f" #{safe(record)}", style="dim green")
    return text


def timeline_bars(chart, width: int) -> "Text":
    """A bar a period, ``width`` cells at most, the undated last; each line ends with a
    newline (the terminal's chart and ``browse``'s)."""
    from rich.text import Text

    rows = chart.buckets + ([("undated", chart.undated)] if chart.undated else [])
    label_width = max((len(p) for p, _ in rows), default=7)
    most = max((c for _, c in rows), default=0) or 1
    room = max(8, width - label_width - 10)
    bars = Text()
    for period, count in rows:
        bars.append(f"{period:<{label_width}} ", style="cyan")
        bars.append("█" * round(count / most * room) or ("▏" if count else ""),
                    style="dim" if period == "undated" else "red")
        bars.append(f" {count}\n")
    return bars
