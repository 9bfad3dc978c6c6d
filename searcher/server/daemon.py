"""The server: a zygote that imports everything once, holds the indexes it is told about
and forks a process per request, as Android's zygote forks apps.

Start-up: take the installation's lock in the runtime folder (``TAG.lock``: one server per
user and installation; a server of another version that holds it was told to exit, so it is
waited for a little), read the configuration (``server = false`` or
``server_idle_minutes = 0``: exit), import the CLI and what a command loads on the way, hold
the indexes named by ``--hold``, rehearse searches on each (so whatever loads on first use is
loaded once, here), freeze what was loaded out of the garbage collector's way (so forked
processes do not copy it by touching it), and only then put the socket in place: a socket
that exists is a server ready to answer. A socket left by a dead server is replaced.

The loop keeps one spare worker (``spare``) forked and warming ahead of the next
connection; the spare takes it, answers it and waits for the next, and the loop forks a new
spare only once it has exited. While no spare is ready (a burst of commands, the spare busy
or still warming) the loop accepts itself, checks the peer is this user (``SO_PEERCRED``)
and forks a plain ``worker``, which answers one request and exits; the loop never reads a
request, so a slow client holds up nobody. Workers name the indexes they had to open (not
held, or changed since) on a pipe, and the loop holds them for the next spare. Children are
reaped as they exit. It exits after ``server_idle_minutes`` (10) without a connection, and
on SIGTERM (``searcher server stop``, a worker of another version), removing its socket if
it is still its own; its spare sees it go and exits too.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import gc
import os
import select
import signal
import socket
import sys
import time
from datetime import datetime
from pathlib import Path

from searcher.server import wire
from searcher.server.spare import rehearse, wait_for_connection
from searcher.server.state import (
    HOLD, READY, TAKEN, ServerState, StatusPage, accept, read_notes)
from searcher.server.worker import serve, start_child

IDLE_MINUTES = 10
# Requests a spare worker answers before it exits: a new one's warming (15-30 ms of CPU)
# spread over a thousand searches is nothing, and a thousand bound what its bounded caches
# do not (the allocator's fragmentation, descriptors a broken pipe leaves).
SPARE_REQUESTS = 1000
LOCK_WAIT = 5.0  # seconds for a server of another version to let go of the lock
REHEARSALS = (["-c"], [], ["--json"], ["--color", "always"])
MOST_SPARE_FAILURES = 3  # spares that die warming up, in a row: then plain forks only


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m searcher.server",
                                     description="The resident search server (docs/server.md).")
    parser.add_argument("--hold", action="append", default=[], metavar="INDEX",
                        help="An index folder to hold open from the start; repeatable.")
    parser.add_argument("--idle-minutes", type=float, default=None,
                        help="Exit after this long without a command [default: the "
                             "configuration's server_idle_minutes, else 10].")
    parser.add_argument("--spare-requests", type=int, default=SPARE_REQUESTS, metavar="N",
                        help="Requests the spare worker answers before it exits, and the "
                             f"next is forked; 1: one each [default: {SPARE_REQUESTS}].")
    args = parser.parse_args(argv)
    if args.spare_requests < 1:
        parser.error("--spare-requests must be at least 1")
    sys.exit(serve_forever([Path(folder) for folder in args.hold], args.idle_minutes,
                           args.spare_requests))


def serve_forever(indexes: list[Path], idle_minutes: float | None = None,
                  spare_requests: int = SPARE_REQUESTS) -> int:
    directory = wire.runtime_dir()
    tag = wire.tag()
    identity = wire.identity()
    lock = _take_lock(os.path.join(directory, f"{tag}.lock"), identity)
    if lock is None:
        return 0
    idle_minutes = _idle_minutes() if idle_minutes is None else idle_minutes
    if not idle_minutes:
        return 0
    # Signals only set a flag and wake the loop (raising from a handler could land anywhere,
    # even in fork's own handlers, where it is swallowed).
    signals, signalled = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(signalled)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGCHLD, _reap)
    pid = os.getpid()
    listening = None
    try:
        _load(indexes)
        notes_read, notes = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        alive, alive_write = os.pipe2(os.O_CLOEXEC)
        listening = _listen(directory, tag)
        state = ServerState(pid, identity, wire.compatibility(), idle_minutes, spare_requests,
                            listening[0], notes, alive, StatusPage(),
                            (notes_read, alive_write, signals, signalled))
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} server {pid} ready: {identity}",
              flush=True)
        _loop(state, notes_read, signals)
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
    while not _locked_now(fd):
        holder = os.pread(fd, 4096, 0).decode("utf-8", "surrogateescape").split("\n")
        if holder[1:2] == [identity] or time.monotonic() > deadline:
            os.close(fd)
            return None
        time.sleep(0.05)  # a server of another version, told to exit, lets go
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n{identity}\n".encode("utf-8", "surrogateescape"), 0)
    return fd


def _locked_now(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


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
    """Import what commands use, and hold ``indexes``."""
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
    for index_dir in indexes:
        _hold(index_dir)
    gc.collect()
    gc.freeze()


def _hold(index_dir: Path) -> None:
    """Hold the index and, if it was not held yet, rehearse searches on it (each reader they
    open is dropped with them), then freeze what was loaded out of the garbage collector's
    way: whatever a search loads on first use, every process forked after this has loaded
    already."""
    from searcher.engine import held

    if held.hold(index_dir) is not None:
        rehearse(index_dir, REHEARSALS)
    gc.collect()
    gc.freeze()


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


def _loop(state: ServerState, notes_read: int, signals: int) -> None:
    from searcher.engine import held

    started, last = time.time(), time.monotonic()
    spare = _Spare(state)
    changed = True
    while True:
        if changed:
            state.status.write({
                "pid": state.pid, "identity": state.identity, "started": started,
                "since": datetime.fromtimestamp(started).isoformat(timespec="seconds"),
                "idle_minutes": state.idle_minutes,
                "indexes": [{"path": str(index.index_dir), "generation": index.generation.name}
                            for index in held.held()],
                "spare": spare.described()})
            changed = False
        spare.fork_if_none()
        wait = state.idle_minutes * 60 - (time.monotonic() - last)
        if wait <= 0 or _stopping:
            print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} exiting: "
                  f"{'told to' if _stopping else 'idle'}", flush=True)
            return
        ready, _, _ = select.select([notes_read, signals, *spare.watched()]
                                    + [state.listener] * (not spare.ready), [], [], wait)
        if signals in ready:  # drain it: what it says is in _stopping, or reaped already
            with contextlib.suppress(BlockingIOError):
                while os.read(signals, 1 << 12):
                    pass
        exited = spare.exited_in(ready)
        for kind, value in read_notes(notes_read) if notes_read in ready or exited else ():
            if kind == HOLD:
                _hold(Path(value))
                changed = True
            elif spare.noted(kind, value):
                changed = True
                last = time.monotonic() if kind == TAKEN else last
        if exited:
            spare.forget_if_exited()
            changed = True
        # Not when the spare turned out ready meanwhile: the connection is its to take.
        if state.listener in ready and not spare.ready \
                and (conn := accept(state.listener, state.status)):
            last = time.monotonic()
            with conn:
                _fork(state, lambda state: serve(conn, state))


class _Spare:
    """The spare worker kept forked ahead of the next connection (``spare``): its pid, a
    descriptor readable once it has exited, whether it is warm and waiting, whether it took a
    connection, how many it answered. The next is forked once it has exited, not as soon as
    it took one: warming up would compete for the processor with the search it is
    answering, and it answers the next itself. One that exits without taking a connection
    failed to warm up: after ``MOST_SPARE_FAILURES`` in a row (or where the system cannot
    watch a process) there are none."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.pid: int | None = None
        self.exit: int | None = None
        self.ready = self.taken = False
        self.served = 0
        self.failures = 0 if hasattr(os, "pidfd_open") else MOST_SPARE_FAILURES

    def fork_if_none(self) -> None:
        if self.pid is None and self.failures < MOST_SPARE_FAILURES:
            self.pid = _fork(self.state, wait_for_connection)
            try:
                self.exit = os.pidfd_open(self.pid)
            except OSError:  # a kernel without: no spares
                os.kill(self.pid, signal.SIGTERM)
                self.pid, self.failures = None, MOST_SPARE_FAILURES

    def watched(self) -> list[int]:
        return [self.exit] if self.pid is not None else []

    def exited_in(self, ready: list[int]) -> bool:
        return self.pid is not None and self.exit in ready

    def noted(self, kind: bytes, value: str) -> bool:
        """Take a worker's note in; whether it was the spare's (ready, or taking a
        connection)."""
        pid, _, served = value.partition(" ")
        if self.pid is None or pid != str(self.pid) or kind not in (READY, TAKEN):
            return False
        if kind == READY:
            self.ready, self.served = True, int(served or 0)
        else:
            self.ready, self.taken, self.failures = False, True, 0
        return True

    def described(self) -> dict | None:
        """For the status page: its pid and the requests it answered."""
        return {"pid": self.pid, "served": self.served} if self.pid is not None else None

    def forget_if_exited(self) -> None:
        """After ``exited_in``, and its notes read."""
        if not self.taken:
            self.failures += 1
            print("a spare worker exited without taking a connection", flush=True)
        os.close(self.exit)
        self.pid, self.exit, self.ready, self.taken, self.served = None, None, False, False, 0


def _fork(state: ServerState, child) -> int:
    """Fork a process that runs ``child(state)`` and never returns; its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            start_child(state)
            child(state)
        finally:
            os._exit(1)  # never back into the server's loop
    return pid


_stopping = False  # SIGTERM came


def _stop(signum, frame) -> None:
    global _stopping
    _stopping = True


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
