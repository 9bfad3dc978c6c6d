"""What the server shares with the workers it forks: its state as of the fork
(``ServerState``), a page of memory where it keeps its current status for them to read
(``StatusPage``: a worker forked minutes ago answers ``searcher server status`` with today's
figures), and the pipe on which workers tell it things (``note``, ``read_notes``).
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
from dataclasses import dataclass

# What a worker tells the server, each note a kind byte, a value and a NUL.
HOLD = b"H"  # value: an index folder a command opened that the server did not hold
READY = b"R"  # value: a spare worker's pid and requests answered; it waits for a connection
TAKEN = b"T"  # value: a spare worker's pid; it took a connection


class StatusPage:
    """A page of memory shared with every worker forked after it was made: the server
    writes its status there, workers read it. A read that overlaps a write is retried (the
    sequence number is odd while one is under way, and changes with each). The count of
    connections taken is kept apart, counted by whoever takes one (``count_request``), so
    a status counts every one before it, and itself."""

    SIZE = 1 << 16

    def __init__(self) -> None:
        from multiprocessing import Value

        self._page = mmap.mmap(-1, self.SIZE)  # anonymous and shared: fork keeps it shared
        self._requests = Value("q", 0)

    def count_request(self) -> None:
        with self._requests.get_lock():
            self._requests.value += 1

    def write(self, status: dict) -> None:
        data = json.dumps(status, ensure_ascii=False).encode()[:self.SIZE - 12]
        sequence = int.from_bytes(self._page[:8], "big")
        self._page[:8] = (sequence + 1).to_bytes(8, "big")
        self._page[8:12] = len(data).to_bytes(4, "big")
        self._page[12:12 + len(data)] = data
        self._page[:8] = (sequence + 2).to_bytes(8, "big")

    def read(self) -> dict:
        while True:
            sequence = self._page[:8]
            size = int.from_bytes(self._page[8:12], "big")
            data = self._page[12:12 + size]
            if int.from_bytes(sequence, "big") % 2 == 0 and self._page[:8] == sequence:
                return {**json.loads(data), "requests": self._requests.value}


@dataclass
class ServerState:
    """What a worker knows of the server that forked it."""

    pid: int
    identity: str
    compatibility: bytes
    idle_minutes: float
    spare_requests: int  # the most requests a spare worker answers before it exits
    listener: object  # the listening socket
    notes: int  # write end of the pipe workers note things on (``note``)
    alive: int  # read end of a pipe whose write end only the server holds: EOF, it is gone
    status: StatusPage
    server_only: tuple[int, ...]  # descriptors a worker closes first


def note(fd: int, kind: bytes, value: str) -> None:
    """Tell the server something; dropped if its pipe is full (the next command tells it
    again)."""
    with contextlib.suppress(OSError):
        os.write(fd, kind + os.fsencode(value) + b"\0")


def read_notes(fd: int) -> list[tuple[bytes, str]]:
    """Every note waiting on the (non-blocking) pipe."""
    data = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(fd, 1 << 16):
            data += chunk
    return [(entry[:1], os.fsdecode(entry[1:])) for entry in data.split(b"\0") if entry]


def accept(listener, status: StatusPage):
    """The next connection on the (non-blocking) listening socket, if one waits and comes
    from this user (another user's is refused, and logged); counted in ``status``."""
    from searcher.server import wire

    try:
        conn, _ = listener.accept()
    except (BlockingIOError, ConnectionAbortedError):
        return None
    uid = wire.peer_uid(conn)
    if uid != os.getuid():
        print(f"refused a connection from uid {uid}", flush=True)
        conn.close()
        return None
    status.count_request()
    return conn
