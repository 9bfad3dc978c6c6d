"""One request, in a process the server forked: it inherits the server's imports and held
indexes, takes the client's process state over (``process_state``) and runs the very same
CLI entry. A plain worker (``serve``) answers one request and exits; the spare worker
(``serve_again``, ``spare``) gives its own state back after each and answers the next,
keeping what its readers read.

Before the command's first byte reaches the client's stdout or stderr the client is told
(``OUTPUT``), so it knows whether running again could print twice. The exit status is the
last reply, sent once the worker has let go of the client's descriptors and folder. Ctrl-C
in the client (``CANCEL``), or the client going away, interrupts the command as Ctrl-C
interrupts it in-process (exit 130). ``SEARCHER_SERVER_TEST_GATE`` stops the worker at a
point a test names (``stop_for_tests``).

A command that the client's configuration sends to a Dask cluster (its ``cluster`` key) is
declined, once the worker has taken the client's environment and folder over to read that
configuration: the client runs it, as it runs one given ``--cluster``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, NamedTuple, NoReturn

from searcher.server import wire
from searcher.server.process_state import ProcessState
from searcher.server.state import HOLD, ServerState, note

if TYPE_CHECKING:
    from searcher.config import Config

REQUEST_TIMEOUT = 10.0  # seconds for a client to send its request, and its GO
STOP_WAIT = 5.0  # seconds `searcher server stop` waits for the server to exit
INTERRUPTED = 130


class Answered(NamedTuple):
    """How a request ended, for the worker that answered it."""

    code: int  # the worker's exit status, should it exit now
    unfit: str | None = None  # why it must not answer another request; None: it may
    opened: tuple[str, ...] = ()  # index folders the command opened that were not held


def start_child(server: ServerState) -> None:
    """The first thing a process the server forks does: the default signal handlers
    back, the server's own descriptors closed."""
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for fd in server.server_only:
        os.close(fd)


def serve(conn, server: ServerState) -> NoReturn:
    """Answer the request on ``conn``, then exit (never return into the server's loop)."""
    code = 1
    try:
        server.listener.close()
        code = _serve(conn, server, ProcessState()).code
    except BaseException:  # a bug of ours: the client answers in-process if nothing ran
        _print_bug()
    finally:
        os._exit(code)


def serve_again(conn, server: ServerState, state: ProcessState) -> Answered:
    """Answer the request on ``conn`` as ``serve`` does, then give this process's own
    ``state`` back, to answer another (the spare worker); ``unfit`` says what keeps it from
    answering another (it exits then). A bug of ours exits at once."""
    try:
        with conn:
            answered = _serve(conn, server, state)
        state.give_back()
        return answered._replace(unfit=answered.unfit or state.leftover())
    except BaseException:
        _print_bug()
        os._exit(1)


def _print_bug() -> None:
    try:
        traceback.print_exc(file=sys.__stderr__)
    except BaseException:
        pass


def _serve(conn, server: ServerState, state: ProcessState) -> Answered:
    conn.settimeout(REQUEST_TIMEOUT)
    try:
        fields, fds = wire.recv_frame(conn, most_fds=4)
    except OSError:  # a client that went away (or only looked whether a server answers)
        return Answered(0)
    try:
        request = wire.Request.parse(fields)
        if request.identity != server.identity:
            conn.sendall(wire.OTHER_VERSION)
            _stop_server(server)
            return Answered(0, "a client of another version stopped the server")
        if request.kind == wire.STATUS:
            conn.sendall(wire.text_reply(wire.TEXT, json.dumps(_status(server))))
            return Answered(0)
        if request.kind == wire.STOP:
            _stop_server(server, wait=STOP_WAIT)
            conn.sendall(wire.text_reply(wire.TEXT, json.dumps({"stopped": server.pid})))
            return Answered(0, "the server was stopped")
        if request.kind != wire.RUN or len(fds) != 4 \
                or len(request.streams) != wire.Request.STREAM_FIELDS:
            conn.sendall(wire.text_reply(wire.DECLINED, "not a request to run a command"))
            return Answered(0)
        if request.compatibility != server.compatibility:
            conn.sendall(wire.text_reply(
                wire.DECLINED, f"file names and the locale are decoded differently here "
                               f"({server.compatibility.decode()})"))
            return Answered(0)
        state.take_over(request, fds, lambda: _announce_output(conn))
        fds = []
        config = _client_config()
        if _on_a_configured_cluster(config):
            conn.sendall(wire.text_reply(wire.DECLINED, "the configuration names a cluster"))
            return Answered(0)
        stop_for_tests("accept")
        try:
            conn.sendall(wire.ACCEPTED)
            go = conn.recv(1)
        except OSError:  # the client stopped waiting for us (a swamped machine) and left
            go = b""
        if go != wire.GO:
            return Answered(0)  # the client gave up: it answers in-process
        conn.settimeout(None)
    finally:
        for fd in fds:
            os.close(fd)
    return _run(conn, server, state, turned_off=config is not None and config.server is False)


def _client_config() -> Config | None:
    """The client's configuration (read in its environment and folder); None when it cannot
    be read (the command says why, served or not)."""
    from searcher.config import load_config
    from searcher.errors import SearcherError

    try:
        return load_config()
    except SearcherError:
        return None


def _on_a_configured_cluster(config: Config | None) -> bool:
    """Whether the command (``sys.argv``, the client's own) would run on the cluster that
    the client's configuration names (its ``cluster`` key, no ``--no-cluster``): the client
    runs it, as it runs one given ``--cluster``. A sharded index is searched on its cluster,
    never by the server."""
    from searcher.cli.main import cli

    if config is None or config.cluster is None:
        return False
    args = sys.argv[1:]
    while args[:1] == ["--debug"]:
        args = args[1:]
    command = cli.commands.get(args[0]) if args else None
    options = args[1:args.index("--")] if "--" in args else args[1:]
    return (command is not None and any(param.name == "cluster" for param in command.params)
            and "--no-cluster" not in options)


def _announce_output(conn) -> None:
    try:
        conn.sendall(wire.OUTPUT)
    except OSError:
        pass
    stop_for_tests("output")


def _run(conn, server: ServerState, state: ProcessState, turned_off: bool) -> Answered:
    from searcher.engine import held

    held.record_misses()
    main_thread = threading.get_ident()
    interrupted = threading.Event()

    def watch() -> None:  # Ctrl-C in the client, or the client gone: interrupt
        while True:
            try:
                data = conn.recv(1)
            except OSError:
                data = b""
            if data in (wire.CANCEL, b""):
                interrupted.set()
                signal.pthread_kill(main_thread, signal.SIGINT)
            if data != wire.CANCEL:
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        stop_for_tests("start")
        code, unfit = _run_command()
    except KeyboardInterrupt:
        code, unfit = INTERRUPTED, "interrupted"
    code = _flush_as_python_exits(code)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: a late Ctrl-C changes nothing
    if interrupted.is_set():
        unfit = "interrupted"
    state.let_go()
    try:
        conn.sendall(wire.exit_reply(code))
    except OSError:
        pass
    stop_for_tests("replied")
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    watcher.join()  # before SIGINT is armed again: it sends one as the connection closes
    opened = tuple(dict.fromkeys(held.take_misses()))
    for folder in opened:
        note(server.notes, HOLD, folder)
    if turned_off:  # ``server = false`` in the client's configuration: it stops now
        _stop_server(server)
        unfit = "the configuration turned the server off"
    return Answered(code, unfit, opened)


def _run_command() -> tuple[int, str | None]:
    """The ``searcher`` command as it runs in-process, with the exit status Python would give
    its exception (as ``searcher.cli.main`` runs it, the arguments and program name from
    ``sys.argv`` and ``__main__``), and what makes this process unfit to answer another
    after it (None: nothing)."""
    from searcher.cli.main import cli

    try:
        cli.main()
    except SystemExit as done:
        unfit = _unfit_after(done.__context__)
        if done.code is None or isinstance(done.code, int):
            return done.code or 0, unfit
        print(done.code, file=sys.stderr)
        return 1, unfit
    except KeyboardInterrupt:
        raise
    except BaseException:
        traceback.print_exc()
        return 1, "an internal error"
    return 0, None


def _unfit_after(error: BaseException | None) -> str | None:
    """What an exit while handling ``error`` says of the process: the CLI's funnel turns an
    interruption and a bug of ours into an exit status too (130, 2), and either may have
    left it half-way through something; a user's mistake or the system's refusal (a missing
    file, a damaged index) leaves nothing behind. None: fit to answer another."""
    import click

    from searcher.errors import SearcherError

    if error is None or isinstance(error, (SearcherError, OSError, click.ClickException,
                                           click.exceptions.Exit)):
        return None
    if isinstance(error, (KeyboardInterrupt, click.exceptions.Abort)):
        return "interrupted"
    return "an internal error"


def _flush_as_python_exits(code: int) -> int:
    """Flush stdout and stderr as the interpreter does at exit: a failure is reported as it
    reports it, and the exit status becomes 120."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception as error:
            try:
                sys.stderr.write(f"Exception ignored in: {stream!r}\n"
                                 f"{type(error).__name__}: {error}\n")
                sys.stderr.flush()
            except Exception:
                pass
            code = 120
    return code


def stop_for_tests(point: str, wait: bool = True) -> None:
    """Tests only: with SEARCHER_SERVER_TEST_GATE=PATH[:POINT] in the environment, write this
    pid into the FIFO at PATH at ``point``, then wait until the FIFO PATH.go has been opened
    for writing and closed. The points, in the client's environment: ``accept``, before
    the worker tells the client it takes the command on (its descriptors taken over);
    ``start`` (the default), before the command runs; ``output``, before its first byte;
    ``replied``, once the exit status is sent. In the server's environment: ``ready``, each
    time the spare worker is ready for a connection (and has told the server so), written
    only if a reader has the FIFO open, and without waiting (``wait`` false)."""
    gate = os.environ.get("SEARCHER_SERVER_TEST_GATE")
    if not gate:
        return
    path, _, where = gate.partition(":")
    if (where or "start") != point:
        return
    pid = f"{os.getpid()}\n".encode()
    if not wait:
        with contextlib.suppress(OSError):  # no reader: nobody to tell
            fifo = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            try:
                os.write(fifo, pid)
            finally:
                os.close(fifo)
        return
    import select

    go = os.open(f"{path}.go", os.O_RDONLY | os.O_NONBLOCK)  # a reader before the pid is out
    try:
        with open(path, "wb") as fifo:
            fifo.write(pid)
        select.select([go], [], [])  # readable once a writer has come and gone
    finally:
        os.close(go)


def _stop_server(server: ServerState, wait: float = 0.0) -> None:
    """Tell the server to exit (SIGTERM), and wait up to ``wait`` seconds until it has."""
    if os.getppid() != server.pid:
        return  # it is gone already (and the pid may be someone else's by now)
    try:
        handle = os.pidfd_open(server.pid) if wait else None
    except OSError:
        handle = None
    os.kill(server.pid, signal.SIGTERM)
    if handle is not None:
        import select

        select.select([handle], [], [], wait)
        os.close(handle)


def _status(server: ServerState) -> dict:
    """What ``searcher server status`` prints: the server's status page, its uptime and
    memory, and the spare worker's memory (resident, and its own: what it does not share
    with the server)."""
    status = server.status.read()
    status["seconds"] = round(time.time() - status["started"])
    status["rss_bytes"] = _memory(server.pid, "status", ("VmRSS",))
    if status.get("spare"):
        pid = status["spare"]["pid"]
        status["spare"]["rss_bytes"] = _memory(pid, "status", ("VmRSS",))
        status["spare"]["private_bytes"] = _memory(pid, "smaps_rollup",
                                                   ("Private_Clean", "Private_Dirty"))
    return status


def _memory(pid: int, table: str, fields: tuple[str, ...]) -> int | None:
    """The sum of ``fields`` (in kB) of ``/proc/PID/TABLE``, in bytes; None when unknown."""
    try:
        with open(f"/proc/{pid}/{table}") as proc:
            sizes = [int(line.split()[1]) * 1024 for line in proc
                     if line.split(":")[0] in fields]
    except (OSError, ValueError, IndexError):
        return None
    return sum(sizes) if len(sizes) == len(fields) else None
