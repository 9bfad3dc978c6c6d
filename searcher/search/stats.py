"""What an index holds: counts, date range, size, top terms, and how it was built.

    >>> index_stats(open_index(Path("index")))["documents"]                # doctest: +SKIP
    5
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from searcher.dates import iso_date
from searcher.engine.interface import NO_DAY
from searcher.engine.store import OpenIndex, reading
from searcher.fields import DEFAULT_FIELDS

TOP_TERMS = 20
# The top terms come from the words fields a plain word searches (title and body): what an
# article is about, not who wrote it.
TOPIC_FIELDS: tuple[str, ...] = tuple(f.name for f in DEFAULT_FIELDS if f.kind == "words")


def index_stats(index: OpenIndex, top: int = TOP_TERMS) -> dict:
    """A plain dict, ready for JSON."""
    reader = index.reader()
    with reading(index):
        days = reader.days()[reader.live].tolist()
        most_frequent = {field: reader.most_frequent_terms(field, top * 10)
                         for field in TOPIC_FIELDS}
    dated = sorted(d for d in days if d != NO_DAY)
    settings = index.chain.settings
    meta = index.meta
    return {
        "index": str(index.index_dir),
        "documents": len(days),
        "dated": len(dated),
        "undated": len(days) - len(dated),
        "first_date": iso_date(dated[0]) if dated else None,
        "last_date": iso_date(dated[-1]) if dated else None,
        "size_bytes": sum(f.stat().st_size for f in Path(index.generation).iterdir()
                          if f.is_file()),
        "segments": reader.segment_count,
        "top_terms": top_terms(most_frequent, top),
        "built_at": meta.get("created_at"),
        "roots": meta.get("roots", []),
        "schema_version": meta.get("schema_version"),
        "analysis": {
            "analysis_version": meta.get("analysis_version"),
            "segmenter": meta.get("segmenter"),
            "stemming": settings.stemming,
            "fingerprint": meta.get("fingerprint"),
            "variant_groups": len(index.chain.variants),
            "variants_sha256": meta.get("variants_sha256"),
            "user_words": len(settings.userwords),
            "user_variant_files": list(settings.variant_files),
        },
    }


def top_terms(most_frequent: dict[str, list[tuple[int, str]]], top: int = TOP_TERMS
              ) -> list[dict]:
    """The index's ``top`` terms from each of ``TOPIC_FIELDS``' ``top * 10`` most frequent
    ``(frequency, term)``, most frequent first (``most_frequent_terms``' order)."""
    # A term's frequency is summed over the fields that have it among their most frequent.
    frequent: Counter[str] = Counter()
    for field in TOPIC_FIELDS:
        for frequency, term in most_frequent[field]:
            frequent[term] += frequency
    # The most frequent words of two characters or more: single characters and numbers say
    # little about what an archive covers.
    return [{"term": term, "frequency": frequency} for term, frequency in frequent.most_common()
            if len(term) >= 2 and not term.isdigit()][:top]
