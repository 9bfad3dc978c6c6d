"""The fields of an indexed article, in one table: what each holds, how it is indexed, how a
query reaches it and how much a match in it weighs. The engine builds its schema from this
table, the query compiler its field boosts and unit fields, the query parser its ``field:``
prefixes, and ``show`` its metadata lines. ``stored_tags`` and ``page_starts`` read back the
two stored values the schema joins with commas.

    >>> FIELDS["title"].units, FIELDS["title"].boost
    ('title_units', 2.0)
    >>> [f.name for f in DEFAULT_FIELDS]
    ['title', 'body']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One field. ``kind`` says how it is indexed:

    * ``words``: the analysis chain's words (ranked, variant-folded), with a companion field
      ``units`` holding one token per character (exact phrases, full recall);
    * ``units``/``chars``: such a companion (``chars``: every character, for paths);
    * ``id``: the whole value as one term (exact look-ups);
    * ``keyword``: each of several values as one folded term (``tags:``, ``source:``, ``url:``);
    * ``day``: the date as ``YYYYMMDD``, a sortable column (date filters);
    * ``fingerprint``: the body's near-duplicate fingerprint, a column (reposts collapsed);
    * ``fold``: where the body folds otherwise than a character at a time, stored (hits);
    * ``stored``: kept for display only.
    """

    name: str
    kind: str
    stored: bool = False
    units: str | None = None  # the companion unit field of a ``words`` or ``id`` field
    boost: float = 1.0  # weight of a match in this field
    queryable: bool = False  # reachable as ``name:`` in a query
    default: bool = False  # searched by a word without a field


_TABLE = (
    Field("path", "id", stored=True, units="path_units", queryable=True),
    Field("path_units", "chars"),
    Field("doc_id", "id", stored=True),  # short hash of the path: stable across rebuilds
    Field("title", "words", stored=True, units="title_units", boost=2.0, queryable=True,
          default=True),
    Field("title_units", "units"),
    Field("body", "words", stored=True, units="body_units", queryable=True, default=True),
    Field("body_units", "units"),
    Field("author", "words", stored=True, units="author_units", queryable=True),
    Field("author_units", "units"),
    Field("tags", "keyword", stored=True, queryable=True),
    Field("day", "day", stored=True),
    Field("date", "stored", stored=True),
    # Keywords (the whole folded value one term, as ``tags:``), not words: a words field
    # pickles the analysis settings into the index's table of contents, which every search
    # reads (two more made it 30% larger).
    Field("source", "keyword", stored=True, queryable=True),
    Field("url", "keyword", stored=True, queryable=True),
    Field("file", "stored", stored=True),  # the corpus file the article came from
    Field("pages", "stored", stored=True),  # a paged document's page starts: "0,1830,…"
    # Where the body folds otherwise than character by character (``fold_exceptions``):
    # a hit's matches are found without folding the body anew.
    Field("body_fold", "fold", stored=True),
    Field("fingerprint", "fingerprint"),
)

FIELDS: dict[str, Field] = {field.name: field for field in _TABLE}
DEFAULT_FIELDS: tuple[Field, ...] = tuple(f for f in _TABLE if f.default)
QUERY_FIELDS: tuple[str, ...] = tuple(f.name for f in _TABLE if f.queryable)
# What ``show`` prints above an article's body, in this order.
METADATA_FIELDS: tuple[str, ...] = ("path", "doc_id", "title", "date", "author", "source", "url",
                                    "tags", "file")


def stored_tags(stored: dict) -> tuple[str, ...]:
    """An article's tags, from its stored fields (the schema joins them with commas)."""
    return tuple(stored["tags"].split(",")) if stored.get("tags") else ()


def page_starts(stored: dict) -> list[int]:
    """Where each page of a paged document (a PDF) starts in its body, from its stored
    fields (the schema joins them with commas); empty for others."""
    return [int(start) for start in (stored.get("pages") or "").split(",") if start]
