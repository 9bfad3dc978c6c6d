"""A write that fails leaves nothing of itself: a run that fills the disk, or is sent SIGTERM,
leaves the live generation exactly as it was (its files and their bytes) and says so in one
line naming the index; a rebuild leaves no half-built generation; what a writer killed
outright left is removed by the next; and the next run, space back, converges on what a clean
build holds. The faults are injected at named points (the first write of a file of a kind, in
the main process or a writer process), so each run fails at the same place every time."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_writer_faults import indexed_and_more, write_articles

# Runs the CLI with a fault at a named point: a write to a file whose name holds PATTERN, in
# the main process or in a writer process (a fork). FAULT is ENOSPC (what a full disk gives),
# SIGKILL (to the process writing, as the out-of-memory killer sends it) or SIGTERM (to the
# main process, as a service manager sends it).
FAULT_LAUNCHER = """
import errno, multiprocessing, os, signal, sys
import whoosh.filedb.structfile as structfile
fault, role, pattern = sys.argv[1:4]
del sys.argv[1:4]
original = structfile.StructFile.write

def write(self, data):
    in_writer_process = multiprocessing.parent_process() is not None
    if pattern in str(self._name) and in_writer_process == (role == "writer"):
        if fault == "ENOSPC":
            raise OSError(errno.ENOSPC, "No space left on device")
        main = os.getppid() if in_writer_process else os.getpid()
        os.kill(main if fault == "SIGTERM" else os.getpid(), getattr(signal, fault))
    return original(self, data)

structfile.StructFile.write = write
from searcher.cli import main
main(sys.argv[1:])
"""


def generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def folder_state(index: Path) -> dict:
    """Every entry of the index folder and of its live generation, with its bytes."""
    state = {}
    for path in [*index.iterdir(), *generation(index).iterdir()]:
        if path.name != ".lock":
            state[str(path.relative_to(index))] = (path.read_bytes() if path.is_file()
                                                    else "folder")
    return state


def run_with_fault(cli_env, fault: str, role: str, pattern: str, *args: str):
    return subprocess.run([sys.executable, "-c", FAULT_LAUNCHER, fault, role, pattern, *args],
                          cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=300)


def searchable(searcher, index: Path) -> tuple[list[str], list[str]]:
    """What the index answers: every article's path and title, and a phrase's matches."""
    articles = searcher("search", "編號", "--index", str(index), "-n", "0", "--json",
                       "--no-collapse")
    phrase = searcher("search", '"停火"', "--json", "-n", "0", "--index", str(index))
    return (sorted(f"{hit['path']} {hit['title']}" for hit in articles.json_lines()),
            sorted(hit["path"] for hit in phrase.json_lines()))


CHANGED = "改寫的停火文章。編號003。"  # what the folder of ``growing`` has in 003.txt now


@pytest.fixture
def growing(searcher, tmp_path) -> tuple[Path, Path]:
    """An index of 40 articles, and 40 more (and one changed) in its folder."""
    folder, index = indexed_and_more(searcher, tmp_path, 40, 40)
    (folder / "003.txt").write_text(CHANGED, encoding="utf-8")
    return folder, index


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory) -> Path:
    """A fresh build of what the folder of ``growing`` holds once changed."""
    from searcher.analysis.settings import AnalysisSettings
    from searcher.indexing.update import update_index

    folder = tmp_path_factory.mktemp("clean") / "articles"
    write_articles(folder, range(80))
    (folder / "003.txt").write_text(CHANGED, encoding="utf-8")
    update_index(folder.parent / "idx", [folder], AnalysisSettings.default())
    return folder.parent / "idx"


# (where the disk fills up, in which process, how many writer processes, a rebuild?)
FULL_DISK_POINTS = [
    ("postings", "main", "1", False),  # the new segment's postings
    (".toc", "main", "1", False),  # the commit's table of contents, under its temporary name
    ("postings", "writer", "2", False),  # a writer process's segment
    ("postings", "main", "1", True),  # a rebuild's new generation
    ("postings", "writer", "2", True),
]


@pytest.mark.parametrize("pattern, role, procs, rebuild", FULL_DISK_POINTS)
def test_a_run_that_fills_the_disk_leaves_the_index_as_it_was(searcher, cli_env, growing,
                                                              clean_build, pattern, role,
                                                              procs, rebuild):
    folder, index = growing
    before = folder_state(index)
    answers = searchable(searcher, index)
    failed = run_with_fault(cli_env, "ENOSPC", role, pattern, "index", "--index", str(index),
                            "--procs", procs, *(["--rebuild"] if rebuild else []))
    assert failed.returncode == 2 and failed.stderr.count("\n") == 1, failed.stderr
    assert "no space left on device writing" in failed.stderr and str(index) in failed.stderr
    assert "nothing indexed before is lost" in failed.stderr
    assert folder_state(index) == before  # no partial segment, no MAIN.tmp, no generation
    assert searchable(searcher, index) == answers
    # Space back: the next run does the work, and the index is what a clean build makes.
    assert searcher("index", "--index", str(index)).code == 0
    assert searchable(searcher, index) == searchable(searcher, clean_build)
    assert searcher("check", "--index", str(index)).code == 0


@pytest.mark.parametrize("procs", ["1", "2"])
def test_a_terminated_run_is_undone_before_it_ends(searcher, cli_env, growing, procs):
    folder, index = growing
    before = folder_state(index)
    # as the segment is written: by the main process, or by the first writer process
    role = "main" if procs == "1" else "writer"
    ended = run_with_fault(cli_env, "SIGTERM", role, "postings", "index", "--index",
                           str(index), "--procs", procs)
    assert ended.returncode == -signal.SIGTERM, (ended.returncode, ended.stderr)
    assert ended.stderr == ""
    assert folder_state(index) == before
    assert searcher("index", "--index", str(index)).code == 0
    assert len(searchable(searcher, index)[0]) == 80


def test_what_a_killed_writer_left_is_removed_by_the_next(searcher, cli_env, growing):
    folder, index = growing
    before = set(folder_state(index))
    killed = run_with_fault(cli_env, "SIGKILL", "main", "postings", "index", "--index",
                            str(index))
    assert killed.returncode == -signal.SIGKILL
    left = set(folder_state(index)) - before
    assert any(name.endswith(".postings") for name in left), left  # a segment half written
    for number in range(40, 80):  # nothing new: the next run writes nothing of its own
        (folder / f"{number:03d}.txt").unlink()
    write_articles(folder, range(3, 4))
    assert searcher("index", "--index", str(index)).code == 0
    assert set(folder_state(index)) == before


TORN_SEGMENT = """
import errno, sys
from searcher.engine.whoosh import processes

def torn(self):  # what a writer process killed while it queued its segment leaves
    self.segmentqueue._writer.send_bytes(b"not a pickle")
    raise OSError(errno.EIO, "Input/output error")

processes._SegmentsTask._write_segments = torn
from searcher.cli import main
main(sys.argv[1:])
"""


def test_a_torn_segment_message_is_one_line_not_a_traceback(searcher, cli_env, growing):
    folder, index = growing
    before = folder_state(index)
    failed = subprocess.run([sys.executable, "-c", TORN_SEGMENT, "index", "--index",
                             str(index), "--procs", "2"], cwd=ROOT, env=cli_env,
                            capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert "writer process" in failed.stderr and "Input/output error" in failed.stderr
    assert folder_state(index) == before
