"""Undoing a write that failed, so that a live generation is left as it was and its disk space
free again.

An incremental run writes into the live generation: new segment files, Whoosh's temporary
folder (``MAIN.tmp``: the sorted runs of a pool that overflowed), a table of contents under a
temporary name then renamed into place, and its checksum record marked as being written. None
of it is live until that rename. A run that fails before it (a full disk, any exception,
Ctrl-C, SIGTERM) calls ``Snapshot.restore``: every entry the run added goes, and the record
is put back as it was. Left behind, they would fill a disk that is already full, and the next
run would fail the same way, and every run after it.

A writer killed outright (SIGKILL, a power cut) cannot clean up: ``remove_leftovers``, which
the next writer runs before it writes anything, removes what such a writer left (temporary
folders and tables of contents, files of segments neither live nor recorded).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from whoosh.index import TOC

from searcher.atomic_files import TEMPORARY_SUFFIX, replace_file
from searcher.engine.integrity import CHECKSUMS, read_record


UNDO_SUFFIX = ".undo.tmp"  # the record as it was, kept under this name during a run


class Snapshot:
    """The entries of a generation, and its checksum record, before a run writes in it. The
    record is kept as a second name of its file (a hard link), so that putting it back needs
    no space: the files a failed writer still holds open keep theirs until it exits. (On a
    file system without hard links, its bytes are kept, and written back if there is room.)"""

    def __init__(self, generation: Path) -> None:
        self.generation = generation
        self.entries = set(os.listdir(generation))
        record = generation / CHECKSUMS
        self._undo: Path | None = record.with_name(CHECKSUMS + UNDO_SUFFIX)
        self._record: bytes | None = None
        _remove(self._undo)
        try:
            os.link(record, self._undo)
        except FileNotFoundError:
            self._undo = None  # no record to put back
        except OSError:
            self._undo, self._record = None, record.read_bytes()

    def restore(self) -> None:
        """Put the record back and remove what was added since (as far as the system lets:
        this runs on the way out of a failure, which must not be masked by another)."""
        record = self.generation / CHECKSUMS
        try:
            if self._undo is not None:
                os.replace(self._undo, record)
            elif self._record is not None:
                replace_file(record, self._record)
        except OSError:
            pass  # still marked as being written: readers skip what is not as recorded
        for name in set(os.listdir(self.generation)) - self.entries:
            _remove(self.generation / name)

    def discard(self) -> None:
        """The run committed: the record as it was is of no more use."""
        if self._undo is not None:
            _remove(self._undo)


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
            _remove(folder / name)
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
            _remove(folder / name)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: nothing more to undo here
