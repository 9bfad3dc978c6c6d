"""The engine: the index on disk, in two parts behind a written interface.

The core knows nothing of Whoosh:

* ``directory``: the index folder (generations, the ``CURRENT`` and ``PREVIOUS`` pointers,
  the one-writer lock, who may have written it, how files are created and opened);
* ``integrity``: each generation's checksums, recorded and verified; ``rollback``: a write
  that failed undone;
* ``format``: the byte format of the large files (terms, postings, stored fields;
  ``docs/index-format.md``); ``fieldnorms``: the one-byte field length table; ``scoring``:
  BM25F and its idf, used by search's matching and lead;
* ``interface``: what a backend gives the rest of searcher (``Backend``, ``Generation``,
  ``IndexReader``, ``IndexWriter``), in our types (``Postings``, ``NO_DAY``);
* ``store``: opens the live generation through the backend (``OpenIndex``, ``open_index``,
  ``reading``: a damaged file becomes a clear error) and checks it (``check_index``);
  ``held``: the generations the search server keeps open.

The backend is ``engine.whoosh``, the only code that imports Whoosh (the import contract in
``setup.cfg`` says so): its schema, codec adapters, reader, writers, storage, the allow-list
unpickler and the patches it makes on import. A tantivy or Lucene backend would be one more
folder beside it.

Imports ``searcher.analysis`` (the chain analyses what it indexes) and the leaves; never
``searcher.indexing``, ``searcher.search`` or ``searcher.cli``.
"""
