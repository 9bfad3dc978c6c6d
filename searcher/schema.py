"""The Whoosh schema: which fields an index holds and how each is analysed.

Whoosh pickles the schema, analyzers included, into the index. The analyzers here are small
importable classes that name their token stream; the chain itself (jieba, OpenCC, the variant
table) is attached to a schema built afresh for each open (``attach_chain``) and never pickled;
``store`` opens indexes with that schema, so the pickled copy is never read back.

Text fields come in pairs: ``body`` holds words (ranked, variant-folded) and ``body_units``
holds one token per character (exact phrases, full recall).
"""

from __future__ import annotations

from whoosh.analysis import Analyzer, Token
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from searcher.analysis import AnalysisChain

# Bump when fields change: an index built with another version is refused.
SCHEMA_VERSION = 1

# What the ``day`` column reads for an undated document (Whoosh fills gaps with the maximum).
NO_DAY = 2**31 - 1


class ChainAnalyzer(Analyzer):
    """Whoosh's view of one of the chain's token streams: ``words``, ``units`` or ``chars``."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.chain: AnalysisChain | None = None

    def __getstate__(self) -> dict:
        return {"stream": self.stream}

    def __setstate__(self, state: dict) -> None:
        self.stream = state["stream"]
        self.chain = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChainAnalyzer) and other.stream == self.stream

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        if self.chain is None:
            raise RuntimeError("ChainAnalyzer used before attach_chain()")
        tokens = {"words": self.chain.word_tokens, "units": self.chain.unit_tokens,
                  "chars": self.chain.char_tokens}[self.stream](value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, position, start, end in tokens:
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class Postings(tuple):
    """A field value analysed ahead of time (possibly in a worker process): the
    ``(term bytes, frequency, weight, encoded positions)`` tuples ``FieldType.index`` yields."""


class ChainText(TEXT):
    """A text field that also accepts ``Postings``, so analysis can run outside the writer."""

    def index(self, value, **kwargs):
        if isinstance(value, Postings):
            return iter(value)
        return super().index(value, **kwargs)


ANALYZED_FIELDS = ("path_units", "title", "title_units", "body", "body_units", "author",
                   "author_units")


def build_schema() -> Schema:
    words = ChainAnalyzer("words")
    units = ChainAnalyzer("units")
    return Schema(
        path=ID(stored=True, unique=True),
        doc_id=ID(stored=True, unique=True),  # short hash of path: stable across rebuilds
        path_units=ChainText(analyzer=ChainAnalyzer("chars"), phrase=True),
        title=ChainText(analyzer=words, stored=True, phrase=True),
        title_units=ChainText(analyzer=units, phrase=True),
        body=ChainText(analyzer=words, stored=True, phrase=True),
        body_units=ChainText(analyzer=units, phrase=True),
        author=ChainText(analyzer=words, stored=True, phrase=True),
        author_units=ChainText(analyzer=units, phrase=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        # Signed: Whoosh 2.7 answers range queries on unsigned numeric fields wrongly.
        day=NUMERIC(int, bits=32, stored=True, sortable=True),
        date=STORED,
        source=STORED,
        url=STORED,
        file=STORED,  # the corpus file it came from
    )


def attach_chain(schema: Schema, chain: AnalysisChain) -> None:
    """Give every chain analyzer in a (possibly unpickled) schema the live chain."""
    for name in schema.names():
        analyzer = getattr(schema[name], "analyzer", None)
        if isinstance(analyzer, ChainAnalyzer):
            analyzer.chain = chain
