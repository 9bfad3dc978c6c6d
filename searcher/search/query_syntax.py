"""Parse query text into a small tree; no Whoosh, no analysis, just syntax.

    words        ANDed: 俄羅斯 停火
    "phrase"     exact (also “…” and 「…」)
    Trum*        a Latin word or number by its start: every one indexed that starts so
    A OR B       either, binding tighter than AND: 普丁 停火 OR 川普 is 普丁 (停火 OR 川普)
    NOT A, -A    exclude;  ( … ) group
    field:value  title:, author:, path:, body:, tags:, source:, url: (a word or a "phrase")
    date:VALUE   2025-09, 2025-09..2026-01, >=2025-10-01, <2026; date:none for undated

Errors name the character where the problem is: ``unclosed quote at 5``.

    >>> parse('停火 -伊朗')
    And(items=(Words(text='停火', field=None), Not(item=Words(text='伊朗', field=None))))
    >>> parse('普丁 停火 OR 川普')
    And(items=(Words(text='普丁', field=None), Or(items=(Words(text='停火', field=None), Words(text='川普', field=None)))))
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from searcher.analysis.units import is_cjk
from searcher.dates import DateRange, parse_range
from searcher.errors import DateError, QuerySyntaxError
from searcher.fields import QUERY_FIELDS

QUOTES = {'"': '"', "“": "”", "「": "」", "＂": "＂"}
PROSE_QUOTES = "“「"  # prose's own quotation marks: one left open is a pasted passage's, cut
OPEN_PARENS = "(（"
CLOSE_PARENS = ")）"
STARS = "*＊"  # a word's end: ``Trum*`` (the full-width one as a Chinese input method types it)
MAX_QUERY_LENGTH = 2000
OPERATORS = ("OR", "AND", "NOT")
_OPERATOR_RE = re.compile("|".join(OPERATORS))
# Full-width Latin letters as an input method types them, as ASCII (one for one: the
# positions in a word hold).
_FULL_WIDTH_LATIN = {ord(letter) + 0xFEE0: ord(letter) for letter in string.ascii_letters}
MAX_DEPTH = 32


@dataclass(frozen=True)
class Words:
    """Unquoted text: its words are ANDed, each found as a word or as characters."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Prefix:
    """A word typed with ``*`` after it (``Trum*``): ``text`` is what comes before the star.
    The compiler says what it may be (a Latin word or a number)."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    """Quoted text: an exact substring of the folded text, no variants."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class DateFilter:
    range: DateRange


@dataclass(frozen=True)
class Undated:
    """``date:none``: the articles without a date."""


@dataclass(frozen=True)
class Not:
    item: "Node"


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]


Node = Words | Prefix | Phrase | DateFilter | Undated | Not | And | Or
FIELD_NAMES = QUERY_FIELDS + ("date",)
# ``name:`` with an ASCII name is read as a field, and an unknown name is an error; other
# colons (他說：, https://) are text, and so is an unknown name before a full-width colon
# (``Trump：`` in a pasted sentence; ``title：`` typed with a Chinese input method is a field).
_FIELD_LIKE_RE = re.compile(r"[A-Za-z_]+")


@dataclass(frozen=True)
class _Token:
    kind: str  # word, phrase, open, close, or, and, not, minus
    text: str
    at: int  # character offset in the query, for messages
    field: str | None = None


def _lex(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in OPEN_PARENS:
            tokens.append(_Token("open", c, i))
            i += 1
        elif c in CLOSE_PARENS:
            tokens.append(_Token("close", c, i))
            i += 1
        elif c in PROSE_QUOTES and query.find(QUOTES[c], i + 1) < 0:
            i += 1  # a pasted passage's quotation, cut: punctuation, not a phrase
        elif c in QUOTES:
            start = i
            text, i = _read_quoted(query, i)
            tokens.append(_Token("phrase", text, start))
        elif c in "-－" and i + 1 < n and not query[i + 1].isspace():
            tokens.append(_Token("minus", c, i))
            i += 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in (
                    OPEN_PARENS + CLOSE_PARENS) and query[i] not in QUOTES:
                i += 1
            word = query[start:i]
            field, sep, value = word.replace("：", ":").partition(":")
            ascii_colon = sep and word[len(field)] == ":"
            if ascii_colon and _FIELD_LIKE_RE.fullmatch(field) and not value.startswith("/") and (
                    field.lower() not in FIELD_NAMES):
                raise QuerySyntaxError(f"unknown field {field}: at {start + 1} (fields: "
                                       f"{', '.join(f + ':' for f in FIELD_NAMES)})")
            if sep and field.lower() in FIELD_NAMES:
                field = field.lower()
                if not value and i < n and query[i] in QUOTES:
                    value, i = _read_quoted(query, i)
                    tokens.append(_Token("phrase", value, start, field))
                elif not value:
                    raise QuerySyntaxError(f"{field}: at {start + 1} needs a value")
                else:
                    tokens.append(_Token("word", value, start, field))
            else:
                tokens.extend(_words_and_operators(word, start))
    return _without_unpaired_prose_parens(tokens)


def _without_unpaired_prose_parens(tokens: list[_Token]) -> list[_Token]:
    """``tokens`` less the full-width parentheses that pair with none: a pasted passage's
    punctuation (``特朗普（Donald Trump，又譯川普``), not a group; an ASCII one stays, for the
    parser to name."""
    opened, unpaired = [], set()
    for index, token in enumerate(tokens):
        if token.kind == "open":
            opened.append(index)
        elif token.kind == "close":
            if opened:
                opened.pop()
            elif token.text == "）":
                unpaired.add(index)
    unpaired.update(index for index in opened if tokens[index].text == "（")
    return [token for index, token in enumerate(tokens) if index not in unpaired]


def _words_and_operators(word: str, start: int) -> list[_Token]:
    """A word as typed: an operator (``OR``, also full-width ``ＯＲ``), or words with the
    operators typed against Chinese characters between them (``普丁OR川普``: Chinese sets no
    spaces, and capital Latin letters between Chinese words are no word)."""
    latin = word.translate(_FULL_WIDTH_LATIN)
    if latin in OPERATORS:
        return [_Token(latin.lower(), word, start)]
    tokens, at = [], 0
    for glued in _OPERATOR_RE.finditer(latin):
        before, after = latin[glued.start() - 1:glued.start()], latin[glued.end():glued.end() + 1]
        # Against a Chinese character on one side, and one or the word's end on the other.
        if not (is_cjk(before) and (not after or is_cjk(after)) or not before and is_cjk(after)):
            continue
        if glued.start() > at:
            tokens.append(_Token("word", word[at:glued.start()], start + at))
        tokens.append(_Token(glued.group().lower(), word[glued.start():glued.end()],
                             start + glued.start()))
        at = glued.end()
    if at < len(word):
        tokens.append(_Token("word", word[at:], start + at))
    return tokens


def _read_quoted(query: str, i: int) -> tuple[str, int]:
    close = QUOTES[query[i]]
    end = query.find(close, i + 1)
    if end < 0:
        raise QuerySyntaxError(f"unclosed quote {query[i]} at {i + 1}: close it with {close}")
    return query[i + 1:end], end + 1


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.and_expr()
        token = self.peek()
        if token is not None:
            raise QuerySyntaxError(f"unmatched {token.text!r} at {token.at + 1}")
        return node

    def and_expr(self) -> Node:
        """Terms side by side, each an OR of terms: OR binds tighter, as web search engines
        read ``A B OR C`` (A, and B or C)."""
        items = []
        while (token := self.peek()) is not None and token.kind != "close":
            if token.kind == "and":
                self.take()
                continue
            items.append(self.or_expr())
        if not items:
            self.missing_term()
        return items[0] if len(items) == 1 else And(tuple(items))

    def or_expr(self) -> Node:
        if self.peek().kind == "or":
            self.missing_term()
        items = [self.unary()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            if self.peek() is None or self.peek().kind in ("or", "and", "close"):
                self.missing_term()
            items.append(self.unary())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def missing_term(self) -> None:
        token = self.peek()
        where = f"before {token.text!r} at {token.at + 1}" if token else "at the end"
        raise QuerySyntaxError(f"missing search term {where}")

    def unary(self) -> Node:
        token = self.take()
        if token.kind in ("not", "minus"):
            if self.peek() is None or self.peek().kind in ("or", "close", "and"):
                raise QuerySyntaxError(f"{token.text} at {token.at + 1} needs a term after it")
            return Not(self.unary())
        if token.kind == "open":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QuerySyntaxError(f"parentheses nested deeper than {MAX_DEPTH}")
            node = self.and_expr()
            closing = self.peek()
            if closing is None or closing.kind != "close":
                raise QuerySyntaxError(f"unclosed parenthesis at {token.at + 1}")
            self.take()
            self.depth -= 1
            return node
        if token.kind == "close":
            raise QuerySyntaxError(f"unmatched ')' at {token.at + 1}")
        if token.field == "date":
            if token.kind == "phrase":
                raise QuerySyntaxError(f"date: at {token.at + 1} takes a date, not a phrase")
            if token.text.lower() == "none":
                return Undated()
            try:
                return DateFilter(checked_range(parse_range(token.text)))
            except DateError as error:
                raise QuerySyntaxError(f"{error} (date: at {token.at + 1})") from None
        if token.kind == "phrase":
            return Phrase(token.text, token.field)
        stem = token.text.rstrip(STARS)
        if stem != token.text and stem:
            return Prefix(stem, token.field)
        return Words(token.text, token.field)


def checked_range(dates: DateRange) -> DateRange:
    """``dates``, or ``DateError`` when it ends before it starts (2026..2025)."""
    if dates.low is not None and dates.high is not None and dates.low > dates.high:
        raise DateError("the date range ends before it starts: give the earlier date first")
    return dates


@dataclass(frozen=True)
class MinimumMatch:
    """How many of a query's words an article must share, as Elasticsearch's
    ``minimum_should_match`` says it: a count (``2``), a percentage of the words (``75%``,
    rounded down), or either negated, counted back from all of them (``-1``: all but one).
    Whatever it comes to, it is never less than one word nor more than the query has.

        >>> parse_minimum_match("75%").of(6), parse_minimum_match("-1").of(6), ANY.of(6)
        (4, 5, 1)
    """

    value: int
    percent: bool = False

    def of(self, words: int) -> int:
        """The minimum for a query of ``words`` words."""
        if self.percent:
            share = words * abs(self.value) // 100
            needed = share if self.value > 0 else words - share
        else:
            needed = self.value if self.value > 0 else words + self.value
        return min(max(needed, 1), words)

    def __str__(self) -> str:
        return f"{self.value}{'%' * self.percent}"


ANY = MinimumMatch(1)  # ``--any``: one word is enough
_MINIMUM_MATCH_RE = re.compile(r"(-?)([0-9]+)(%?)")


def parse_minimum_match(text: str | int) -> MinimumMatch:
    """``MinimumMatch`` from ``2``, ``"75%"``, ``"-1"`` or ``"-25%"``; anything else (``0``,
    ``150%``, ``abc``) is a ``QuerySyntaxError`` saying what is allowed."""
    written = str(text).strip()
    found = _MINIMUM_MATCH_RE.fullmatch(written)
    value = int(found[2]) if found else 0
    if not found or value == 0 or (found[3] and value > (99 if found[1] else 100)):
        raise QuerySyntaxError(
            f"minimum match {written!r} is not a number of words (1, 2, …), a percentage of "
            f"them (1% to 100%) or all but so many (-1, -25%)")
    return MinimumMatch(-value if found[1] else value, bool(found[3]))


def lowercase_operators(query: str) -> list[str]:
    """The lowercase ``or``/``and``/``not`` standing between words of ``query``, which are
    searched as words (only the capitalised ones are operators): worth a hint."""
    words = query.split()
    return [w for w in words[1:-1] if w.translate(_FULL_WIDTH_LATIN).upper() in OPERATORS
            and w.translate(_FULL_WIDTH_LATIN) not in OPERATORS]


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def parse(query: str) -> Node:
    """The query's tree, or ``QuerySyntaxError`` naming where it went wrong."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"query longer than {MAX_QUERY_LENGTH} characters")
    if _SURROGATE_RE.search(query):  # bytes a terminal or script passed that are not UTF-8
        raise QuerySyntaxError("the query is not valid UTF-8 text: check the terminal's or "
                               "the script's encoding")
    tokens = _lex(query)
    if not tokens:
        raise QuerySyntaxError("empty query: give at least one word")
    return _Parser(tokens).parse()
