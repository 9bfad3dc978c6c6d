"""A real ``searcher`` process stopped at a named point: killed there (SIGKILL, as the
out-of-memory killer or a power cut ends it), held there until the test lets it go, or held
until something kills it (a reader that never finishes, for a deadline to end).

No production hook: the process is started by a launcher that adds an audit hook, which sees
what Whoosh and searcher do alike (as ``scripts/soak.py``'s crash points do), and watches for
the point by name:

    segment    a segment's postings file opened for writing (a build half done)
    publish    ``CURRENT`` about to be replaced (the new generation whole, not yet live)
    published  just after (the new generation live, the one it replaced still there)
    lock-wait  the writer lock tried a second time (the first try found it held)
    read:NAME  a file named NAME opened (to be read, by a reader process)

The process (or each of its writer processes) reports its pid on a pipe as it reaches a point,
so the test waits for that event, never for a time. Waits are bounded by ``WAIT``: a process
that hangs fails its test instead of hanging the suite."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

WAIT = 120.0  # seconds: the most a process is given to reach its point or to end

LAUNCHER = r"""
import os, signal, sys
action, role, points, report, release, tokens = sys.argv[1:7]
del sys.argv[1:7]
points, report, release, tokens = points.split(","), int(report), int(release), int(tokens)
main_pid = os.getpid()
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
state = {"next": 0, "published": False, "lock": None, "acting": False}

def name(path):
    if not isinstance(path, (str, bytes, os.PathLike)):
        return ""  # a file descriptor
    return os.path.basename(os.fsdecode(path))

def at(point, event, args, published):
    if point.startswith("read:"):
        return event == "open" and name(args[0]) == point[len("read:"):]
    if point == "segment":
        return (event == "open" and name(args[0]).endswith(".postings")
                and ((isinstance(args[1], str) and "w" in args[1])
                     or (isinstance(args[2], int) and args[2] & WRITE)))
    if point == "publish":
        return event == "os.rename" and name(args[1]) == "CURRENT"
    if point == "published":
        return published
    if point == "lock-wait":
        if event != "fcntl.flock":
            return False
        if state["lock"] is None:
            state["lock"] = args[0]
            return False
        return args[0] == state["lock"]
    raise SystemExit(f"no point named {point}")

def hook(event, args):
    if state["acting"] or state["next"] >= len(points):
        return
    if (os.getpid() == main_pid) != (role == "main"):  # role: main, or fork
        return
    published = state["published"]
    if event == "os.rename" and name(args[1]) == "CURRENT":
        state["published"] = True  # from the next event on
    if not at(points[state["next"]], event, args, published):
        return
    state["next"] += 1
    try:
        token = os.read(tokens, 1)  # one process stops per token; the others go on
    except BlockingIOError:
        token = b""
    if not token:
        return
    state["acting"] = True
    os.write(report, f"{os.getpid()}\n".encode())
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    while action == "hang":  # until killed from outside
        signal.pause()
    os.read(release, 1)  # held until the test writes a byte (or closes its end)
    state["acting"] = False

os.set_blocking(tokens, False)
sys.addaudithook(hook)
from searcher.cli import main
main(sys.argv[1:])
"""


class Stopped:
    """``python -m searcher ARGS`` run until it reaches ``points`` (comma-separated, in
    order), where it is killed (``action="kill"``), held until released (``"hold"``) or
    held until killed from outside (``"hang"``). ``role`` is the process that stops:
    ``"main"``, or a ``"fork"`` of it (a writer or a reader process); ``times`` is how many
    processes may stop at each point (each writer process would, otherwise)."""

    def __init__(self, args: list[str], points: str, env: dict, action: str = "hold",
                 role: str = "main", times: int = 1, cwd: Path = ROOT) -> None:
        report_read, report_write = os.pipe()
        release_read, self._release = os.pipe()
        tokens_read, tokens_write = os.pipe()
        os.write(tokens_write, b"x" * times * len(points.split(",")))
        os.close(tokens_write)
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, action, role, points, str(report_write),
             str(release_read), str(tokens_read), *args],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, pass_fds=(report_write, release_read,
                                                         tokens_read))
        for fd in (report_write, release_read, tokens_read):
            os.close(fd)
        self._reports = report_read
        self._stopped: list[int] = []  # the pids that reached a point

    def reached(self) -> int:
        """Wait until a process reaches the next point; its pid."""
        line = b""
        while not line.endswith(b"\n"):
            if not select.select([self._reports], [], [], WAIT)[0]:
                pytest.fail(f"waited {WAIT:g} s for searcher to reach its point")
            byte = os.read(self._reports, 1)
            if not byte:
                self.process.kill()
                _, stderr = self.process.communicate(timeout=WAIT)
                pytest.fail(f"searcher ended ({self.process.returncode}) before its point: "
                            f"{stderr[-2000:]}")
            line += byte
        self._stopped.append(int(line))
        return int(line)

    def release(self, count: int = 1) -> None:
        """Let ``count`` processes held at their point go on (to the next point, if any)."""
        os.write(self._release, b"x" * count)

    def finish(self) -> tuple[int, str, str]:
        """Let it go on to its end, stopping nowhere: exit status, stdout and stderr."""
        self._close()
        stdout, stderr = self.process.communicate(timeout=WAIT)
        return self.process.returncode, stdout, stderr

    def _close(self) -> None:
        for fd in (self._release, self._reports):
            if fd is not None:
                os.close(fd)
        self._release = self._reports = None

    def __enter__(self) -> "Stopped":
        return self

    def __exit__(self, failure, *exc) -> None:
        if self.process.returncode is None:  # a failed test: no process left behind
            self.process.send_signal(signal.SIGKILL)
            self.process.communicate(timeout=WAIT)
        if failure is not None:  # nor a writer process held, that outlived it
            for pid in self._stopped:
                try:
                    if LAUNCHER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                        os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        self._close()
