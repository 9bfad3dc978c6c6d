"""What the browse screen shows, as rich text made from the session's state: a row of the
result list, the selected article wrapped to the preview's width with every match
highlighted, and a timeline's bar chart. Document text is never read as markup, and its
control characters are made harmless."""

from __future__ import annotations

from bisect import bisect_right

from rich.text import Text

from searcher.cli.line_breaking import text_line_breaks
from searcher.cli.messages import one_line, safe
from searcher.cli.terminal import timeline_bars
from searcher.fields import stored_tags
from searcher.search.browsing import Article, Row
from searcher.search.timeline import Timeline


def highlight_styles(colored: bool) -> tuple[str, str]:
    """Styles of a match and of the current match: colours, or (NO_COLOR) bold and reverse."""
    if colored:
        return "bold red", "bold white on red"
    return "bold reverse", "bold reverse underline"


def render_article(article: Article, width: int, colored: bool
                   ) -> tuple[list[Text], list[list[tuple[int, int, int]]]]:
    """The preview as display lines: metadata, a blank line, then the body wrapped to
    ``width`` with every match highlighted; and where each match is drawn, as
    ``(line, start, end)`` pieces (a match can straddle lines)."""
    match_style, _ = highlight_styles(colored)
    out = _metadata_lines(article, width)
    header = len(out)
    body = safe(article.body).replace("\t", " ")  # one character each: offsets hold
    lines = text_line_breaks(body, width)
    out.extend(Text(body[start:end]) for start, end in lines)
    starts = [start for start, _ in lines]
    places = []
    for start, end in article.spans:
        pieces = []
        for n in range(max(bisect_right(starts, start) - 1, 0), len(lines)):
            line_start, line_end = lines[n]
            if line_start >= end:
                break
            a, b = max(start, line_start) - line_start, min(end, line_end) - line_start
            if a < b:
                out[header + n].stylize(match_style, a, b)
                pieces.append((header + n, a, b))
        places.append(pieces or [(header + max(bisect_right(starts, start) - 1, 0), 0, 0)])
    return out, places


def _metadata_lines(article: Article, width: int) -> list[Text]:
    """The title (wrapped), the date, author and source, the file, the URL and the tags
    (each cut to one line), then a blank line."""
    stored = article.stored
    out = []
    title = safe(stored.get("title") or "").replace("\t", " ")
    for start, end in text_line_breaks(title, width) if title else []:
        out.append(Text(title[start:end], style="bold"))
    details = [stored.get("date") or "undated", stored.get("author"), stored.get("source")]
    meta = [" · ".join(d for d in details if d), article.file, stored.get("url"),
            ", ".join(stored_tags(stored)) or None]
    for line in filter(None, meta):
        piece = Text(safe(line).replace("\t", " ").replace("\n", " "), style="dim")
        piece.truncate(width, overflow="ellipsis")
        out.append(piece)
    out.append(Text())
    return out


def row_prompt(row: Row, colored: bool) -> Text:
    """A result as the list shows it: the title (its matches highlighted), then the date,
    where it is from (``Row.where``: with how many reposts were collapsed into it), and how
    many times it matches."""
    match_style, _ = highlight_styles(colored)
    title = Text(one_line(row.hit.title or "(untitled)"), style="bold")
    for start, end in row.hit.title_highlights:
        title.stylize(match_style, start, end)
    details = Text(f"{row.hit.date or 'undated'}  {one_line(row.where)}  ", style="dim")
    details.append(f"{row.matches} match{'es' if row.matches != 1 else ''}")
    return Text("\n").join([title, details])


def render_timeline(chart: Timeline, width: int, query: str) -> Text:
    """A timeline as a bar chart: one row a period, the undated last."""
    out = Text()
    out.append(f"{one_line(query)}: {chart.total} matching article"
               f"{'s' if chart.total != 1 else ''}, by {chart.by}\n\n", style="bold")
    out.append_text(timeline_bars(chart, width))
    if not chart.buckets and not chart.undated:
        out.append("no dated matches\n")
    out.append("\ny year · m month · w week · Esc close", style="dim")
    return out
