"""A worker's process made the client's for one request, and given back after it.

``take_over`` makes this process the client's: its standard streams (their descriptors, and
text layers made as Python made the client's: encoding, errors, line buffering, names),
working folder (its descriptor), umask, environment (the time zone re-read), arguments and
``__main__``'s package (click names the program after it). So whether output is a terminal,
its width, ``NO_COLOR``, ``COLUMNS``, relative paths and every output format are the
in-process ones by construction. Each request also starts with the ``warnings`` module's
filters as they were and its once-per-place registries forgotten, so a warning is shown as
a fresh process would show it.

``ProcessState`` holds what the worker had before, given back in two steps: ``let_go`` (the
client's descriptors and folder) before the client is told the exit status, since a
pipeline's reader or a terminal waits until every holder of its write end has closed it;
``give_back`` (the rest) after. ``leftover`` then says what the request left that giving
back cannot undo (a thread or a child process still running, a descriptor of the client's
still open, descriptors piling up): a spare worker that finds any exits rather than answer
another request from a process that is not what it was.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
import sys
import threading
import time
import types
import warnings

from searcher.server import wire


class ProcessState:
    """The worker's own process state, saved before it takes a client's over (``take_over``)
    and given back after (``let_go``, ``give_back``)."""

    def __init__(self) -> None:
        self.fds = [_own_copy(fd) for fd in (0, 1, 2)]
        self.folder = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        self.umask = os.umask(0)
        os.umask(self.umask)
        self.environment = dict(os.environb)
        self.argv = sys.argv
        self.main = sys.modules["__main__"]
        self.streams = (sys.stdin, sys.stdout, sys.stderr)
        self.python_streams = (sys.__stdin__, sys.__stdout__, sys.__stderr__)
        self.handlers = {number: signal.getsignal(number) for number in signal.valid_signals()}
        self.blocked = signal.pthread_sigmask(signal.SIG_BLOCK, ())
        self._descriptors: set[str] = set()  # open as the request began
        self._client_files: set[tuple[int, int]] = set()  # the client's streams' files
        self._borrowed = contextlib.ExitStack()  # what ``give_back`` undoes
        self._holding = False  # the client's descriptors and folder

    def let_go(self) -> None:
        """Close the client's streams (flushed already) and put this process's own
        descriptors and folder back: nothing of the client's is held open any more."""
        if not self._holding:
            return
        self._holding = False
        for stream in (sys.stdin, sys.stdout, sys.stderr):
            if stream not in self.streams:
                with contextlib.suppress(Exception):  # a write that failed: dropped, as at exit
                    stream.close()
        for target, fd in enumerate(self.fds):
            os.dup2(fd, target)
        os.fchdir(self.folder)
        sys.stdin, sys.stdout, sys.stderr = self.streams
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = self.python_streams

    def give_back(self) -> None:
        """This process's own state back, whatever ``let_go`` has not put back yet."""
        self.let_go()
        self._borrowed.close()
        os.umask(self.umask)
        _replace_environment(self.environment)
        sys.argv = self.argv
        sys.modules["__main__"] = self.main
        for number, handler in self.handlers.items():
            if signal.getsignal(number) is not handler and handler is not None:
                signal.signal(number, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, self.blocked)

    def leftover(self) -> str | None:
        """What the request left behind that ``give_back`` cannot undo; None when nothing."""
        if threading.active_count() > 1:
            return "a thread still running"
        with contextlib.suppress(ChildProcessError):
            while (child := os.waitpid(-1, os.WNOHANG))[0]:
                pass  # one that exited: reaped
            if child == (0, 0):
                return "a child process still running"
        descriptors = _open_descriptors()
        if len(descriptors) > resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 2:
            return f"{len(descriptors)} descriptors open"
        for fd in descriptors - self._descriptors:
            with contextlib.suppress(OSError):  # the listing's own, closed by now
                info = os.fstat(int(fd))
                if (info.st_dev, info.st_ino) in self._client_files:
                    return "a descriptor of the client's still open"
        return None

    def take_over(self, request: wire.Request, fds: list[int], announce) -> None:
        """Become the client's process: ``fds`` are its stdin, stdout, stderr and working
        folder (closed here); ``announce`` is called before the first byte written to
        stdout or stderr."""
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # the server's log: nothing of it may reach the client
        self._descriptors = _open_descriptors() - {str(fd) for fd in fds}
        self._client_files = {(info.st_dev, info.st_ino)
                              for info in (os.fstat(fd) for fd in fds[:3])} - {_NULL_DEVICE}
        self._holding = True
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
        os.fchdir(fds[3])
        for fd in fds:
            os.close(fd)
        os.umask(request.umask)
        _replace_environment(dict(variable.partition(b"=")[::2]
                                  for variable in request.environment))
        sys.argv = [os.fsdecode(arg) for arg in request.argv]
        main_module = types.ModuleType("__main__")
        main_module.__package__ = request.main_package or None
        sys.modules["__main__"] = main_module
        streams = _standard_streams(request.streams, announce)
        sys.stdin, sys.stdout, sys.stderr = streams
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams
        self._borrowed.enter_context(warnings.catch_warnings())


def _file_of(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


# Everyone's, and what a broken pipe's stdout is pointed at (``searcher.cli.main``).
_NULL_DEVICE = _file_of(os.devnull)


def _own_copy(fd: int) -> int:
    """A copy of descriptor ``fd`` to put back after a request: the null device in its
    place when it is closed."""
    try:
        return os.dup(fd)
    except OSError:
        return os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)


def _open_descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _replace_environment(variables: dict[bytes, bytes]) -> None:
    os.environ.clear()
    os.environb.update(variables)
    time.tzset()


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
