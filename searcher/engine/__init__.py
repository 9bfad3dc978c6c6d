"""The engine: the only package that imports Whoosh.

``schema`` builds the Whoosh schema from the field table and turns a ``Document`` into what
it takes; ``store`` keeps the index folder (generations, ``CURRENT``, the writer lock) and
opens a generation (``OpenIndex``); ``reader`` reads an open generation
(postings, field lengths, days, deletions, stored fields); ``writers`` adds and deletes
documents (``DocumentWriter``). Search reads through ``reader``, and takes the open index and
``reading`` (a damaged file becomes a clear error) from ``store`` and ``NO_DAY`` (an undated
article's day) from ``schema``.

Imports ``searcher.analysis`` (the chain analyses what it indexes) and the leaves; never
``searcher.indexing``, ``searcher.search`` or ``searcher.cli``.

``safe_pickle`` routes every pickle Whoosh reads through an allow-list (installed here, on
import, before any index is opened); ``storage`` is the folder Whoosh writes in (no file
others can write, none through a symbolic link) and reads in (only regular files of its own,
by plain name) and refuses folders others could write; ``integrity`` records each
generation's checksums and verifies them; ``claims`` checks what a table of contents claims
before anything is read on its word, and reads everything for ``searcher check``;
``rollback`` undoes a write that failed.

``codec`` is the format of the large files (terms, postings, stored fields: searcher's own,
behind Whoosh's codec API; ``docs/index-format.md``). ``reader`` and ``writers`` reach into
Whoosh 2.7.4's private structures (its columns, segment readers, posting pool and writer
subprocesses), so any other Whoosh version is refused here, on import, with the command that
fixes it.
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

from searcher.engine import safe_pickle  # noqa: E402

safe_pickle.install()
