"""The command line: a thin click layer over the library.

``main`` holds the command group and the error funnel (every error becomes one line on
stderr and an ``exit_status``); ``commands`` the commands, each settling its options once
into a library call (``search``: a ``SearchRequest``) and an ``Output``; ``options`` the
options they share; ``arguments`` keeps a query's ``-word`` exclusions from being read as
options; ``environment`` what comes from where the command runs (default paths, the config
folder, whether output is a terminal and in colour); ``printers`` every output as a sink,
picked by ``printer_for`` alone; ``messages`` text made safe to print, errors and warnings
in words; ``terminal`` the terminal view's rich pieces; ``browse`` the full-screen
``searcher browse`` (a Textual app over ``searcher.search.browsing``); ``cron`` the
``searcher-cron`` script (the quiet, logged index update that cron runs); ``watching`` the
``watch`` command and what it prints.

May import every other package of searcher but ``server`` (the resident search server,
which runs this CLI in its workers); none but ``server`` imports it.
"""

import sys

from searcher.cli.exit_status import ExitStatus


def main(args: list[str] | None = None) -> None:
    """The command run in this process (the console script's client, ``searcher.server``,
    calls it when no server answers). It loads the command itself, so that a Ctrl-C while
    the command is still loading exits 130 quietly too."""
    try:
        from searcher.cli.main import cli
    except KeyboardInterrupt:
        sys.exit(ExitStatus.INTERRUPTED)
    cli.main(args)
