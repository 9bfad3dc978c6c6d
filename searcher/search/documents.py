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
    # A file as typed, whole (its name may hold a ``#``), or a JSON Lines file and a record's
    # id, split at any of its ``#``s: the stored file and record say which split is right.
    file = os.path.abspath(ref)
    records = {(os.path.abspath(ref[:at]), ref[at + 1:])
               for at, char in enumerate(ref) if char == "#"}
    with reading(index):
        for field_name in ("path", "doc_id"):
            docnum = reader.find(field_name, ref)
            if docnum is not None:
                return reader.stored_fields(docnum)
        candidates = [f for f in reader.all_stored_fields()
                      if f["path"].endswith("/" + ref.lstrip("/"))
                      or _names(f, file, records)
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
    return match_spans(stored.get("body", ""), compiled.needles, stored.get("body_fold"))


def _names(stored: dict, file: str, records: set[tuple[str, str]]) -> bool:
    """Whether the document is the file ``file``, or one of ``records`` (file, record id)."""
    record = stored["path"].partition("#")[2]
    if not record:
        return stored.get("file") == file
    return (stored.get("file"), record) in records
