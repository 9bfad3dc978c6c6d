"""Compile a parsed query into a plan for ``matching``, through the analysis chain, and
collect the folded strings to highlight for it.

* an unquoted word matches its canonical term in the word fields (so 川普 finds 特朗普) OR its
  characters as a phrase in the unit fields (so no segmentation can hide it); word matches
  score higher. A member of a variant group matches its group's term or the characters of
  any of its members, so every member finds the same articles, whichever is typed. Several
  words typed together (俄罗斯停火) are ANDed, with a bonus when they also stand together;
* a quoted phrase is a phrase over units only: an exact substring of the folded text;
* a Latin word or number with a star (``Trum*``, ``econom*``) matches every unit of the unit
  fields that starts with it (``plan.Prefix``, expanded against the index by ``matching``),
  each scored as a whole word; a star after Chinese characters or in ``path:``
  changes nothing (they are found inside longer words already), and after anything else is
  an error;
* in an index that stems (``analysis.stemming``), a Latin word's term is its stem, so
  ``economy`` finds economies: the analysis chain's ``term``, as at index time;
* ``tags:``, ``source:`` and ``url:`` match a whole value (a tag, the source, the URL);
* each field weighs its boost from the field table (title matches weigh more);
* given a ``MinimumMatch`` (``--any``, ``--min-match``), the query's words are no longer all
  required: each word of its unquoted text (once, however often it recurs), each quoted
  phrase and each ``OR`` group or parenthesis is one of the query's words, of which an
  article must match the minimum (an ``AtLeast``); it scores the sum of those it matches, so
  the articles that share most of a pasted sentence's words come first. Excluded words and
  date filters still apply to every article.

    >>> compile_query("川普", chain).needles                      # doctest: +SKIP
    ['特朗普', '川普']
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from searcher.analysis.chain import AnalysisChain
from searcher.analysis.fold import fold
from searcher.analysis.units import RUN_CHAR_RE, is_cjk, units
from searcher.bounded_cache import BoundedCache
from searcher.dates import DateRange
from searcher.engine.interface import NO_DAY
from searcher.errors import QuerySyntaxError
from searcher.fields import DEFAULT_FIELDS, FIELDS
from searcher.search import plan as p
from searcher.search import query_syntax as qs
from searcher.search.snippets import PREFIX

WORD_BOOST = 3.0  # a whole-word match outranks the same characters inside another word
# A variant group's members are all words the segmenter always cuts out whole, so where only
# their characters stand, they mostly stand across two words (的士 in 的士氣): found, never
# hidden, but ranked well below the word itself.
MEMBER_CHARACTERS_BOOST = 0.1
PHRASE_BONUS = 1.0  # words typed together that also stand together
MAX_TERMS = 256  # a pasted passage of about 500 characters (--any counts each word once)
KEPT_QUERIES = 256  # compiled queries kept a chain (an open generation's): a few KiB each


@dataclass(frozen=True)
class LeadItem:
    """One word or quoted phrase of a query, for the lead bonus (``search.lead``): its
    spellings (folded: a word's variant group) and the term whose idf in ``body`` weighs it."""

    spellings: tuple[str, ...]
    idf_term: str


@dataclass(frozen=True)
class CompiledQuery:
    """A plan for ``matching``, the folded strings to highlight for it, and the items whose
    first place in the body the lead bonus looks at (the query's required words and phrases
    that may stand in the body; none inside an ``OR``)."""

    plan: p.Node
    needles: tuple[str, ...]
    leads: tuple[LeadItem, ...] = ()


# The queries compiled for each chain in use, the most recent kept: a query typed again
# (repeated, paged, refined word by word in ``browse``) is parsed and segmented once. A
# chain is an open generation's, so what is kept is never stale, and goes with it.
_kept: weakref.WeakKeyDictionary[AnalysisChain, BoundedCache] = weakref.WeakKeyDictionary()


def compile_query(text: str, chain: AnalysisChain,
                  min_match: qs.MinimumMatch | str | int | None = None) -> CompiledQuery:
    """Parse and compile query text for this chain (raises ``QuerySyntaxError``); with
    ``min_match`` (a ``MinimumMatch``, or ``2``, ``"75%"``, ``"-1"`` as
    ``parse_minimum_match`` reads them), an article needs only that many of its words."""
    kept = _kept.get(chain)
    if kept is None:
        kept = _kept.setdefault(chain, BoundedCache(KEPT_QUERIES))
    compiled = kept.get((text, min_match))
    if compiled is None:
        compiled = _compile(text, chain, min_match)
        kept.keep((text, min_match), compiled, 1)
    return compiled


def _compile(text: str, chain: AnalysisChain,
             min_match: qs.MinimumMatch | str | int | None) -> CompiledQuery:
    compiler = _Compiler(chain)
    tree = qs.parse(text)
    if min_match is not None and not isinstance(min_match, qs.MinimumMatch):
        min_match = qs.parse_minimum_match(min_match)
    query = compiler.compile(tree) if min_match is None else compiler.at_least(tree, min_match)
    return CompiledQuery(query, tuple(sorted(compiler.needles, key=len, reverse=True)),
                         tuple(compiler.leads))


def day_range(dates: DateRange) -> p.DayRange:
    return p.DayRange(dates.low, dates.high)


class _Compiler:
    def __init__(self, chain: AnalysisChain) -> None:
        self.chain = chain
        self.needles: dict[str, None] = {}  # ordered set
        self.leads: dict[LeadItem, None] = {}  # ordered set
        self.alternatives = 0  # how deep in ``OR`` groups the compiler is
        self.terms = 0

    def compile(self, node: qs.Node, positive: bool = True) -> p.Node:
        if isinstance(node, (qs.Words, qs.Phrase)) and node.field and \
                FIELDS[node.field].kind == "keyword":
            return p.Term(node.field, fold(node.text.strip()))
        if isinstance(node, qs.Prefix):
            return self.prefix(node, positive)
        if isinstance(node, qs.Words):
            return self.words(node, positive)
        if isinstance(node, qs.Phrase):
            folded = fold(node.text.strip())
            if positive:
                spellings = tuple("".join(spelling) for spelling in _spellings(list(folded)))
                self.needles.update(dict.fromkeys(spellings))
                self.lead(node.field, spellings, folded)
            return self.units(folded, node.field, node.text)
        if isinstance(node, qs.DateFilter):
            return day_range(node.range)
        if isinstance(node, qs.Undated):
            return p.DayRange(NO_DAY, NO_DAY)
        if isinstance(node, qs.Not):
            return p.Without(p.Everything(), self.compile(node.item, not positive))
        if isinstance(node, qs.Or):
            self.alternatives += 1
            either = p.AnyOf(tuple(self.compile(item, positive) for item in node.items))
            self.alternatives -= 1
            return either
        included = [self.compile(i, positive) for i in self.searchable(node.items)
                    if not isinstance(i, qs.Not)]
        excluded = tuple(self.compile(i.item, not positive) for i in node.items
                         if isinstance(i, qs.Not))
        result = p.AllOf(tuple(included)) if included else p.Everything()
        return p.Without(result, p.AnyOf(excluded)) if excluded else result

    def at_least(self, tree: qs.Node, minimum: qs.MinimumMatch) -> p.Node:
        """The query with only ``minimum`` of its words required (see the module's notes)."""
        optional: list[p.Node] = []
        bonuses, filters, excluded = [], [], []
        for item in self.searchable(tree.items) if isinstance(tree, qs.And) else (tree,):
            if isinstance(item, qs.Not):
                excluded.append(self.compile(item.item, positive=False))
            elif isinstance(item, (qs.DateFilter, qs.Undated)):
                filters.append(self.compile(item))
            elif isinstance(item, qs.Words) and not (
                    item.field and FIELDS[item.field].kind == "keyword"):
                clauses, bonus = self.word_clauses(item, True, distinct=True)
                optional.extend(clauses)
                if bonus is not None:
                    bonuses.append(bonus)
            else:
                optional.append(self.compile(item))
        if not optional:  # only filters and exclusions: nothing to count
            return self.compile(tree)
        words = tuple(dict.fromkeys(optional))
        result: p.Node = p.AtLeast(minimum.of(len(words)), words)
        if filters:
            result = p.AllOf((result, *filters))
        if bonuses:
            result = p.WithBonus(result, p.AnyOf(tuple(bonuses)) if len(bonuses) > 1
                                 else bonuses[0])
        return p.Without(result, p.AnyOf(tuple(excluded))) if excluded else result

    def searchable(self, items: tuple[qs.Node, ...]) -> tuple[qs.Node, ...]:
        """``items`` less the punctuation between words (a pasted title's ``|``, a ``！``
        after a quotation): nothing to search for, so not a word an article must match;
        all of them when that is all there is (an error then names it)."""
        def punctuation(item: qs.Node) -> bool:
            return (isinstance(item, qs.Words) and not self.chain.query_words(item.text)
                    and not (item.field and FIELDS[item.field].kind == "keyword"))

        kept = tuple(item for item in items if not punctuation(item))
        return kept or items

    def fields(self, field: str | None) -> tuple[str, ...]:
        return (field,) if field else tuple(f.name for f in DEFAULT_FIELDS)

    def words(self, node: qs.Words, positive: bool) -> p.Node:
        clauses, bonus = self.word_clauses(node, positive)
        return clauses[0] if bonus is None else p.WithBonus(p.AllOf(tuple(clauses)), bonus)

    def word_clauses(self, node: qs.Words, positive: bool, distinct: bool = False
                     ) -> tuple[list[p.Node], p.Node | None]:
        """A clause for each word of unquoted text (each distinct word once, if asked), and
        the bonus where they stand together as typed (None for one word)."""
        words = self.chain.query_words(node.text)
        if not words:
            raise QuerySyntaxError(f"nothing to search for in {node.text!r}")
        clauses = [self.word(w, node.field, positive)
                   for w in (dict.fromkeys(words) if distinct else words)]
        if len(words) == 1:
            return clauses, None
        together = fold(node.text)
        if positive:
            self.needles[together] = None
        return clauses, self.units(together, node.field, node.text, PHRASE_BONUS)

    def count_term(self) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:  # each term costs a phrase search: bound the work
            raise QuerySyntaxError(f"too many words in the query (more than {MAX_TERMS}): "
                                   f"search a shorter passage, or its key words")

    def prefix(self, node: qs.Prefix, positive: bool) -> p.Node:
        """``Trum*``: the words that start so (see the module's notes)."""
        folded = fold(node.text.strip())
        if node.field and FIELDS[node.field].kind == "keyword":
            return p.Prefix(node.field, folded)  # a tag, a source, a URL that starts so
        if is_cjk(folded) or (node.field and FIELDS[node.field].kind != "words"):
            # Chinese characters, or a path: found wherever they stand already
            return self.compile(qs.Words(node.text, node.field), positive)
        if [unit for unit, _, _ in units(folded)] != [folded] or not RUN_CHAR_RE.match(folded):
            raise QuerySyntaxError(f"{node.text}*: a * ends a Latin word or a number (Trum*, "
                                   f"econom*); {node.text!r} is not one")
        self.count_term()
        if positive:
            self.needles[folded + PREFIX] = None
        per_field = [p.Prefix(FIELDS[f].units, folded, FIELDS[f].boost * WORD_BOOST)
                     for f in self.fields(node.field)]
        return p.AnyOf(tuple(per_field)) if len(per_field) > 1 else per_field[0]

    def word(self, word: str, field: str | None, positive: bool) -> p.Node:
        self.count_term()
        canonical = self.chain.term(word)
        if positive:
            self.needles.update(dict.fromkeys(self.chain.variants.members(word)))
            if canonical != self.chain.variants.canonical(word):  # a stem: words that start so
                self.needles[canonical + PREFIX] = None
            self.lead(field, self.chain.variants.members(word), canonical)
        whole_words = tuple(p.Term(f, canonical, boost=FIELDS[f].boost * WORD_BOOST)
                            for f in self.fields(field) if FIELDS[f].kind == "words")
        # The characters of every spelling of the group, where the word itself is not (the
        # costly check runs only there): a segmentation that cuts across a spelling (電信網 /
        # 路) cannot hide it, and every member finds the same articles, whichever is typed.
        unless = p.AnyOf(whole_words) if whole_words else None
        members = self.chain.variants.members(word)
        boost = MEMBER_CHARACTERS_BOOST if len(members) > 1 else 1.0
        characters = tuple(self.units(member, field, word, boost, unless=unless)
                           for member in members)
        return p.AnyOf(whole_words + characters)

    def lead(self, field: str | None, spellings: tuple[str, ...], idf_term: str) -> None:
        """A word or phrase the lead bonus looks for, unless it is one of alternatives or
        cannot stand in the body."""
        if not self.alternatives and field in (None, "body") and any(spellings):
            self.leads[LeadItem(spellings, idf_term)] = None

    def units(self, folded: str, field: str | None, written: str, boost: float = 1.0,
              unless: p.Node | None = None) -> p.Node:
        """Exact substring of the folded text: a phrase over units."""
        folded = folded.strip()
        word = self.whole_word(folded) if unless is None else None
        per_field = []
        for f in self.fields(field):
            unit_field = FIELDS[f].units
            sequence = (list(folded) if FIELDS[unit_field].kind == "chars"
                        else [unit for unit, _, _ in units(folded)])
            if not sequence:
                raise QuerySyntaxError(f"nothing to search for in {written!r}")
            certain = p.Term(f, word) if word and FIELDS[f].kind == "words" else None
            boost_here = FIELDS[f].boost * boost
            spellings = _spellings(sequence)
            nodes = tuple(p.Term(unit_field, spelling[0], boost=boost_here)
                          if len(spelling) == 1 else
                          p.Phrase(unit_field, spelling, boost=boost_here, unless=unless,
                                   certain=certain if spelling == tuple(sequence) else None)
                          for spelling in spellings)
            per_field.append(nodes[0] if len(nodes) == 1 else p.AnyOf(nodes))
        return p.AnyOf(tuple(per_field)) if len(per_field) > 1 else per_field[0]

    def whole_word(self, folded: str) -> str | None:
        """The phrase itself, when it is one word of CJK characters with no variant group:
        each token of it in a word field then stands on exactly these characters (tokens are
        cut from the folded text, and only a variant group renames them), so the phrase needs
        no positions read where the word is."""
        if not is_cjk(folded) or self.chain.variants.members(folded) != (folded,):
            return None  # (jieba may cut a word out of the middle of a Latin or digit run)
        return folded if self.chain.query_words(folded) == [folded] else None


def _spellings(sequence: list[str]) -> tuple[tuple[str, ...], ...]:
    """A phrase's units (or characters) as typed, and as the other habit writes them: white
    space between two Chinese characters is a copy's layout (a line a PDF wrapped, pasted),
    and between Chinese and a Latin word or a number a matter of style (Taiwan sets ``AI
    晶片``, the mainland ``AI晶片``): the text may have either.

    >>> _spellings(["所", "屬", " ", "機", "關", " ", "ok"])
    (('所', '屬', ' ', '機', '關', ' ', 'ok'), ('所', '屬', '機', '關', 'ok'), ('所', '屬', '機', '關', ' ', 'ok'))
    """
    return tuple(dict.fromkeys([tuple(sequence), _respaced(sequence, False),
                                _respaced(sequence, True)]))


def _respaced(sequence: list[str], latin_spaced: bool) -> tuple[str, ...]:
    """``sequence`` less the white space between Chinese characters and between Chinese and
    Latin; with a space put between Chinese and Latin if ``latin_spaced``."""
    following, after = [], ""  # each unit's next unit that is not white space
    for unit in reversed(sequence):
        following.append(after)
        after = after if unit.isspace() else unit
    respaced, before = [], ""
    for unit, after in zip(sequence, reversed(following)):
        if unit.isspace():
            if before and after and (_mixed(before[-1], after[0])
                                     or is_cjk(before[-1]) and is_cjk(after[0])):
                continue
        else:
            if latin_spaced and before and _mixed(before[-1], unit[0]):
                respaced.append(" ")
            before = unit
        respaced.append(unit)
    return tuple(respaced)


def _mixed(left: str, right: str) -> bool:
    """Whether two characters side by side are Chinese and Latin (or a digit), either way."""
    return (is_cjk(left) and bool(RUN_CHAR_RE.match(right))
            or bool(RUN_CHAR_RE.match(left)) and is_cjk(right))
