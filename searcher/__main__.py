"""``python -m searcher``: the same entry point as the ``searcher`` console script."""

from searcher.server.client import main

main()
