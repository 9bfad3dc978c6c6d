"""Indexing: bring an index in line with the files under some folders.

``update`` runs it (``update_index``, and ``index_documents`` for documents that are not
files), ``reading`` reads the files of a run (in reader processes, ``reader_pool``, each file
within a deadline), ``manifest`` records what each file held so the next run re-reads only
what changed.

Imports ``searcher.ingest`` (files to documents), ``searcher.engine`` (generations, writers),
``searcher.analysis`` (settings) and the leaves; never ``searcher.search`` or
``searcher.cli``.
"""
