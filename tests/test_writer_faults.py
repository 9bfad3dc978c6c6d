"""The writer under faults: a writer process killed mid-run (as by the out-of-memory killer),
the main process killed under its writer processes, a power cut after an incremental commit
(which files were flushed, and when), and a reader opened just before an incremental commit
that merges segments."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT
from tests.named_points import WAIT, Stopped

SIGKILL_BIT = 1 << (signal.SIGKILL - 1)  # in /proc/PID/status's masks of pending signals
HALF = 80  # articles in the index of ``half_indexed``, and new in its folder


def write_articles(folder: Path, numbers: range) -> None:
    """Small articles, slices of the samples, each with its own number (編號)."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    for i in numbers:
        sample = samples[i % len(samples)]
        start = (i * 97) % (len(sample) - 800)
        (folder / f"{i:03d}.txt").write_text(f"{sample[start:start + 800]}\n編號{i:03d}。",
                                             encoding="utf-8")


def indexed_paths(searcher, index: Path) -> set[str]:
    result = searcher("search", "編號", "--index", str(index), "-n", "0", "--json",
                     "--no-collapse")  # the articles overlap: each is wanted
    assert result.code in (0, 1), result.stderr
    return {hit["path"] for hit in result.json_lines()}  # document paths, whatever the cwd


def live_state(index: Path) -> tuple[str, set[str], str]:
    """What a failed run must leave as it was: CURRENT, the generations, the manifest."""
    current = (index / "CURRENT").read_text()
    return (current, {p.name for p in index.glob("gen-*")},
            (index / current.strip() / "files.json").read_text())


def indexed_and_more(searcher, tmp_path: Path, indexed: int, more: int) -> tuple[Path, Path]:
    """A folder of articles and an index of the first ``indexed`` of them; the folder holds
    ``more`` that the index does not hold yet."""
    folder, index = tmp_path / "articles", tmp_path / "idx"
    write_articles(folder, range(indexed))
    assert searcher("index", str(folder), "--index", str(index)).code == 0
    write_articles(folder, range(indexed, indexed + more))
    return folder, index


@pytest.fixture
def half_indexed(searcher, tmp_path) -> tuple[Path, Path]:
    """An index of 80 articles, and 80 more in its folder that it does not hold yet (work for
    both writer processes: a batch is 32 articles)."""
    return indexed_and_more(searcher, tmp_path, HALF, HALF)


@pytest.mark.parametrize("rebuild", [True, False], ids=["rebuild", "incremental"])
def test_a_killed_writer_process_cancels_the_run(searcher, cli_env, half_indexed, rebuild):
    folder, index = half_indexed
    before, state = indexed_paths(searcher, index), live_state(index)
    assert len(before) == HALF
    # the first writer process to write its segment is killed there
    with Stopped(["index", "--index", str(index), "--procs", "2",
                  *(["--rebuild"] if rebuild else [])], "segment", cli_env, action="kill",
                 role="fork") as writer:
        victim = writer.reached()
        code, stdout, stderr = writer.finish()
    assert code == 2, (stdout, stderr)
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert f"writer process {victim} was killed by SIGKILL" in stderr
    assert live_state(index) == state
    assert indexed_paths(searcher, index) == before
    # The next run finds the new articles still to do, and does them.
    summary = json.loads(searcher("index", "--index", str(index), "--json").stdout)
    assert (summary["added"], summary["unchanged"]) == (HALF, HALF)
    assert indexed_paths(searcher, index) == {f"{i:03d}.txt" for i in range(2 * HALF)}


FULL_DISK = """
import errno, multiprocessing, sys
import whoosh.filedb.structfile as structfile

written = [0]
original = structfile.StructFile.write

def write(self, data):  # the disk fills up while a writer process (a fork) writes
    if multiprocessing.parent_process() is not None:
        written[0] += len(data)
        if written[0] > 50_000:
            raise OSError(errno.ENOSPC, "No space left on device")
    return original(self, data)

structfile.StructFile.write = write
from searcher.cli import main
main(sys.argv[1:])
"""


def test_a_failed_writer_process_cancels_the_run_in_one_line(cli_env, searcher, half_indexed):
    folder, index = half_indexed
    before, state = indexed_paths(searcher, index), live_state(index)
    failed = subprocess.run([sys.executable, "-c", FULL_DISK, "index", "--index", str(index),
                             "--procs", "2", "--rebuild"], cwd=ROOT, env=cli_env,
                            capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2, failed.stdout
    assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.stderr, failed.stderr
    assert f"no space left on device writing {index}" in failed.stderr
    assert live_state(index) == state
    assert indexed_paths(searcher, index) == before


def test_writer_processes_die_with_searcher_index(searcher, cli_env, half_indexed):
    folder, index = half_indexed
    # both writer processes held as they write their segment (well past their first steps,
    # where a process asks to die with its parent), and the main process killed
    with Stopped(["index", "--index", str(index), "--procs", "2", "--rebuild"], "segment",
                 cli_env, role="fork", times=2) as writer:
        children = [writer.reached(), writer.reached()]
        assert writer.process.poll() is None, "the rebuild ended before it was killed"
        writer.process.send_signal(signal.SIGKILL)
        assert writer.process.wait(timeout=WAIT) == -signal.SIGKILL
        for child in children:  # already dead, or sent SIGKILL as their parent died
            try:
                status = dict(line.split(":\t", 1) for line in
                              Path(f"/proc/{child}/status").read_text().splitlines())
            except FileNotFoundError:
                continue
            pending = int(status["SigPnd"], 16) | int(status["ShdPnd"], 16)
            assert status["State"][0] in "ZX" or pending & SIGKILL_BIT, (child, status)
        # so the next writer gets the lock (an orphan, still held, would hold it, inherited)
        assert searcher("index", "--index", str(index)).code == 0
    assert indexed_paths(searcher, index) == {f"{i:03d}.txt" for i in range(2 * HALF)}


RECORD_FSYNCS = """
import os, sys
log = open(sys.argv[1], "a", buffering=1)
real_fsync = os.fsync

def fsync(fd):
    number = fd if isinstance(fd, int) else fd.fileno()
    log.write(f"{os.fstat(number).st_ino} {os.readlink(f'/proc/self/fd/{number}')}\\n")
    return real_fsync(fd)

os.fsync = fsync
from searcher.cli import main
main(sys.argv[2:])
"""


@pytest.mark.parametrize("procs", ["1", "2"])
def test_an_incremental_commit_is_on_disk_before_its_manifest(searcher, cli_env, tmp_path,
                                                              procs):
    """A power cut keeps only what was flushed: every file the new manifest relies on (the new
    segment files, the TOC naming them, the folder's entries) must be flushed before the
    manifest is written, or the next run believes documents indexed that are not."""
    folder, index = tmp_path / "articles", tmp_path / "idx"
    write_articles(folder, range(40))
    assert searcher("index", str(folder), "--index", str(index)).code == 0
    generation = index / (index / "CURRENT").read_text().strip()
    before = {p.name: p.stat().st_ino for p in generation.iterdir()}
    write_articles(folder, range(40, 80))
    (folder / "000.txt").write_text("改寫的停火文章。編號000。", encoding="utf-8")
    log = tmp_path / "fsync.log"
    done = subprocess.run([sys.executable, "-c", RECORD_FSYNCS, str(log), "index", "--index",
                           str(index), "--procs", procs], cwd=ROOT, env=cli_env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (index / "CURRENT").read_text().strip() == generation.name  # incremental
    synced = [int(line.split(" ", 1)[0]) for line in log.read_text().splitlines()]
    manifest = synced.index((generation / "files.json").stat().st_ino)
    synced_before = synced[:manifest]
    new = {p.name: p.stat().st_ino for p in generation.iterdir() if p.is_file()
           and before.get(p.name) != p.stat().st_ino
           and p.name not in ("files.json", "searcher.json", "checksums.json")}
    assert any(name.endswith(".toc") for name in new)
    assert {name for name, inode in new.items() if inode not in synced_before} == set()
    folder_synced = [i for i, inode in enumerate(synced_before)
                     if inode == generation.stat().st_ino]
    last_file = max(synced_before.index(inode) for inode in new.values())
    assert folder_synced and folder_synced[-1] > last_file
    assert len(indexed_paths(searcher, index)) == 80


def test_a_reader_opened_before_an_incremental_merge_keeps_reading(tmp_path, settings):
    from searcher.engine.store import open_index
    from searcher.indexing.update import update_index
    from searcher.search.ranked import search

    folder, index = tmp_path / "articles", tmp_path / "idx"
    write_articles(folder, range(30))
    update_index(index, [folder], settings)
    for i in (30, 31):  # two small segments beside the first: the next commit merges them
        write_articles(folder, range(i, i + 1))
        update_index(index, [folder], settings)
    generation = index / (index / "CURRENT").read_text().strip()
    segment_files = {p.name for p in generation.glob("MAIN_*")}

    def paths(opened) -> list[str]:
        return [hit.path for hit in search(opened, "編號", limit=None, collapse=False).hits]

    expected = paths(open_index(index))
    assert len(expected) == 32
    opened = open_index(index)
    opened.reader()  # opens the segments; some of their files are opened only when needed
    write_articles(folder, range(32, 33))
    (folder / "031.txt").unlink()
    report = update_index(index, [folder], settings)
    assert (report.added, report.removed) == (1, 1)
    assert paths(opened) == expected  # no IndexDamagedError, and the index as it was opened
    assert sorted(paths(open_index(index))) == [f"{i:03d}.txt" for i in range(33) if i != 31]
    # The merged segments' files go with the commit after: nothing is kept for ever.
    write_articles(folder, range(33, 34))
    update_index(index, [folder], settings)
    assert segment_files - {p.name for p in generation.glob("MAIN_*")}
