"""Find where a query matched in a document and cut snippets around it.

Matching runs on the folded text, which has the original's length, so a span found there
indexes the original: a Simplified query highlights the Traditional characters the author
wrote. Needles are folded strings (query words, their variant spellings, quoted phrases);
one ending in ``PREFIX`` stands for every Latin word that starts with the rest (``Trum*``,
and a stem: ``economi`` lights up economies).

    >>> find_spans("特朗普与普京会晤", ["普京", "特朗普"])
    [(0, 3), (4, 6)]
    >>> find_spans("trump and trumpism, not antitrum", ["trum" + PREFIX])
    [(0, 5), (10, 18)]
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence

from searcher.analysis.fold import fold, fold_again, fold_each
from searcher.analysis.units import RUN_CHAR_RE
from searcher.bounded_cache import BoundedCache
from searcher.models import Snippet

SNIPPET_WIDTH = 90
CONTEXT_BEFORE = 20
MAX_SNIPPETS = 3
KEPT_CHARS = 4_000_000  # the texts whose foldings are kept, in characters: pages of hits
PREFIX = "\0"  # ends a needle that is a word's start (no query or text holds a NUL)
_RUN_RE = re.compile(f"{RUN_CHAR_RE.pattern}*")


def find_spans(folded: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence of every needle in ``folded``, overlaps merged, in order."""
    spans = []
    for needle in needles:
        prefix = needle.endswith(PREFIX)
        needle = needle.removesuffix(PREFIX)
        if not needle:
            continue
        # A Latin or digit needle matches whole words only: "s" must not light up every s.
        bounded = needle[0].isascii() and needle[0].isalnum(), needle[-1].isascii() and \
            needle[-1].isalnum() and not prefix
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            if prefix:  # the rest of the word
                end = _RUN_RE.match(folded, end).end()
            if not (bounded[0] and start > 0 and _is_latin(folded[start - 1])) and \
                    not (bounded[1] and end < len(folded) and _is_latin(folded[end])):
                spans.append((start, end))
            start = folded.find(needle, start + 1)
    return merge_spans(spans)


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def match_spans(text: str, needles: Sequence[str], exceptions: list[list] | None = None
                ) -> list[tuple[int, int]]:
    """Where folded ``needles`` occur in ``text``, under both foldings the index uses (phrase
    by phrase, and character by character: searched again only where the two differ); given
    the text's ``fold_exceptions`` (kept in the index), without folding it anew."""
    folded, each = kept_foldings(text, _frozen(exceptions))
    spans = find_spans(folded, needles)
    return merge_spans(spans + find_spans(each, needles)) if each != folded else spans


def foldings(text: str, exceptions: tuple[tuple, ...] | None) -> tuple[str, str]:
    """``text`` folded as a phrase and character by character, the first from its
    ``exceptions`` when they are the text's."""
    folded = fold_again(text, exceptions) if exceptions is not None else None
    return (fold(text) if folded is None else folded), fold_each(text)


# The foldings of the texts last shown, up to ``KEPT_CHARS`` characters of them: a reader
# keeps the articles' stored fields, so the same texts come again (their hashes computed
# once) as a search is repeated, refined or paged.
_kept = BoundedCache(KEPT_CHARS)


def kept_foldings(text: str, exceptions: tuple[tuple, ...] | None) -> tuple[str, str]:
    """``foldings``, kept for the texts last shown."""
    found = _kept.get((text, exceptions))
    if found is None:
        found = foldings(text, exceptions)
        _kept.keep((text, exceptions), found, len(text))
    return found


def _frozen(exceptions: list[list] | None) -> tuple[tuple, ...] | None:
    """Fold exceptions as a cache key; None for none, or for what cannot be exceptions."""
    try:
        return None if exceptions is None else tuple(map(tuple, exceptions))
    except TypeError:
        return None


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def make_snippets(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_WIDTH,
                  most: int | None = MAX_SNIPPETS, context: int | None = None,
                  ellipses: bool = True) -> tuple[Snippet, ...]:
    """Up to ``most`` windows of ``text`` (all when None), preferring ones that show matches
    not yet shown; each ``context`` characters either side of its match when given, else
    ``width`` wide; an ellipsis marks where a window cuts the text, unless ``ellipses`` is
    false (passages for pipelines: ``-o``). ``spans`` ascending and apart, as ``match_spans``
    gives them.

    White space inside a window is collapsed to single spaces (highlights follow).
    """
    if not text or most == 0:
        return ()
    most = len(spans) if most is None else most
    if not spans:
        return (_window(text, 0, min(len(text), width), [], ellipses),)
    windows: list[tuple[int, int]] = []
    first_of_surface = {}
    for span in spans:
        first_of_surface.setdefault(text[span[0]:span[1]], span)
    # The first occurrence of each distinct match first, then the others, left to right.
    firsts = set(first_of_surface.values())
    candidates = list(first_of_surface.values()) + [s for s in spans if s not in firsts]
    for start, end in candidates:
        if len(windows) >= most:
            break
        if any(w_start < end and start < w_end for w_start, w_end in windows):
            continue  # already shown, or too close to a window to cut a new one
        before = CONTEXT_BEFORE if context is None else context
        w_start = max([0, start - before] + [w_end for _, w_end in windows if w_end <= start])
        after = max(end, w_start + width) if context is None else end + context
        w_end = min([len(text), after] + [w for w, _ in windows if w >= end])
        windows.append((w_start, w_end))
    return tuple(_window(text, s, e, spans, ellipses) for s, e in sorted(windows))


def _window(text: str, start: int, end: int, spans: list[tuple[int, int]],
            ellipses: bool = True) -> Snippet:
    """``text[start:end]`` on one line: each run of white space (paragraph breaks included)
    becomes one space, with the highlight offsets moved to match."""
    prefix = "…" if start > 0 and ellipses else ""
    window = text[start:end]
    # Runs of two or more: a run keeps its first character (as a space), the rest is gone.
    runs = [(run.start(), run.end()) for run in _LONG_SPACE_RUN_RE.finditer(window)]

    def moved(offset: int) -> int:  # an offset in the window → its offset in the snippet
        return len(prefix) + offset - sum(min(max(offset - a - 1, 0), b - a - 1)
                                          for a, b in runs if a < offset)

    # The spans that reach into the window (``match_spans``'s: ascending, apart).
    inside = spans[max(bisect_left(spans, (start,)) - 1, 0):bisect_left(spans, (end,))]
    highlights = tuple((moved(max(s, start) - start), moved(min(e, end) - start))
                       for s, e in inside if s < end and e > start)
    body = _SPACE_RUN_RE.sub(" ", window)
    suffix = "…" if end < len(text) and ellipses else ""
    return Snippet(prefix + body + suffix, tuple(h for h in highlights if h[0] < h[1]))


_SPACE_RUN_RE = re.compile(r"\s+")  # as ``str.isspace`` has it
_LONG_SPACE_RUN_RE = re.compile(r"\s\s+")
