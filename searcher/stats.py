"""What an index holds: counts, date range, size, top terms, and how it was built.

    >>> index_stats(open_index(Path("index")))["documents"]
    5
"""

from __future__ import annotations

from pathlib import Path

from searcher.schema import NO_DAY
from searcher.store import OpenIndex

TOP_TERMS = 20


def index_stats(index: OpenIndex, top: int = TOP_TERMS) -> dict:
    """A plain dict, ready for JSON."""
    reader = index.searcher().reader()
    postings = index.postings()
    days = [day for docnum, day in enumerate(postings.days()) if docnum not in postings.deleted]
    dated = sorted(d for d in days if d != NO_DAY)
    # The most frequent words of two characters or more: single characters and numbers say
    # little about what an archive covers.
    terms = []
    for frequency, term in reader.most_frequent_terms("body", number=top * 10):
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        if len(word) >= 2 and not word.isdigit():
            terms.append({"term": word, "frequency": int(frequency)})
    terms.sort(key=lambda t: -t["frequency"])
    settings = index.chain.settings
    meta = index.meta
    return {
        "index": str(index.index_dir),
        "documents": len(days),
        "dated": len(dated),
        "undated": len(days) - len(dated),
        "first_date": _iso(dated[0]) if dated else None,
        "last_date": _iso(dated[-1]) if dated else None,
        "size_bytes": sum(f.stat().st_size for f in Path(index.generation).iterdir()
                          if f.is_file()),
        "segments": len(postings.leaves),
        "top_terms": terms[:top],
        "built_at": meta.get("created_at"),
        "roots": meta.get("roots", []),
        "schema_version": meta.get("schema_version"),
        "analysis": {
            "analysis_version": meta.get("analysis_version"),
            "segmenter": meta.get("segmenter"),
            "fingerprint": meta.get("fingerprint"),
            "variant_groups": len(index.chain.variants),
            "variants_sha256": meta.get("variants_sha256"),
            "user_words": len(settings.userwords),
            "user_variant_files": list(settings.variant_files),
        },
    }


def _iso(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"
