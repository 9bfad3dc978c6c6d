"""The Whoosh backend: the only code that imports Whoosh.

A generation is a Whoosh 2.7.4 index whose segments are written with searcher's codec
(``codec``: ``engine.format``'s terms, postings and stored fields behind Whoosh's codec API)
in a folder that creates and opens its files safely (``storage``). ``generation`` is the
backend itself (``WHOOSH``: create, open) and its open generation (``WhooshGeneration``),
which implement ``engine.interface``. Reading: ``reader`` (``GenerationReader``: postings,
columns, stored fields, in bulk); checking what a table of contents claims before it is used,
and all of it for ``searcher check``: ``claims``. Writing: ``writers`` (``DocumentWriter``),
``processes`` (several writer processes, a segment each), ``segment_writer`` (a segment
written a term at a time, a commit made durable), ``term_pool`` (postings pooled by term),
``merge_policy`` (what a commit merges) and ``leftovers`` (what a killed writer left).
``schema`` builds Whoosh's schema from the field table.

``reader`` and the writers reach into Whoosh 2.7.4's private structures (its columns, segment
readers, posting pool and writer subprocesses), so any other Whoosh version is refused here,
on import, with the command that fixes it. Also on import, before any index is opened, in
this process and in Whoosh's writer processes: every pickle Whoosh reads goes through an
allow-list (``safe_pickle``), the classes an index's table of contents names are found under
the names it recorded (``pickled_names``), and Whoosh's ``compat`` module is imported without
``urllib.request``.
"""

import sys
import types

from whoosh import versionstring as _whoosh_version

from searcher.errors import SearcherError

WHOOSH_VERSION = "2.7.4"

if _whoosh_version() != WHOOSH_VERSION:
    raise SearcherError(
        f"searcher needs Whoosh {WHOOSH_VERSION}, but Whoosh {_whoosh_version()} is installed: "
        f"pip install whoosh=={WHOOSH_VERSION}")


def _import_whoosh_without_urllib() -> None:
    """Import Whoosh's ``compat`` module without ``urllib.request``, which it imports only to
    re-export ``urlretrieve`` (nothing searcher calls) and which brings in ``http``, ``email``
    and ``ssl``: 25 ms, a tenth of a cold search. A stand-in module answers the one import
    (its ``urlretrieve`` imports the real one if ever called) and is removed at once, so any
    later ``import urllib.request`` gets the real module."""
    if "urllib.request" in sys.modules:
        return
    stand_in = types.ModuleType("urllib.request")

    def urlretrieve(*args, **kwargs):
        del sys.modules["urllib.request"]  # if still there: let the real one load
        import urllib.request

        return urllib.request.urlretrieve(*args, **kwargs)

    stand_in.urlretrieve = urlretrieve
    sys.modules["urllib.request"] = stand_in
    try:
        import whoosh.compat  # noqa: F401
    finally:
        if sys.modules.get("urllib.request") is stand_in:
            del sys.modules["urllib.request"]


_import_whoosh_without_urllib()

from searcher.engine.whoosh import pickled_names, safe_pickle  # noqa: E402

safe_pickle.install()
pickled_names.register()
