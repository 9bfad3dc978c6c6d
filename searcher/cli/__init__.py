"""The command line: a thin click layer over the library.

``main`` holds the command group and the error funnel (every error becomes one line on
stderr and an ``exit_status``); ``commands`` the commands, each wiring options to a library
call and a printer; ``options`` the options they share; ``arguments`` keeps a query's
``-word`` exclusions from being read as options; ``environment`` what comes from where the
command runs (default paths, the config folder, whether output is a terminal and in colour);
``printers`` every output format; ``browse`` the full-screen ``searcher browse`` (a Textual
app over ``searcher.search.browsing``); ``cron`` the ``searcher-cron`` script (the quiet,
logged index update that cron runs); ``watching`` the ``watch`` command and what it prints.

May import every other package of searcher but ``server`` (the resident search server,
which runs this CLI in its workers); none but ``server`` imports it.
"""

import sys


def main(args: list[str] | None = None) -> None:
    """The command run in this process (the console script's client, ``searcher.server``,
    calls it when no server answers). It loads the command itself, so that a Ctrl-C while
    the command is still loading exits 130 quietly too."""
    try:
        from searcher.cli.main import cli
    except KeyboardInterrupt:
        sys.exit(130)  # ExitStatus.INTERRUPTED, which is not loaded yet either
    cli.main(args)
