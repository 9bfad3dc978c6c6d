"""What a run that writes a new generation keeps of the files it could not read: their
documents, taken from the live generation, as a run that writes into the live one keeps them
(``update``: a file that cannot be read keeps what it held; one under a folder that cannot be
listed keeps its entry). A shard of a sharded index is written so (``searcher.cluster``):
its new generation must not be live before the other shards' are.

A document is written again from its stored fields, which hold it as it was read (text,
title, date, author, source, url, tags, page starts): analysed by the same chain, it is
indexed as it was.

    >>> stored_document({"path": "a.pdf", "body": "一頁。二頁", "pages": "0,3"}).pages
    (0, 3)
"""

from __future__ import annotations

import os

from searcher.engine.store import OpenIndex, reading
from searcher.fields import page_starts, stored_tags
from searcher.indexing.manifest import failed_entry, read_manifest
from searcher.models import Document


def stored_document(stored: dict) -> Document:
    """The document whose stored fields are ``stored``."""
    return Document(
        path=stored["path"], body=stored.get("body") or "", title=stored.get("title") or "",
        date=stored.get("date"), author=stored.get("author"), source=stored.get("source"),
        url=stored.get("url"),
        tags=stored_tags(stored), pages=tuple(page_starts(stored)))


def carry_unread(writer, live: OpenIndex, failed: set[str], new_manifest: dict,
                 report) -> int:
    """Write into ``writer`` (a new generation's) the documents ``live`` holds of the files
    that could not be read (``failed``: those it did not write again this run) and of those
    under a folder that could not be listed (in ``report.skipped``; ``unchanged`` files of
    ``report``), with their manifest entries; how many. A file that could not be read gets a
    failed entry, so the next run reads it again."""
    unlisted = tuple(f"{folder}{os.sep}" for folder, _ in report.skipped)
    reader = live.reader()
    carried = 0
    for file, entry in read_manifest(live.generation).items():
        if file in failed:
            written = set(new_manifest[file].get("paths", []))
        elif file not in new_manifest and file.startswith(unlisted):
            written = set()
            report.files[file] = "unchanged"
        else:
            continue
        kept = [path for path in entry.get("paths", []) if path not in written]
        with reading(live):
            for path in kept:
                docnum = reader.find("path", path)
                if docnum is not None:
                    writer.add(stored_document(reader.stored_fields(docnum)), file)
                    carried += 1
        new_manifest[file] = (failed_entry(sorted(written | set(kept))) if file in failed
                              else entry)
    return carried
