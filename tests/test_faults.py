"""Faults through the real CLI: a corrupted index, a full disk, a read-only index, hostile
corpus files and an unreadable one. (Searches during a rebuild: tests/test_index_safety.py.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT

WITH_FULL_DISK = """
import errno, sys
import whoosh.filedb.structfile as structfile

written = [0]
original = structfile.StructFile.write

def write(self, data):
    written[0] += len(data)
    if written[0] > 200_000:  # the disk fills up part way through the new index
        raise OSError(errno.ENOSPC, "No space left on device")
    return original(self, data)

structfile.StructFile.write = write
from searcher.cli import main
sys.argv = ["searcher"] + sys.argv[1:]
main()
"""


@pytest.fixture
def built(searcher, corpus_copy, tmp_path) -> Path:
    index = tmp_path / "idx"
    assert searcher("index", str(corpus_copy), "--index", str(index)).code == 0
    return index


def generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def test_truncated_segment_is_reported_with_the_fix(searcher, built):
    largest = max((f for f in generation(built).iterdir()
                   if f.is_file() and f.name.startswith("MAIN")),  # Whoosh's segment files
                  key=lambda f: f.stat().st_size)
    with open(largest, "r+b") as handle:
        handle.truncate(largest.stat().st_size // 3)
    result = searcher("search", "停火", "--index", str(built))
    assert result.code == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"searcher index --rebuild --index {built}" in result.stderr
    assert searcher("index", "--rebuild", "--index", str(built)).code == 0
    assert searcher("search", "停火", "--index", str(built)).code == 0


def test_full_disk_fails_the_run_and_keeps_the_live_index(cli_env, searcher, built):
    before = searcher("search", "停火", "--json", "--index", str(built)).stdout
    live = generation(built)
    failed = subprocess.run([sys.executable, "-c", WITH_FULL_DISK, "index", "--rebuild",
                             "--index", str(built)], cwd=ROOT, env=cli_env,
                            capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "no space left on device writing" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert generation(built) == live and [p for p in built.glob("gen-*")] == [live]
    assert searcher("search", "停火", "--json", "--index", str(built)).stdout == before


def test_read_only_index_still_serves_searches(cli_env, built):
    search = [sys.executable, "-m", "searcher", "search", "停火", "--json", "--index", str(built)]
    if os.geteuid() == 0:
        # root ignores permission bits: make the folder truly read-only, in a mount namespace
        # of the test's own so nothing outside sees it
        script = (f"mount --bind {built} {built} && mount -o remount,bind,ro {built} && "
                  f"touch {built}/probe 2>/dev/null && exit 99; exec \"$@\"")
        command = ["unshare", "--mount", "sh", "-c", script, "sh", *search]
    else:
        for path in [built, *built.rglob("*")]:
            os.chmod(path, 0o555 if path.is_dir() else 0o444)
        command = search
    try:
        result = subprocess.run(command, cwd=ROOT, env=cli_env, capture_output=True, text=True,
                                timeout=300)
    finally:
        for path in [built, *built.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 5


def test_hostile_corpus_files_are_indexed_or_skipped(run_cli, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    shutil.copy(CORPUS / "004_6341f3f655f86c6f.txt", folder / "good.txt")
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")
    (folder / "dir-loop").symlink_to(folder, target_is_directory=True)
    (folder / "broken-utf8.txt").write_bytes("停火協議。".encode() * 50 + b"\xff\xfe\xfa"
                                             + "後續。".encode() * 50)
    (folder / "line\nbreak.txt").write_text("換行檔名的停火文章。", encoding="utf-8")
    (folder / "huge.txt").write_bytes(("停火" + "字" * 99).encode() * 170_000)  # 50 MB, one line
    result = run_cli("index", str(folder), "--index", str(tmp_path / "idx"), "--json")
    assert result.code == 1 and "Traceback" not in result.stderr  # something was skipped
    summary = json.loads(result.stdout)
    skipped = {Path(s["file"]).name for s in summary["skipped_files"]}
    assert {"loop-a.txt", "loop-b.txt"} <= skipped
    assert "good.txt" not in skipped and "huge.txt" not in skipped
    assert any("huge.txt" in w for w in summary["warnings"])
    found = [Path(f).name for f in  # files as paths that open (newlines made spaces)
             run_cli("search", "停火", "-l", "--index", str(tmp_path / "idx")).stdout.splitlines()]
    assert {"good.txt", "huge.txt", "line break.txt"} <= set(found)
    assert not any(name.startswith("dir-loop") for name in found)


def test_unreadable_file_is_skipped_and_the_rest_indexed(tmp_path, settings, monkeypatch):
    """Permission denied (simulated: root, which runs CI, may read anything)."""
    from searcher.indexing.update import update_index
    from searcher.search.ranked import search
    from searcher.engine.store import open_index

    folder = tmp_path / "c"
    folder.mkdir()
    shutil.copy(CORPUS / "004_6341f3f655f86c6f.txt", folder / "ok.txt")
    secret = folder / "secret.txt"
    secret.write_text("停火", encoding="utf-8")
    secret.chmod(0)
    real_open = os.open

    def guarded(path, flags, *args, **kwargs) -> int:
        if os.fsdecode(path) == str(secret):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded)
    report = update_index(tmp_path / "idx", [folder], settings)
    assert report.skipped == [(str(secret), "Permission denied")] and report.added == 1
    assert [h.path for h in search(open_index(tmp_path / "idx"), "停火").hits] == ["ok.txt"]
