"""A query plan: what to match, as a small tree of nodes that ``matching`` evaluates.

``compiler`` builds plans from parsed queries; ``matching`` scores them. Nodes name index
fields and terms, never Whoosh objects.

    >>> AllOf((Term("body", "停火"), Phrase("body_units", ("俄", "罗", "斯"))))
    AllOf(items=(Term(field='body', text='停火', boost=1.0), Phrase(field='body_units', terms=('俄', '罗', '斯'), boost=1.0, unless=None, certain=None)))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    """Every term of ``field`` that starts with ``text`` (``Trum*``), each as a ``Term`` with
    this boost: which terms those are, only the index knows (``matching`` expands it)."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Terms at consecutive positions; it scores as the sum of its terms. ``unless``:
    documents that plan matches are left out before any position is read (the characters of
    a word, beside the word itself). ``certain``: documents that plan matches hold the phrase
    for certain, so no position is read there (a phrase that is a word, where it is one)."""

    field: str
    terms: tuple[str, ...]
    boost: float = 1.0
    unless: "Node | None" = None
    certain: "Node | None" = None


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class AllOf:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class AtLeast:
    """Documents that match at least ``count`` of ``items`` (Elasticsearch's
    ``minimum_should_match``); each scores the sum of the items it matches."""

    count: int
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Without:
    base: "Node"
    excluded: "Node"


@dataclass(frozen=True)
class WithBonus:
    """``base``'s documents; ``bonus`` adds its score where it matches too."""

    base: "Node"
    bonus: "Node"


@dataclass(frozen=True)
class Everything:
    pass


@dataclass(frozen=True)
class DayRange:
    low: int | None
    high: int | None


Node = Union[Term, Prefix, Phrase, AnyOf, AllOf, AtLeast, Without, WithBonus, Everything, DayRange]


def plan_terms(node: Node | None) -> set[tuple[str, str]]:
    """Every ``(field, term)`` whose postings evaluating ``node`` reads, but a ``Prefix``'s
    (known only against an index)."""
    if node is None or isinstance(node, (DayRange, Everything, Prefix)):
        return set()
    if isinstance(node, Term):
        return {(node.field, node.text)}
    if isinstance(node, Phrase):
        return ({(node.field, t) for t in node.terms} | plan_terms(node.unless)
                | plan_terms(node.certain))
    if isinstance(node, (AnyOf, AllOf, AtLeast)):
        return set().union(*(plan_terms(item) for item in node.items))
    if isinstance(node, Without):
        return plan_terms(node.base) | plan_terms(node.excluded)
    return plan_terms(node.base) | plan_terms(node.bonus)
