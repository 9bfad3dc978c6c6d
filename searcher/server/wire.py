"""What the ``searcher`` client and the search server share: where the socket lives, who may
use it, which installation is talking, and how requests and replies are framed.

The client imports this module on every command, so it uses the standard library alone, and
``_socket`` rather than ``socket`` (whose enum conversions cost 4 ms of a 30 ms start-up).

* The socket is in a private folder: ``$XDG_RUNTIME_DIR/searcher`` when that folder is the
  user's own and closed to others, else ``$TMPDIR/searcher-UID`` (``/tmp``), created mode 0700
  and refused unless it is a folder (not a link) of the user's that group and others cannot
  enter. Each end checks the other's uid (``SO_PEERCRED``). Never TCP.
* One server per user and installation (interpreter and package folder: ``tag``); its
  ``identity`` adds the version and a stamp of every file of the package, so a server whose
  code was upgraded or edited under it is told to exit instead of answering.
* A request is one frame: a 4-byte big-endian length, then NUL-separated fields (neither
  arguments nor environment variables can hold a NUL), sent with the client's standard
  streams and working folder as file descriptors (``SCM_RIGHTS``). Replies are a tag byte,
  some with a payload (``read_reply``).
"""

from __future__ import annotations

import _socket
import io
import os
import stat
import sys
import zlib

from searcher import __version__

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Linux's: the peer's credentials, and a working folder passed as a descriptor. Elsewhere
# every command runs in its own process.
SUPPORTED = hasattr(_socket, "SO_PEERCRED") and hasattr(os, "O_PATH")
MOST_BYTES = 16 << 20  # a frame; the environment and arguments together are far smaller
SOCKET_PATH_MAX = 107  # sun_path holds 108 bytes with its NUL

# request kinds
RUN, STATUS, STOP = b"run", b"status", b"stop"
# client to worker, after ACCEPTED
GO, CANCEL = b"G", b"C"
# worker to client
ACCEPTED = b"A"  # the request is sound: send GO to run it (or hang up: it does not run)
OUTPUT = b"O"  # the command is about to write its first byte
EXIT = b"S"  # + 4 bytes: the command's exit status; the last reply
OTHER_VERSION = b"V"  # another installation or version: it exits, answer in-process
DECLINED = b"D"  # + text: this process cannot serve this client as it would run itself
TEXT = b"T"  # + text: the answer to STATUS or STOP
PAYLOAD_TAGS = {EXIT: 4, DECLINED: None, TEXT: None}  # None: a 4-byte length, then that


def runtime_dir() -> str:
    """This user's private folder for the server's files, made if missing. OSError when it
    cannot be made or is not private (another user's, a link, open to group or others)."""
    uid = os.getuid()
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if base and os.path.isabs(base) and _private(base, uid):
        path = os.path.join(base, "searcher")
    else:
        path = os.path.join(os.environ.get("TMPDIR") or "/tmp", f"searcher-{uid}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    if not _private(path, uid):
        raise PermissionError(f"{path} is not a private folder of yours (mode 0700)")
    return path


def _private(path: str, uid: int) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == uid and not info.st_mode & 0o077


def tag() -> str:
    """The name of this installation's server files in the runtime folder."""
    where = f"{sys.executable}\0{PACKAGE_DIR}".encode("utf-8", "surrogateescape")
    return f"server-{zlib.crc32(where):08x}"


def socket_path(directory: str) -> str:
    path = os.path.join(directory, f"{tag()}.sock")
    if len(os.fsencode(path)) > SOCKET_PATH_MAX:
        raise OSError(f"{path}: too long for a socket's name")
    return path


def identity() -> str:
    """This installation's version and a stamp of its code (every file's name, size and
    modification time), as compared by the handshake; SEARCHER_SERVER_TEST_IDENTITY stands
    in for it (tests of a server of another version)."""
    fake = os.environ.get("SEARCHER_SERVER_TEST_IDENTITY")
    if fake:
        return fake
    crc = 0
    folders = [PACKAGE_DIR]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                    continue
                info = entry.stat()
                crc = zlib.crc32(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\0"
                                 .encode("utf-8", "surrogateescape"), crc)
    return f"searcher {__version__} python {sys.version.split()[0]} {PACKAGE_DIR} {crc:08x}"


def compatibility() -> bytes:
    """How this process turns bytes into text where the server cannot take the client's way
    over (file names, the locale's encoding): client and server must agree."""
    import _locale

    return (f"{sys.getfilesystemencoding()}:{sys.getfilesystemencodeerrors()}:"
            f"{sys.flags.utf8_mode}:{_locale.nl_langinfo(_locale.CODESET)}").encode()


def connect(path: str, timeout: float) -> _socket.socket:
    """A connection to the server at ``path`` (OSError when there is none), which must run
    as this user."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(path)
        if peer_uid(sock) != os.getuid():
            raise PermissionError(f"{path}: the server runs as another user")
    except BaseException:
        sock.close()
        raise
    return sock


def peer_uid(sock: _socket.socket) -> int:
    """The uid of the process at the other end (the kernel's word for it)."""
    credentials = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    return int.from_bytes(credentials[4:8], sys.byteorder)


def send_frame(sock: _socket.socket, fields: list[bytes], fds: list[int] = ()) -> None:
    payload = b"\0".join(fields)
    data = len(payload).to_bytes(4, "big") + payload
    if not fds:
        sock.sendall(data)
        return
    rights = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
    sent = sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
    if sent < len(data):
        sock.sendall(data[sent:])


def recv_frame(sock: _socket.socket, most_fds: int = 0) -> tuple[list[bytes], list[int]]:
    """A frame's fields and the file descriptors sent with it (the caller closes them)."""
    data, ancillary, flags, _ = sock.recvmsg(65536, _socket.CMSG_SPACE(4 * most_fds)
                                             if most_fds else 0)
    fds = [int.from_bytes(rights[i:i + 4], sys.byteorder, signed=True)
           for level, kind, rights in ancillary
           if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS
           for i in range(0, len(rights) - len(rights) % 4, 4)]
    try:
        if flags & _socket.MSG_CTRUNC:
            raise OSError("a request with more file descriptors than it may send")
        while len(data) < 4 or len(data) < 4 + int.from_bytes(data[:4], "big"):
            if len(data) >= 4 and int.from_bytes(data[:4], "big") > MOST_BYTES:
                raise OSError("a request too large")
            more = sock.recv(1 << 16)
            if not more:
                raise ConnectionError("the request was cut short")
            data += more
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return data[4:4 + int.from_bytes(data[:4], "big")].split(b"\0"), fds


class Replies:
    """The tagged replies arriving on a connection, one at a time."""

    def __init__(self, sock: _socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def next(self) -> tuple[bytes, bytes]:
        """``(tag, payload)``; ``(b"", b"")`` when the other end hung up."""
        if not self._fill(1):
            return b"", b""
        tag = self.buffer[:1]
        size = PAYLOAD_TAGS.get(tag, 0)
        start = 1
        if size is None:
            if not self._fill(5):
                return b"", b""
            size, start = int.from_bytes(self.buffer[1:5], "big"), 5
        if not self._fill(start + size):
            return b"", b""
        payload = self.buffer[start:start + size]
        self.buffer = self.buffer[start + size:]
        return tag, payload

    def _fill(self, size: int) -> bool:
        while len(self.buffer) < size:
            more = self.sock.recv(1 << 16)
            if not more:
                return False
            self.buffer += more
        return True


def text_reply(tag: bytes, text: str) -> bytes:
    data = text.encode("utf-8", "surrogateescape")
    return tag + len(data).to_bytes(4, "big") + data


def exit_reply(code: int) -> bytes:
    return EXIT + code.to_bytes(4, "big", signed=True)


def streams_description() -> list[bytes] | None:
    """How this process's standard streams turn text into bytes (encoding, errors, line
    buffering, buffered at all), for the server to make its own the same; None when one is
    missing (its descriptor was closed)."""
    fields = []
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if stream is None or not isinstance(stream, io.TextIOWrapper):
            return None
        fields += [stream.encoding.encode(), stream.errors.encode(),
                   b"1" if stream.line_buffering else b"0",
                   b"0" if isinstance(stream.buffer, io.RawIOBase) else b"1"]
    return fields


class Request:
    """A command as the client would run it itself: what it is (``RUN``, ``STATUS``,
    ``STOP``), who asks (``identity``, ``compatibility``), and for ``RUN`` the process state
    the server's worker takes over: ``__main__``'s package (click names the program after
    it), the umask, the standard streams' text layers, the arguments and the environment
    (bytes, as the kernel gave them). The streams and working folder travel as descriptors."""

    def __init__(self, kind: bytes, identity: str, compatibility: bytes = b"",
                 main_package: str = "", umask: int = 0, streams: list[bytes] = (),
                 argv: list[bytes] = (), environment: list[bytes] = ()) -> None:
        self.kind = kind
        self.identity = identity
        self.compatibility = compatibility
        self.main_package = main_package
        self.umask = umask
        self.streams = list(streams)
        self.argv = list(argv)
        self.environment = list(environment)

    STREAM_FIELDS = 12  # stdin, stdout, stderr: encoding, errors, line buffered, buffered

    def fields(self) -> list[bytes]:
        return [self.kind, self.identity.encode("utf-8", "surrogateescape"),
                self.compatibility, self.main_package.encode(), b"%d" % self.umask,
                *(self.streams or [b""] * self.STREAM_FIELDS), b"%d" % len(self.argv),
                *self.argv, *self.environment]

    @classmethod
    def parse(cls, fields: list[bytes]) -> Request:
        """ValueError when the fields are not a request."""
        head = 5 + cls.STREAM_FIELDS
        if len(fields) < head + 1:
            raise ValueError("a request too short")
        argc = int(fields[head])
        if argc < 0 or len(fields) < head + 1 + argc:
            raise ValueError("a request too short")
        environment = [f for f in fields[head + 1 + argc:] if f]
        return cls(fields[0], fields[1].decode("utf-8", "surrogateescape"), fields[2],
                   fields[3].decode(), int(fields[4]), fields[5:head],
                   fields[head + 1:head + 1 + argc], environment)
