"""One document of an index: found by what a user types for it, and where a query matches in
it (``show``).

    >>> get_document(index, "003_fbfd2bed5f7712db.txt")["title"]          # doctest: +SKIP
"""

from __future__ import annotations

import os

from searcher.engine.store import OpenIndex, reading
from searcher.errors import SearcherError
from searcher.search import matching
from searcher.search.compiler import compile_query
from searcher.search.snippets import match_spans


def get_document(index: OpenIndex, ref: str) -> dict:
    """The stored fields of the document ``ref`` names: its path, its id, a unique end of its
    path, its file as a path from the working directory or absolute (what ``search`` prints;
    ``FILE#ID`` for a JSON Lines record), or a record's id. Raises ``SearcherError`` when none
    or several match."""
    if not ref.strip():
        raise SearcherError("give a document: a path as `searcher search` prints it, or an id")
    reader = index.reader()
    with reading(index):
        # A ref that is not valid text (bytes a shell passed through) names no stored path.
        for field_name in ("path", "doc_id") if _encodable(ref) else ():
            docnum = reader.find(field_name, ref)
            if docnum is not None:
                return reader.stored_fields(docnum)
        file, _, record = ref.partition("#")
        file = os.path.abspath(file)
        candidates = [f for f in reader.all_stored_fields()
                      if f["path"].endswith("/" + ref.lstrip("/"))
                      or (f.get("file") == file and f["path"].partition("#")[2] == record)
                      or f["path"].partition("#")[2] == ref]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise SearcherError(f"no document {ref!r} in {index.index_dir}: give a path as "
                            f"`searcher search` prints it, or a document id")
    names = ", ".join(sorted(c["path"] for c in candidates)[:5])
    raise SearcherError(f"{ref!r} matches {len(candidates)} documents ({names}…): be more "
                        f"specific")


def highlight_document(index: OpenIndex, stored: dict, text: str
                       ) -> list[tuple[int, int]] | None:
    """Where query ``text`` matches in a document's body (half-open offsets), or None when
    the query does not match the document (its strings may still occur in it: ``-word``,
    another field, characters a word would match only together)."""
    compiled = compile_query(text, index.chain)
    reader = index.reader()
    with reading(index):
        if reader.find("path", stored["path"]) not in matching.evaluate(reader, compiled.plan):
            return None
    return match_spans(stored.get("body", ""), compiled.needles)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
