"""Search: everything that reads an index to answer a question.

A ``request`` (``SearchRequest``: what to find and bring back) is matched once by
``evaluation``: ``query_syntax`` (text → tree) → ``compiler`` (tree → ``plan``, through the
analysis chain) → ``matching`` (plan → scored documents over the engine's postings), then its
dates. Collectors take the evaluation from there: ``ranked`` keeps the best (re-ranked by
``lead``: where the query's words first stand; or by date), ``collapse`` groups reposts,
``timeline`` counts them per period, the evaluation's length is the count; ``hits`` then
hydrates only the documents kept, with ``snippets``. ``documents`` finds one document and
its matches, ``similar`` the articles most like it, ``stats`` summarises an index, ``paths``
writes an article's file as a path that opens from the working directory, ``browsing`` holds
a browsing session (``searcher browse``'s state, without its screen).

Imports ``searcher.engine`` (an open generation and its reader), ``searcher.analysis`` and the
leaves; never ``searcher.indexing`` or ``searcher.cli``.
"""
