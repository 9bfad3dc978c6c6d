"""searcher: full-text search for Chinese commentary, whichever script, region or spelling.

Build an index from a folder of articles, then search it; a query in Simplified finds the
Traditional articles too, and ``matches`` shows what each author actually wrote:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from searcher.analysis.settings import AnalysisSettings
    >>> from searcher.engine.store import open_index
    >>> from searcher.indexing.update import update_index
    >>> from searcher.search.ranked import search
    >>> index_dir = Path(tempfile.mkdtemp()) / "index"
    >>> update_index(index_dir, [Path("corpus")], AnalysisSettings.default()).added
    5
    >>> hits = search(open_index(index_dir), "普京 停火", limit=3).hits
    >>> sorted({match for hit in hits for match in hit.matches})
    ['停火', '普丁', '普京']

The package is layered, each layer importing only those below it (a test enforces it):

* ``server``: the resident search server and the ``searcher`` command's client, which hands
  a command to the server or runs the CLI in-process;
* ``cli``: the command line, a thin layer over the library;
* ``indexing`` (build and update an index from files) and ``search`` (queries, ranking,
  snippets, timelines, similar articles, stats);
* ``engine``: the index on disk, the only code that talks to Whoosh;
* ``analysis`` (text to terms, shared by index and query) and ``ingest`` (files to
  documents);
* the leaves: ``models``, ``fields``, ``dates``, ``errors``, ``atomic_files``.
"""

__version__ = "0.1.0"
