"""Search: everything that reads an index to answer a question.

A query goes ``query_syntax`` (text → tree) → ``compiler`` (tree → ``plan``, through the
analysis chain) → ``matching`` (plan → scored documents over the engine's postings); then
``ranked`` groups reposts (``collapse``), keeps the best (re-ranked by ``lead``: where the
query's words first stand) and makes ``hits`` with ``snippets``, or ``timeline`` counts them
per period. ``documents`` finds one document and its matches, ``similar`` the articles most like
it, ``stats`` summarises an index, ``paths`` writes an article's file as a path that opens
from the working directory, ``browsing`` holds a browsing session (``searcher browse``'s
state, without its screen).

Imports ``searcher.engine`` (an open generation and its reader), ``searcher.analysis`` and the
leaves; never ``searcher.indexing`` or ``searcher.cli``.
"""
