"""The names a generation's table of contents records for searcher's classes.

Whoosh pickles the schema (its field types, formats and analyzers) and each segment's codec
into the table of contents, so a pickle names the module of each of searcher's classes it
holds. Every index written before the backend had a folder of its own names them
``searcher.engine.codec`` and ``searcher.engine.schema``; the classes keep those names
(``PICKLED_AS``), so that those indexes open as they are and a new one is byte for byte what
the code before wrote. ``register`` gives each class its recorded name and puts a stand-in
module under that name holding the classes, and nothing else, for the pickler to find them
by; ``safe_pickle`` admits those names only, and unpickles them from here.
"""

from __future__ import annotations

import sys
import types

# Recorded module name -> (the module the classes live in, the classes' names).
PICKLED_AS: dict[str, tuple[str, tuple[str, ...]]] = {
    "searcher.engine.codec": ("searcher.engine.whoosh.codec",
                              ("Frequencies", "PositionList", "SearcherCodec")),
    "searcher.engine.schema": ("searcher.engine.whoosh.schema",
                               ("ChainAnalyzer", "ChainText", "FingerprintColumn",
                                "FoldExceptions", "PathID", "TagAnalyzer")),
}


def register() -> None:
    """Have each class of ``PICKLED_AS`` pickled, and found when unpickled, under its recorded
    name (idempotent)."""
    for recorded, (module_name, names) in PICKLED_AS.items():
        if recorded in sys.modules:
            continue
        module = __import__(module_name, fromlist=["_"])
        stand_in = types.ModuleType(recorded, f"searcher's classes pickled as {recorded}")
        for name in names:
            cls = getattr(module, name)
            cls.__module__ = recorded
            setattr(stand_in, name, cls)
        sys.modules[recorded] = stand_in
