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
    candidates, _ = documents_named(index, ref)
    return one_named(ref, candidates, index.index_dir)


def documents_named(index: OpenIndex, ref: str) -> tuple[list[dict], bool]:
    """The stored fields of the documents ``ref`` may name, and whether it names the one
    exactly (by its path or id, which win) rather than by an end of its path, its file or a
    record's id (each of them, however many)."""
    if not ref.strip():
        raise SearcherError("give a document: a path as `searcher search` prints it, or an id")
    reader = index.reader()
    # A file as typed, whole (its name may hold a ``#``), or a JSON Lines file and a record's
    # id, split at any of its ``#``s: the stored file and record say which split is right.
    file, records = _file_and_records(ref)
    with reading(index):
        for field_name in ("path", "doc_id"):
            docnum = reader.find(field_name, ref)
            if docnum is not None:
                return [reader.stored_fields(docnum)], True
        return [f for f in reader.all_stored_fields()
                if f["path"].endswith("/" + ref.lstrip("/"))
                or _names(f, file, records)
                or f["path"].partition("#")[2] == ref], False


def one_named(ref: str, candidates: list[dict], where: object) -> dict:
    """The one of ``candidates`` (``documents_named``'s) that ``ref`` names in the index at
    ``where``; ``SearcherError`` when none or several."""
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise SearcherError(f"no document {ref!r} in {where}: give a path as "
                            f"`searcher search` prints it, or a document id")
    names = ", ".join(sorted(c["path"] for c in candidates)[:5])
    raise SearcherError(f"{ref!r} matches {len(candidates)} documents ({names}…): be more "
                        f"specific")


def names_file(stored: dict, ref: str) -> bool:
    """Whether ``ref`` names the document by its file: its path as stored, or its file from
    the working directory or absolute (``FILE#ID`` for a record)."""
    return stored["path"] == ref or _names(stored, *_file_and_records(ref))


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


def _file_and_records(ref: str) -> tuple[str, set[tuple[str, str]]]:
    return os.path.abspath(ref), {(os.path.abspath(ref[:at]), ref[at + 1:])
                                  for at, char in enumerate(ref) if char == "#"}


def _names(stored: dict, file: str, records: set[tuple[str, str]]) -> bool:
    """Whether the document is the file ``file``, or one of ``records`` (file, record id)."""
    record = stored["path"].partition("#")[2]
    if not record:
        return stored.get("file") == file
    return (stored.get("file"), record) in records
