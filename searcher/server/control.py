"""``searcher server start|stop|status``: this user's search server for this installation.

``status`` says what it holds (pid, version, since when, requests, the indexes it holds
open, its memory, and its spare worker's requests and memory) and exits 0, or 1 when none
runs; ``stop`` stops it and waits until it has exited; ``start`` starts one (the first
search does that anyway) and waits until it answers. A server of another version is told
to exit by any of them.
"""

from __future__ import annotations

import json
import sys

import click

from searcher.server import wire
from searcher.server.client import CONNECT_TIMEOUT

STOP_TIMEOUT = 10.0  # seconds: the server's worker waits up to 5 for it to exit
START_WAIT = 60.0  # seconds for a new server to load and answer


def main(args: list[str]) -> None:
    """Run ``searcher server ARGS``; an error is one line and exit 2, as in the CLI."""
    try:
        server_command.main(args, prog_name="searcher server", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        hint = " (see --help)" if isinstance(error, click.UsageError) else ""
        click.echo(f"searcher: error: {error.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        sys.exit(130)


def ask(kind: bytes, timeout: float = CONNECT_TIMEOUT) -> dict | None:
    """The server's answer to ``STATUS`` or ``STOP``; None when no server (of this version)
    answers. OSError when the runtime folder cannot be used."""
    path = wire.socket_path(wire.runtime_dir())
    try:
        sock = wire.connect(path, CONNECT_TIMEOUT)
    except (FileNotFoundError, ConnectionRefusedError):
        return None
    try:
        sock.settimeout(timeout)
        wire.send_frame(sock, wire.Request(kind, wire.identity()).fields())
        tag, payload = wire.Replies(sock).next()
    finally:
        sock.close()
    return json.loads(payload) if tag == wire.TEXT else None


@click.group("server", invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def server_command(ctx: click.Context) -> None:
    """The resident search server that answers searches in milliseconds (docs/server.md).

    The first search starts it; it exits after server_idle_minutes (10) without a command.
    SEARCHER_NO_SERVER=1, or server = false in config.toml, keeps every command in its own
    process.
    """
    if ctx.invoked_subcommand is None:  # bare `searcher server`: the help, as `searcher`
        click.echo(ctx.get_help())


@server_command.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_command(as_json: bool) -> None:
    """What the server holds, since when, and its memory; exit 1 when none runs."""
    status = _checked(ask, wire.STATUS)
    if status is None:
        click.echo("no search server running", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False))
        return
    click.echo(f"search server {status['pid']}: {status['identity']}\n"
               f"since {status['since']} ({status['seconds']} s), "
               f"{_counted(status['requests'], 'request')}, exits after "
               f"{status['idle_minutes']:g} min idle\n"
               f"memory: {_megabytes(status['rss_bytes'])} resident")
    if status.get("spare"):
        spare = status["spare"]
        click.echo(f"spare worker {spare['pid']}: {_counted(spare['served'], 'request')} answered, "
                   f"{_megabytes(spare['private_bytes'])} of its own "
                   f"({_megabytes(spare['rss_bytes'])} resident)")
    for index in status["indexes"]:
        click.echo(f"holds {index['path']} ({index['generation']})")


def _counted(number: int, noun: str) -> str:
    """
    >>> _counted(1, "request"), _counted(2, "request")
    ('1 request', '2 requests')
    """
    return f"{number} {noun}{'s' * (number != 1)}"


def _megabytes(size: int | None) -> str:
    return f"{size / 1e6:.1f} MB" if size else "unknown"


@server_command.command("stop")
def stop_command() -> None:
    """Stop the server (and wait until it has exited)."""
    stopped = _checked(ask, wire.STOP, STOP_TIMEOUT)
    click.echo(f"stopped search server {stopped['stopped']}" if stopped
               else "no search server running", err=True)


@server_command.command("start")
def start_command() -> None:
    """Start the server in the background unless one runs, and wait until it answers."""
    from searcher.server.spawn import start

    status = _checked(ask, wire.STATUS)
    if status is None:
        pid = start([], wait=START_WAIT)
        status = _checked(ask, wire.STATUS) if pid else None
        if status is None:
            raise click.ClickException("the search server did not start (server = false in "
                                       "config.toml? its log is in the runtime folder)")
    click.echo(f"search server {status['pid']} running", err=True)


def _checked(call, *args):
    try:
        return call(*args)
    except OSError as error:
        raise click.ClickException(f"cannot reach the search server: {error}") from None
