"""Opening a file that may be anything: a corpus file, a configuration file, or a path an
index's ``searcher.json`` names (which may have been planted). Only a regular file is opened:
the open does not block (a FIFO without a writer would wait forever) and the check is made on
the opened descriptor, so whatever a link points to now (``/dev/zero``) is what is checked.
``read_regular`` also bounds what it reads, for the files of ``/proc`` and ``/sys`` that call
themselves regular yet never end (``/proc/self/pagemap``) or wait for data (``/proc/kmsg``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a folder"))


class FileTooLargeError(Exception):
    """The file holds more than the reader's bound."""


class NotRegularFileError(Exception):
    """The path is something else: ``kind`` says what (``a FIFO``, ``a folder``, …)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def open_regular(path: Path, blocking: bool = True, follow_links: bool = True) -> BinaryIO:
    """``path`` opened for binary reading if it is a regular file, else
    ``NotRegularFileError``; ``OSError`` (and ``ValueError`` for a NUL in the path) as
    ``os.open`` raises them: ``ELOOP`` for a symbolic link unless ``follow_links``. Reads
    block unless ``blocking`` is False (a regular file on disk never waits either way; a
    pseudo-file that would wait then raises ``BlockingIOError``)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    fd = os.open(path, flags if follow_links else flags | os.O_NOFOLLOW)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(next((name for test, name in _KINDS if test(mode)),
                                           "a special file"))
        os.set_blocking(fd, blocking)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them: a longer file
    raises ``FileTooLargeError``, and one that would make the read wait raises
    ``BlockingIOError`` (an ``OSError``); otherwise as ``open_regular``."""
    with open_regular(path, blocking=False) as handle:
        data = handle.read(limit + 1)
    if data is None:  # nothing yet, and more may come: not a file on disk
        raise BlockingIOError(f"{path}: reading would wait")
    if len(data) > limit:
        raise FileTooLargeError(f"{path}: more than {limit:,} bytes")
    return data
