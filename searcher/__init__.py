"""searcher: full-text search for Chinese commentary, whichever script, region or spelling.

    >>> from searcher.querying import search
    >>> hits = search("index", "俄罗斯 停火")

The library does the work; ``searcher.cli`` is a thin click layer over it.
"""

__version__ = "0.1.0"
