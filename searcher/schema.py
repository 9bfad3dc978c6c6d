"""The Whoosh schema: which fields an index holds and how each is analysed.

Whoosh pickles the schema, analyzers included, into the index. The analyzers here are small
importable classes that name their token stream and carry the chain's settings (a few dozen
KB of data), never the chain itself (the segmenter, OpenCC): ``store`` attaches a live chain
to a schema it builds afresh (``attach_chain``), and a process that unpickles the schema —
Whoosh's writer subprocesses do — builds the chain from the settings on first use.

Text fields come in pairs: ``body`` holds words (ranked, variant-folded) and ``body_units``
holds one token per character (exact phrases, full recall).
"""

from __future__ import annotations

import functools
import json

from whoosh.analysis import Analyzer, Token
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from searcher.analysis import AnalysisChain, AnalysisSettings

# Bump when fields change: an index built with another version is refused.
SCHEMA_VERSION = 1

# What the ``day`` column reads for an undated document (Whoosh fills gaps with the maximum).
NO_DAY = 2**31 - 1


class ChainAnalyzer(Analyzer):
    """Whoosh's view of one of the chain's token streams: ``words``, ``units`` or ``chars``."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.chain: AnalysisChain | None = None
        self.settings: dict | None = None

    def __getstate__(self) -> dict:
        return {"stream": self.stream, "settings": self.settings}

    def __setstate__(self, state: dict) -> None:
        self.stream = state["stream"]
        self.settings = state.get("settings")
        self.chain = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChainAnalyzer) and other.stream == self.stream

    def __hash__(self) -> int:
        return hash(self.stream)

    def _chain(self) -> AnalysisChain:
        if self.chain is None:
            if self.settings is None:
                raise RuntimeError("ChainAnalyzer used before attach_chain()")
            self.chain = _chain_from(self.settings)
        return self.chain

    def _tokens(self, value: str) -> list[tuple[str, int, int, int]]:
        chain = self._chain()
        return {"words": chain.word_tokens, "units": chain.unit_tokens,
                "chars": chain.char_tokens}[self.stream](value)

    def term_positions(self, value: str) -> list[tuple[str, int]]:
        """``(term, position)`` of every token: all that indexing needs."""
        if self.stream == "units":  # the hot path has a version without offsets
            return self._chain().unit_positions(value)
        return [(term, position) for term, position, _, _ in self._tokens(value)]

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        tokens = self._tokens(value)
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


class ChainText(TEXT):
    """A text field whose indexing skips Whoosh's per-token objects: the chain's
    ``(term, position)`` pairs go straight to the postings encoder. Searching and anything
    else that calls the analyzer see the same terms and positions."""

    def index(self, value, **kwargs):
        positions: dict[str, list[int]] = {}
        for term, position in self.analyzer.term_positions(value):
            positions.setdefault(term, []).append(position)
        encode = self.format.encode
        boost = self.format.field_boost
        for term, found in positions.items():
            found.sort()  # already in order but for a character's second folding
            yield term.encode("utf-8"), len(found), len(found) * boost, encode(found)


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
    """Give every chain analyzer in a schema the live chain (and its settings to pickle)."""
    settings = chain.settings.to_json()
    for name in schema.names():
        analyzer = getattr(schema[name], "analyzer", None)
        if isinstance(analyzer, ChainAnalyzer):
            analyzer.chain = chain
            analyzer.settings = settings


@functools.lru_cache(maxsize=4)
def _cached_chain(settings_json: str) -> AnalysisChain:
    return AnalysisChain(AnalysisSettings.from_json(json.loads(settings_json)))


def _chain_from(settings: dict) -> AnalysisChain:
    """One chain per settings in a process, shared by all its unpickled analyzers."""
    return _cached_chain(json.dumps(settings, sort_keys=True, ensure_ascii=False))
