"""Undoing a write that failed, so that a live generation is left as it was and its disk space
free again.

An incremental run writes into the live generation: the backend's new files (Whoosh's: new
segment files, a temporary folder of the sorted runs of a pool that overflowed, a table of
contents under a temporary name then renamed into place), and its checksum record marked as
being written. None of it is live until that rename. A run that fails before it (a full
disk, any exception, Ctrl-C, SIGTERM) calls ``Snapshot.restore``: every entry the run added
goes, and the record is put back as it was. Left behind, they would fill a disk that is
already full, and the next run would fail the same way, and every run after it.

A writer killed outright (SIGKILL, a power cut) cannot clean up: the backend's
``Generation.remove_leftovers``, which the next writer runs before it writes anything, removes
what such a writer left.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from searcher.atomic_files import replace_file
from searcher.engine.integrity import CHECKSUMS


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
        remove_entry(self._undo)
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
            remove_entry(self.generation / name)

    def discard(self) -> None:
        """The run committed: the record as it was is of no more use."""
        if self._undo is not None:
            remove_entry(self._undo)


def remove_entry(path: Path) -> None:
    """Remove a file or folder of a generation, if it can be (what cleans up must not fail)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: nothing more to undo here
