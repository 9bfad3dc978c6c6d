"""``python -m searcher.server``: the server itself (``daemon``), as ``spawn`` starts it."""

from searcher.server.daemon import main

main()
