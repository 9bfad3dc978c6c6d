"""What the user runs to fix an index that is not as a command needs it.

The library says what is wrong with an index (``errors.IndexStateError``, naming it); the
command line that fixes it is the CLI's, added here to the one line the command prints.
"""

from __future__ import annotations

from pathlib import Path

from searcher.errors import (
    IndexIncompatibleError, IndexLockedError, IndexMissingError, IndexStateError)


def rebuild_command(index_dir: Path) -> str:
    """The command that builds the index at ``index_dir`` again from its recorded roots."""
    return f"searcher index --rebuild --index {index_dir}"


def with_remedy(error: IndexStateError) -> str:
    """The error's message, and the command that fixes it when there is one."""
    message, index_dir = str(error), error.index_dir
    if index_dir is None:
        return message
    if isinstance(error, IndexMissingError):
        return f"{message}: build it with `searcher index PATH --index {index_dir}`"
    if isinstance(error, IndexIncompatibleError):  # damaged ones included
        return f"{message}; rebuild it with `{rebuild_command(index_dir)}`"
    if isinstance(error, IndexLockedError):
        return f"{message}; try again later or pass --wait SECONDS"
    return message
