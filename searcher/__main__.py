"""``python -m searcher``: the same entry point as the ``searcher`` console script."""

from searcher.cli import main

main()
