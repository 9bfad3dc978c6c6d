"""Run a query against an index: compile the parsed query through the analysis chain, rank
with BM25F, and build hits with snippets.

How a query becomes a plan for ``matching`` (see ``query_syntax`` for the syntax):

* an unquoted word matches its canonical term in the word fields (so 川普 finds 特朗普) OR its
  characters as a phrase in the unit fields (so no segmentation can hide it); word matches
  score higher. Several words typed together (俄罗斯停火) are ANDed, with a bonus when they
  also stand together;
* a quoted phrase is a phrase over units only: an exact substring of the folded text;
* title matches weigh more than body matches.

    >>> result = search(open_index(Path("index")), "俄罗斯 停火", limit=3)
    >>> [hit.path for hit in result.hits]  # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from searcher import query_syntax as qs
from searcher import matching as m
from searcher.analysis import fold, is_cjk, units
from searcher.dates import DateRange, period_of, periods_between
from searcher.errors import QuerySyntaxError, SearcherError
from searcher.models import Hit
from searcher.snippets import make_snippets, match_spans
from searcher.schema import NO_DAY
from searcher.store import OpenIndex, reading

WORD_BOOST = 3.0  # a whole-word match outranks the same characters inside another word
PHRASE_BONUS = 1.0  # words typed together that also stand together
FIELD_BOOSTS = {"title": 2.0, "body": 1.0, "author": 1.0, "path": 1.0}
DEFAULT_FIELDS = ("title", "body")
UNIT_FIELD = {"title": "title_units", "body": "body_units", "author": "author_units",
              "path": "path_units"}
WORD_FIELDS = {"title", "body", "author"}
MAX_TERMS = 64


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int  # documents matched, before --limit
    seconds: float


@dataclass
class CompiledQuery:
    """A plan for ``matching`` and the folded strings to highlight for it."""

    plan: m.Node
    needles: list[str]


class _Compiler:
    def __init__(self, chain) -> None:
        self.chain = chain
        self.needles: dict[str, None] = {}  # ordered set
        self.terms = 0

    def compile(self, node: qs.Node, positive: bool = True) -> m.Node:
        if isinstance(node, qs.Words):
            return self.words(node, positive)
        if isinstance(node, qs.Phrase):
            folded = fold(node.text.strip())
            if positive:
                self.needles[folded] = None
            return self.units(folded, node.field, node.text)
        if isinstance(node, qs.DateFilter):
            return day_range(node.range)
        if isinstance(node, qs.Not):
            return m.Without(m.Everything(), self.compile(node.item, not positive))
        if isinstance(node, qs.Or):
            return m.AnyOf(tuple(self.compile(item, positive) for item in node.items))
        included = [self.compile(i, positive) for i in node.items if not isinstance(i, qs.Not)]
        excluded = tuple(self.compile(i.item, not positive) for i in node.items
                         if isinstance(i, qs.Not))
        result = m.AllOf(tuple(included)) if included else m.Everything()
        return m.Without(result, m.AnyOf(excluded)) if excluded else result

    def fields(self, field: str | None) -> tuple[str, ...]:
        return (field,) if field else DEFAULT_FIELDS

    def words(self, node: qs.Words, positive: bool) -> m.Node:
        words = self.chain.query_words(node.text)
        if not words:
            raise QuerySyntaxError(f"nothing to search for in {node.text!r}")
        clauses = [self.word(w, node.field, positive) for w in words]
        if len(clauses) == 1:
            return clauses[0]
        together = fold(node.text)
        if positive:
            self.needles[together] = None
        return m.WithBonus(m.AllOf(tuple(clauses)),
                           self.units(together, node.field, node.text, PHRASE_BONUS))

    def word(self, word: str, field: str | None, positive: bool) -> m.Node:
        self.terms += 1
        if self.terms > MAX_TERMS:  # each term costs a phrase search: bound the work
            raise QuerySyntaxError(f"too many words in the query (more than {MAX_TERMS})")
        canonical = self.chain.variants.canonical(word)
        if positive:
            self.needles.update(dict.fromkeys(self.chain.variants.members(word)))
        whole_words = tuple(m.Term(f, canonical, boost=FIELD_BOOSTS[f] * WORD_BOOST)
                            for f in self.fields(field) if f in WORD_FIELDS)
        # The characters, where the word itself is not (the costly check runs only there).
        characters = self.units(word, field, word,
                                unless=m.AnyOf(whole_words) if whole_words else None)
        return m.AnyOf(whole_words + (characters,))

    def units(self, folded: str, field: str | None, written: str, boost: float = 1.0,
              unless: m.Node | None = None) -> m.Node:
        """Exact substring of the folded text: a phrase over units."""
        folded = folded.strip()
        sequence = list(folded) if field == "path" else [unit for unit, _, _ in units(folded)]
        if not sequence:
            raise QuerySyntaxError(f"nothing to search for in {written!r}")
        word = self.whole_word(folded) if unless is None else None
        per_field = []
        for f in self.fields(field):
            certain = m.Term(f, word) if word and f in WORD_FIELDS else None
            per_field.append(m.Term(UNIT_FIELD[f], sequence[0], boost=FIELD_BOOSTS[f] * boost)
                             if len(sequence) == 1 else
                             m.Phrase(UNIT_FIELD[f], tuple(sequence),
                                      boost=FIELD_BOOSTS[f] * boost, unless=unless,
                                      certain=certain))
        return m.AnyOf(tuple(per_field)) if len(per_field) > 1 else per_field[0]

    def whole_word(self, folded: str) -> str | None:
        """The phrase itself, when it is one word of CJK characters with no variant group:
        each token of it in a word field then stands on exactly these characters (tokens are
        cut from the folded text, and only a variant group renames them), so the phrase needs
        no positions read where the word is."""
        if not is_cjk(folded) or self.chain.variants.members(folded) != (folded,):
            return None  # (jieba may cut a word out of the middle of a Latin or digit run)
        return folded if self.chain.query_words(folded) == [folded] else None


def day_range(dates: DateRange) -> m.DayRange:
    return m.DayRange(dates.low, dates.high)


def compile_query(text: str, chain) -> CompiledQuery:
    """Parse and compile query text for this chain (raises ``QuerySyntaxError``)."""
    compiler = _Compiler(chain)
    query = compiler.compile(qs.parse(text))
    return CompiledQuery(query, sorted(compiler.needles, key=len, reverse=True))


def _matches(index: OpenIndex, compiled: CompiledQuery, dates: DateRange,
             limit: int | None) -> tuple[list[tuple[int, float]], int]:
    """``(docnum, score)`` of the best ``limit`` matches within ``dates``, and how many
    matched in all."""
    plan = compiled.plan if dates.unbounded else m.AllOf((compiled.plan, day_range(dates)))
    with reading(index):
        postings = index.postings()
        found = postings.evaluate(plan)
        return postings.top(found, limit), len(found)


def _split_by_day(index: OpenIndex, scored: list[tuple[int, float]]
                  ) -> tuple[list[tuple[int, int, float]], list[tuple[int, float]]]:
    """``(day, docnum, score)`` of the dated matches and ``(docnum, score)`` of the undated."""
    dated, undated = [], []
    with reading(index):
        days = index.postings().days()
        for docnum, score in scored:
            day = days[docnum]
            if day == NO_DAY:
                undated.append((docnum, score))
            else:
                dated.append((day, docnum, score))
    return dated, undated


def search(index: OpenIndex, text: str, limit: int | None = 10, sort: str = "relevance",
           dates: DateRange = DateRange()) -> SearchResult:
    """Ranked hits for ``text``; ``dates`` restricts to dated articles in that range."""
    started = time.monotonic()
    compiled = compile_query(text, index.chain)
    scored, total = _matches(index, compiled, dates, limit if sort == "relevance" else None)
    if sort != "relevance":  # by date, ties by score; undated last
        dated, undated = _split_by_day(index, scored)
        newest = sort == "newest"
        dated.sort(key=lambda x: (-x[0] if newest else x[0], -x[2]))
        scored = [(docnum, score) for _, docnum, score in dated] + undated
        scored = scored[:limit] if limit is not None else scored
    stored = index.searcher().stored_fields
    with reading(index):
        hits = [_hit(rank, stored(docnum), score, compiled.needles)
                for rank, (docnum, score) in enumerate(scored, 1)]
    return SearchResult(hits, total, time.monotonic() - started)


@dataclass
class Timeline:
    """Matching articles counted per period, empty periods included, oldest first."""

    by: str
    buckets: list[tuple[str, int]]
    undated: int
    total: int


def timeline(index: OpenIndex, text: str, by: str = "month",
             dates: DateRange = DateRange()) -> Timeline:
    """How many matching articles each ``year``, ``month`` or ``week`` holds."""
    compiled = compile_query(text, index.chain)
    scored, total = _matches(index, compiled, dates, None)
    dated, undated = _split_by_day(index, scored)
    counts: dict[str, int] = {}
    for day, _, _ in dated:
        period = period_of(day, by)
        counts[period] = counts.get(period, 0) + 1
    buckets = [(p, counts.get(p, 0)) for p in periods_between(min(counts), max(counts), by)] \
        if counts else []
    return Timeline(by, buckets, len(undated), total)


def similar(index: OpenIndex, ref: str, limit: int = 10) -> list[Hit]:
    """Articles most like the one ``ref`` names: Whoosh's key-term "more like this" over the
    body's words, as the chain segments and folds them."""
    stored = get_document(index, ref)
    searcher = index.searcher()
    with reading(index):
        docnum = searcher.document_number(path=stored["path"])
        results = searcher.more_like(docnum, "body", text=stored.get("body", ""), top=limit,
                                     numterms=25)
        key_terms = [term for term, _ in searcher.key_terms([docnum], "body", numterms=10)]
        return [_hit(rank, searcher.stored_fields(r.docnum), r.score, key_terms)
                for rank, r in enumerate(results, 1)]


def get_document(index: OpenIndex, ref: str) -> dict:
    """The stored fields of the document ``ref`` names: its path, its id, or a unique end of
    its path. Raises ``SearcherError`` when none or several match."""
    if not ref.strip():
        raise SearcherError("give a document: a path as `searcher search` prints it, or an id")
    searcher = index.searcher()
    with reading(index):
        for field_name in ("path", "doc_id"):
            found = searcher.document(**{field_name: ref})
            if found:
                return found
        candidates = [f for f in searcher.all_stored_fields()
                      if f["path"].endswith("/" + ref.lstrip("/"))]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise SearcherError(f"no document {ref!r} in {index.index_dir}: give a path as "
                            f"`searcher search` prints it, or a document id")
    names = ", ".join(sorted(c["path"] for c in candidates)[:5])
    raise SearcherError(f"{ref!r} matches {len(candidates)} documents ({names}…): be more "
                        f"specific")


def highlight_document(index: OpenIndex, stored: dict, text: str) -> list[tuple[int, int]]:
    """Where query ``text`` matches in a document's body (half-open offsets)."""
    needles = compile_query(text, index.chain).needles
    return match_spans(stored.get("body", ""), needles)


def _hit(rank: int, stored: dict, score: float, needles: list[str]) -> Hit:
    body = stored.get("body", "")
    title = stored.get("title", "")
    spans = match_spans(body, needles)
    matches = tuple(dict.fromkeys(body[s:e] for s, e in spans))
    return Hit(rank=rank, path=stored["path"], title=title, date=stored.get("date"),
               score=score, snippets=make_snippets(body, spans), matches=matches,
               author=stored.get("author"),
               title_highlights=tuple(match_spans(title, needles)))
