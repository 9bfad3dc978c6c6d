"""The ``searcher`` command: the command group, and the one funnel that turns every error into
an exit status and one line on stderr.

Exit status: 0 found / done, 1 nothing found, 2 any error (one line on stderr), 130 Ctrl-C.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import NoReturn

import click

from searcher.cli.commands import COMMANDS
from searcher.cli.exit_status import ExitStatus
from searcher.cli.messages import error_message, one_line
from searcher.errors import SearcherError


# Commands loaded only when run or listed: ``browse`` and its interface code (and ``watch``'s
# module) would cost every other command's cold start otherwise.
LAZY_COMMANDS = {"browse": ("searcher.cli.browse", "browse_command"),
                 "watch": ("searcher.cli.watching", "watch_command")}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            import importlib

            module, attribute = LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module), attribute))
        return super().get_command(ctx, name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """``searcher 停火`` is not a search (a query word could be a command's name, and a
        typo of one would search): an unknown command names the command that searches."""
        import difflib

        names = self.list_commands(ctx)
        if args and args[0] not in names and not args[0].startswith("-") \
                and not difflib.get_close_matches(args[0], names):  # else: a typo
            raise click.UsageError(f"no command {args[0]!r}; to search: searcher search "
                                   f"{' '.join(args)}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, as grep and ripgrep do, and keep
            # Python from complaining when it flushes stdout on exit. (click would exit 1.)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, sys.stdout.fileno())
            os.close(null)  # the spare worker serves on: no descriptor left per request
            sys.exit(ExitStatus.FOUND)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        """Run the command and funnel every error into an exit status and one line on stderr.

        Living here rather than in a wrapper lets click's test runner exercise the funnel too.
        Exit 1 means only "nothing found": anything unexpected is exit 2 as well, with its
        traceback only when asked for (``--debug`` or ``SEARCHER_DEBUG=1``).
        """
        global _debug
        _debug = os.environ.get("SEARCHER_DEBUG", "") not in ("", "0")
        _write_names_as_bytes()
        try:
            super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.ClickException as error:  # one line, like every other error
            hint = " (see --help)" if isinstance(error, click.UsageError) else ""
            _fail(f"{error.format_message()}{hint}")
        except (click.exceptions.Abort, KeyboardInterrupt):
            sys.exit(ExitStatus.INTERRUPTED)
        except (SearcherError, OSError) as error:  # OSError: a full disk, a read-only folder
            _fail(error_message(error))
        except Exception as error:  # a bug of ours: still one line and exit 2, never exit 1
            if _debug:
                traceback.print_exc()
            _fail(error_message(error))
        sys.exit(ExitStatus.FOUND)


def _write_names_as_bytes() -> None:
    """A file name that is not UTF-8 (GBK, Big5) is held as surrogate escapes: write it out
    as the bytes it was, as ripgrep and ls do, so that ``-l``/``-0`` hand ``xargs`` a name
    that opens. Under a UTF-8 locale other than C, Python's streams would refuse it."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")


_debug = False  # tracebacks wanted: ``--debug``, or SEARCHER_DEBUG set to anything but 0


def _fail(message: str) -> NoReturn:
    click.echo(f"searcher: error: {one_line(message)}", err=True)
    sys.exit(ExitStatus.ERROR)


def _debug_option(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    global _debug
    _debug = _debug or value


@click.group(cls=_Group, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="searcher", prog_name="searcher")
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
              callback=_debug_option, help="Print the traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Full-text search for Chinese commentary, in any script, region or spelling.

    \b
    Examples:
      searcher search 停火                  # builds ./index from ./corpus on first use
      searcher search 俄罗斯 停火 --since 2025-10
      searcher search '"俄烏停火"' --json   # exact phrase, JSON Lines
      searcher index corpus/ --rebuild
      searcher variants 川普
      searcher server status               # the search server (docs/server.md)
    """
    if ctx.invoked_subcommand is None:  # bare `searcher`: the help, as git does; not an error
        click.echo(ctx.get_help())
        return
    from searcher.cli.environment import option_defaults
    from searcher.config import load_config

    ctx.obj = load_config()
    ctx.default_map = option_defaults(ctx.obj, [cli.get_command(ctx, ctx.invoked_subcommand)])


for _command in COMMANDS:
    cli.add_command(_command)
