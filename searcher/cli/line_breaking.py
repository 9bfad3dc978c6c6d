"""Where to break a line of Chinese text for a terminal of a given width, by the rules of
CJK typesetting (kinsoku): a line never starts with closing punctuation (，。」) nor ends with
opening punctuation (「《), and a Latin word or number is not cut unless it is wider than a
line. Rich wraps only at spaces, and text without spaces by cells alone, so a snippet could
start a line with ``，``.

    >>> text = "他說：「停火。」然後離開"
    >>> [text[s:e] for s, e in line_breaks(text, 8)]   # 4 characters a line at most
    ['他說：', '「停', '火。」然', '後離開']
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from rich.cells import get_character_cell_size

# Closing punctuation, and marks that belong to the character before them.
NO_LINE_START = frozenset("，。、；：？！）」』》〉】〕］｝〗〙…‥—・·,.;:?!)]}’”%％〞")
# Opening punctuation belongs to the character after it.
NO_LINE_END = frozenset("（「『《〈【〔［｛〖〘‘“〝([{")


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "_'-")


def line_breaks(text: str, width: int) -> list[tuple[int, int]]:
    """``[start, end)`` offsets of each line of ``text`` (one paragraph: no newlines) laid
    out in ``width`` cells. No line is wider than ``width`` unless a single character is;
    spaces at a break are dropped."""
    width = max(width, 2)
    # Cells before each offset, measured once (rich's width of each character): a line's
    # end is then a binary search, not a sum a character at a time.
    cells = [0, *accumulate(map(get_character_cell_size, text))]
    lines: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        while start < len(text) and text[start] == " ":
            start += 1  # a break's space belongs to neither line
        if start >= len(text):
            break
        end = bisect_right(cells, cells[start] + width, start) - 1
        if end == start:  # one character wider than the line
            end += 1
        elif end < len(text):
            end = _better_break(text, start, end)
        stop = end
        while text[stop - 1] == " ":
            stop -= 1
        lines.append((start, stop))
        start = end
    return lines


def _opens_with_closing(text: str, at: int) -> bool:
    """Would a line starting at ``at`` (its spaces dropped) start with closing punctuation?"""
    while at < len(text) and text[at] == " ":
        at += 1
    return at < len(text) and text[at] in NO_LINE_START


def _better_break(text: str, start: int, end: int) -> int:
    """A break at or before ``end`` that the rules allow; ``end`` itself when none does."""
    if text[end] == " " and not _opens_with_closing(text, end):
        return end
    candidate = end
    while candidate > start + 1 and (_opens_with_closing(text, candidate)
                                     or text[candidate - 1] in NO_LINE_END):
        candidate -= 1
    if _opens_with_closing(text, candidate) or text[candidate - 1] in NO_LINE_END:
        return end  # all punctuation: cut where the cells run out
    if _is_word_char(text[candidate - 1]) and _is_word_char(text[candidate]):
        word_start = candidate
        while word_start > start and _is_word_char(text[word_start - 1]):
            word_start -= 1
        if word_start > start:
            candidate = word_start
            while candidate > start + 1 and text[candidate - 1] in NO_LINE_END:
                candidate -= 1  # "（Donald": the bracket goes with its word
    return candidate


def text_line_breaks(text: str, width: int) -> list[tuple[int, int]]:
    """``line_breaks`` for text of several paragraphs: offsets into ``text``; a newline ends
    a line, and an empty paragraph is an empty line."""
    lines: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        lines += [(offset + start, offset + end)
                  for start, end in line_breaks(paragraph, width) or [(0, 0)]]
        offset += len(paragraph) + 1
    return lines
