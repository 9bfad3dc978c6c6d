"""Plain data passed between the library and its printers. Offsets are half-open ``[start, end)``
character offsets into the text they name."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One article as read from the corpus."""

    path: str  # relative to the corpus root; a JSON Lines record's is ``FILE#ID``, a member's
    # (an archive's, a mailbox's message, an attachment) ``FILE#MEMBER`` (``ingest.members``)
    body: str
    title: str
    date: str | None = None  # YYYY-MM-DD, or None when the article is undated
    author: str | None = None
    source: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    # Where each page starts in ``body`` (paged formats: PDF); empty when the format has none.
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class Snippet:
    """A window of the original text with highlight spans relative to ``text``."""

    text: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Copy:
    """A near-duplicate of a hit (a repost in another script or spelling, a light edit),
    shown with it instead of as a hit of its own."""

    path: str
    file: str = ""
    record: str | None = None


@dataclass(frozen=True)
class Hit:
    """One ranked search result."""

    rank: int
    path: str
    title: str
    date: str | None
    score: float
    snippets: tuple[Snippet, ...]
    matches: tuple[str, ...]  # distinct surface strings matched, as written in the article
    author: str | None = None
    title_highlights: tuple[tuple[int, int], ...] = field(default=())
    file: str = ""  # the corpus file it came from (absolute; a JSON Lines record's file)
    record: str | None = None  # a JSON Lines record's id or a member's name within ``file``
    url: str | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    page: int | None = None  # a paged document's (PDF) page of the first match, from 1
    match_count: int = 0  # how many places of the body match
    copies: tuple[Copy, ...] = ()  # its near-duplicates among the matches, best first
