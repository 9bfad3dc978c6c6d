"""Analysis: text in, terms out, the same way at index time and at query time.

Modules, in the order text goes through them: ``fold`` (width and script), ``units`` (the
exact-substring pieces), ``segmenters`` (jieba, rjieba) and ``query_dictionary`` (segmenting a
query without loading the dictionary), ``variants`` (spellings of one term), ``settings``
(what an index records of its analysis, as plain data), ``positions`` (the index-time path:
a text's terms and their positions, computed per text) and ``chain`` (all of it for one set
of settings).

Imports only the leaves (``searcher.errors``, ``searcher.atomic_files``) and its libraries
(OpenCC, jieba, rjieba, numpy); nothing here knows about indexes, files of a corpus or the
command line.
"""
