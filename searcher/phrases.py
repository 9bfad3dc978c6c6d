"""Exact phrase matching for Whoosh that scales to an archive.

A quoted phrase, and the character-level half of every unquoted word, is a phrase over one
token per character. Whoosh's ``Phrase`` checks adjacency by building a ``Span`` object per
position and comparing them pairwise, which dominates query time once common characters have
postings in tens of thousands of documents. ``ExactPhrase`` matches the same documents with
the same scores (it wraps the same intersection of term matchers) but checks adjacency with a
set lookup per position of the rarest term.

    >>> ExactPhrase("body_units", ["停", "火"])
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.matching import NullMatcher, WrappingMatcher
from whoosh.matching.binary import AndNotMatcher, IntersectionMatcher
from whoosh.query.spans import Span, SpanWrappingMatcher
from whoosh.util import make_binary_tree


class ExactPhrase(wq.Phrase):
    """``Phrase`` with slop 1: the words at consecutive positions, nothing else.

    ``unless``: skip documents that query matches without checking positions there, for a
    phrase that is only an alternative to it (the characters of a word, beside the word)."""

    def __init__(self, fieldname: str, words: list[str], boost: float = 1.0,
                 unless: wq.Query | None = None) -> None:
        super().__init__(fieldname, words, boost=boost)
        self.unless = unless

    def __eq__(self, other) -> bool:
        return super().__eq__(other) and self.unless == getattr(other, "unless", None)

    __hash__ = wq.Phrase.__hash__

    def matcher(self, searcher, context=None):
        field = searcher.schema[self.fieldname]
        reader = searcher.reader()
        matchers = []
        for word in self.words:
            if (self.fieldname, field.to_bytes(word)) not in reader:
                return NullMatcher()
            matchers.append(wq.Term(self.fieldname, word).matcher(searcher, context))
        excluded = self.unless.matcher(searcher, context) if self.unless else None
        matcher = _AdjacentMatcher(matchers, excluded)
        return WrappingMatcher(matcher, boost=self.boost) if self.boost != 1.0 else matcher


class _AdjacentMatcher(SpanWrappingMatcher):
    """The documents of an intersection of term matchers (less those ``excluded`` matches) in
    which the terms stand in order at consecutive positions."""

    def __init__(self, matchers: list, excluded=None) -> None:
        self.matchers = matchers
        self.excluded = excluded
        child = make_binary_tree(IntersectionMatcher, matchers)
        if excluded is not None and excluded.is_active():
            child = AndNotMatcher(child, excluded)
        super().__init__(child)

    def copy(self):
        return self.__class__([m.copy() for m in self.matchers],
                              self.excluded.copy() if self.excluded is not None else None)

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()

    def _get_spans(self):
        positions = [m.value_as("positions") for m in self.matchers]
        rarest = min(range(len(positions)), key=lambda i: len(positions[i]))
        starts = [p - rarest for p in positions[rarest]]
        for offset, found in enumerate(positions):
            if offset != rarest and starts:
                present = set(found)
                starts = [s for s in starts if s + offset in present]
        last = len(positions) - 1
        return [Span(s, s + last) for s in starts]
