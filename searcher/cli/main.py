"""The ``searcher`` command: the command group, and the one funnel that turns every error into
an exit status and one line on stderr.

Exit status: 0 found / done, 1 nothing found, 2 a user error (one line on stderr), 130 Ctrl-C.
"""

from __future__ import annotations

import os
import sys

import click

from searcher.cli.commands import COMMANDS
from searcher.cli.exit_status import ExitStatus
from searcher.errors import SearcherError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, as grep and ripgrep do, and keep
            # Python from complaining when it flushes stdout on exit. (click would exit 1.)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(ExitStatus.FOUND)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        """Run the command and funnel every error into an exit status and one line on stderr.

        Living here rather than in a wrapper lets click's test runner exercise the funnel too.
        """
        try:
            super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.ClickException as error:  # one line, like every other error
            hint = " (see --help)" if isinstance(error, click.UsageError) else ""
            click.echo(f"searcher: error: {error.format_message()}{hint}", err=True)
            sys.exit(ExitStatus.ERROR)
        except click.exceptions.Abort:
            sys.exit(ExitStatus.INTERRUPTED)
        except SearcherError as error:
            click.echo(f"searcher: error: {error}", err=True)
            sys.exit(ExitStatus.ERROR)
        except OSError as error:  # the machine said no: a full disk, a read-only folder
            where = f": {error.filename}" if error.filename else ""
            click.echo(f"searcher: error: {error.strerror or error}{where}", err=True)
            sys.exit(ExitStatus.ERROR)
        except KeyboardInterrupt:
            sys.exit(ExitStatus.INTERRUPTED)
        sys.exit(ExitStatus.FOUND)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searcher", prog_name="searcher")
def cli() -> None:
    """Full-text search for Chinese commentary, in any script, region or spelling.

    \b
    Examples:
      searcher search 停火                  # builds ./index from ./corpus on first use
      searcher search 俄罗斯 停火 --since 2025-10
      searcher search '"俄烏停火"' --json   # exact phrase, JSON Lines
      searcher index corpus/ --rebuild
      searcher variants 川普
    """


for _command in COMMANDS:
    cli.add_command(_command)


def main(args: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m searcher``."""
    cli.main(args)
