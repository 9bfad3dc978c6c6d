"""A ranked document as the printers see it: its stored fields, score, snippets and the
strings it matched, as written in the article; ``hydrate`` makes them for the documents a
collector kept, and for no other (find, then hydrate). A JSON Lines record's path is
``FILE#ID``, the file part with its own ``#`` escaped, so the first ``#`` starts the record's
id.

    >>> hit = make_hit(1, {"path": "a.txt", "title": "川普", "body": "川普說"}, 2.0, ["特朗普", "川普"])
    >>> hit.matches, hit.title_highlights
    (('川普',), ((0, 2),))
    >>> make_hit(1, {"path": "a.pdf", "body": "一頁。二頁川普", "pages": "0,3"}, 1.0, ["川普"]).page
    2
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING

from searcher.engine.store import OpenIndex, reading
from searcher.fields import page_starts, stored_tags
from searcher.models import Copy, Hit
from searcher.search.snippets import MAX_SNIPPETS, make_snippets, match_spans

if TYPE_CHECKING:
    from searcher.search.collapse import TopDocs
    from searcher.search.request import SearchRequest


def hydrate(index: OpenIndex, top: TopDocs, needles: Sequence[str],
            request: SearchRequest | None = None) -> list[Hit]:
    """The hits of ``top``, ranked from 1, each made from its stored fields with its copies'
    places, matching ``needles``; their snippets, context and matches as ``request`` asks
    (``make_hit``'s defaults without one). Only these documents' stored fields are read."""
    options = {} if request is None else {
        "snippets": request.snippets, "context": request.context,
        "ellipses": request.ellipses, "find_matches": request.find_matches}
    reader = index.reader()
    with reading(index):
        return [make_hit(rank, reader.stored_fields(docnum), score, needles,
                         copies=tuple(copy_of(reader.stored_fields(c))
                                      for c in top.copies.get(docnum, ())), **options)
                for rank, (docnum, score) in enumerate(top.scored, 1)]


def make_hit(rank: int, stored: dict, score: float, needles: Sequence[str],
             snippets: int | None = MAX_SNIPPETS, context: int | None = None,
             ellipses: bool = True, find_matches: bool = True,
             copies: tuple[Copy, ...] = ()) -> Hit:
    """``snippets`` windows at most (all when None), each ``context`` characters around its
    match when given (else the default width); ``ellipses`` as ``make_snippets`` has it.
    Without ``find_matches`` (a list of files wants none of it) the matches, snippets and
    page are left out: finding them folds the whole article."""
    body = stored.get("body", "")
    title = stored.get("title", "")
    if not find_matches:
        needles, snippets = [], 0
    spans = match_spans(body, needles, stored.get("body_fold")) if needles else []
    matches = tuple(dict.fromkeys(body[s:e] for s, e in spans))
    pages = page_starts(stored)
    where = copy_of(stored)
    return Hit(rank=rank, path=where.path, title=title, date=stored.get("date"),
               score=score, snippets=make_snippets(body, spans, most=snippets, context=context,
                                            ellipses=ellipses),
               matches=matches,
               author=stored.get("author"),
               title_highlights=tuple(match_spans(title, needles)) if needles else (),
               file=where.file, record=where.record,
               url=stored.get("url"), source=stored.get("source"),
               tags=stored_tags(stored),
               page=bisect_right(pages, spans[0][0] if spans else 0) if pages else None,
               match_count=len(spans), copies=copies)


def also_in(hit: Hit) -> str:
    """How many copies of the article were collapsed into ``hit``: "also in 2 copies"."""
    return f"also in {len(hit.copies)} cop{'y' if len(hit.copies) == 1 else 'ies'}"


def copy_of(stored: dict) -> Copy:
    """Where an article is (path, file, record), from its stored fields: a hit's own
    place, or a copy's."""
    return Copy(stored["path"], stored.get("file", ""),
                stored["path"].partition("#")[2] or None)
