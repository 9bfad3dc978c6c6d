"""What a writer of a Whoosh generation killed outright (SIGKILL, a power cut) left there, found
and removed by the next writer before it writes anything (``WhooshGeneration.remove_leftovers``):
temporary folders and tables of contents, files of segments neither live nor recorded.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from whoosh.index import TOC

from searcher.atomic_files import TEMPORARY_SUFFIX
from searcher.engine.integrity import read_record
from searcher.engine.rollback import remove_entry


def index_files(storage, indexname: str) -> tuple[dict[str, str], dict[str, int]]:
    """The files of a Whoosh index: its segments' files (name → segment id) and its TOCs
    (name → generation)."""
    segment_pattern = TOC._segment_pattern(indexname)
    toc_pattern = TOC._pattern(indexname)
    segments: dict[str, str] = {}
    tocs: dict[str, int] = {}
    for name in storage.list():
        if (match := toc_pattern.match(name)) is not None:
            tocs[name] = int(match.group(1))
        elif (match := segment_pattern.match(name)) is not None:
            segments[name] = match.group(1)
    return segments, tocs


def remove_leftovers(whoosh_index) -> None:
    """Remove from a live generation what a writer that died there left (call with the writer
    lock held, before writing): temporaries (Whoosh's folders, searcher's files: ``*.tmp``),
    tables of contents still under their temporary name, and the files of segments that the
    live table of contents does not name and the checksum record does not hold (those of the
    table of contents before it, which a reader may still be using, are recorded)."""
    storage, indexname = whoosh_index.storage, whoosh_index.indexname
    folder = Path(storage.folder)
    temporary_toc = re.compile(rf"_{re.escape(indexname)}_[0-9]+\.toc\.")
    for name in os.listdir(folder):
        if name.endswith(TEMPORARY_SUFFIX) or temporary_toc.match(name):
            remove_entry(folder / name)
    try:
        record = read_record(folder)
    except ValueError:
        record = None
    if record is None:
        return  # none, or damaged: what it held is unknown, so keep everything
    recorded = set(record["files"])
    live = {segment.segment_id() for segment in whoosh_index._read_toc().segments}
    segment_files, _ = index_files(storage, indexname)
    for name, segment in segment_files.items():
        if segment not in live and name not in recorded:
            remove_entry(folder / name)
