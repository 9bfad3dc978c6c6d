"""Reposts collapsed: ranked documents grouped by their near-duplicate fingerprints, so that
an article and its copies (other scripts, regional spellings, light edits) show as one hit.

Two documents are in one group when their fingerprints (``analysis.fingerprint``: band keys
stored per document at index time) share a key, and grouping is transitive: a copy of a copy
joins the group. A group is led by its best-ranked member, its copies follow in rank order,
and groups come in their leaders' rank order. A document without a fingerprint (a very short
text) is a group of its own.

``collapsed_order`` is the collector: it groups the top of a ranking, as deep as it takes to
fill a page of hits, and gives each shown group the lower matches that join it; ``TopDocs``
is what it keeps, and what the hydration reads.

    >>> keys = {7: (1, 2), 3: (), 5: (9, 2), 8: (4, 6)}
    >>> collapse([7, 3, 8, 5], keys)
    [Group(leader=7, copies=(5,)), Group(leader=3, copies=()), Group(leader=8, copies=())]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from searcher.engine.store import OpenIndex, reading
from searcher.search import matching


@dataclass(frozen=True)
class Group:
    """A hit and its copies: ``leader`` is the group's best-ranked document, ``copies`` the
    others, best first."""

    leader: int
    copies: tuple[int, ...]


@dataclass(frozen=True)
class TopDocs:
    """What the top-k collector keeps: ``scored``, the ``(docnum, score)`` of the hits to
    show, best first, and ``copies``, each shown document's collapsed copies, best first."""

    scored: list[tuple[int, float]]
    copies: dict[int, tuple[int, ...]] = field(default_factory=dict)

    @property
    def collapsed(self) -> int:
        """How many matches show as copies of others, not as hits."""
        return sum(len(self.copies.get(docnum, ())) for docnum, _ in self.scored)


def collapse(ranked: Iterable[int],
             keys_of: Callable[[int], Sequence[int]] | Mapping[int, Sequence[int]]
             ) -> list[Group]:
    """Group ``ranked`` document numbers (best first, each once) by shared fingerprint keys;
    ``keys_of`` gives a document's keys (a function or a mapping). Groups in rank order."""
    get_keys = keys_of.__getitem__ if isinstance(keys_of, Mapping) else keys_of
    order = list(ranked)
    ranks, keys = [], []
    for rank, docnum in enumerate(order):
        for key in get_keys(docnum):
            ranks.append(rank)
            keys.append(key)
    return _groups(order, np.array(ranks, np.int64), np.array(keys, np.int64))


def collapse_rows(ranked: list[int], fingerprints: np.ndarray) -> list[Group]:
    """``collapse`` with each document's keys its row of ``fingerprints`` (zeros: none)."""
    rows = fingerprints[np.array(ranked, np.int64)]
    ranks = np.repeat(np.arange(len(ranked), dtype=np.int64), rows.shape[1])
    keys = rows.ravel()
    held = keys != 0
    return _groups(ranked, ranks[held], keys[held])


def _groups(order: list[int], ranks: np.ndarray, keys: np.ndarray) -> list[Group]:
    """The documents of ``order`` grouped by the ``keys`` their ``ranks`` (places in
    ``order``) hold."""
    # Each rank is linked to the best rank holding each of its keys (found by sorting the
    # pairs, not a dictionary look-up a key); the few links then join sets in a union-find
    # over ranks, whose root is always its set's best rank: a group's leader.
    parent = list(range(len(order)))

    def root(rank: int) -> int:
        while parent[rank] != rank:
            parent[rank] = parent[parent[rank]]  # path halving
            rank = parent[rank]
        return rank

    if len(keys):
        by_key = np.lexsort((ranks, keys))
        keys, ranks = keys[by_key], ranks[by_key]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        best = np.repeat(ranks[starts], np.diff(np.append(starts, len(keys))))
        linked = ranks != best
        for rank, first in zip(ranks[linked].tolist(), best[linked].tolist()):
            a, b = root(first), root(rank)
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for rank, docnum in enumerate(order):
        members.setdefault(root(rank), []).append(docnum)
    return [Group(docs[0], tuple(docs[1:])) for docs in members.values()]


def collapsed_order(index: OpenIndex, found: matching.Matches,
                    order: Callable[[int | None], list[tuple[int, float]]], limit: int | None
                    ) -> TopDocs:
    """The best ``limit`` of ``found`` as ``order(depth)`` ranks them (its best ``depth``;
    all when None) with reposts collapsed (``collapse``): each the best-ranked of its group,
    and the copies of each, best first. Only the top of the ranking is grouped, deeper as
    needed; then every match that shares a key with a shown group joins it, however low it
    ranks (one array pass, not a grouping of every match)."""
    with reading(index):
        reader = index.reader()
        fingerprints = reader.fingerprints()
        path = reader.path
    depth, ranking, groups = _grouped_top(order, limit, fingerprints)
    groups = groups if limit is None else groups[:limit]
    score_of = dict(ranking)
    shown = [(group.leader, score_of[group.leader]) for group in groups]
    # Below the grouped top (unless every match was grouped already): the matches that
    # share a key with a shown group join it (the best-ranked group they share with), best
    # first after those found above them.
    extra = {} if depth is None or not groups else _joining_below(found, groups,
                                                                  fingerprints, path)
    return TopDocs(shown, {group.leader: group.copies + tuple(extra.get(number, ()))
                           for number, group in enumerate(groups)
                           if group.copies or number in extra})


def _grouped_top(order: Callable[[int | None], list[tuple[int, float]]], limit: int | None,
                 fingerprints: np.ndarray
                 ) -> tuple[int | None, list[tuple[int, float]], list[Group]]:
    """The depth of the ranking grouped, that ranking and its groups: deep enough for
    ``limit`` groups, or the whole ranking."""
    depth = None if limit is None else 4 * limit + 40
    while True:
        ranking = order(depth)
        groups = collapse_rows([docnum for docnum, _ in ranking], fingerprints)
        if depth is None or len(groups) >= limit or len(ranking) < depth:
            return depth, ranking, groups
        depth *= 4


def _joining_below(found: matching.Matches, groups: list[Group], fingerprints: np.ndarray,
                   path: Callable[[int], str]) -> dict[int, list[int]]:
    """The matches of ``found`` outside ``groups`` that share a key with one of them, by the
    number of the best-ranked group they share with, best first."""
    grouped = {docnum for group in groups for docnum in (group.leader, *group.copies)}
    keys, owners = [], []
    for number, group in enumerate(groups):
        for docnum in (group.leader, *group.copies):
            row = fingerprints[docnum]
            keys.append(row[row != 0])
            owners.append(np.full(np.count_nonzero(row), number))
    keys, owners = np.concatenate(keys), np.concatenate(owners)
    if not len(keys):  # no shown hit has a fingerprint
        return {}
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
    return extra
