"""``searcher watch``, run as a real process: a file saved is found after the next update; a
storm of renames (during updates too) ends in the index a fresh ``searcher index`` builds;
a deleted folder's documents go, a deleted root's stay until it is back; an update that
fills the disk, or is killed, is said and the next one recovers; a watching thread that
fails is replaced;
SIGTERM and Ctrl-C end it cleanly.

Each test waits on the watch's own ``--json`` lines, each wait bounded, never on the clock."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_writer_faults import write_articles

WAIT = 60  # seconds for a line the watch owes: a regression fails rather than hangs

# Runs the CLI with a fault in every write of an index file while the file FAULT_FLAG names
# exists: ENOSPC (what a full disk gives, as tests/test_failed_writes.py injects it), or
# SIGKILL to the process writing (as the out-of-memory killer sends it).
FAULT_LAUNCHER = """
import errno, os, signal, sys
import whoosh.filedb.structfile as structfile
fault, flag = os.environ["FAULT"], os.environ["FAULT_FLAG"]
original = structfile.StructFile.write

def write(self, data):
    if os.path.exists(flag):
        if fault == "ENOSPC":
            raise OSError(errno.ENOSPC, "No space left on device")
        os.kill(os.getpid(), signal.SIGKILL)
    return original(self, data)

structfile.StructFile.write = write
from searcher.cli import main
main(sys.argv[1:])
"""


# Runs the CLI with its next update held, once the file HOLD names exists, after it has
# walked the folders and before it takes the writer's lock, until a line comes on stdin:
# what changes meanwhile changes during an update.
HELD_LAUNCHER = """
import os, sys
from searcher.indexing import update
take_lock, hold = update.writer_lock, os.environ["HOLD"]

def writer_lock(*args, **kwargs):
    if os.path.exists(hold):
        os.unlink(hold)
        sys.stderr.write("held\\n")
        sys.stderr.flush()
        sys.stdin.readline()
    return take_lock(*args, **kwargs)

update.writer_lock = writer_lock
from searcher.cli import main
main(sys.argv[1:])
"""

# Runs the CLI with watchdog's inotify reader failing once, on the events that name
# crash.txt, as its bookkeeping fails under heavy churn (a KeyError that ends its thread).
WATCHDOG_FAULT_LAUNCHER = """
import sys
from watchdog.observers import inotify_c
read_events = inotify_c.Inotify.read_events
failed = []

def read_events_once_failing(self, *args, **kwargs):
    events = read_events(self, *args, **kwargs)
    if not failed and any(event.name == b"crash.txt" for event in events):
        failed.append(True)
        raise KeyError(b"crash.txt")
    return events

inotify_c.Inotify.read_events = read_events_once_failing
from searcher.cli import main
main(sys.argv[1:])
"""

class Watch:
    """A ``searcher watch --json`` process; its lines are read as they come."""

    def __init__(self, args: list[str], env: dict, launcher: list[str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*(launcher or [sys.executable, "-m", "searcher"]), "watch", "--json", *args],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", start_new_session=True)
        self.lines: queue.Queue = queue.Queue()  # stdout's lines, then None at its end
        self.stderr: list[str] = []
        self.said = threading.Condition()  # notified at each line of stderr
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            with self.said:
                self.stderr.append(line)
                self.said.notify_all()

    def wait_said(self, start: str) -> str:
        """The first line of stderr that starts with ``start``, once it is there."""
        def line() -> str | None:
            return next((line for line in self.stderr if line.startswith(start)), None)

        with self.said:
            if not self.said.wait_for(line, timeout=WAIT):
                pytest.fail(f"the watch did not say {start!r} in {WAIT} s: {self.stderr}")
            return line()

    def next(self, kind: str) -> dict:
        """The next line of type ``kind``, the lines of other types before it passed over."""
        import json

        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                pytest.fail(f"no {kind!r} line from the watch in {WAIT} s; stderr: "
                            f"{''.join(self.stderr)}")
            if line is None:
                pytest.fail(f"the watch ended ({self.process.wait()}) before a {kind!r} "
                            f"line; stderr: {''.join(self.stderr)}")
            record = json.loads(line)
            if record["type"] == kind:
                return record

    def release(self) -> None:
        """Let a held update go on (``HELD_LAUNCHER``)."""
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def end(self, signum: int, group: bool = False) -> int:
        """Its exit status once sent ``signum``, alone or with its process group (as a
        terminal sends Ctrl-C: to the update's process too)."""
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        return self.process.wait(timeout=WAIT)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT)


@pytest.fixture
def watch(cli_env):
    started: list[Watch] = []

    def start(*args: str, launcher: list[str] | None = None, env: dict | None = None) -> Watch:
        started.append(Watch(["--debounce", "0.2", *args], {**cli_env, **(env or {})},
                             launcher))
        return started[-1]

    yield start
    for process in started:
        process.close()


def count(searcher, index: Path, query: str) -> int:
    result = searcher("search", query, "--index", str(index), "-c")
    assert result.code in (0, 1), result.stderr
    return int(result.stdout)


def answers(searcher, index: Path) -> tuple[list[str], list[str]]:
    """Every article's path and title, and a phrase's matches."""
    every = searcher("search", "編號", "--index", str(index), "-n", "0", "--json",
                     "--no-collapse")
    phrase = searcher("search", '"停火"', "--index", str(index), "-n", "0", "--json")
    return (sorted(f"{hit['path']} {hit['title']}" for hit in every.json_lines()),
            sorted(hit["path"] for hit in phrase.json_lines()))


def test_a_file_saved_is_found_after_the_next_update(watch, searcher, tmp_path):
    folder = tmp_path / "articles"
    write_articles(folder, range(5))
    index = folder / "index"  # inside what is watched: its own writes must start nothing
    watching = watch(str(folder), "--index", str(index))
    assert watching.next("watching")["roots"] == [str(folder.resolve())]
    first = watching.next("update")
    assert first["added"] == 5 and first["rebuilt"]
    (folder / "new.txt").write_text("普丁與川普通話。新存的文章。", encoding="utf-8")
    assert watching.next("update")["added"] == 1
    assert count(searcher, index, "新存的文章") == 1
    (folder / "new.txt").write_text("改過的文章。", encoding="utf-8")
    (folder / ".hidden.txt").write_text("藏起來的文章。", encoding="utf-8")
    assert watching.next("update")["updated"] == 1
    assert count(searcher, index, "改過的文章") == 1 and count(searcher, index, "新存的文章") == 0
    assert count(searcher, index, "藏起來的文章") == 0


def storm(folder: Path, round_: int) -> None:
    """Fifty renames: files to new names, to a hidden name and back, to a partial download's
    name and back, into the subfolder and out; the subfolder renamed; a file replaced by
    another renamed over it (an editor's save)."""
    for step in range(50):
        files = sorted(folder.glob("*.txt"))
        file = files[(round_ * 50 + step) % len(files)]
        sub = next(folder.glob("sub-*"))
        kind = step % 5
        if kind == 0:
            file.rename(folder / f"f{round_}-{step}.txt")
        elif kind == 1:
            hidden = folder / f".{file.name}"
            file.rename(hidden)
            hidden.rename(file)
        elif kind == 2:
            partial = file.with_suffix(".txt.part")
            file.rename(partial)
            partial.rename(file)
        elif kind == 3:
            file.rename(sub / file.name)
            sorted(sub.glob("*.txt"))[0].rename(folder / f"b{round_}-{step}.txt")
            sub.rename(folder / f"sub-{round_}-{step}")
        else:
            saved = folder / f".{file.name}.swp"
            saved.write_text(f"編號{round_}-{step}：編輯後存檔的停火文章。", encoding="utf-8")
            saved.rename(file)


def test_a_rename_storm_ends_in_the_index_a_fresh_run_builds(watch, searcher, tmp_path):
    folder, index = tmp_path / "articles", tmp_path / "index"
    write_articles(folder, range(30))
    write_articles(folder / "sub-0", range(30, 40))
    watching = watch(str(folder), "--index", str(index),
                     launcher=[sys.executable, "-c", HELD_LAUNCHER],
                     env={"HOLD": str(tmp_path / "hold")})
    watching.next("update")
    (tmp_path / "hold").touch()
    for round_ in range(3):
        storm(folder, round_)
    watching.wait_said("held")  # the next update has walked the folders: storm on
    for round_ in range(3, 8):
        storm(folder, round_)
    watching.release()
    assert searcher("index", str(folder), "--index", str(tmp_path / "fresh")).code == 0
    fresh = answers(searcher, tmp_path / "fresh")
    assert len(fresh[0]) == 40 and fresh[1]
    while answers(searcher, index) != fresh:  # each update brings it closer, or it hangs
        watching.next("update")
    assert searcher("check", "--index", str(index)).code == 0


def test_a_deleted_folder_goes_and_a_deleted_root_is_waited_for(watch, searcher, tmp_path):
    folder, index = tmp_path / "articles", tmp_path / "index"
    write_articles(folder, range(4))
    (folder / "old").mkdir()
    for n in range(3):
        (folder / "old" / f"{n}.txt").write_text(f"舊的文章{n}。", encoding="utf-8")
    watching = watch(str(folder), "--index", str(index))
    assert watching.next("update")["added"] == 7
    shutil.rmtree(folder / "old")
    assert watching.next("update")["removed"] == 3
    assert count(searcher, index, "舊的文章") == 0
    shutil.rmtree(folder)
    assert watching.next("gone")["root"] == str(folder)
    assert count(searcher, index, "編號") == 4  # kept, as a `searcher index` run keeps them
    watching.wait_said(f"searcher: {folder} is gone: its documents stay in {index}")
    folder.mkdir()
    (folder / "again.txt").write_text("回來的文章。", encoding="utf-8")
    assert watching.next("back")["root"] == str(folder)
    update = watching.next("update")
    assert (update["added"], update["removed"]) == (1, 4)
    assert count(searcher, index, "回來的文章") == 1 and count(searcher, index, "編號") == 0
    folder.rename(tmp_path / "moved")  # only its parent's watch sees this
    assert watching.next("gone")["root"] == str(folder)
    (tmp_path / "moved").rename(folder)
    assert watching.next("back")["root"] == str(folder)
    assert watching.next("update")["unchanged"] == 1
    (folder / "later.txt").write_text("後來的文章。", encoding="utf-8")  # watched anew
    assert watching.next("update")["added"] == 1


@pytest.mark.parametrize("fault, said", [
    ("ENOSPC", "no space left on device writing "),
    ("SIGKILL", "the update's process was killed by SIGKILL; the index is as it was"),
])
def test_an_update_that_fails_is_said_and_the_next_recovers(watch, searcher, tmp_path,
                                                            fault, said):
    folder, index, flag = tmp_path / "articles", tmp_path / "index", tmp_path / "FAULT"
    write_articles(folder, range(5))
    watching = watch(str(folder), "--index", str(index),
                     launcher=[sys.executable, "-c", FAULT_LAUNCHER],
                     env={"FAULT": fault, "FAULT_FLAG": str(flag)})
    watching.next("update")
    before = answers(searcher, index)
    flag.touch()
    (folder / "first.txt").write_text("出錯時存的文章。", encoding="utf-8")
    failed = watching.next("failed")
    assert failed["error"].startswith(said) and failed["retry_seconds"] > 0
    watching.wait_said(f"searcher: update failed: {said}")
    assert "Traceback" not in "".join(watching.stderr)
    assert answers(searcher, index) == before
    (folder / "second.txt").write_text("修好後存的文章。", encoding="utf-8")
    flag.unlink()
    while count(searcher, index, "修好後存的文章") == 0:
        watching.next("update")
    assert count(searcher, index, "出錯時存的文章") == 1  # what the failed update lost
    assert searcher("check", "--index", str(index)).code == 0


def test_a_watching_thread_that_fails_is_replaced(watch, searcher, tmp_path):
    folder, index = tmp_path / "articles", tmp_path / "index"
    write_articles(folder, range(3))
    watching = watch(str(folder), "--index", str(index),
                     launcher=[sys.executable, "-c", WATCHDOG_FAULT_LAUNCHER])
    watching.next("update")
    (folder / "crash.txt").write_text("讓監看出錯的文章。", encoding="utf-8")
    assert watching.next("rewatch")["error"] == "KeyError: b'crash.txt'"
    assert watching.next("update")["added"] == 1  # what the failed thread did not pass on
    (folder / "after.txt").write_text("之後存的文章。", encoding="utf-8")
    assert watching.next("update")["added"] == 1  # watched again
    assert count(searcher, index, "讓監看出錯的文章") == count(searcher, index, "之後存的文章") == 1
    watching.wait_said("searcher: watching the folders failed (KeyError: b'crash.txt')")
    assert "Traceback" not in "".join(watching.stderr)


def test_sigterm_ends_the_watch_cleanly(watch, searcher, tmp_path):
    folder, index = tmp_path / "articles", tmp_path / "index"
    write_articles(folder, range(3))
    watching = watch(str(folder), "--index", str(index))
    watching.next("update")
    assert watching.end(signal.SIGTERM) == -signal.SIGTERM  # as a service manager expects
    assert "Traceback" not in "".join(watching.stderr)
    assert searcher("check", "--index", str(index)).code == 0


def test_ctrl_c_during_an_update_undoes_it_and_ends_the_watch(watch, searcher, tmp_path):
    folder, index = tmp_path / "articles", tmp_path / "index"
    write_articles(folder, range(3))
    watching = watch(str(folder), "--index", str(index),
                     launcher=[sys.executable, "-c", HELD_LAUNCHER],
                     env={"HOLD": str(tmp_path / "hold")})
    watching.next("update")
    before = answers(searcher, index)
    (tmp_path / "hold").touch()
    (folder / "new.txt").write_text("中斷時存的文章。編號。", encoding="utf-8")
    watching.wait_said("held")
    assert watching.end(signal.SIGINT, group=True) == 130
    assert "Traceback" not in "".join(watching.stderr)
    assert "Exception ignored" not in "".join(watching.stderr)
    assert answers(searcher, index) == before
    assert searcher("check", "--index", str(index)).code == 0


def test_a_path_that_does_not_exist_is_one_line_and_exit_2(searcher, tmp_path):
    result = searcher("watch", str(tmp_path / "nowhere"), "--index", str(tmp_path / "i"))
    assert result.code == 2
    assert result.stderr == f"searcher: error: no such file or folder: {tmp_path}/nowhere\n"


def test_without_watchdog_the_command_says_how_to_install_it(searcher, tmp_path,
                                                              monkeypatch):
    monkeypatch.setitem(sys.modules, "watchdog.observers", None)  # as if not installed
    write_articles(tmp_path / "articles", range(1))
    result = searcher("watch", str(tmp_path / "articles"), "--index", str(tmp_path / "i"))
    assert result.code == 2
    assert result.stderr == ("searcher: error: searcher watch needs the watchdog library: "
                             "pip install watchdog==6.0.0\n")


@pytest.mark.parametrize("event, paths, wanted", [
    ("FileCreatedEvent", ["{root}/a.txt"], True),
    ("FileModifiedEvent", ["{root}/sub/a.md"], True),
    ("FileMovedEvent", ["{root}/a.txt.part", "{root}/a.txt"], True),
    ("FileDeletedEvent", ["{root}/a.html"], True),
    ("DirCreatedEvent", ["{root}/sub"], True),
    ("DirMovedEvent", ["{root}/sub", "{root}/other"], True),
    ("DirDeletedEvent", ["{root}"], True),  # the root itself, seen from its parent
    ("DirCreatedEvent", ["{parent}"], True),  # a folder that holds the root, come back
    ("FileOpenedEvent", ["{root}/a.txt"], False),  # each update reads what it indexes
    ("FileClosedNoWriteEvent", ["{root}/a.txt"], False),
    ("DirModifiedEvent", ["{root}/sub"], False),  # comes with a change inside, which counts
    ("FileModifiedEvent", ["{root}/index/gen-1/MAIN.toc"], False),  # the index's own writes
    ("FileModifiedEvent", ["{root}/index/.lock"], False),
    ("FileCreatedEvent", ["{root}/.git/a.txt"], False),  # hidden
    ("FileCreatedEvent", ["{root}/.a.txt"], False),
    ("FileModifiedEvent", ["{root}/a.jpg"], False),  # not a corpus file
    ("FileCreatedEvent", ["{parent}/sibling.txt"], False),  # beside the root
])
def test_what_starts_an_update(tmp_path, event, paths, wanted):
    from watchdog import events

    from searcher.indexing.watch import matters

    root = tmp_path / "deep" / "articles"
    seen = getattr(events, event)(*(p.format(root=root, parent=root.parent) for p in paths))
    assert matters(seen, root / "index", [root]) is wanted
