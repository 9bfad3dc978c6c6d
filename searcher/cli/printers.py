"""Printers: hits in, text out. Each gets a stream and what to print, never command-line flags;
``cli`` picks one. Document text is never interpreted as rich markup, and control characters
from documents or file names are replaced before they reach a terminal.

JSON Lines contract (``JsonLinesPrinter``), one object a hit, UTF-8, flushed per line:
``path``, ``title``, ``date`` (YYYY-MM-DD or null), ``score``, ``snippet`` (plain text),
``highlights`` ([start, end) offsets into ``snippet``), ``matches`` (surface strings as written),
plus ``rank``, ``author``, ``file`` (a path that opens from the working directory), ``record``
(a JSON Lines record's id, or null), ``url``, ``source``, ``tags``, ``snippets`` (each
snippet apart: ``{text, highlights}``), ``page`` (a PDF's page of the first match, from 1;
null for formats without pages) and ``copies`` (the article's near-duplicates among the
matches, shown under it: ``[{path, file, record}]``, best first; empty with
``--no-collapse``).
"""

from __future__ import annotations

import json
import re
from typing import IO, TYPE_CHECKING

from searcher.cli.remedies import with_remedy
from searcher.errors import IndexStateError, SearcherError
from searcher.fields import METADATA_FIELDS
from searcher.models import Hit

if TYPE_CHECKING:  # rich is imported only when a terminal view is printed (cold start)
    from rich.console import Console
    from rich.text import Text

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HIGHLIGHT_STYLE = "bold red"
SNIPPET_SEPARATOR = " "


_LINE_SEPARATORS = str.maketrans("\u2028\u2029", "\n\n")


def safe(text: str) -> str:
    """Control characters (escape sequences, bidi overrides) to U+FFFD, and Unicode's line and
    paragraph separators (U+2028, U+2029: terminals differ on them) to the newline they
    mean; same length."""
    return _CONTROL_RE.sub("\ufffd", text).translate(_LINE_SEPARATORS)


def one_line(text: str) -> str:
    """``safe`` text for a line-oriented format: tabs and newlines become spaces."""
    return safe(text).replace("\t", " ").replace("\n", " ")


def error_message(error: Exception) -> str:
    """What the command says of an error: a problem of the user's or the machine's (a full
    disk, a read-only folder) in its own words; anything else is a bug of ours, to report."""
    if isinstance(error, IndexStateError):
        return with_remedy(error)
    if isinstance(error, SearcherError):
        return str(error)
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror or error}{where}"
    return (f"internal error ({type(error).__name__}: {error}); please report it, with the "
            f"traceback that SEARCHER_DEBUG=1 prints")


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_line(value: object) -> str:
    """``value`` as one line of JSON, always valid UTF-8. A string holding bytes that are not
    text (a file name in GBK or Big5, which Python keeps as surrogate escapes) is written
    with U+FFFD in their place, and, in an object, its exact bytes beside it under
    ``KEY_bytes`` (base64), as ripgrep's JSON gives ``bytes`` where ``text`` cannot hold
    them."""
    return json.dumps(_valid_text(value), ensure_ascii=False)


def _valid_text(value: object) -> object:
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_valid_text(item) for item in value]
    if not isinstance(value, dict):
        return value
    valid = {}
    for key, item in value.items():
        valid[key] = _valid_text(item)
        if isinstance(item, str) and _SURROGATE_RE.search(item):
            import base64

            valid[f"{key}_bytes"] = base64.b64encode(raw_bytes(item)).decode("ascii")
    return valid


def raw_bytes(text: str) -> bytes:
    """The bytes a name stood for (undecodable bytes kept as they were read)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that was never a byte: kept as UTF-16 was
        return text.encode("utf-8", "surrogatepass")


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


def hit_record(hit: Hit) -> dict:
    """A hit as the JSON Lines contract above has it (``--csv`` and ``--format`` take their
    fields from it too)."""
    snippet, highlights = joined_snippet(hit)
    return {"rank": hit.rank, "path": hit.path, "title": hit.title, "date": hit.date,
            "score": round(hit.score, 4), "snippet": snippet,
            "highlights": [list(h) for h in highlights], "matches": list(hit.matches),
            "author": hit.author, "file": hit.file, "record": hit.record, "url": hit.url,
            "source": hit.source, "tags": list(hit.tags),
            "snippets": [{"text": s.text, "highlights": [list(h) for h in s.highlights]}
                         for s in hit.snippets],
            "page": hit.page,
            "copies": [{"path": c.path, "file": c.file, "record": c.record}
                       for c in hit.copies]}


class JsonLinesPrinter(_Printer):
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        self.stream.write(json_line(hit_record(hit)) + "\n")
        self.stream.flush()


def _flat(value: object) -> str:
    """A record's value as one line of text: lists joined by commas, null as nothing."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_flat(v) for v in value)
    return one_line(str(value))


CSV_COLUMNS = ("rank", "file", "record", "page", "date", "title", "author", "source", "url",
               "tags", "score", "snippet")


class CsvPrinter(_Printer):
    """A header row, then a row a hit (``CSV_COLUMNS``): for spreadsheets and citation
    lists. RFC 4180 quoting; values on one line each."""

    def __init__(self, stream: IO[str]) -> None:
        import csv

        self.writer = csv.writer(stream, lineterminator="\n")
        self.writer.writerow(CSV_COLUMNS)

    def hit(self, hit: Hit) -> None:
        record = hit_record(hit)
        self.writer.writerow([_flat(record[column]) for column in CSV_COLUMNS])


MAX_FORMAT_WIDTH = 10_000
FORMAT_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\0": "\0", "\\\\": "\\"}


# The keys of ``hit_record`` that make sense on one line of a template.
FORMAT_FIELDS = ("rank", "path", "title", "date", "score", "snippet", "matches", "author",
                 "file", "record", "url", "source", "tags", "page")


class FormatPrinter(_Printer):
    """A line a hit from a template of the JSON keys (``'{date}\\t{title}\\t{url}'``),
    with Python's format specs (``{score:.2f}``, ``{title:.20}``): ``\\t``, ``\\n``,
    ``\\0`` and ``\\\\`` are read as in C; a missing value is empty; each hit ends with a
    newline, as ``git log --format`` does."""

    def __init__(self, stream: IO[str], template: str) -> None:
        self.stream = stream
        self.template = checked_template(template)

    def hit(self, hit: Hit) -> None:
        values = {k: v if isinstance(v, (int, float)) else _flat(v)
                  for k, v in hit_record(hit).items()}
        try:
            line = self.template.format_map(values)
        except (ValueError, TypeError) as error:  # a spec that does not fit its value
            raise SearcherError(f"--format: {error}") from None
        self.stream.write(line + "\n")


def checked_template(template: str) -> str:
    """``template`` with its escapes read; an error naming the fields when it asks for
    anything else."""
    import string

    template = re.sub(r"\\[tn0\\]", lambda m: FORMAT_ESCAPES[m.group()], template)
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as error:  # an unmatched brace
        raise SearcherError(f"--format: {error} (write {{{{ and }}}} for braces)") from None
    for name, spec in fields:
        if name not in FORMAT_FIELDS:
            raise SearcherError(f"--format: no field {{{name}}}; the fields are "
                                + " ".join(f"{{{k}}}" for k in FORMAT_FIELDS))
        # A width is memory: {title:>1500000000} would pad every line to 3 GB.
        if "{" in spec or any(int(n) > MAX_FORMAT_WIDTH for n in re.findall(r"\d+", spec)):
            raise SearcherError(f"--format: {{{name}:{spec}}}: widths and precisions are "
                                f"numbers up to {MAX_FORMAT_WIDTH:,}")
    return template


def location(hit: Hit) -> str:
    """Where a hit is, as ``show`` takes it: its file, and a JSON Lines record's ``#ID``."""
    return hit.file if hit.record is None else f"{hit.file}#{hit.record}"


class OnlyMatchingPrinter(_Printer):
    """Each matched passage on a line of its own, ``file<TAB>passage``, as ``grep -o`` and
    ``rg -o`` print them: the match as written, with the asked context either side."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        for snippet in hit.snippets:
            if not snippet.highlights:
                continue  # the lead of an article that matched elsewhere (its title)
            self.stream.write(f"{one_line(location(hit))}\t{one_line(snippet.text)}\n")


class PlainPrinter(_Printer):
    """One line a hit: ``file<TAB>date<TAB>score<TAB>title`` (date empty when undated; a
    JSON Lines record's file as ``FILE#ID``, as ``show`` takes it)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        fields = [location(hit), hit.date or "", f"{hit.score:.4f}", hit.title]
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
        from searcher.cli.pager import LinePager

        self._pager = console.pager(LinePager(), styles=True) if pager else None

    def __enter__(self):
        if self._pager:
            self._pager.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._pager:
            self._pager.__exit__(*exc)

    def hit(self, hit: Hit) -> None:
        from rich.text import Text

        # The title wins the width: rank, title, date and score on the first line (the title
        # gives way only to the date and score), the file on a line of its own below.
        header = Text()
        header.append(f"{hit.rank:>2}. ", style="dim")
        details = Text()
        details.append(f"  {hit.date or 'undated'}", style="cyan")
        details.append(f"  {hit.score:.2f}", style="dim")
        title = highlighted(hit.title, hit.title_highlights, "bold")
        room = self.console.width - header.cell_len - details.cell_len
        title.truncate(max(room, 8), overflow="ellipsis")
        header.append_text(title)
        header.append_text(details)
        header.truncate(self.console.width, overflow="ellipsis")
        self.console.print(header, no_wrap=True)
        # A file stands whole on a line of its own, never cut or broken by us: past the
        # width the terminal wraps it, and a copy-paste or a click still opens it.
        where = Text("    ")
        where.append_text(_where(hit.file, hit.record, "green"))
        if hit.page is not None:
            where.append(f"  p. {hit.page}", style="dim")
        self.console.print(where, soft_wrap=True)
        if hit.copies:
            from searcher.search.hits import also_in

            self.console.print(Text(f"    {also_in(hit)}:", style="dim"), soft_wrap=True)
            for copy in hit.copies:
                line = Text("      ")
                line.append_text(_where(copy.file, copy.record, "dim green"))
                self.console.print(line, soft_wrap=True)
        for snippet in hit.snippets:
            print_wrapped(self.console, highlighted(snippet.text, snippet.highlights), indent=4)
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


def _where(file: str, record: str | None, style: str) -> "Text":
    """A hit's file, and its record's id when it is one of a JSON Lines file's."""
    from rich.text import Text

    where = Text(safe(file), style=style)
    if record is not None:
        where.append(f" #{safe(record)}", style="dim green")
    return where


def print_wrapped(console: "Console", text: "Text", indent: int = 0,
                  mark: int | None = None) -> tuple[int, int | None]:
    """``text`` laid out in the console's width less ``indent``, each paragraph broken by the
    rules of CJK typesetting (``line_breaking``), never by rich's own wrapping. Returns the
    lines printed and which of them (0-based) holds the character at offset ``mark``."""
    from rich.text import Text

    from searcher.cli.line_breaking import text_line_breaks

    lines = text_line_breaks(text.plain, console.width - indent)
    marked = None
    for n, (start, end) in enumerate(lines):
        line = Text(" " * indent)
        line.append_text(text[start:end])
        console.print(line, no_wrap=True, overflow="crop")
        if mark is not None and marked is None and mark < max(end, start + 1):
            marked = n
    return len(lines), marked


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

    console.print(timeline_bars(chart, console.width), end="")
    console.print(Text(f"{chart.total} matching articles, by {chart.by}", style="dim"))


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


STAT_LABELS = (("documents", "documents"), ("dated", "dated"), ("undated", "undated"),
               ("first_date", "first date"), ("last_date", "last date"),
               ("size_bytes", "size (bytes)"), ("segments", "segments"),
               ("built_at", "built"), ("schema_version", "schema version"))


def print_stats(stats: dict, stream: IO[str], as_json: bool, console: "Console | None") -> None:
    if as_json:
        stream.write(json_line(stats) + "\n")
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
                   console: "Console | None") -> int:
    """One document (``show``): metadata lines, a blank line, the body with ``spans``
    highlighted, a ``[page N]`` line before each page of a paged document (a PDF); as JSON
    with the spans as ``highlights`` into ``body`` and a paged document's ``pages``: the
    offset into ``body`` at which each page starts. Returns the line of the terminal view
    (0-based) that holds the first span, 0 when there is none or no terminal view."""
    from searcher.search.hits import page_starts  # not at the top: ``--version`` loads us

    body = stored.get("body", "")
    pages = page_starts(stored)
    if as_json:
        record = {k: stored.get(k) for k in METADATA_FIELDS} | {
            "body": body, "highlights": [list(s) for s in spans],
            "matches": list(dict.fromkeys(body[s:e] for s, e in spans))}
        if pages:
            record["pages"] = pages
        stream.write(json_line(record) + "\n")
        return 0
    meta = [f"{k}: {safe(str(stored[k])) if stored.get(k) is not None else '-'}"
            for k in METADATA_FIELDS]
    # Each page's text, after a marker line; a document without pages is its body alone.
    bounds = list(zip(pages, [*pages[1:], len(body)]))
    if console is None:
        pieces = [f"[page {n}]\n{safe(body[start:end]).rstrip()}"
                  for n, (start, end) in enumerate(bounds, 1)] or [safe(body)]
        stream.write("\n".join(meta) + "\n\n" + "\n".join(pieces) + "\n")
        return 0
    from rich.text import Text

    for line in meta:
        console.print(Text(line, style="dim"), no_wrap=True, overflow="ellipsis")
    console.print()
    line = len(meta) + 1
    first = spans[0][0] if spans else None
    text = highlighted(body, spans)
    first_line = None
    for n, (start, end) in enumerate(bounds or [(0, len(body))], 1):
        if bounds:
            console.print(Text(f"[page {n}]", style="dim"))
            line += 1
        page = text[start:end]
        page.rstrip()
        inside = first - start if first is not None and start <= first < end else None
        printed, marked = print_wrapped(console, page, mark=inside)
        if marked is not None and first_line is None:
            first_line = line + marked
        line += printed
    return first_line or 0
