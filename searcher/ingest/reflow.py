"""A PDF's text layer as paragraphs: lines joined where the page wrapped them, and the running
headers, footers and page numbers of its pages dropped.

A text layer holds one line of text per line of print, so a word the page wrapped
(``史无前`` / ``例``, ``inter-`` / ``national``) is two pieces that no search finds. Within a
paragraph the lines are joined: with nothing between them when either side is CJK (Chinese
sets no spaces), a hyphenated Latin word rejoined, other Latin text with a space. A line ends
its paragraph when it is short (less than ``SHORT`` of a full line's width, measured with CJK
characters counting two) and ends a sentence (。！？…) or with a CJK character (CJK text wraps
at any character: a line of it that wrapped is full, so a short one is a heading, a byline or a
paragraph's last line); or when it is shorter still (``HEADING``: a Latin heading), or wider than
a full line (``LONG``: a headline set apart); or when the next line is blank, indented or
starts a list item. A paragraph that runs on at the foot of a
page of running text (``FULL_PAGE`` lines or more) is joined to the head of the next page,
which then starts where the paragraph resumes.

A line at the top or bottom (``EDGE_LINES``) of most pages, with its numbers counted as one
(``台海局勢 3``, ``台海局勢 4``), is a running header or footer; a line at the edge that is only a
page number (``3``, ``- 3 -``, ``第 3 頁``, ``3/12``, ``Page 3 of 12``) is one too. Both are
dropped, on the first page too: a browser prints the day it printed and the page's address at
the edges of every page, and neither is the article's.

    >>> reflow(["全球疫情史无前\\n例地蔓延，各國\\n封鎖邊境。\\n1",
    ...         "Aid from inter-\\nnational donors\\n2"])
    ('全球疫情史无前例地蔓延，各國封鎖邊境。\\n\\nAid from international donors', (0, 21))
"""

from __future__ import annotations

import re
import unicodedata

PAGE_SEPARATOR = "\n\n"
SHORT = 0.85
HEADING = 0.5
LONG = 1.2  # a line this much wider than a full one is set apart (a headline)
EDGE_LINES = 2
FULL_PAGE = 5  # lines: a page with fewer is not a page of running text
_TYPICAL = 0.8  # a full line's width: this far up the document's lines sorted by width

_PAGE_NUMBER_RE = re.compile(
    r"[-–—~]?\s*\d{1,3}\s*[-–—~]?|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?"
    r"|\d{1,4}\s*(?:/|of)\s*\d{1,4}|第\s*\d{1,4}\s*[頁页](?:\s*[,，/／]?\s*共\s*\d{1,4}\s*[頁页])?"
    r"|[頁页]\s*\d{1,4}", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d+")
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
WRAPPED_LINES = 6  # a note of a few lines is left as written
WRAPPED_WIDTH = 160  # columns (CJK characters count two): 80 characters of Chinese
WRAPPED_SLACK = 2  # columns: a wrap at any character leaves full lines this even
WRAPPED_FULL = 0.5  # of the lines, full
WRAPPED_SHARE = 0.3  # of the lines, full and ending mid-sentence
_SENTENCE_END = "。！？!?…．.」』”）)"
_LIST_ITEM_RE = re.compile(r"[•●■◆▪·\-–—*]\s|\(?\d{1,2}[.)]\s|\d{1,2}、|[一二三四五六七八九十]+、")


# Wide characters, which set no spaces between words: CJK punctuation, kana, Han,
# compatibility ideographs, full-width forms (not Hangul, which sets spaces).
_WIDE = "\u2e80-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff" \
        "\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003ffff"


def between_wide(pattern: str) -> re.Pattern:
    """``pattern`` where it stands between two wide characters: a break there, such as a
    wrapped line's end, is no break at all in text that sets no spaces (CSS Text 3 draws
    nothing for it)."""
    return re.compile(f"(?<=[{_WIDE}])(?:{pattern})(?=[{_WIDE}])")


SOFT_BREAK = "\ufdd0"  # a break the source's format made, not its writer (a noncharacter)
_SOFT_BREAK_RE = between_wide(SOFT_BREAK)


def soft_breaks_resolved(text: str, elsewhere: str) -> str:
    """``text`` with each ``SOFT_BREAK`` marked in it (once its neighbours are known) gone
    between wide characters and ``elsewhere`` in its place otherwise.

    >>> soft_breaks_resolved(f"新臺幣三{SOFT_BREAK}千元{SOFT_BREAK}NT$3000", " ")
    '新臺幣三千元 NT$3000'
    """
    return _SOFT_BREAK_RE.sub("", text).replace(SOFT_BREAK, elsewhere)


def unwrapped(text: str) -> str:
    """A plain text's lines joined where a hard wrap broke them (a BBS post, a file from an
    editor that wraps, a mail at 72 columns), as a PDF's are; the text as it is unless it is
    wrapped: at least ``WRAPPED_LINES`` lines, full ones at most ``WRAPPED_WIDTH`` wide and
    within ``WRAPPED_SLACK`` of one width or a character of one length (Chinese wraps at any
    character), half of the lines full and ``WRAPPED_SHARE`` of them full yet ending
    mid-sentence. A text written a paragraph or a phrase to a line (a transcript's) has lines
    of every width, ending where the writer ended them: it is left as it is."""
    lines = [line.rstrip() for line in _LINE_BREAK_RE.split(text)]
    filled = [line.strip() for line in lines if line.strip()]
    if len(filled) < WRAPPED_LINES:
        return text
    lengths = [len(line) for line in filled]  # a wrap by characters, not columns
    typical_length = _typical(lengths)
    if typical_length > WRAPPED_WIDTH:  # wider still: an article written a paragraph a line
        return text
    # Every text file is asked: its widths roughly, every character past ASCII counted wide.
    widths = [2 * len(line) - len(line.encode("ascii", "ignore")) for line in filled]
    typical = _typical(widths)
    full = [line for line, width, length in zip(filled, widths, lengths)
            if typical - WRAPPED_SLACK <= width <= typical
            or typical_length - 1 <= length <= typical_length]
    mid_sentence = sum(1 for line in full if line[-1] not in _SENTENCE_END)
    if typical > WRAPPED_WIDTH or len(full) < WRAPPED_FULL * len(filled) \
            or mid_sentence < WRAPPED_SHARE * len(filled):
        return text
    return "\n".join(_paragraphs(lines, _typical([_width(line) for line in filled]))[0])


def _typical(sizes: list[int]) -> int:
    """A full line's size: ``_TYPICAL`` of the way up the lines' sizes."""
    return sorted(sizes)[round(_TYPICAL * (len(sizes) - 1))] if sizes else 0


def reflow(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """The body of a document from its pages' extracted text, and the offset at which each
    page starts in it."""
    lines = [[line.rstrip() for line in text.replace("\r\n", "\n").strip("\n").split("\n")]
             for text in pages]  # (a first line's indentation kept)
    lines = _without_running_lines(lines)
    typical = _typical([_width(line) for page in lines for line in page if line.strip()])
    body: list[str] = []  # its pieces, joined once (thousands of pages copy nothing twice)
    length, starts = 0, []
    ended = True  # whether the text so far ends a paragraph
    for page in lines:
        paragraphs, last_open = _paragraphs(page, typical)
        text = "\n".join(paragraphs)
        if length and text:
            first = next(line for line in page if line.strip())
            # The separator, or the hyphen of a word the page break cut, dropped.
            length += (_append(body, PAGE_SEPARATOR) if ended or _indented(first)
                       else _join_onto(body, text[0]))
        starts.append(length)
        length += _append(body, text)
        if text:
            ended = not last_open or sum(1 for line in page if line.strip()) < FULL_PAGE
    return "".join(body), tuple(starts)


def _without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """The pages' lines less running headers, footers and page numbers at their edges."""
    edges = [_edge_indexes(page) for page in pages]
    counts: dict[str, int] = {}
    for page, indexes in zip(pages, edges):
        for key in {_key(page[i]) for i in indexes}:
            counts[key] = counts.get(key, 0) + 1
    with_text = sum(1 for page in pages if any(line.strip() for line in page))
    running = {key for key, count in counts.items() if count >= 2 and 2 * count >= with_text}
    kept = []
    for page, indexes in zip(pages, edges):
        dropped = {i for i in indexes
                   if _PAGE_NUMBER_RE.fullmatch(page[i].strip()) or _key(page[i]) in running}
        kept.append([line for i, line in enumerate(page) if i not in dropped])
    return kept


def _edge_indexes(page: list[str]) -> list[int]:
    """The indexes of a page's first and last ``EDGE_LINES`` lines with text, in order."""
    filled = [i for i, line in enumerate(page) if line.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def _key(line: str) -> str:
    """A line as a running header or footer repeats it: its numbers counted as one."""
    return _DIGITS_RE.sub("#", " ".join(line.split()))


def _paragraphs(page: list[str], typical: int) -> tuple[list[str], bool]:
    """A page's paragraphs, each one line, and whether the last runs on past the page;
    ``typical``: the width of a full line."""
    while page and not page[-1].strip():
        page = page[:-1]
    paragraphs: list[str] = []
    current: list[str] = []  # the paragraph's pieces, joined once it ends
    for line in page:
        if not line.strip():
            if current:
                paragraphs.append("".join(current))
            current = []
            continue
        text = line.strip()
        if current and (_indented(line) or _LIST_ITEM_RE.match(text)):
            paragraphs.append("".join(current))
            current = []
        if current:
            _join_onto(current, text[0])
        current.append(text)
        if _ends_paragraph(line, typical):
            paragraphs.append("".join(current))
            current = []
    if current:
        paragraphs.append("".join(current))
    return paragraphs, bool(current)


def _ends_paragraph(line: str, typical: int) -> bool:
    width, last = _width(line), line.rstrip()[-1]
    # CJK text wraps at any character, so a wrapped line of it is full; Latin text wraps
    # between words, so a wrapped line of it may be well short (ragged right).
    return (width < HEADING * typical or width > LONG * typical
            or (width < SHORT * typical and (last in _SENTENCE_END or _is_cjk(last))))


def _indented(line: str) -> bool:
    return line[:1].isspace()


def _join_onto(pieces: list[str], first: str) -> int:
    """Make the text ``pieces`` hold ready for the wrapped rest of its line, which begins
    with ``first``: a hyphen that cut a Latin word dropped, a space between Latin words put
    in, nothing where either side is CJK. The change in its length."""
    tail = ((pieces[-2][-2:] if len(pieces) > 1 else "") + pieces[-1][-2:])[-2:]
    last = tail[-1]
    if last in "-\u00ad" and len(tail) > 1 and tail[-2].isalpha() and tail[-2].isascii() \
            and first.islower() and first.isascii():
        pieces[-1] = pieces[-1][:-1]
        return -1
    if _is_cjk(last) or _is_cjk(first):
        return 0
    return _append(pieces, " ")


def _append(pieces: list[str], text: str) -> int:
    """``text`` added to ``pieces`` (an empty one left out, so the last piece holds the
    text's end); its length."""
    if text:
        pieces.append(text)
    return len(text)


def _is_cjk(character: str) -> bool:
    """Whether a character belongs to text set without spaces (Han, kana, Hangul, CJK and
    full-width punctuation)."""
    return unicodedata.east_asian_width(character) in "WF"


def _width(line: str) -> int:
    """A line's printed width: CJK characters count two."""
    return sum(2 if _is_cjk(c) else 1 for c in line.strip())
