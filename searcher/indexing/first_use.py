"""The default index, built on first use: a search of an index that does not exist yet builds
it from the roots the user's configuration names, else ``./corpus`` (README's first command
relies on it). An index named with ``--index`` or ``SEARCHER_INDEX`` is never built by a
search: a mistyped path must not start an indexing run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from searcher.engine.store import index_exists
from searcher.errors import IndexMissingError

if TYPE_CHECKING:
    from searcher.indexing.update import IndexReport


def build_on_first_use(index_dir: Path, roots: Sequence[Path],
                       announce: Callable[[str], None]) -> "IndexReport | None":
    """Build the index at ``index_dir`` from ``roots`` with the user's tables if it does not
    exist (saying so through ``announce`` first); None when it exists."""
    if index_exists(index_dir):
        return None
    present = [root for root in roots if root.exists()]
    if not present:
        raise IndexMissingError(
            f"no index at {index_dir} and no {', '.join(f'{r}/' for r in roots)} to build it "
            f"from: run `searcher index PATH` first")
    announce(f"no index yet; building {index_dir}/ from "
             f"{', '.join(f'{r}/' for r in present)} (first use)")
    # The indexer (readers of every format, writers) is loaded only now: every search calls
    # this, and a cold search must not pay for the indexing stack.
    from searcher.analysis.settings import AnalysisSettings
    from searcher.config import user_files
    from searcher.indexing.update import update_index

    settings = AnalysisSettings.from_files(user_files("variants"), user_files("userdict"))
    # Another first search may be building it: wait for that one rather than fail.
    return update_index(index_dir, present, settings, wait=60.0)
