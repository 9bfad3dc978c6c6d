"""The server: a zygote that imports everything once, holds the indexes it is told about and
forks a worker (``worker``) for each connection, as Android's zygote forks apps.

Start-up: take the installation's lock in the runtime folder (``TAG.lock``: one server per
user and installation; a server of another version that holds it was told to exit, so it is
waited for a little), read the configuration (``server = false`` or
``server_idle_minutes = 0``: exit), import the CLI and what a command loads on the way, hold
the indexes named by ``--hold``, rehearse a search on each (so the first real one finds the
lazy parts loaded), freeze what was loaded out of the garbage collector's way (so forked
workers do not copy it by touching it), and only then put the socket in place: a socket
that exists is a server ready to answer. A socket left by a dead server is replaced.

The loop accepts, checks the peer is this user (``SO_PEERCRED``), counts and forks; it never
reads a request itself, so a slow client holds up nobody. Workers name the indexes they had
to open (not held, or changed since) on a pipe, and the loop holds them for the next
command. Children are reaped as they exit (SIGCHLD). It exits after ``server_idle_minutes``
(10) without a connection, on SIGTERM (``searcher server stop``, a worker of another
version), removing its socket if it is still its own.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import gc
import io
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path

from searcher.server import wire
from searcher.server.worker import ServerState, serve

IDLE_MINUTES = 10
LOCK_WAIT = 5.0  # seconds for a server of another version to let go of the lock
REHEARSALS = (["-c"], [], ["--json"], ["--color", "always"])
REHEARSAL_QUERY = "的"  # in nearly every Chinese article


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m searcher.server",
                                     description="The resident search server (docs/server.md).")
    parser.add_argument("--hold", action="append", default=[], metavar="INDEX",
                        help="An index folder to hold open from the start; repeatable.")
    parser.add_argument("--idle-minutes", type=float, default=None,
                        help="Exit after this long without a command [default: the "
                             "configuration's server_idle_minutes, else 10].")
    args = parser.parse_args(argv)
    sys.exit(serve_forever([Path(folder) for folder in args.hold], args.idle_minutes))


def serve_forever(indexes: list[Path], idle_minutes: float | None = None) -> int:
    directory = wire.runtime_dir()
    tag = wire.tag()
    identity = wire.identity()
    lock = _take_lock(os.path.join(directory, f"{tag}.lock"), identity)
    if lock is None:
        return 0
    idle_minutes = _idle_minutes() if idle_minutes is None else idle_minutes
    if not idle_minutes:
        return 0
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGCHLD, _reap)
    pid = os.getpid()
    listening = None
    try:
        _load(indexes)
        notes_read, notes = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        listening = _listen(directory, tag)
        state = ServerState(pid, identity, wire.compatibility(), time.time(), idle_minutes,
                            listening[0], notes, notes_read)
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} server {pid} ready: {identity}",
              flush=True)
        _loop(state)
    except SystemExit:
        pass
    finally:
        if os.getpid() == pid:  # not in a worker (which never returns here anyway)
            if listening:
                _remove_own_socket(*listening)
            os.close(lock)
    return 0


def _take_lock(path: str, identity: str) -> int | None:
    """The installation's lock, with this server's pid and identity written in it; None
    when a server of this identity holds it (or another will not let go)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        holder = os.pread(fd, 4096, 0).decode("utf-8", "surrogateescape").split("\n")
        if holder[1:2] == [identity] or time.monotonic() > deadline:
            os.close(fd)
            return None
        time.sleep(0.05)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n{identity}\n".encode("utf-8", "surrogateescape"), 0)
    return fd


def _idle_minutes() -> float:
    from searcher.config import load_config
    from searcher.errors import SearcherError

    try:
        config = load_config()
    except SearcherError:
        return IDLE_MINUTES
    if config.server is False:
        return 0
    return IDLE_MINUTES if config.server_idle_minutes is None else config.server_idle_minutes


def _load(indexes: list[Path]) -> None:
    """Import what commands use, hold ``indexes``, rehearse a search on each."""
    import searcher.cli.main  # noqa: F401  (the command, and through it the library)
    import searcher.cli.pager  # noqa: F401
    import searcher.cli.printers  # noqa: F401
    import searcher.indexing.first_use  # noqa: F401
    import searcher.search.documents  # noqa: F401
    import searcher.search.paths  # noqa: F401
    import searcher.search.ranked  # noqa: F401
    import searcher.search.similar  # noqa: F401
    import searcher.search.stats  # noqa: F401
    import searcher.search.timeline  # noqa: F401
    from searcher.engine import held

    for index_dir in indexes:
        if held.hold(index_dir) is not None:
            _rehearse(index_dir)
    gc.collect()
    gc.freeze()


def _rehearse(index_dir: Path) -> None:
    """Search the held index as commands will, output thrown away, so whatever loads on
    first use (modules, the query dictionary's pages, rich's styles) is loaded here once
    rather than in every worker. The reader each search opens is dropped with it: the
    server keeps no index file open that a worker could share."""
    from searcher.cli.main import cli

    for options in REHEARSALS:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit):
            cli.main(["search", REHEARSAL_QUERY, "--index", str(index_dir), *options],
                     prog_name="searcher")


def _listen(directory: str, tag: str) -> tuple[socket.socket, str, int]:
    """The listening socket, its name and the name's inode: bound beside the name and then
    moved onto it (replacing a stale one), so the name appears only once it accepts."""
    path = wire.socket_path(directory)
    temporary = os.path.join(directory, f"{tag}.{os.getpid()}.sock")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(temporary)
    os.chmod(temporary, 0o600)
    listener.listen(128)
    listener.setblocking(False)
    inode = os.stat(temporary).st_ino
    os.replace(temporary, path)
    return listener, path, inode


def _loop(state: ServerState) -> None:
    from searcher.engine import held

    last = time.monotonic()
    while True:
        wait = state.idle_minutes * 60 - (time.monotonic() - last)
        if wait <= 0:
            print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} idle: exiting", flush=True)
            return
        ready, _, _ = select.select([state.listener, state.notes_read], [], [], wait)
        if state.notes_read in ready:
            for folder in dict.fromkeys(_read_notes(state.notes_read)):
                held.hold(Path(folder))
            gc.freeze()
        if state.listener not in ready:
            continue
        try:
            conn, _ = state.listener.accept()
        except (BlockingIOError, ConnectionAbortedError):
            continue
        last = time.monotonic()
        with conn:
            if wire.peer_uid(conn) != os.getuid():
                print(f"refused a connection from uid {wire.peer_uid(conn)}", flush=True)
                continue
            state.requests += 1
            sys.stdout.flush()
            sys.stderr.flush()
            if os.fork() == 0:
                serve(conn, state)


def _read_notes(fd: int) -> list[str]:
    data = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 1 << 16):
            data += chunk
    return [os.fsdecode(folder) for folder in data.split(b"\0") if folder]


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(0)


def _reap(signum, frame) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _remove_own_socket(listener: socket.socket, path: str, inode: int) -> None:
    """Remove the socket at ``path`` if it is still this server's (a new server may have
    replaced it already)."""
    with contextlib.suppress(OSError):
        if os.stat(path).st_ino == inode:
            os.unlink(path)
    listener.close()
