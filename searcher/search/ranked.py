"""Ranked search: a query's matching documents scored with BM25F, the best first (or by
date), as hits with snippets.

    >>> result = search(open_index(Path("index")), "俄罗斯 停火", limit=3)   # doctest: +SKIP
    >>> [hit.path for hit in result.hits]                                # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from searcher.dates import DateRange
from searcher.engine.interface import NO_DAY
from searcher.engine.store import OpenIndex, reading
from searcher.models import Hit
from searcher.search import matching
from searcher.search.compiler import CompiledQuery, LeadItem, compile_query, day_range
from searcher.search.collapse import collapse
from searcher.search.hits import copy_of, make_hit
from searcher.search.lead import LEAD_DEPTH, lead_bonus
from searcher.search.query_syntax import MinimumMatch
from searcher.search.snippets import MAX_SNIPPETS


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int  # documents matched, before --limit
    seconds: float
    undated_left_out: int = 0  # matches a date filter left out for having no date
    collapsed: int = 0  # matches shown as copies of others (``Hit.copies``), not as hits


def search(index: OpenIndex, text: str, limit: int | None = 10, sort: str = "relevance",
           dates: DateRange = DateRange(), snippets: int | None = MAX_SNIPPETS,
           context: int | None = None, ellipses: bool = True,
           min_match: MinimumMatch | str | int | None = None,
           find_matches: bool = True, collapse: bool = True) -> SearchResult:
    """Ranked hits for ``text``; ``dates`` restricts to dated articles in that range;
    ``snippets``, ``context``, ``ellipses`` and ``find_matches`` as ``make_hit`` takes them;
    ``min_match``: how many of the query's words an article must share (``ANY``, ``2``,
    ``"75%"``: see ``compiler``) instead of all of them; ``collapse``: an article's copies
    (reposts in other scripts or spellings, light edits) show as one hit, its ``copies``
    (``total`` still counts them)."""
    started = time.monotonic()
    compiled = compile_query(text, index.chain, min_match)
    postings = matching.PostingsCache(index.reader())
    found = matches(index, compiled, postings=postings)
    # The footer says what a date filter hid: the matches without a date.
    undated = 0 if dates.unbounded else len(on_days(index, found, DateRange(NO_DAY, NO_DAY)))
    found = on_days(index, found, dates)
    total = len(found)
    if sort == "relevance":
        def order(depth: int | None) -> list[tuple[int, float]]:
            return ranked(index, found, depth, compiled.leads, postings)
    else:  # every match ranked by date, once (collapsing may ask for a deeper top)
        by_date = dated_order(index, ranked(index, found, None), sort == "newest")

        def order(depth: int | None) -> list[tuple[int, float]]:
            return by_date if depth is None else by_date[:depth]
    copies: dict[int, tuple[int, ...]] = {}
    if collapse:
        scored, copies = collapsed_order(index, found, order, limit)
    else:
        scored = order(limit)
    reader = index.reader()
    with reading(index):
        hits = [make_hit(rank, reader.stored_fields(docnum), score, compiled.needles,
                         snippets, context, ellipses, find_matches,
                         tuple(copy_of(reader.stored_fields(c)) for c in copies.get(docnum, ())))
                for rank, (docnum, score) in enumerate(scored, 1)]
    return SearchResult(hits, total, time.monotonic() - started, undated,
                        sum(len(copies.get(docnum, ())) for docnum, _ in scored))


def matches(index: OpenIndex, compiled: CompiledQuery, dates: DateRange = DateRange(),
            postings: matching.PostingsCache | None = None) -> matching.Matches:
    """Every match within ``dates``, unranked: all a count or a timeline needs (nothing
    ranked, no stored field read); ``postings`` as ``matching.evaluate`` takes them."""
    with reading(index):
        return on_days(index, matching.evaluate(index.reader(), compiled.plan, postings),
                       dates)


def on_days(index: OpenIndex, found: matching.Matches, dates: DateRange) -> matching.Matches:
    """Those of ``found`` dated within ``dates`` (all of them when it is unbounded)."""
    if dates.unbounded:
        return found
    with reading(index):
        return matching.on_days(index.reader(), found, day_range(dates))


def count(index: OpenIndex, text: str, dates: DateRange = DateRange(),
          min_match: MinimumMatch | str | int | None = None) -> int:
    """How many articles match ``text`` (as ``search`` takes it), without ranking them."""
    return len(matches(index, compile_query(text, index.chain, min_match), dates))


def collapsed_order(index: OpenIndex, found: matching.Matches,
                    order: Callable[[int | None], list[tuple[int, float]]], limit: int | None
                    ) -> tuple[list[tuple[int, float]], dict[int, tuple[int, ...]]]:
    """The best ``limit`` of ``found`` as ``order(depth)`` ranks them (its best ``depth``;
    all when None) with reposts collapsed (``collapse``): each the best-ranked of its group,
    and the copies of each, best first. Only the top of the ranking is grouped, deeper as
    needed; then every match that shares a key with a shown group joins it, however low it
    ranks (one array pass, not a grouping of every match)."""
    with reading(index):
        reader = index.reader()
        fingerprints = reader.fingerprints()
        path = reader.path
    depth = None if limit is None else 4 * limit + 40
    while True:
        ranking = order(depth)
        groups = collapse((docnum for docnum, _ in ranking),
                          lambda docnum: [key for key in fingerprints[docnum].tolist() if key])
        if depth is None or len(groups) >= limit or len(ranking) < depth:
            break
        depth *= 4
    groups = groups if limit is None else groups[:limit]
    score_of = dict(ranking)
    shown = [(group.leader, score_of[group.leader]) for group in groups]
    walked = {group.leader: group.copies for group in groups if group.copies}
    if depth is None or not groups:  # every match grouped already
        return shown, walked
    # Below the grouped top: the matches that share a key with a shown group join it (the
    # best-ranked group they share with), best first after those found above them.
    grouped = {docnum for group in groups for docnum in (group.leader, *group.copies)}
    keys, owners = [], []
    for number, group in enumerate(groups):
        for docnum in (group.leader, *group.copies):
            row = fingerprints[docnum]
            keys.append(row[row != 0])
            owners.append(np.full(np.count_nonzero(row), number))
    keys, owners = np.concatenate(keys), np.concatenate(owners)
    if not len(keys):  # no shown hit has a fingerprint
        return shown, walked
    by_key = np.argsort(keys, kind="stable")
    keys, owners = keys[by_key], owners[by_key]
    rest = found.without(np.array(sorted(grouped), np.int64))
    # Most matches share no key with a shown group: a table of the keys' low bits rules them
    # out (one look-up per key of theirs, no binary search), and only the rest are looked up.
    low_bits = np.zeros(1 << 16, bool)
    low_bits[keys & 0xFFFF] = True
    maybe = low_bits[fingerprints.view("<u2")[rest.docs, ::4]].any(axis=1)
    rest = matching.Matches(rest.docs[maybe], rest.scores[maybe])
    rows = fingerprints[rest.docs]
    at = np.minimum(np.searchsorted(keys, rows), len(keys) - 1)
    owner = np.where(keys[at] == rows, owners[at], len(groups)).min(axis=1)
    joined = owner < len(groups)
    below = matching.Matches(rest.docs[joined], rest.scores[joined])
    owner_of = dict(zip(below.docs.tolist(), owner[joined].tolist()))
    extra: dict[int, list[int]] = {}
    for docnum, _ in matching.top(below, None, path):
        extra.setdefault(owner_of[docnum], []).append(docnum)
    return shown, {group.leader: group.copies + tuple(extra.get(number, ()))
                   for number, group in enumerate(groups)
                   if group.copies or number in extra}


def dated_order(index: OpenIndex, scored: list[tuple[int, float]], newest: bool
                ) -> list[tuple[int, float]]:
    """``scored`` by date (newest or oldest first), equal dates by score; undated last."""
    dated, without_day = split_by_day(index, scored)
    dated.sort(key=lambda x: (-x[0] if newest else x[0], -x[2]))
    return [(docnum, score) for _, docnum, score in dated] + without_day


def ranked(index: OpenIndex, found: matching.Matches, limit: int | None,
           leads: list[LeadItem] | None = None,
           postings: matching.PostingsCache | None = None) -> list[tuple[int, float]]:
    """``(docnum, score)`` of the best ``limit`` of ``found``, best first (ties by path); given
    the query's ``leads``, its best ``LEAD_DEPTH`` by BM25F re-ranked with the lead bonus
    (``search.lead``), which no match below them can pass (a bonus is never negative),
    reading terms through ``postings`` (those the evaluation read are not read again)."""
    with reading(index):
        reader = index.reader()
        if not leads or not len(found):
            return matching.top(found, limit, reader.path)
        best = matching.top(found, None if limit is None else max(limit, LEAD_DEPTH),
                            reader.path)
        head, rest = best[:LEAD_DEPTH], best[LEAD_DEPTH:]
        docs = np.array(sorted(docnum for docnum, _ in head), np.int64)
        scores = found.among(docs).scores + lead_bonus(
            postings or matching.PostingsCache(reader), leads, docs)
        reranked = matching.top(matching.Matches(docs, scores), None, reader.path) + rest
    return reranked if limit is None else reranked[:limit]


def split_by_day(index: OpenIndex, scored: list[tuple[int, float]]
                 ) -> tuple[list[tuple[int, int, float]], list[tuple[int, float]]]:
    """``(day, docnum, score)`` of the dated matches and ``(docnum, score)`` of the undated."""
    dated, undated = [], []
    with reading(index):
        days = index.reader().days()
        for docnum, score in scored:
            day = int(days[docnum])
            if day == NO_DAY:
                undated.append((docnum, score))
            else:
                dated.append((day, docnum, score))
    return dated, undated
