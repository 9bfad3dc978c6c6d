"""Printers: hits in, text out. Each gets a stream and what to print, never command-line flags;
``cli`` picks one. Document text is never interpreted as rich markup, and control characters
from documents or file names are replaced before they reach a terminal.

JSON Lines contract (``JsonLinesPrinter``), one object a hit, UTF-8, flushed per line:
``path``, ``title``, ``date`` (YYYY-MM-DD or null), ``score``, ``snippet`` (plain text),
``highlights`` ([start, end) offsets into ``snippet``), ``matches`` (surface strings as written),
plus ``rank``, ``author``, ``file`` (a path that opens from the working directory), ``record``
(a JSON Lines record's id, or null), ``url``, ``source``, ``tags`` and ``snippets`` (each
snippet apart: ``{text, highlights}``).
"""

from __future__ import annotations

import json
import re
from typing import IO, TYPE_CHECKING

from searcher.fields import METADATA_FIELDS
from searcher.models import Hit

if TYPE_CHECKING:  # rich is imported only when a terminal view is printed (cold start)
    from rich.console import Console

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HIGHLIGHT_STYLE = "bold red"
SNIPPET_SEPARATOR = " "


def safe(text: str) -> str:
    """Control characters (escape sequences, bidi overrides) to U+FFFD; same length."""
    return _CONTROL_RE.sub("\ufffd", text)


def one_line(text: str) -> str:
    """``safe`` text for a line-oriented format: tabs and newlines become spaces."""
    return safe(text).replace("\t", " ").replace("\n", " ")


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


class _Printer:
    """Hits in, text out; a context manager so a printer can set up and finish its stream."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def hit(self, hit: Hit) -> None:
        raise NotImplementedError

    def footer(self, shown: int, total: int, seconds: float, filters: list[str]) -> None:
        """Only the terminal view has one."""


class JsonLinesPrinter(_Printer):
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        snippet, highlights = joined_snippet(hit)
        record = {"rank": hit.rank, "path": hit.path, "title": hit.title, "date": hit.date,
                  "score": round(hit.score, 4), "snippet": snippet,
                  "highlights": [list(h) for h in highlights], "matches": list(hit.matches),
                  "author": hit.author, "file": hit.file, "record": hit.record, "url": hit.url,
                  "source": hit.source, "tags": list(hit.tags),
                  "snippets": [{"text": s.text, "highlights": [list(h) for h in s.highlights]}
                               for s in hit.snippets]}
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()


class PlainPrinter(_Printer):
    """One line a hit: ``file<TAB>date<TAB>score<TAB>title`` (date empty when undated)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        fields = [hit.file, hit.date or "", f"{hit.score:.4f}", hit.title]
        self.stream.write("\t".join(one_line(f) for f in fields) + "\n")


class FilesPrinter(_Printer):
    """Files only, each once (a JSON Lines file holds many hits), each followed by
    ``separator``: a newline (control characters made harmless, like every other text
    format), or NUL for ``xargs -0``, where paths are byte-exact so that even a name with a
    newline or an escape reaches xargs intact."""

    def __init__(self, stream: IO[str], separator: str) -> None:
        self.stream = stream
        self.separator = separator
        self.listed: set[str] = set()

    def hit(self, hit: Hit) -> None:
        if hit.file in self.listed:
            return
        self.listed.add(hit.file)
        path = hit.file if self.separator == "\0" else one_line(hit.file)
        self.stream.write(path + self.separator)


class TextPrinter(_Printer):
    """The terminal view: a header line per hit, its highlighted snippets, a footer."""

    def __init__(self, console: "Console", pager: bool = False) -> None:
        self.console = console
        self._pager = console.pager(styles=True) if pager else None

    def __enter__(self):
        if self._pager:
            self._pager.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._pager:
            self._pager.__exit__(*exc)

    def hit(self, hit: Hit) -> None:
        from rich.padding import Padding
        from rich.text import Text

        header = Text(f"{hit.rank:>2}. ", style="dim")
        details = Text()
        details.append(f"  {hit.date or 'undated'}", style="cyan")
        details.append(f"  {safe(hit.file)}", style="green")
        if hit.record is not None:
            details.append(f" #{safe(hit.record)}", style="dim green")
        details.append(f"  {hit.score:.2f}", style="dim")
        # One line: the title gives way (with an ellipsis) to the date, path and score.
        title = highlighted(hit.title, hit.title_highlights, "bold")
        room = self.console.width - header.cell_len - details.cell_len
        title.truncate(max(room, 12), overflow="ellipsis")
        header.append_text(title)
        header.append_text(details)
        header.truncate(self.console.width, overflow="ellipsis")
        self.console.print(header)
        for snippet in hit.snippets:  # indented, wrapped lines included
            self.console.print(Padding(highlighted(snippet.text, snippet.highlights),
                                       (0, 0, 0, 4)))
        self.console.print()

    def footer(self, shown: int, total: int, seconds: float, filters: list[str]) -> None:
        from rich.text import Text

        text = f"{total} matching article{'s' if total != 1 else ''}"
        if shown < total:
            text += f", showing {shown}"
        text += f" · {seconds * 1000:.0f} ms"
        if filters:
            text += " · " + ", ".join(filters)
        self.console.print(Text(text, style="dim"))


def highlighted(text: str, spans, style: str = "") -> "Text":
    """Document text as rich ``Text`` (never markup), control characters made harmless."""
    from rich.text import Text

    result = Text(safe(text), style=style)
    for start, end in spans:
        result.stylize(HIGHLIGHT_STYLE, start, end)
    return result


def print_timeline(chart, stream: IO[str], as_json: bool, console: "Console | None") -> None:
    """Matching articles per period: JSON, a bar chart, or ``period<TAB>count`` lines."""
    if as_json:
        stream.write(json.dumps({"by": chart.by, "total": chart.total, "undated": chart.undated,
                                 "buckets": [{"period": p, "count": c}
                                             for p, c in chart.buckets]},
                                ensure_ascii=False) + "\n")
        return
    if console is None:
        for period, count in chart.buckets:
            stream.write(f"{period}\t{count}\n")
        if chart.undated:
            stream.write(f"undated\t{chart.undated}\n")
        return
    from rich.text import Text

    rows = chart.buckets + ([("undated", chart.undated)] if chart.undated else [])
    label_width = max((len(p) for p, _ in rows), default=7)
    most = max((c for _, c in rows), default=0) or 1
    room = max(10, console.width - label_width - 10)
    for period, count in rows:
        line = Text(f"{period:<{label_width}} ", style="cyan")
        line.append("█" * round(count / most * room) or ("▏" if count else ""),
                    style="dim" if period == "undated" else "red")
        line.append(f" {count}")
        console.print(line)
    console.print(Text(f"{chart.total} matching articles, by {chart.by}", style="dim"))


STAT_LABELS = (("documents", "documents"), ("dated", "dated"), ("undated", "undated"),
               ("first_date", "first date"), ("last_date", "last date"),
               ("size_bytes", "size (bytes)"), ("segments", "segments"),
               ("built_at", "built"), ("schema_version", "schema version"))


def print_stats(stats: dict, stream: IO[str], as_json: bool, console: "Console | None") -> None:
    if as_json:
        stream.write(json.dumps(stats, ensure_ascii=False) + "\n")
        return
    lines = [(label, stats[key]) for key, label in STAT_LABELS]
    lines += [("roots", ", ".join(stats["roots"]) or "-")]
    lines += [(f"analysis: {k}", v) for k, v in stats["analysis"].items()]
    lines += [("top terms", " ".join(f"{t['term']}({t['frequency']})"
                                     for t in stats["top_terms"]))]
    if console is None:
        for label, value in lines:
            stream.write(f"{label}: {safe(str(value))}\n")
        return
    from rich.table import Table

    table = Table(show_header=False, box=None)
    for label, value in lines:
        table.add_row(label, safe(str(value)))
    console.print(table)


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



def print_document(stored: dict, spans: list[tuple[int, int]], stream: IO[str], as_json: bool,
                   console: "Console | None") -> None:
    """One document (``show``): metadata lines, a blank line, the body with ``spans``
    highlighted, a ``[page N]`` line before each page of a paged document (a PDF); as JSON
    with the spans as ``highlights`` into ``body`` and a paged document's ``pages``: the
    offset into ``body`` at which each page starts."""
    body = stored.get("body", "")
    pages = [int(start) for start in stored.get("pages", "").split(",") if start]
    if as_json:
        record = {k: stored.get(k) for k in METADATA_FIELDS} | {
            "body": body, "highlights": [list(s) for s in spans],
            "matches": list(dict.fromkeys(body[s:e] for s, e in spans))}
        if pages:
            record["pages"] = pages
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    meta = [f"{k}: {safe(str(stored[k])) if stored.get(k) is not None else '-'}"
            for k in METADATA_FIELDS]
    # Each page's text, after a marker line; a document without pages is its body alone.
    bounds = list(zip(pages, [*pages[1:], len(body)]))
    if console is None:
        pieces = [f"[page {n}]\n{safe(body[start:end]).rstrip()}"
                  for n, (start, end) in enumerate(bounds, 1)] or [safe(body)]
        stream.write("\n".join(meta) + "\n\n" + "\n".join(pieces) + "\n")
        return
    from rich.text import Text

    for line in meta:
        console.print(Text(line, style="dim"))
    console.print()
    text = highlighted(body, spans)
    for n, (start, end) in enumerate(bounds, 1):
        console.print(Text(f"[page {n}]", style="dim"))
        page = text[start:end]
        page.rstrip()
        console.print(page)
    if not bounds:
        console.print(text)
