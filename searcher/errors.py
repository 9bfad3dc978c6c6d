"""User-facing errors: each message says what went wrong and what to do about it.

The CLI maps every ``SearcherError`` to one line on stderr and exit status 2; anything else is a
bug and keeps its traceback. An error about the state of an index (``IndexStateError``: missing,
of another version, damaged, locked) says what is wrong and names the index; the command
line that fixes it is the CLI's to add (``cli.remedies``), not the library's.
"""

from __future__ import annotations

from pathlib import Path


class SearcherError(Exception):
    """A problem the user can fix: bad input, a missing or incompatible index."""


class QuerySyntaxError(SearcherError):
    """A query that cannot be parsed; the message points at the offending position."""


class DateError(SearcherError):
    """A date or date range that cannot be read."""


class IndexStateError(SearcherError):
    """The index at ``index_dir`` (None when not known) is not as the command needs it."""

    def __init__(self, message: str, index_dir: Path | None = None) -> None:
        super().__init__(message)
        self.index_dir = index_dir


class IndexMissingError(IndexStateError):
    """No index where one was expected."""


class IndexIncompatibleError(IndexStateError):
    """An index built by another schema or analysis version."""


class IndexDamagedError(IndexIncompatibleError):
    """An index whose files cannot be read back (truncated, corrupted)."""


class IndexLockedError(IndexStateError):
    """Another writer holds the index lock."""


class IndexUnsafeError(SearcherError):
    """An index folder someone else could have written (another owner, group or other write,
    a planted symbolic link): refused, as ssh refuses such an ``authorized_keys``."""


class DocumentError(SearcherError):
    """A corpus file that cannot be read as a document."""


class WriterProcessError(SearcherError):
    """A writer process ended abnormally (killed, failed, or lost): the write was cancelled."""


class IndexRootsError(SearcherError):
    """Roots that would remove most of an index (``--replace`` confirms), or a root to remove
    that the index does not have."""


class DiskFullError(SearcherError):
    """No space left on the device an index is written to; the run was undone."""
