"""Reposts collapsed: ranked documents grouped by their near-duplicate fingerprints, so that
an article and its copies (other scripts, regional spellings, light edits) show as one hit.

Two documents are in one group when their fingerprints (``analysis.fingerprint``: band keys
stored per document at index time) share a key, and grouping is transitive: a copy of a copy
joins the group. A group is led by its best-ranked member, its copies follow in rank order,
and groups come in their leaders' rank order. A document without a fingerprint (a very short
text) is a group of its own.

    >>> keys = {7: (1, 2), 3: (), 5: (9, 2), 8: (4, 6)}
    >>> collapse([7, 3, 8, 5], keys)
    [Group(leader=7, copies=(5,)), Group(leader=3, copies=()), Group(leader=8, copies=())]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Group:
    """A hit and its copies: ``leader`` is the group's best-ranked document, ``copies`` the
    others, best first."""

    leader: int
    copies: tuple[int, ...]


def collapse(ranked: Iterable[int],
             keys_of: Callable[[int], Sequence[int]] | Mapping[int, Sequence[int]]
             ) -> list[Group]:
    """Group ``ranked`` document numbers (best first, each once) by shared fingerprint keys;
    ``keys_of`` gives a document's keys (a function or a mapping). Groups in rank order."""
    get_keys = keys_of.__getitem__ if isinstance(keys_of, Mapping) else keys_of
    order = list(ranked)
    # Union-find over rank positions; a root is always its set's best rank, so a group's
    # leader is its root.
    parent = list(range(len(order)))
    owner: dict[int, int] = {}  # band key -> the best rank holding it

    def root(rank: int) -> int:
        while parent[rank] != rank:
            parent[rank] = parent[parent[rank]]  # path halving
            rank = parent[rank]
        return rank

    for rank, docnum in enumerate(order):
        for key in get_keys(docnum):
            first = owner.setdefault(key, rank)
            if first != rank:
                a, b = root(first), root(rank)
                parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for rank, docnum in enumerate(order):
        members.setdefault(root(rank), []).append(docnum)
    return [Group(docs[0], tuple(docs[1:])) for docs in members.values()]

