"""``searcher browse``: a full-screen terminal client. Type a query and the results change as
you type; move through them and read the selected article beside the list, every match
highlighted, ``n``/``N`` jumping between them.

The session is ``searcher.search.browsing.Browser``, which works without a screen; the screen
is a Textual app (``app``: ``BrowseApp``; ``widgets``, ``rendering``, ``keys``, ``outside``).
This module holds only the command, so that listing it (``searcher --help``) loads neither
Textual nor the search modules, and ``searcher`` works without Textual installed.
"""

from __future__ import annotations

import sys

import click

from searcher.cli.arguments import QueryCommand
from searcher.cli.options import color_option, index_option
from searcher.errors import SearcherError
from searcher.search.browsing import SORTS, Browser

TEXTUAL_MISSING = "searcher browse needs textual: pip install 'searcher[browse]'"


def textual_available() -> bool:
    try:
        import textual  # noqa: F401
    except ImportError:
        return False
    return True


@click.command("browse", cls=QueryCommand)
@click.argument("query", nargs=-1)
@index_option
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="Order of results to start with (r cycles it).")
@click.option("--since", default="", help="From this date on: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--until", default="", help="Up to this date: YYYY, YYYY-MM or YYYY-MM-DD.")
@color_option
@click.pass_context
def browse_command(ctx, query, index_dir, sort, since, until, color):
    """Search as you type and read the results, every match highlighted, in a full-screen
    terminal view (needs Textual: pip install 'searcher[browse]'). ? lists the keys; q
    quits (Ctrl-C: exit 130).

    \b
    Examples:
      searcher browse
      searcher browse 普京 停火 --since 2025-10
      searcher browse --index ~/評論索引
    """
    if not textual_available():
        raise SearcherError(TEXTUAL_MISSING)
    from searcher.cli.browse.app import BrowseApp
    from searcher.cli.commands import open_for_search
    from searcher.cli.environment import wants_color
    from searcher.cli.exit_status import ExitStatus

    browser = Browser(None, " ".join(query), sort, since, until)
    browser.request()  # a bad --since/--until is an error before the screen opens
    browser.index = open_for_search(ctx, index_dir)
    app = BrowseApp(browser, wants_color(color))
    app.run()
    sys.exit(app.return_code or ExitStatus.FOUND)
