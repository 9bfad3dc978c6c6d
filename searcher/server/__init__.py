"""The resident search server: one per user and installation, so a search typed in a terminal
answers in milliseconds instead of paying Python's imports and the index's open every time.

``client`` is the ``searcher`` command as installed: it imports only the standard library
(and ``wire``), hands the command to the server when one is running and answers in-process
when not (starting one for next time: ``spawn``); ``wire`` is what both ends share (the
private runtime folder, the installation's identity, the framing); ``daemon`` is the server:
it imports everything, holds the indexes it was asked about open (``searcher.engine.held``)
and forks a ``worker`` per request, which takes the client's standard streams, folder,
umask, environment and arguments and runs the very same CLI entry, so every output is the
in-process one by construction; ``control`` is ``searcher server start|stop|status``.

The top layer: it runs the CLI, so it may import every other package; none imports it.
docs/server.md says what a user needs to know.
"""
