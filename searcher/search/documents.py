"""One document of an index: found by what a user types for it, and where a query matches in
it (``show``).

    >>> get_document(index, "003_fbfd2bed5f7712db.txt")["title"]          # doctest: +SKIP
"""

from __future__ import annotations

from searcher.engine.store import OpenIndex, reading
from searcher.errors import SearcherError
from searcher.search.compiler import compile_query
from searcher.search.snippets import match_spans


def get_document(index: OpenIndex, ref: str) -> dict:
    """The stored fields of the document ``ref`` names: its path, its id, or a unique end of
    its path. Raises ``SearcherError`` when none or several match."""
    if not ref.strip():
        raise SearcherError("give a document: a path as `searcher search` prints it, or an id")
    reader = index.reader()
    with reading(index):
        # A ref that is not valid text (bytes a shell passed through) names no stored path.
        for field_name in ("path", "doc_id") if _encodable(ref) else ():
            docnum = reader.find(field_name, ref)
            if docnum is not None:
                return reader.stored_fields(docnum)
        candidates = [f for f in reader.all_stored_fields()
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


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
