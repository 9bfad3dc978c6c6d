"""Printers: what a command found in, text out. Each is a sink, as ripgrep's are: ``begin``
before the search, a ``hit`` at a time, then ``end`` with what was found in all (a search's
``Summary``, a ``Timeline``, an index's stats, a ``Shown`` document). A printer gets a stream
or a console, never command-line flags: ``printer_for`` is the one place that picks one, for
every command and every form of output (``Output``). Document text is never interpreted as
rich markup, and control characters from documents or file names are replaced before they
reach a terminal (``messages.safe``).

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
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from searcher.cli.messages import json_line, one_line, safe
from searcher.errors import SearcherError
from searcher.fields import METADATA_FIELDS, page_starts
from searcher.models import Hit

if TYPE_CHECKING:  # rich is imported only when a terminal view is printed (cold start)
    from rich.console import Console
    from rich.text import Text

    from searcher.search.timeline import Timeline

SNIPPET_SEPARATOR = " "


@dataclass(frozen=True)
class Output:
    """How a command prints, settled once from its options: ``what`` it prints (``hits``,
    a ``count``, a ``timeline``, ``stats`` or a ``document``) and in which ``form``: ``text``
    (the terminal view, or plain lines into a pipe), ``json`` (JSON Lines), ``files``
    (``-l``), ``null`` (``-0``), ``only-matching`` (``-o``), ``csv`` or ``format`` (a line a
    hit from ``template``); ``color`` as ``--color`` says it; ``pager``: page the terminal
    view (None: when standard output is a terminal)."""

    what: str = "hits"
    form: str = "text"
    template: str | None = None
    color: str = "auto"
    pager: bool | None = False


@dataclass(frozen=True)
class Summary:
    """What a search found in all, as its printer's ``end`` gets it: ``total`` matches,
    ``shown`` of them printed, in ``seconds``, narrowed or ordered by ``filters``."""

    total: int
    shown: int = 0
    seconds: float = 0.0
    filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shown:
    """A document as ``show`` prints it: its stored fields and where a query matches it."""

    stored: dict
    spans: list[tuple[int, int]]


def printer_for(output: Output, stream: IO[str] | None = None) -> Printer:
    """The one place that picks a printer: for every command, what it prints and the form
    asked for, to ``stream`` (standard output by default)."""
    from searcher.cli.environment import console_for

    stream = stream or sys.stdout
    as_json = output.form == "json"
    if output.what == "count":
        return CountPrinter(stream)
    if output.what in ("timeline", "stats", "document"):
        console = None if as_json else console_for(output.color, stream)
        if output.what == "timeline":
            return TimelinePrinter(stream, as_json, console)
        if output.what == "stats":
            return StatsPrinter(stream, as_json, console)
        paged = console is not None and (stream.isatty() if output.pager is None
                                         else output.pager)
        return DocumentPrinter(stream, as_json, console, paged)
    if as_json:
        return JsonLinesPrinter(stream)
    if output.form in ("files", "null"):
        return FilesPrinter(stream, "\0" if output.form == "null" else "\n")
    if output.form == "only-matching":
        return OnlyMatchingPrinter(stream)
    if output.form == "csv":
        return CsvPrinter(stream)
    if output.form == "format":
        return FormatPrinter(stream, output.template or "")
    console = console_for(output.color, stream)
    return TextPrinter(console, bool(output.pager)) if console else PlainPrinter(stream)


def print_hits(printer: Printer, hits: list[Hit], path_style: str,
               summary: Summary | None = None) -> None:
    """Hand ``hits`` to ``printer``, their files as paths that open from here written in
    ``path_style``, then end it with ``summary`` (the terminal view's footer)."""
    from searcher.search.paths import openable_hits

    for hit in openable_hits(hits, path_style):
        printer.hit(hit)
    printer.end(summary)


class Printer:
    """A sink for one command's output, used as a context manager around the search: ``with
    printer:`` calls ``begin``, and however the command ends lets go of what it holds (a
    pager); inside, a ``hit`` at a time, then ``end``."""

    def __enter__(self) -> Printer:
        self.begin()
        return self

    def __exit__(self, *exc) -> None:
        return None

    def begin(self) -> None:
        """Before the search (a CSV's header row)."""

    def hit(self, hit: Hit) -> None:
        """One hit, best first."""

    def end(self, found: object = None) -> None:
        """After the last hit, what was found in all: a ``Summary`` (the terminal view's
        footer, a count), a ``Timeline``, an index's stats, a ``Shown`` document; None when
        there is nothing more to say."""


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


class JsonLinesPrinter(Printer):
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


class CsvPrinter(Printer):
    """A header row, then a row a hit (``CSV_COLUMNS``): for spreadsheets and citation
    lists. RFC 4180 quoting; values on one line each."""

    def __init__(self, stream: IO[str]) -> None:
        import csv

        self.writer = csv.writer(stream, lineterminator="\n")

    def begin(self) -> None:
        self.writer.writerow(CSV_COLUMNS)

    def hit(self, hit: Hit) -> None:
        record = hit_record(hit)
        self.writer.writerow([_flat(record[column]) for column in CSV_COLUMNS])


MAX_FORMAT_WIDTH = 10_000
FORMAT_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\0": "\0", "\\\\": "\\"}


# The keys of ``hit_record`` that make sense on one line of a template.
FORMAT_FIELDS = ("rank", "path", "title", "date", "score", "snippet", "matches", "author",
                 "file", "record", "url", "source", "tags", "page")


class FormatPrinter(Printer):
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


class OnlyMatchingPrinter(Printer):
    """Each matched passage on a line of its own, ``file<TAB>passage``, as ``grep -o`` and
    ``rg -o`` print them: the match as written, with the asked context either side."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        for snippet in hit.snippets:
            if not snippet.highlights:
                continue  # the lead of an article that matched elsewhere (its title)
            self.stream.write(f"{one_line(location(hit))}\t{one_line(snippet.text)}\n")


class PlainPrinter(Printer):
    """One line a hit: ``file<TAB>date<TAB>score<TAB>title`` (date empty when undated; a
    JSON Lines record's file as ``FILE#ID``, as ``show`` takes it)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def hit(self, hit: Hit) -> None:
        fields = [location(hit), hit.date or "", f"{hit.score:.4f}", hit.title]
        self.stream.write("\t".join(one_line(f) for f in fields) + "\n")


class FilesPrinter(Printer):
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


class _Paged(Printer):
    """A view that may be paged, when it is the terminal's: from ``begin`` on, the pager
    takes what is printed, and shows it (from ``line_pager.first_line``) once the command is
    done."""

    def __init__(self, console: Console | None, pager: bool) -> None:
        self.console = console
        self.line_pager = self._pager = None
        if console is not None and pager:
            from searcher.cli.pager import LinePager

            self.line_pager = LinePager()
            self._pager = console.pager(self.line_pager, styles=True)

    def begin(self) -> None:
        if self._pager:
            self._pager.__enter__()

    def __exit__(self, *exc) -> None:
        if self._pager:
            self._pager.__exit__(*exc)


class TextPrinter(_Paged):
    """The terminal view: a header line per hit, its highlighted snippets, a footer."""

    def hit(self, hit: Hit) -> None:
        # One print and one write a hit, not one a line: rich's print costs a fixed tenth of
        # a millisecond, and a line's write to a terminal is a system call (a served search's
        # terminal belongs to another process, which must read each one). The lines are
        # fitted already, so they are printed as the segments they render to: rich's soft
        # wrap would split them apart and join them again, for the same segments.
        from rich.segment import Segments
        from rich.text import Text

        text = Text("\n").join(self._hit_lines(hit))
        text.expand_tabs()  # as rich's wrap does (a file's name may hold a tab)
        self.console.print(Segments(text.render(self.console, end="\n")), soft_wrap=True)

    def _hit_lines(self, hit: Hit) -> list[Text]:
        """The hit's lines, each already fitted to the width but its file's: a header, the
        file, its copies, its snippets, a blank line."""
        from rich.text import Text

        from searcher.cli.terminal import highlighted, place, wrapped_lines

        # The title wins the width: rank, title, date and score on the first line (the title
        # gives way only to the date and score), the file on a line of its own below.
        width = self.console.width
        header = Text()
        header.append(f"{hit.rank:>2}. ", style="dim")
        details = Text()
        details.append(f"  {hit.date or 'undated'}", style="cyan")
        details.append(f"  {hit.score:.2f}", style="dim")
        title = highlighted(hit.title, hit.title_highlights, "bold")
        room = width - header.cell_len - details.cell_len
        title.truncate(max(room, 8), overflow="ellipsis")
        header.append_text(title)
        header.append_text(details)
        header.truncate(width, overflow="ellipsis")
        # A file stands whole on a line of its own, never cut or broken by us: past the
        # width the terminal wraps it, and a copy-paste or a click still opens it.
        where = Text("    ")
        where.append_text(place(hit.file, hit.record, "green"))
        if hit.page is not None:
            where.append(f"  p. {hit.page}", style="dim")
        lines = [header, where]
        if hit.copies:
            from searcher.search.hits import also_in

            lines.append(Text(f"    {also_in(hit)}:", style="dim"))
            for copy in hit.copies:
                line = Text("      ")
                line.append_text(place(copy.file, copy.record, "dim green"))
                lines.append(line)
        for snippet in hit.snippets:
            text = highlighted(snippet.text, snippet.highlights)
            lines += [line for line, _, _ in wrapped_lines(text, width, indent=4)]
        return lines + [Text()]

    def end(self, found: Summary | None = None) -> None:
        """The footer: how many matched, how many are shown, the time, the filters."""
        from rich.text import Text

        from searcher.search.ranked import summary

        if found is None:
            return
        text = summary(found.total, found.shown, found.seconds, "matching article")
        if found.filters:
            text += " · " + ", ".join(found.filters)
        self.console.print(Text(text, style="dim"))


class CountPrinter(Printer):
    """``-c``: the number of matching articles, alone on a line."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def end(self, found: Summary) -> None:
        self.stream.write(f"{found.total}\n")
        self.stream.flush()


class TimelinePrinter(Printer):
    """Matching articles per period: JSON, a bar chart, or ``period<TAB>count`` lines."""

    def __init__(self, stream: IO[str], as_json: bool, console: Console | None) -> None:
        self.stream, self.as_json, self.console = stream, as_json, console

    def end(self, found: Timeline) -> None:
        if self.as_json:
            self.stream.write(json.dumps(
                {"by": found.by, "total": found.total, "undated": found.undated,
                 "buckets": [{"period": p, "count": c} for p, c in found.buckets]},
                ensure_ascii=False) + "\n")
        elif self.console is None:
            for period, count in found.buckets:
                self.stream.write(f"{period}\t{count}\n")
            if found.undated:
                self.stream.write(f"undated\t{found.undated}\n")
        else:
            from rich.text import Text

            from searcher.cli.terminal import timeline_bars

            self.console.print(timeline_bars(found, self.console.width), end="")
            self.console.print(Text(f"{found.total} matching articles, by {found.by}",
                                    style="dim"))


STAT_LABELS = (("documents", "documents"), ("dated", "dated"), ("undated", "undated"),
               ("first_date", "first date"), ("last_date", "last date"),
               ("size_bytes", "size (bytes)"), ("segments", "segments"),
               ("built_at", "built"), ("schema_version", "schema version"))


class StatsPrinter(Printer):
    """What an index holds (``stats``): JSON, ``label: value`` lines, or a table."""

    def __init__(self, stream: IO[str], as_json: bool, console: Console | None) -> None:
        self.stream, self.as_json, self.console = stream, as_json, console

    def end(self, found: dict) -> None:
        if self.as_json:
            self.stream.write(json_line(found) + "\n")
            return
        lines = [(label, found[key]) for key, label in STAT_LABELS]
        lines += [("roots", ", ".join(found["roots"]) or "-")]
        lines += [(f"analysis: {k}", v) for k, v in found["analysis"].items()]
        lines += [("top terms", " ".join(f"{t['term']}({t['frequency']})"
                                         for t in found["top_terms"]))]
        if self.console is None:
            for label, value in lines:
                self.stream.write(f"{label}: {safe(str(value))}\n")
            return
        from rich.table import Table

        table = Table(show_header=False, box=None)
        for label, value in lines:
            table.add_row(label, safe(str(value)))
        self.console.print(table)


class DocumentPrinter(_Paged):
    """One document (``show``): metadata lines, a blank line, the body with its spans
    highlighted, a ``[page N]`` line before each page of a paged document (a PDF); as JSON
    with the spans as ``highlights`` into ``body`` and a paged document's ``pages``: the
    offset into ``body`` at which each page starts. Paged, it opens at its first span."""

    def __init__(self, stream: IO[str], as_json: bool, console: Console | None,
                 pager: bool) -> None:
        super().__init__(console, pager)
        self.stream, self.as_json = stream, as_json

    def end(self, found: Shown) -> None:
        stored, spans = found.stored, found.spans
        body = stored.get("body", "")
        pages = page_starts(stored)
        if self.as_json:
            record = {k: stored.get(k) for k in METADATA_FIELDS} | {
                "body": body, "highlights": [list(s) for s in spans],
                "matches": list(dict.fromkeys(body[s:e] for s, e in spans))}
            if pages:
                record["pages"] = pages
            self.stream.write(json_line(record) + "\n")
            return
        meta = [f"{k}: {safe(str(stored[k])) if stored.get(k) is not None else '-'}"
                for k in METADATA_FIELDS]
        # Each page's text, after a marker line; a document without pages is its body alone.
        bounds = list(zip(pages, [*pages[1:], len(body)]))
        if self.console is None:
            pieces = [f"[page {n}]\n{safe(body[start:end]).rstrip()}"
                      for n, (start, end) in enumerate(bounds, 1)] or [safe(body)]
            self.stream.write("\n".join(meta) + "\n\n" + "\n".join(pieces) + "\n")
            return
        first_line = self._terminal_view(self.console, meta, body, bounds, spans)
        if self.line_pager is not None:
            self.line_pager.first_line = first_line

    @staticmethod
    def _terminal_view(console: Console, meta: list[str], body: str,
                       bounds: list[tuple[int, int]], spans: list[tuple[int, int]]) -> int:
        """Print the document on the terminal; the line (0-based) that holds its first span,
        0 when there is none."""
        from rich.text import Text

        from searcher.cli.terminal import highlighted, print_wrapped

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
