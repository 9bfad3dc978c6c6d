"""Options several commands share, written once so each has one name and one help text."""

from __future__ import annotations

from pathlib import Path

import click

from searcher.cli.environment import DEFAULT_INDEX
from searcher.search.paths import PATH_STYLES

index_option = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_INDEX, envvar="SEARCHER_INDEX", show_default=True,
    help="Index folder (env SEARCHER_INDEX).")
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Machine-readable output (JSON Lines for search).")
color_option = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Colour: auto = on a terminal unless NO_COLOR is set.")
path_style_option = click.option(
    "--path-style", type=click.Choice(PATH_STYLES), default="auto",
    show_default=True,
    help="Paths printed: auto = relative under the working directory, else absolute.")


class MinimumMatchType(click.ParamType):
    """``--min-match``: a number of words, a percentage of them, or all but so many."""

    name = "N|P%"

    def convert(self, value, param, ctx):
        from searcher.errors import QuerySyntaxError
        from searcher.search.query_syntax import MinimumMatch, parse_minimum_match

        if isinstance(value, MinimumMatch):
            return value
        try:
            return parse_minimum_match(value)
        except QuerySyntaxError as error:
            self.fail(str(error), param, ctx)
