"""The Whoosh schema, built from the field table (``searcher.fields``), and the documents it
takes.

Whoosh pickles the schema, analyzers included, into the index. The analyzers here are small
importable classes that name their token stream and carry the chain's settings (a few dozen
KB of data), never the chain itself (the segmenter, OpenCC): ``store`` builds a schema around
the live chain, and a process that unpickles the schema — Whoosh's writer subprocesses do —
builds the chain from the settings on first use.
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct

from whoosh.analysis import Analyzer, Token
from whoosh.columns import FixedBytesColumn
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, FieldType, Schema

from searcher.analysis.chain import AnalysisChain
from searcher.analysis.fingerprint import BANDS, fingerprint
from searcher.analysis.fold import fold, fold_exceptions
from searcher.analysis.positions import TextTerms
from searcher.analysis.settings import AnalysisSettings
from searcher.dates import day_number
from searcher.engine.whoosh.codec import Frequencies, PositionList
from searcher.fields import FIELDS
from searcher.models import Document

# Bump when fields or the codec's format change: an index built with another version is
# refused (its user is told to rebuild it).
SCHEMA_VERSION = 8  # 7: codec format 2 (positions apart); 8: body_fold stored

FINGERPRINT_BYTES = 8 * BANDS  # a fingerprint column's value: its band keys


class ChainAnalyzer(Analyzer):
    """Whoosh's view of one of the chain's token streams: ``words``, ``units`` or ``chars``."""

    def __init__(self, stream: str, chain: AnalysisChain) -> None:
        self.stream = stream
        self.chain: AnalysisChain | None = chain
        self.settings = chain.settings.to_json()

    def __getstate__(self) -> dict:
        return {"stream": self.stream, "settings": self.settings}

    def __setstate__(self, state: dict) -> None:
        self.stream = state["stream"]
        self.settings = state["settings"]
        self.chain = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChainAnalyzer) and other.stream == self.stream

    def __hash__(self) -> int:
        return hash(self.stream)

    def _chain(self) -> AnalysisChain:
        if self.chain is None:
            self.chain = _chain_from(self.settings)
        return self.chain

    def _tokens(self, value: str) -> list[tuple[str, int, int, int]]:
        chain = self._chain()
        return {"words": chain.word_tokens, "units": chain.unit_tokens,
                "chars": chain.char_tokens}[self.stream](value)

    def text_terms(self, value: str, positions: bool) -> TextTerms:
        """Each term of ``value`` and its count, and, if ``positions`` (a units field's
        always), its positions: all that indexing needs."""
        chain = self._chain()
        if self.stream == "units":
            return chain.unit_terms(value)
        if self.stream == "words" and not positions:
            return chain.word_counts(value)
        return TextTerms.from_positions(self.positions_by_term(value))

    def positions_by_term(self, value: str) -> dict[str, list[int]]:
        """Each term and its positions, in order."""
        chain = self._chain()
        if self.stream == "units":
            return chain.unit_positions(value)
        if self.stream == "words":
            return chain.word_positions(value)
        positions: dict[str, list[int]] = {}
        for term, position, _, _ in self._tokens(value):
            positions.setdefault(term, []).append(position)
        return positions

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


class PathID(ID):
    """An id field whose values may hold a file name's bytes that are not UTF-8 (Python's
    surrogate escapes, as ``os.listdir`` gives them), kept exactly: a name in GBK or Big5 is
    indexed, found and deleted like any other."""

    def index(self, value, **kwargs):
        return ((term.encode("utf-8", "surrogatepass"), count, weight, data)
                for term, count, weight, data in self.format.word_values(
                    value, self.analyzer, mode="index", **kwargs))

    def to_bytes(self, value) -> bytes:
        return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")

    def from_bytes(self, data: bytes) -> str:
        return data.decode("utf-8", "surrogatepass")


class ChainText(TEXT):
    """A text field whose indexing skips Whoosh's per-token objects: the chain's terms and
    their counts and positions (``text_terms``) go straight to the postings pool. Searching and
    anything else that calls the analyzer see the same terms and positions. A field with
    ``phrase`` keeps positions, encoded as ``codec.PositionList`` (no pickle); one without
    keeps each document's count of a term (``codec.Frequencies``)."""

    def __init__(self, phrase: bool = True, **kwargs) -> None:
        super().__init__(phrase=phrase, **kwargs)
        format_ = PositionList if phrase else Frequencies
        self.format = format_(field_boost=self.format.field_boost)

    def positions_by_term(self, value: str) -> dict[str, list[int]]:
        """Each term of ``value`` and its positions, in order."""
        return self.analyzer.positions_by_term(value)

    def text_terms(self, value: str) -> TextTerms:
        """Each term of ``value`` and its count, and its positions if the field keeps them:
        what our writers pool."""
        return self.analyzer.text_terms(value, isinstance(self.format, PositionList))

    def index(self, value, **kwargs):
        encode = self.format.encode
        boost = self.format.field_boost
        for term, found in self.positions_by_term(value).items():
            yield term.encode("utf-8", "surrogatepass"), len(found), len(found) * boost, encode(found)


class FingerprintColumn(FieldType):
    """An article's near-duplicate fingerprint (``analysis.fingerprint``: band keys of its
    folded body, little-endian signed 64-bit), a column only: neither indexed nor stored.
    An article too short to have one holds zeros."""

    indexed = False
    stored = False
    scorable = False

    def __init__(self) -> None:
        self.format = None
        self.analyzer = None
        self.column_type = FixedBytesColumn(FINGERPRINT_BYTES)

    def to_column_value(self, body: str) -> bytes:
        keys = fingerprint(fold(body))  # the chain has folded this body already (cached)
        return struct.pack(f"<{BANDS}q", *keys) if keys else bytes(FINGERPRINT_BYTES)


class FoldExceptions(FieldType):
    """Where an article's body folds otherwise than character by character
    (``fold.fold_exceptions``), stored only: a search finds a hit's matches without folding
    its body anew. Given the body, the field stores its exceptions (``stored_form``), worked
    out by the writer process that analyses the body, which has folded it already."""

    indexed = False
    stored = True
    scorable = False

    def __init__(self) -> None:
        self.format = None
        self.analyzer = None
        self.column_type = None

    def stored_form(self, body: str) -> list[list]:
        return fold_exceptions(body)


class TagAnalyzer(Analyzer):
    """Comma-separated tags, each one term, folded like text (``tags:`` matches a whole tag
    in either script, any width or case)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TagAnalyzer)

    def __hash__(self) -> int:
        return hash(TagAnalyzer)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, tag in enumerate(t for t in value.split(",") if t.strip()):
            token.text = fold(tag.strip())
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + position
            yield token


def build_schema(chain: AnalysisChain) -> Schema:
    """A Whoosh field for every entry of the field table, analysed by ``chain``."""
    streams = {"words": "words", "units": "units", "chars": "chars"}
    fields = {}
    for field in FIELDS.values():
        if field.kind in streams:
            # Phrases are checked on units (characters): a words field needs no positions.
            fields[field.name] = ChainText(analyzer=ChainAnalyzer(streams[field.kind], chain),
                                           stored=field.stored, phrase=field.kind != "words")
        elif field.kind == "id":
            # The path is also a column: ties in a ranking break by it (``reader.path``).
            fields[field.name] = PathID(stored=field.stored, unique=True,
                                        sortable=field.name == "path")
        elif field.kind == "keyword":
            fields[field.name] = KEYWORD(stored=field.stored, commas=True, scorable=True)
            fields[field.name].analyzer = TagAnalyzer()
        elif field.kind == "fingerprint":
            fields[field.name] = FingerprintColumn()
        elif field.kind == "fold":
            fields[field.name] = FoldExceptions()
        elif field.kind == "day":
            # Signed: Whoosh 2.7 answers range queries on unsigned numeric fields wrongly.
            fields[field.name] = NUMERIC(int, bits=32, stored=True, sortable=True)
        else:
            fields[field.name] = STORED
    return Schema(**fields)


def document_id(path: str) -> str:
    """A short id for a document path, the same in every index built from it."""
    return hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def document_fields(doc: Document, file: str) -> dict:
    """What the schema takes for one document: text fields as text, tags joined by commas."""
    fields = {
        "path": doc.path, "path_units": doc.path, "doc_id": document_id(doc.path),
        "title": doc.title, "title_units": doc.title,
        "body": doc.body, "body_units": doc.body, "fingerprint": doc.body,
        "body_fold": doc.body,  # stored as its fold exceptions (``FoldExceptions``)
        "date": doc.date, "file": file,
    }
    if doc.author:
        fields["author"] = fields["author_units"] = doc.author
    for name in ("source", "url"):  # keyword fields, when given
        if value := getattr(doc, name):
            fields[name] = value
    if doc.tags:
        fields["tags"] = ",".join(doc.tags)
    if doc.date:
        fields["day"] = day_number(doc.date)
    if doc.pages:
        fields["pages"] = ",".join(map(str, doc.pages))
    return fields


@functools.lru_cache(maxsize=4)
def _cached_chain(settings_json: str) -> AnalysisChain:
    return AnalysisChain(AnalysisSettings.from_json(json.loads(settings_json)))


def _chain_from(settings: dict) -> AnalysisChain:
    """One chain per settings in a process, shared by all its unpickled analyzers."""
    return _cached_chain(json.dumps(settings, sort_keys=True, ensure_ascii=False))
