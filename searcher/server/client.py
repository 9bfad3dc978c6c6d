"""The ``searcher`` command as installed (and ``python -m searcher``): it hands the command to
this user's search server when one runs, else answers in this process and starts one in the
background for the next command (``spawn``).

On the way to the server it imports the standard library and ``wire`` only (a test checks),
since the whole point is to skip the 250 ms of imports an in-process search pays. What goes
to the server: ``search``, ``show``, ``similar``, ``stats`` and ``variants`` — the commands
that only read an index. The rest runs here: ``index`` and ``check`` (they write, or hold the
writer's lock), ``variants --add``, ``browse`` and the pager on a terminal (``show`` on a
terminal unless ``--no-pager`` or ``--json``, ``search --pager``: the server's worker is not
in the terminal's foreground process group, so the pager's or the browser's keys, Ctrl-Z and
window size changes would not reach it), help, version and typos, and a sharded index's
commands (``--cluster``; the server's worker declines those that config.toml's ``cluster``
key sends to a cluster). ``SEARCHER_NO_SERVER=1`` (or ``server = false`` in config.toml)
runs everything here.

Anything amiss on the way (no runtime folder, no server, a stale socket, a server of another
version, a worker that died before writing a byte) and the command runs here instead: the
same answer, only slower. Once the worker has written output, running again would print it
twice: a worker that dies after that is one line on stderr and exit 2.
"""

from __future__ import annotations

import os
import sys

from searcher.server import wire

SERVED = frozenset({"search", "show", "similar", "stats", "variants"})
CONNECT_TIMEOUT = 1.0  # seconds: a server that does not accept by then is stuck or swamped
ACCEPT_TIMEOUT = 3.0  # seconds for its worker to fork, read and check the request
INTERRUPTED = 130
ERROR = 2
# How a request that was not answered goes on in this process.
START_SERVER = "start"  # there is no server (or it was of another version): start one
NOT_SERVED = "not served"  # run here, leave the server alone


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["server"]:
        from searcher.server.control import main as control

        control(args[1:])
        return
    try:
        outcome = _ask_server() if _servable(args) else NOT_SERVED
    except KeyboardInterrupt:  # before the server took the command on: nothing ran
        sys.exit(INTERRUPTED)
    if isinstance(outcome, int):
        _exit(outcome)
    from searcher.server.spawn import run_in_process

    run_in_process(start_server=outcome == START_SERVER)


def _exit(code: int) -> None:
    """Exit with ``code`` now (never returns): the server ran the command, and this process
    wrote at most a line of its own, so the interpreter's finalization (2-3 ms of freeing
    memory) is skipped. A flush that fails exits 120, as Python's own exit would."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120
    os._exit(code)


def _servable(args: list[str]) -> bool:
    if os.environ.get("SEARCHER_NO_SERVER", "") not in ("", "0") or not wire.SUPPORTED:
        return False
    while args[:1] == ["--debug"]:
        args = args[1:]
    if not args or args[0] not in SERVED:
        return False
    command, options = args[0], args[1:]
    if any(option.startswith("--cluster") for option in options):
        return False  # a sharded index is searched on its cluster, never by the server
    if command == "variants":
        return "--add" not in options
    if command in ("show", "search") and sys.stdout is not None and sys.stdout.isatty():
        if command == "show":
            return "--no-pager" in options or "--json" in options
        return "--pager" not in options
    return True


def _ask_server() -> int | str:
    """The command's exit status as the server ran it, or how to go on without it."""
    request = _this_process(wire.RUN)
    if request is None:
        return NOT_SERVED
    try:
        path = wire.socket_path(wire.runtime_dir())
    except OSError:  # no private folder to meet in: nobody to ask, nowhere to start one
        return NOT_SERVED
    try:
        sock = wire.connect(path, CONNECT_TIMEOUT)
    except (FileNotFoundError, ConnectionRefusedError):  # none, or a stale socket
        return START_SERVER
    except OSError:
        return NOT_SERVED
    try:
        here = os.open(".", os.O_PATH | os.O_DIRECTORY)
        try:
            sock.settimeout(ACCEPT_TIMEOUT)
            wire.send_frame(sock, request.fields(), [0, 1, 2, here])
        finally:
            os.close(here)
        replies = wire.Replies(sock)
        tag, _ = replies.next()
        if tag == wire.OTHER_VERSION:
            return START_SERVER
        if tag != wire.ACCEPTED:
            return NOT_SERVED
        sock.sendall(wire.GO)
    except OSError:  # not taken on (the worker waits for GO): nothing ran
        sock.close()
        return NOT_SERVED
    try:
        return _exit_status(sock, replies)
    finally:
        sock.close()


def _exit_status(sock, replies: wire.Replies) -> int | str:
    """Wait for the command's exit status; Ctrl-C asks the server to interrupt it (a second
    one stops waiting)."""
    import _signal  # not ``signal``: its enum conversions cost a millisecond

    interrupts = 0

    def interrupt(signum, frame) -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts > 1:
            raise KeyboardInterrupt
        try:
            sock.sendall(wire.CANCEL)
        except OSError:
            pass

    # A handler that returns (rather than raising in the middle of a read) loses no reply.
    _signal.signal(_signal.SIGINT, interrupt)
    sock.settimeout(None)
    wrote = False
    try:
        while True:
            try:
                tag, payload = replies.next()
            except OSError:
                tag = b""
            if tag == wire.OUTPUT:
                wrote = True
            elif tag == wire.EXIT:
                return int.from_bytes(payload, "big", signed=True)
            elif not tag:
                break
    except KeyboardInterrupt:
        return INTERRUPTED
    if not wrote:
        return NOT_SERVED  # it died before writing a byte: answer here
    sys.stderr.write("searcher: error: the search server stopped before the command "
                     "finished, so its output is incomplete; run it again (or with "
                     "SEARCHER_NO_SERVER=1)\n")
    return ERROR


def _this_process(kind: bytes) -> wire.Request | None:
    """This process as a request: None when a standard stream is missing."""
    streams = wire.streams_description()
    if streams is None:
        return None
    umask = os.umask(0)
    os.umask(umask)
    main_module = sys.modules.get("__main__")
    return wire.Request(
        kind, wire.identity(), wire.compatibility(),
        getattr(main_module, "__package__", None) or "", umask, streams,
        [os.fsencode(arg) for arg in sys.argv],
        [key + b"=" + value for key, value in os.environb.items()])
