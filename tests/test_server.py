"""The resident search server (``searcher.server``), through real processes: started by a
first search, twenty clients at once, an index rebuilt under it, killed mid-query, a stale
socket, a server of another version, another user refused, Ctrl-C, and every output mode
byte for byte the in-process one.

Each test runs its own server in a runtime folder of its own (XDG_RUNTIME_DIR) and stops it
at teardown. Waiting is for named events (the socket appearing, a status reply, a worker's
pid arriving through a FIFO), bounded by ``WAIT``; a worker is held at a named point by the
SEARCHER_SERVER_TEST_GATE hook.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from searcher.server import wire
from tests.conftest import CORPUS, ROOT, run_in_pty

WAIT = 60.0  # seconds: the most any named event is waited for
CORPUS_FILE = "003_fbfd2bed5f7712db.txt"


def server_env(base: dict, runtime: Path) -> dict:
    """``base`` with the server allowed and its runtime folder at ``runtime``."""
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in base.items() if k not in ("SEARCHER_NO_SERVER", "NO_COLOR")}
    return {**env, "XDG_RUNTIME_DIR": str(runtime)}


def run(args: list[str], env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "searcher", *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=300)


def in_process(args: list[str], env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return run(args, {**env, "SEARCHER_NO_SERVER": "1"}, cwd)


def outcome(process: subprocess.CompletedProcess) -> tuple[int, bytes, bytes]:
    """Exit status, stdout and stderr, but the time a terminal view's footer reports."""
    return (process.returncode, without_time(process.stdout.decode("utf-8", "surrogateescape")),
            process.stderr)


def without_time(terminal: str) -> str:
    """The terminal view without the time its footer reports."""
    return re.sub(r" · \d+ ms", " · N ms", terminal)


def gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie waiting for its reaper counts)."""
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z"
    except FileNotFoundError:
        return True


def wait_until(condition, what: str):
    deadline = time.monotonic() + WAIT
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT:g} s for {what}")
        time.sleep(0.02)
    return result


class Server:
    """This test's server, reached through the ``searcher server`` command."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.folder = Path(env["XDG_RUNTIME_DIR"]) / "searcher"
        self.socket = self.folder / f"{wire.tag()}.sock"

    def status(self) -> dict | None:
        done = run(["server", "status", "--json"], self.env)
        return json.loads(done.stdout) if done.returncode == 0 else None

    def start(self) -> dict:
        done = run(["server", "start"], self.env)
        assert done.returncode == 0, (done.stderr, self.log())
        return self.status()

    def log(self) -> str:
        return "".join(log.read_text() for log in self.folder.glob("*.log"))

    def wait_for_start(self) -> dict:
        """A server started in the background (by a search): its socket, then its status."""
        wait_until(self.socket.exists, "the server's socket")
        return self.status()

    def requests(self) -> int:
        return self.status()["requests"]

    def stop(self) -> None:
        run(["server", "stop"], self.env)
        for lock in self.folder.glob("*.lock"):  # one that did not stop: no strays left
            pid = int((lock.read_text().split() or ["0"])[0])
            try:
                if b"searcher.server" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass


def runtime_folder() -> Path:
    """A new folder to hold a server's runtime folder: in /tmp, so that the socket's path fits
    a socket's name (108 bytes) however long the path of pytest's temporary folders is."""
    return Path(tempfile.mkdtemp(prefix="searcher-run-", dir="/tmp"))


@pytest.fixture
def server(cli_env):
    top = runtime_folder()
    started = Server(server_env(cli_env, top / "run"))
    yield started
    started.stop()
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the output-mode comparisons, started once."""
    folder = tmp_path_factory.mktemp("server")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "SEARCHER_INDEX", "COLUMNS", "LINES")}
    env.update(LANG="C", LC_ALL="C", XDG_CONFIG_HOME=str(folder / "config"))
    top = runtime_folder()
    started = Server(server_env(env, top / "run"))
    started.start()
    yield started
    started.stop()
    shutil.rmtree(top, ignore_errors=True)


class GatedClient:
    """A client whose worker stops at ``point`` (``start``: before the command runs;
    ``output``: before its first byte) until released; ``worker`` is the worker's pid."""

    def __init__(self, args: list[str], env: dict, folder: Path, point: str = "start") -> None:
        self.gate = folder / "gate"
        os.mkfifo(self.gate)
        os.mkfifo(f"{self.gate}.go")
        reader = os.open(self.gate, os.O_RDONLY | os.O_NONBLOCK)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "searcher", *args], cwd=ROOT,
            env={**env, "SEARCHER_SERVER_TEST_GATE": f"{self.gate}:{point}"},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            data = b""
            while not data.endswith(b"\n"):
                ready, _, _ = select.select([reader], [], [], WAIT)
                assert ready, "the worker never reached its gate"
                data += os.read(reader, 64)
        finally:
            os.close(reader)
        self.worker = int(data)

    def release(self) -> None:
        os.close(os.open(f"{self.gate}.go", os.O_WRONLY | os.O_NONBLOCK))

    def finish(self) -> tuple[int, str, bytes]:
        stdout, stderr = self.process.communicate(timeout=300)
        return outcome(subprocess.CompletedProcess([], self.process.returncode, stdout, stderr))


def own_index(tmp_path: Path, env: dict) -> Path:
    """A copy of the corpus indexed by ``searcher index`` into an index folder of its own."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for file in CORPUS.glob("*.txt"):
        (corpus / file.name).write_bytes(file.read_bytes())
    index = tmp_path / "index"
    assert in_process(["index", str(corpus), "--index", str(index)], env).returncode == 0
    return index


# --- start, status, stop ---------------------------------------------------------------


def test_a_first_search_answers_in_process_and_starts_the_server_for_the_next(
        server, corpus_index_dir):
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    alone = in_process(args, server.env)
    assert not server.socket.exists()

    first = run(args, server.env)
    assert outcome(first) == outcome(alone)
    status = server.wait_for_start()
    assert status["identity"] == wire.identity()
    assert status["indexes"] == [{"path": os.path.realpath(corpus_index_dir),
                                  "generation": status["indexes"][0]["generation"]}]
    assert status["rss_bytes"] > 0

    second = run(args, server.env)
    assert outcome(second) == outcome(alone)
    assert server.requests() == status["requests"] + 2  # the second search, this status


def test_stop_removes_the_socket_and_status_then_says_none_runs(server):
    pid = server.start()["pid"]
    stopped = run(["server", "stop"], server.env)
    assert stopped.returncode == 0
    assert stopped.stderr.decode() == f"stopped search server {pid}\n"
    assert not server.socket.exists()
    assert gone(pid)
    status = run(["server", "status"], server.env)
    assert (status.returncode, status.stderr) == (1, b"no search server running\n")


def test_the_server_exits_after_its_idle_time(server):
    daemon = subprocess.Popen([sys.executable, "-m", "searcher.server", "--idle-minutes",
                               "0.005"], env=server.env, stdout=subprocess.DEVNULL)
    assert daemon.wait(timeout=WAIT) == 0
    assert not server.socket.exists()


@pytest.mark.parametrize("setting", [{"SEARCHER_NO_SERVER": "1"}, "server = false"])
def test_a_server_can_be_turned_off(server, corpus_index_dir, tmp_path, setting):
    env = server.env
    if isinstance(setting, dict):
        env = {**env, **setting}
    else:
        (tmp_path / "config.toml").write_text(setting)
        env = {**env, "SEARCHER_CONFIG": str(tmp_path / "config.toml")}
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    assert outcome(run(args, env)) == outcome(in_process(args, env))
    # A server is started (if at all) before the command exits, and a start leaves a stamp.
    assert not server.folder.exists() or not list(server.folder.glob("*.start"))
    assert not server.socket.exists()


def test_a_bad_server_setting_is_the_configuration_error_it_always_is(
        shared_server, corpus_index_dir, tmp_path):
    (tmp_path / "config.toml").write_text("server = 1\n")
    env = {**shared_server.env, "SEARCHER_CONFIG": str(tmp_path / "config.toml")}
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    served = run(args, env)
    assert outcome(served) == outcome(in_process(args, env))
    assert served.returncode == 2
    assert served.stderr.decode().endswith("server must be true or false, not 1\n")


def test_a_command_the_configuration_sends_to_a_cluster_runs_in_the_client(
        server, corpus_index_dir, tmp_path):
    """The config's ``cluster`` key makes ``stats`` read a sharded index (none here): the
    server's worker declines it, as the client leaves ``--cluster`` alone, so it never runs
    against the index here; with ``--no-cluster`` the server answers it."""
    server.start()
    (tmp_path / "config.toml").write_text('cluster = "tcp://127.0.0.1:9"\n')
    env = {**server.env, "SEARCHER_CONFIG": str(tmp_path / "config.toml")}
    args = ["stats", "--index", str(corpus_index_dir)]
    gate = tmp_path / "gate"  # a worker that ran the command would stop there for good
    os.mkfifo(gate)
    os.mkfifo(f"{gate}.go")
    reader = os.open(gate, os.O_RDONLY | os.O_NONBLOCK)
    try:
        declined = subprocess.run(
            [sys.executable, "-m", "searcher", *args], cwd=ROOT,
            env={**env, "SEARCHER_SERVER_TEST_GATE": str(gate)}, stdin=subprocess.DEVNULL,
            capture_output=True, timeout=WAIT)
        assert os.read(reader, 64) == b""  # no worker came to the gate
    finally:
        os.close(reader)
    assert outcome(declined) == outcome(in_process(args, env))
    assert declined.returncode == 2
    assert declined.stderr.decode().startswith(
        f"searcher: error: no sharded index at {corpus_index_dir}")
    (tmp_path / "served").mkdir()
    here = GatedClient([*args, "--no-cluster"], env, tmp_path / "served")
    here.release()
    assert here.finish() == outcome(in_process(args, server.env))


def test_a_running_server_stops_when_the_configuration_turns_it_off(
        server, corpus_index_dir, tmp_path):
    pid = server.start()["pid"]
    (tmp_path / "config.toml").write_text("server = false\n")
    env = {**server.env, "SEARCHER_CONFIG": str(tmp_path / "config.toml")}
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    assert outcome(run(args, env)) == outcome(in_process(args, env))
    wait_until(lambda: gone(pid), "the server's exit")


def test_the_server_keeps_no_index_file_open_and_leaks_no_descriptor(server, corpus_index_dir):
    pid = server.start()["pid"]
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    run(args, server.env)
    wait_until(lambda: server.status()["indexes"], "the index held")

    def descriptors() -> tuple[list[str], int]:
        """What the server has open, but the one its spare worker's exit is watched by."""
        targets = sorted(os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir())
        watching = targets.count("anon_inode:[pidfd]")
        return [t for t in targets if t != "anon_inode:[pidfd]"], watching

    before, _ = descriptors()
    clients = [subprocess.Popen([sys.executable, "-m", "searcher", *args], cwd=ROOT,
                                env=server.env, stdout=subprocess.DEVNULL) for _ in range(6)]
    assert [client.wait(timeout=300) for client in clients] == [0] * 6  # some forked plainly
    after, watching = descriptors()
    assert after == before and watching <= 1
    # A forked worker would share the offsets of any index file the server read through;
    # none is open (the query dictionary's base, mapped, is in the user's cache).
    index_files = [Path(target).name for target in before
                   if target.startswith(os.path.realpath(corpus_index_dir))]
    assert index_files == []


# --- many at once, and a changing index --------------------------------------------------


def test_twenty_clients_at_once_each_get_their_own_answer(server, corpus_index_dir):
    server.start()
    commands = [["search", "停火"], ["search", "普京", "--json"], ["search", "xyzzy"],
                ["search", "俄罗斯", "-l"]]
    commands = [[*command, "--index", str(corpus_index_dir)] for command in commands]
    expected = [outcome(in_process(command, server.env)) for command in commands]
    before = server.requests()
    clients = [subprocess.Popen([sys.executable, "-m", "searcher", *commands[i % 4]],
                                cwd=ROOT, env=server.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for i in range(20)]
    for i, client in enumerate(clients):
        stdout, stderr = client.communicate(timeout=300)
        answer = subprocess.CompletedProcess([], client.returncode, stdout, stderr)
        assert outcome(answer) == expected[i % 4], commands[i % 4]
    assert server.requests() == before + 21  # every client served, and this status


def test_a_search_sees_the_index_as_the_last_index_run_left_it(server, tmp_path):
    index = own_index(tmp_path, server.env)
    server.start()
    search = ["search", "停火 OR 熊猫", "--index", str(index), "--json"]
    assert outcome(run(search, server.env)) == outcome(in_process(search, server.env))
    first_generation = wait_until(lambda: server.status()["indexes"], "the index held")

    # An incremental update writes into the live generation: the next search sees it.
    (tmp_path / "corpus" / "panda.txt").write_text("熊猫\n\n熊猫在成都。\n", encoding="utf-8")
    assert in_process(["index", "--index", str(index)], server.env).returncode == 0
    updated = run(search, server.env)
    assert outcome(updated) == outcome(in_process(search, server.env))
    assert "panda.txt" in updated.stdout.decode()

    # A rebuild publishes a new generation: the next search sees it, and the server holds it.
    (tmp_path / "corpus" / "panda.txt").unlink()
    assert in_process(["index", "--rebuild", "--index", str(index)], server.env).returncode == 0
    rebuilt = run(search, server.env)
    assert outcome(rebuilt) == outcome(in_process(search, server.env))
    assert "panda.txt" not in rebuilt.stdout.decode()
    wait_until(lambda: server.status()["indexes"] != first_generation, "the new generation held")


# --- failures ------------------------------------------------------------------------------


def test_the_server_killed_mid_query_still_answers_then_a_new_one_starts(
        server, corpus_index_dir, tmp_path):
    pid = server.start()["pid"]
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    client = GatedClient(args, server.env, tmp_path)
    os.kill(pid, signal.SIGKILL)  # the server; its worker has the query
    client.release()
    alone = in_process(args, server.env)
    assert client.finish() == outcome(alone)

    # Its socket is left behind: the next search answers in-process and starts a new one.
    assert server.socket.exists()
    assert outcome(run(args, server.env)) == outcome(alone)
    wait_until(lambda: (server.status() or {}).get("pid", pid) != pid, "a new server")


def test_a_worker_killed_before_writing_leaves_the_answer_to_the_client(
        server, corpus_index_dir, tmp_path):
    server.start()
    args = ["search", "xyzzy", "--index", str(corpus_index_dir)]  # exit 1: the status too
    client = GatedClient(args, server.env, tmp_path)
    os.kill(client.worker, signal.SIGKILL)
    assert client.finish() == outcome(in_process(args, server.env))


def test_a_client_that_stopped_waiting_gets_nothing_from_its_worker(
        server, corpus_index_dir, tmp_path):
    """On a swamped machine a client may stop waiting before the worker takes the command
    on, and answer in-process: the worker, holding the client's descriptors by then, writes
    nothing to them (no traceback of a broken pipe), and the server answers on."""
    server.start()
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    client = GatedClient(args, server.env, tmp_path, point="accept")
    client.process.kill()
    client.process.wait(timeout=WAIT)
    client.release()
    assert client.process.stdout.read() == b"" and client.process.stderr.read() == b""
    assert outcome(run(args, server.env)) == outcome(in_process(args, server.env))


def test_a_worker_killed_after_its_first_output_is_an_error_not_a_second_answer(
        server, corpus_index_dir, tmp_path):
    server.start()
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    client = GatedClient(args, server.env, tmp_path, point="output")
    os.kill(client.worker, signal.SIGKILL)
    code, stdout, stderr = client.finish()
    assert (code, stdout) == (2, "")
    assert stderr.startswith(b"searcher: error: the search server stopped before the "
                             b"command finished")


def test_ctrl_c_interrupts_the_command_in_the_server(server, corpus_index_dir, tmp_path):
    server.start()
    client = GatedClient(["search", "停火", "--index", str(corpus_index_dir)], server.env,
                         tmp_path)
    client.process.send_signal(signal.SIGINT)
    assert client.finish() == (130, "", b"")
    wait_until(lambda: gone(client.worker), "the worker's exit")


def test_a_stale_socket_is_answered_in_process_and_replaced(server, corpus_index_dir):
    server.folder.mkdir(mode=0o700, parents=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(server.socket))
    stale.close()  # the name stays; nobody listens
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    assert outcome(run(args, server.env)) == outcome(in_process(args, server.env))
    status = wait_until(server.status, "a server in place of the stale socket")
    assert status["identity"] == wire.identity()


def test_a_server_of_another_version_is_told_to_exit_and_replaced(server, corpus_index_dir):
    other = subprocess.Popen([sys.executable, "-m", "searcher.server"],
                             env={**server.env, "SEARCHER_SERVER_TEST_IDENTITY": "searcher 0.0.1"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(server.socket.exists, "the other version's socket")
        args = ["search", "停火", "--index", str(corpus_index_dir)]
        assert outcome(run(args, server.env)) == outcome(in_process(args, server.env))
        assert other.wait(timeout=WAIT) == 0
        status = wait_until(server.status, "a server of this version")
        assert status["identity"] == wire.identity()
    finally:
        other.kill()
        other.wait()


def test_an_unsafe_runtime_folder_is_not_used(server, corpus_index_dir):
    server.folder.mkdir(mode=0o700, parents=True)
    server.folder.chmod(0o777)
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    assert outcome(run(args, server.env)) == outcome(in_process(args, server.env))
    assert list(server.folder.iterdir()) == []  # no socket, no log, no server started


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to run a client as nobody")
def test_another_user_is_refused(cli_env):
    nobody = 65534
    top = runtime_folder()  # a folder nobody can pass through
    try:
        server = Server(server_env(cli_env, top / "run"))
        server.start()
        before = server.requests()
        for folder in (top, top / "run", server.folder):
            folder.chmod(0o711)
        server.socket.chmod(0o666)  # let nobody connect: the server must still refuse
        request = wire.Request(wire.RUN, wire.identity()).fields()
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # the other user's client: connect, ask, report what came back
            try:
                os.setgid(nobody)
                os.setuid(nobody)
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(WAIT)
                sock.connect(str(server.socket))
                try:
                    wire.send_frame(sock, request)
                    reply = sock.recv(100)
                except (BrokenPipeError, ConnectionResetError):  # closed before it was sent
                    reply = b""
                os.write(write_end, b"hung up" if reply == b"" else b"reply: " + reply)
            except BaseException as error:
                os.write(write_end, repr(error).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        os.waitpid(child, 0)
        assert os.read(read_end, 1000) == b"hung up"  # with nothing said
        os.close(read_end)
        for folder in (top, top / "run", server.folder):
            folder.chmod(0o700)
        assert server.requests() == before + 1  # this status only: no worker for nobody
        log = (server.folder / f"{wire.tag()}.log").read_text()
        assert f"refused a connection from uid {nobody}" in log
        server.stop()
    finally:
        shutil.rmtree(top)


def test_the_client_imports_only_the_standard_library_on_its_way_to_the_server(
        server, corpus_index_dir):
    server.start()
    before = server.requests()
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "searcher", "search",
                           "停火", "-c", "--index", str(corpus_index_dir)], cwd=ROOT,
                          env=server.env, capture_output=True, timeout=300)
    assert done.returncode == 0 and done.stdout == b"5\n"
    assert server.requests() == before + 2
    modules = {line.split("|")[-1].strip() for line in done.stderr.decode().splitlines()
               if line.startswith("import time:")}
    ours = {m for m in modules if m.split(".")[0] == "searcher"}
    assert ours == {"searcher", "searcher.server", "searcher.server.client",
                    "searcher.server.wire"}
    assert not modules & {"click", "rich", "numpy", "whoosh", "socket", "signal", "json"}


def test_the_installed_command_imports_no_more_than_the_client(server, corpus_index_dir):
    """``scripts/searcher``, the command pip installs: not pip's console-script template,
    which imports ``re`` first. Run without ``site`` (-S), whose ``.pth`` files vary by
    machine, so what is counted is the script's own."""
    server.start()
    before = server.requests()
    done = subprocess.run([sys.executable, "-S", "-X", "importtime",
                           str(ROOT / "scripts" / "searcher"), "search", "停火", "-c",
                           "--index", str(corpus_index_dir)], cwd=ROOT,
                          env={**server.env, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout == b"5\n"
    assert server.requests() == before + 2
    modules = {line.split("|")[-1].strip() for line in done.stderr.decode().splitlines()
               if line.startswith("import time:")}
    assert "searcher.server.client" in modules
    assert not modules & {"re", "enum", "click", "rich", "numpy", "socket", "signal", "json"}


# --- every output the same as in-process -----------------------------------------------

MODES = {
    "plain": ["search", "停火"],
    "json": ["search", "停火", "--json"],
    "files": ["search", "停火", "-l"],
    "null": ["search", "停火", "-0"],
    "files null": ["search", "停火", "-l0"],
    "only matching": ["search", "普京", "-o", "--context", "4"],
    "csv": ["search", "停火", "--csv"],
    "format": ["search", "停火", "--format", "{date}\t{title}\t{url}"],
    "count": ["search", "停火", "-c"],
    "timeline": ["search", "停火", "--timeline", "--by", "year"],
    "timeline json": ["search", "停火", "--timeline", "--json"],
    "colour to a pipe": ["search", "停火", "--color", "always"],
    "operator hint": ["search", "停火 or 普京"],
    "bad query": ["search", "(停火"],
    "usage error": ["search", "停火", "--json", "-c"],
    "help": ["search", "--help"],  # the program's name, as click finds it
    "nothing found": ["search", "xyzzy"],
    "show": ["show", CORPUS_FILE, "普京"],
    "show json": ["show", CORPUS_FILE, "--json"],
    "show no match": ["show", CORPUS_FILE, "xyzzy"],
    "similar": ["similar", CORPUS_FILE, "-n", "3"],
    "stats": ["stats"],
    "stats json": ["stats", "--json"],
    "variants": ["variants", "川普"],
}


@pytest.mark.parametrize("mode", MODES)
def test_every_output_mode_is_the_in_process_one(shared_server, corpus_index_dir, mode):
    args = [*MODES[mode], "--index", str(corpus_index_dir)]
    before = shared_server.requests()
    served = run(args, shared_server.env)
    assert shared_server.requests() == before + 2  # served, not answered in-process
    assert outcome(served) == outcome(in_process(args, shared_server.env))


def test_stdout_and_stderr_on_one_pipe_come_in_the_same_order(shared_server, corpus_index_dir):
    args = [sys.executable, "-m", "searcher", "search", "停火 or 普京", "--index",
            str(corpus_index_dir)]

    def together(env: dict) -> bytes:
        return subprocess.run(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=300).stdout

    served = together(shared_server.env)
    assert served == together({**shared_server.env, "SEARCHER_NO_SERVER": "1"})
    assert served.startswith(b"searcher: hint: 'or' is searched as a word")


def test_a_missing_index_is_the_same_error(shared_server, tmp_path):
    args = ["search", "停火", "--index", str(tmp_path / "none")]
    served = run(args, shared_server.env, cwd=tmp_path)
    assert served.returncode == 2
    assert outcome(served) == outcome(in_process(args, shared_server.env, cwd=tmp_path))


@pytest.mark.parametrize("variables, columns", [({}, 100), ({"NO_COLOR": "1"}, 100),
                                                ({"COLUMNS": "60"}, 100), ({}, 72)])
def test_the_terminal_view_is_the_in_process_one(shared_server, corpus_index_dir, variables,
                                                 columns):
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    env = {**shared_server.env, **variables}
    before = shared_server.requests()
    served = run_in_pty(args, env, columns, size_variables=True)
    assert shared_server.requests() == before + 2
    alone = run_in_pty(args, {**env, "SEARCHER_NO_SERVER": "1"}, columns, size_variables=True)
    assert without_time(served) == without_time(alone)
    assert "\x1b[" in served and "停火" in served


def test_show_on_a_terminal_pages_in_process_and_without_the_pager_is_served(
        shared_server, corpus_index_dir):
    paged = ["show", CORPUS_FILE, "--index", str(corpus_index_dir)]
    env = {**shared_server.env, "PAGER": "cat"}
    before = shared_server.requests()
    assert run_in_pty(paged, env) == run_in_pty(paged, {**env, "SEARCHER_NO_SERVER": "1"})
    unpaged = [*paged, "--no-pager"]
    assert run_in_pty(unpaged, env) == run_in_pty(unpaged, {**env, "SEARCHER_NO_SERVER": "1"})
    assert shared_server.requests() == before + 2  # the unpaged one, and this status


# --- the spare worker answers request after request --------------------------------------


class ReadyGate:
    """The spare worker's pid each time it is ready for a connection (and has told the
    server so): a server started with ``env`` writes it into a FIFO this holds open."""

    def __init__(self, folder: Path) -> None:
        path = folder / "ready"
        os.mkfifo(path)
        self.env = {"SEARCHER_SERVER_TEST_GATE": f"{path}:ready"}
        self._reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self._writer = os.open(path, os.O_WRONLY)  # no end of file between two spares
        self._pids = b""
        self.seen: set[int] = set()

    def next(self) -> int:
        """The pid of the next spare to be ready (waited for)."""
        while b"\n" not in self._pids:
            ready, _, _ = select.select([self._reader], [], [], WAIT)
            assert ready, "no spare worker became ready"
            self._pids += os.read(self._reader, 64)
        line, self._pids = self._pids.split(b"\n", 1)
        self.seen.add(int(line))
        return int(line)

    def close(self) -> None:
        os.close(self._reader)
        os.close(self._writer)


class WatchedServer(Server):
    """A server started by ``python -m searcher.server`` whose spare worker tells ``gate``
    each time it is ready; ``pid`` is the first spare's. Tests make one connection at a
    time and wait for the spare to be ready again before the next: so the spare, ready, is
    the one to take it (the server does not accept a connection then)."""

    def __init__(self, env: dict, folder: Path, options: list[str]) -> None:
        super().__init__(env)
        self.gate = ReadyGate(folder)
        self.log_file = folder / "server.log"
        with open(self.log_file, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "searcher.server", *options],
                                            env={**env, **self.gate.env}, stdout=log)
        self.pid = self.gate.next()

    def log(self) -> str:
        return self.log_file.read_text()


@pytest.fixture
def spare_options() -> list[str]:
    """The server's options for ``spare`` (a test parametrizes them)."""
    return []


@pytest.fixture
def spare(server, tmp_path, spare_options):
    """``server`` as a ``WatchedServer``, its first spare warm and ready."""
    watched = WatchedServer(server.env, tmp_path, spare_options)
    yield watched
    watched.stop()
    watched.process.wait(timeout=WAIT)
    for pid in watched.gate.seen:  # a failed test's spare, held at a gate, left behind
        with contextlib.suppress(OSError):
            if b"searcher.server" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
    watched.gate.close()


def test_the_spare_answers_request_after_request_as_a_process_of_its_own_would(
        spare, corpus_index_dir, tmp_path):
    index = str(corpus_index_dir)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    relative = os.path.relpath(corpus_index_dir, elsewhere)
    from_elsewhere = {**spare.env, "PYTHONPATH": str(ROOT)}  # this checkout's client there
    colours = {**spare.env, "NO_COLOR": "1"}
    steps = [  # (args, environment, working folder or None for a terminal 72 wide)
        (["search", "停火", "--index", index], spare.env, ROOT),
        (["search", "停火", "--color", "always", "--index", index], colours, ROOT),
        (["search", "停火", "--color", "always", "--index", index], spare.env, ROOT),
        (["search", "停火", "-l", "--index", relative], from_elsewhere, elsewhere),
        (["search", "停火", "--json", "--index", index], spare.env, ROOT),
        (["search", "停火", "--index", index], {**spare.env, "COLUMNS": "60"}, None),
        (["search", "停火", "--index", index], colours, None),
        (["search", "停火", "--since", "2025-13", "--index", index], spare.env, ROOT),
        (["search", "普京", "-o", "--index", index], spare.env, ROOT),
        (["show", CORPUS_FILE, "普京", "--index", index], spare.env, ROOT),
        (["similar", CORPUS_FILE, "-n", "2", "--index", index], spare.env, ROOT),
        (["stats", "--json", "--index", index], spare.env, ROOT),
        (["variants", "川普", "--index", index], spare.env, ROOT),
        (["search", "停火", "--index", index], spare.env, None),
    ]
    for args, env, cwd in steps:
        if cwd is None:
            view = without_time(run_in_pty(args, env, 72, size_variables=True))
            assert spare.gate.next() == spare.pid, args  # it answered, and is ready again
            alone = run_in_pty(args, {**env, "SEARCHER_NO_SERVER": "1"}, 72,
                               size_variables=True)
            assert view == without_time(alone), args
            assert "\x1b[" in view and "停火" in view  # a terminal's view, styled
        else:
            served = run(args, env, cwd)
            assert spare.gate.next() == spare.pid, args
            assert outcome(served) == outcome(in_process(args, env, cwd)), args
    # The status page counts a spare's requests as the server hears it is ready again.
    status = wait_until(lambda: (status := spare.status())["spare"]["served"] >= len(steps)
                        and status, "the spare's requests counted")
    assert status["spare"]["pid"] == spare.pid and status["spare"]["private_bytes"] > 0
    assert re.search(rf"^spare worker {spare.pid}: \d+ requests? answered, [\d.]+ MB of its own",
                     run(["server", "status"], spare.env).stdout.decode(), re.M)


def test_the_clients_output_ends_when_the_command_does_though_the_spare_lives_on(
        spare, corpus_index_dir, tmp_path):
    """Its descriptors are let go of before the exit status is sent: a pipeline's reader
    (``searcher search … | cat``) or a terminal reaches the end of the output as the
    command exits, while the spare, held here, waits to answer the next."""
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    client = GatedClient(args, spare.env, tmp_path, point="replied")
    assert client.worker == spare.pid
    assert client.process.wait(timeout=WAIT) == 0
    output = b""
    while True:  # to the end of the pipe, which no writer holds any more
        ready, _, _ = select.select([client.process.stdout], [], [], WAIT)
        assert ready, "the spare still holds the client's stdout"
        chunk = os.read(client.process.stdout.fileno(), 65536)
        if not chunk:
            break
        output += chunk
    assert not gone(spare.pid)
    client.release()
    assert spare.gate.next() == spare.pid
    assert outcome(subprocess.CompletedProcess([], 0, output, client.process.stderr.read())) \
        == outcome(in_process(args, spare.env))


def test_an_interrupted_request_is_the_spares_last(spare, corpus_index_dir, tmp_path):
    args = ["search", "停火", "--index", str(corpus_index_dir)]
    assert outcome(run(args, spare.env)) == outcome(in_process(args, spare.env))
    assert spare.gate.next() == spare.pid
    client = GatedClient(args, spare.env, tmp_path)  # Ctrl-C works in a spare reused
    assert client.worker == spare.pid
    client.process.send_signal(signal.SIGINT)
    assert client.finish() == (130, "", b"")
    assert spare.gate.next() != spare.pid  # a new spare: the interrupted one exited
    assert gone(spare.pid)
    assert f"spare worker {spare.pid} exits after 2 requests: interrupted" in spare.log()


def test_a_spare_reused_sees_the_index_as_the_last_index_run_left_it(spare, tmp_path):
    index = own_index(tmp_path, spare.env)
    search = ["search", "停火 OR 熊猫", "--index", str(index), "--json"]
    assert outcome(run(search, spare.env)) == outcome(in_process(search, spare.env))
    assert spare.gate.next() == spare.pid  # holding the index now
    (tmp_path / "corpus" / "panda.txt").write_text("熊猫\n\n熊猫在成都。\n", encoding="utf-8")
    assert in_process(["index", "--index", str(index)], spare.env).returncode == 0
    updated = run(search, spare.env)
    assert spare.gate.next() == spare.pid
    assert outcome(updated) == outcome(in_process(search, spare.env))
    assert "panda.txt" in updated.stdout.decode()
    (tmp_path / "corpus" / "panda.txt").unlink()
    assert in_process(["index", "--rebuild", "--index", str(index)], spare.env).returncode == 0
    rebuilt = run(search, spare.env)
    assert spare.gate.next() == spare.pid
    assert outcome(rebuilt) == outcome(in_process(search, spare.env))
    assert "panda.txt" not in rebuilt.stdout.decode()


def test_a_waiting_spare_opens_and_warms_an_index_rebuilt_under_it(spare, tmp_path):
    """A ``searcher index`` run while the spare waits (cron's, say): the spare opens the new
    generation before any search asks for it, and tells the server to hold it too."""
    index = own_index(tmp_path, spare.env)
    search = ["search", "熊猫", "--index", str(index), "--json"]
    assert run(search, spare.env).returncode == 1
    assert spare.gate.next() == spare.pid  # holding the index now
    (tmp_path / "corpus" / "panda.txt").write_text("熊猫\n\n熊猫在成都。\n", encoding="utf-8")
    assert in_process(["index", "--rebuild", "--index", str(index)], spare.env).returncode == 0
    generation = str(index / (index / "CURRENT").read_text().strip())
    assert spare.gate.next() == spare.pid  # ready again, though no search came

    def open_in_spare() -> set[str]:
        files = set()
        for fd in os.listdir(f"/proc/{spare.pid}/fd"):
            with contextlib.suppress(FileNotFoundError):  # closed meanwhile
                files.add(os.readlink(f"/proc/{spare.pid}/fd/{fd}"))
        return files

    wait_until(lambda: any(file.startswith(generation + os.sep) for file in open_in_spare()),
               "the spare's reader on the new generation")
    served = run(search, spare.env)
    assert spare.gate.next() == spare.pid
    assert outcome(served) == outcome(in_process(search, spare.env))
    assert "panda.txt" in served.stdout.decode()
    wait_until(lambda: any(held["generation"] == os.path.basename(generation)
                           for held in spare.status()["indexes"]),
               "the server holding the new generation")


@pytest.mark.parametrize("spare_options", [["--spare-requests", "2"]])
def test_a_spare_exits_after_its_most_requests(spare, corpus_index_dir):
    args = ["search", "停火", "-c", "--index", str(corpus_index_dir)]
    assert run(args, spare.env).stdout == b"5\n"
    assert spare.gate.next() == spare.pid
    assert run(args, spare.env).stdout == b"5\n"
    following = spare.gate.next()
    assert following != spare.pid
    wait_until(lambda: gone(spare.pid), "the spare's exit")
    assert run(args, spare.env).stdout == b"5\n"
    assert spare.gate.next() == following
