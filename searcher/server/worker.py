"""One request, in a process the server forked for it: it inherits the server's imports and
held indexes, takes the client's process state over and runs the very same CLI entry.

What it takes over: the client's standard streams (their descriptors, and text layers made as
Python made the client's: encoding, errors, line buffering, names), working folder (its
descriptor), umask, environment (the time zone re-read), arguments and ``__main__``'s package
(click names the program after it). So whether output is a terminal, its width, ``NO_COLOR``,
``COLUMNS``, relative paths and every output format are the in-process ones by construction.

Before the command's first byte reaches the client's stdout or stderr the client is told
(``OUTPUT``), so it knows whether running again could print twice. The exit status is the
last reply. Ctrl-C in the client (``CANCEL``), or the client going away, interrupts the
command as Ctrl-C interrupts it in-process (exit 130). ``SEARCHER_SERVER_TEST_GATE`` (in the
client's environment) stops the worker at a point a test names.

A command that the client's configuration sends to a Dask cluster (its ``cluster`` key) is
declined, once the worker has taken the client's environment and folder over to read that
configuration: the client runs it, as it runs one given ``--cluster``.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
import traceback
import types
from typing import NoReturn

from searcher.server import wire
from searcher.server.state import HOLD, ServerState, note

REQUEST_TIMEOUT = 10.0  # seconds for a client to send its request, and its GO
STOP_WAIT = 5.0  # seconds `searcher server stop` waits for the server to exit
INTERRUPTED = 130


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
        code = _serve(conn, server)
    except BaseException:  # a bug of ours: the client answers in-process if nothing ran
        try:
            traceback.print_exc(file=sys.__stderr__)
        except BaseException:
            pass
    finally:
        os._exit(code)


def _serve(conn, server: ServerState) -> int:
    conn.settimeout(REQUEST_TIMEOUT)
    try:
        fields, fds = wire.recv_frame(conn, most_fds=4)
    except OSError:  # a client that went away (or only looked whether a server answers)
        return 0
    try:
        request = wire.Request.parse(fields)
        if request.identity != server.identity:
            conn.sendall(wire.OTHER_VERSION)
            _stop_server(server)
            return 0
        if request.kind == wire.STATUS:
            conn.sendall(wire.text_reply(wire.TEXT, json.dumps(_status(server))))
            return 0
        if request.kind == wire.STOP:
            _stop_server(server, wait=STOP_WAIT)
            conn.sendall(wire.text_reply(wire.TEXT, json.dumps({"stopped": server.pid})))
            return 0
        if request.kind != wire.RUN or len(fds) != 4 \
                or len(request.streams) != wire.Request.STREAM_FIELDS:
            conn.sendall(wire.text_reply(wire.DECLINED, "not a request to run a command"))
            return 0
        if request.compatibility != server.compatibility:
            conn.sendall(wire.text_reply(
                wire.DECLINED, f"file names and the locale are decoded differently here "
                               f"({server.compatibility.decode()})"))
            return 0
        _take_over(request, fds, lambda: _announce_output(conn))
        fds = []
        if _on_a_configured_cluster():
            conn.sendall(wire.text_reply(wire.DECLINED, "the configuration names a cluster"))
            return 0
        conn.sendall(wire.ACCEPTED)
        if conn.recv(1) != wire.GO:
            return 0  # the client gave up: it answers in-process
        conn.settimeout(None)
    finally:
        for fd in fds:
            os.close(fd)
    return _run(conn, server)


def _on_a_configured_cluster() -> bool:
    """Whether the command (``sys.argv``, the client's own) would run on the cluster that
    the client's configuration names (its ``cluster`` key, no ``--no-cluster``): the client
    runs it, as it runs one given ``--cluster``. A sharded index is searched on its cluster,
    never by the server."""
    from searcher.cli.main import cli
    from searcher.config import load_config
    from searcher.errors import SearcherError

    try:
        if load_config().cluster is None:
            return False
    except SearcherError:
        return False  # the command says what is wrong with it, served or not
    args = sys.argv[1:]
    while args[:1] == ["--debug"]:
        args = args[1:]
    command = cli.commands.get(args[0]) if args else None
    options = args[1:args.index("--")] if "--" in args else args[1:]
    return (command is not None and any(param.name == "cluster" for param in command.params)
            and "--no-cluster" not in options)


def _take_over(request: wire.Request, fds: list[int], announce) -> None:
    """Become the client's process: its streams, folder, umask, environment, arguments."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # the server's log: nothing of it may reach the client
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
    os.fchdir(fds[3])
    for fd in fds:
        os.close(fd)
    os.umask(request.umask)
    os.environ.clear()
    for variable in request.environment:
        name, _, value = variable.partition(b"=")
        os.environb[name] = value
    time.tzset()
    sys.argv = [os.fsdecode(arg) for arg in request.argv]
    main_module = types.ModuleType("__main__")
    main_module.__package__ = request.main_package or None
    sys.modules["__main__"] = main_module
    streams = _standard_streams(request.streams, announce)
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams


class _AnnouncingFile(io.FileIO):
    """A standard stream's descriptor that calls ``announce`` before its first write."""

    def __init__(self, fd: int, announce) -> None:
        super().__init__(fd, "w", closefd=False)
        self._announce = announce

    def write(self, data) -> int:
        if self._announce is not None:
            announce, self._announce = self._announce, None
            announce()
        return super().write(data)


def _standard_streams(description: list[bytes], announce) -> list[io.TextIOWrapper]:
    """sys.stdin, stdout and stderr over descriptors 0, 1 and 2, made as Python made the
    client's (``create_stdio``): the client's encoding, errors, line buffering and
    buffering, the buffer sized to the descriptor, the names ``<stdin>``…"""
    streams = []
    for fd, name in enumerate(("<stdin>", "<stdout>", "<stderr>")):
        encoding, errors, line_buffering, buffered = description[4 * fd:4 * fd + 4]
        raw = io.FileIO(fd, "r", closefd=False) if fd == 0 else _AnnouncingFile(fd, announce)
        raw.name = name
        buffer = raw
        if buffered == b"1":
            size = os.fstat(fd).st_blksize
            size = size if size > 1 else io.DEFAULT_BUFFER_SIZE
            buffer = (io.BufferedReader if fd == 0 else io.BufferedWriter)(raw, size)
        stream = io.TextIOWrapper(buffer, encoding.decode(), errors.decode(), "\n",
                                  line_buffering == b"1", write_through=buffered != b"1")
        stream.mode = "r" if fd == 0 else "w"
        streams.append(stream)
    return streams


def _announce_output(conn) -> None:
    try:
        conn.sendall(wire.OUTPUT)
    except OSError:
        pass
    _test_gate("output")


def _run(conn, server: ServerState) -> int:
    from searcher.engine import held

    held.record_misses()
    main_thread = threading.get_ident()

    def watch() -> None:  # Ctrl-C in the client, or the client gone: interrupt
        while True:
            try:
                data = conn.recv(1)
            except OSError:
                data = b""
            if data in (wire.CANCEL, b""):
                signal.pthread_kill(main_thread, signal.SIGINT)
            if data != wire.CANCEL:
                return

    threading.Thread(target=watch, daemon=True).start()
    try:
        _test_gate("start")
        code = _run_command()
    except KeyboardInterrupt:
        code = INTERRUPTED
    code = _flush_as_python_exits(code)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: a late Ctrl-C changes nothing
    try:
        conn.sendall(wire.exit_reply(code))
    except OSError:
        pass
    _note_indexes(server, held.missed or [])
    _stop_if_turned_off(server)
    return code


def _run_command() -> int:
    """The ``searcher`` command as it runs in-process, with the exit status Python would give its
    exception (as ``searcher.cli.main`` runs it, the arguments and program name from
    ``sys.argv`` and ``__main__``)."""
    from searcher.cli.main import cli

    try:
        cli.main()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        raise
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


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


def _test_gate(point: str) -> None:
    """Tests only: with SEARCHER_SERVER_TEST_GATE=PATH[:POINT] in the client's environment
    (POINT ``start``, the default: before the command runs; ``output``: before its first
    byte), write this pid into the FIFO at PATH, then wait until the FIFO PATH.go has been
    opened for writing and closed."""
    gate = os.environ.get("SEARCHER_SERVER_TEST_GATE")
    if not gate:
        return
    path, _, where = gate.partition(":")
    if (where or "start") != point:
        return
    import select

    go = os.open(f"{path}.go", os.O_RDONLY | os.O_NONBLOCK)  # a reader before the pid is out
    try:
        with open(path, "w") as fifo:
            fifo.write(f"{os.getpid()}\n")
        select.select([go], [], [])  # readable once a writer has come and gone
    finally:
        os.close(go)


def _note_indexes(server: ServerState, folders: list[str]) -> None:
    """Name to the server the indexes this command opened that it did not hold."""
    for folder in dict.fromkeys(folders):
        note(server.notes, HOLD, folder)


def _stop_if_turned_off(server: ServerState) -> None:
    """``server = false`` in the client's configuration: this server stops now."""
    from searcher.config import load_config
    from searcher.errors import SearcherError

    try:
        off = load_config().server is False
    except SearcherError:
        return
    if off:
        _stop_server(server)


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
    memory."""
    status = server.status.read()
    status["seconds"] = round(time.time() - status["started"])
    status["rss_bytes"] = None
    try:
        with open(f"/proc/{server.pid}/status") as proc:
            for line in proc:
                if line.startswith("VmRSS:"):
                    status["rss_bytes"] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return status
