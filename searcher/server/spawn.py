"""Answering in this process when no server answers, and starting one in the background for
the next command: detached (a session of its own, no terminal, its output to a log in the
runtime folder), told which indexes the command opened so it holds them from the start.

A server is not started when the configuration says ``server = false`` (or cannot be read:
the command said why already), when the command was interrupted, or when one was started
less than ``START_INTERVAL`` seconds ago (one that cannot start is not tried on every
command).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import NoReturn

from searcher.server import wire

START_INTERVAL = 10.0  # seconds
LOG_MOST_BYTES = 1 << 20  # the log is started afresh beyond this


def run_in_process(start_server: bool) -> NoReturn:
    """Run the command in this process, as before the server; then, if asked, start a server
    holding the indexes the command opened."""
    from searcher.cli import main  # first: the package's ``main`` names a module once loaded

    opened = _record_opened() if start_server else None
    code = None
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code
        raise
    finally:
        if opened is not None and code not in (None, 130):
            start(opened)
    sys.exit(0)


def _record_opened() -> list[str] | None:
    """The list the engine fills with the indexes this process opens; None when the engine
    does not load (the command says why)."""
    try:
        from searcher.engine import held
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:
        return None
    held.record_misses()
    return held.missed


def start(indexes: list[str], wait: float = 0.0) -> int | None:
    """Start this installation's server holding ``indexes``, unless it should not be; its
    pid, or None when none was started. With ``wait`` (``searcher server start``), whenever
    the last start was, and wait up to that many seconds until it accepts."""
    from searcher.config import load_config
    from searcher.errors import SearcherError

    try:
        if load_config().server is False:
            return None
        directory = wire.runtime_dir()
        tag = wire.tag()
        if not wait:  # a command's start: not again and again
            stamp = os.path.join(directory, f"{tag}.start")
            try:
                if time.time() - os.stat(stamp).st_mtime < START_INTERVAL:
                    return None
            except FileNotFoundError:
                pass
            os.close(os.open(stamp, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
            os.utime(stamp)
        log_path = os.path.join(directory, f"{tag}.log")
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        try:
            if os.fstat(log).st_size > LOG_MOST_BYTES:
                os.ftruncate(log, 0)
            server = subprocess.Popen(
                [sys.executable, "-m", "searcher.server", *(f"--hold={i}" for i in indexes)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=directory,
                start_new_session=True)
        finally:
            os.close(log)
    except (OSError, SearcherError):
        return None
    if wait:
        _wait_until_accepting(server, directory, wait)
    return server.pid


def _wait_until_accepting(server: subprocess.Popen, directory: str, seconds: float) -> None:
    """Until a server's socket accepts, or ``seconds`` pass, or no server is on its way (the
    one started exited, and none holds the lock: it would have found one starting)."""
    path = wire.socket_path(directory)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            wire.connect(path, 1.0).close()
            return
        except OSError:
            if server.poll() is not None and not _locked(directory):
                return
            time.sleep(0.05)


def _locked(directory: str) -> bool:
    """Whether the server named in this installation's lock file is alive (read, not
    locked: taking the lock even for a moment could turn a starting server away)."""
    try:
        with open(os.path.join(directory, f"{wire.tag()}.lock"), "rb") as lock:
            pid = int(lock.read(32).split(b"\n")[0] or 0)
        if pid:
            os.kill(pid, 0)
            return True
    except (OSError, ValueError):
        pass
    return False
