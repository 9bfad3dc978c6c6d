"""Nothing indexed is lost: incremental runs, killed rebuilds, concurrent writers, stale locks,
searches during a rebuild, and the cron wrapper."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT


def search_paths(run_cli, index: Path, *query: str) -> list[str]:
    result = run_cli("search", *query, "--index", str(index), "-n", "1000", "--json")
    assert result.code in (0, 1), result.stderr
    return [hit["path"] for hit in result.json_lines()]  # document paths, whatever the cwd


@pytest.fixture
def big_corpus(tmp_path) -> Path:
    """120 articles (the samples, renamed and varied) so a rebuild takes a few seconds."""
    folder = tmp_path / "big"
    folder.mkdir()
    samples = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    for i in range(120):
        text = samples[i % len(samples)] + f"\n編號{i:03d}。"
        (folder / f"{i:03d}.txt").write_text(text, encoding="utf-8")
    return folder


def test_incremental_add_change_delete(run_cli, corpus_copy, tmp_path):
    index = tmp_path / "idx"
    assert run_cli("index", str(corpus_copy), "--index", str(index)).code == 0
    changed = corpus_copy / "001_3c553393d0fd30c8.txt"
    changed.write_text(" date 2026-01-12 全新內容：關於格陵蘭的評論。", encoding="utf-8")
    (corpus_copy / "002_692d897dc8ed0687.txt").unlink()
    (corpus_copy / "sub").mkdir()
    (corpus_copy / "sub" / "new.txt").write_text("新增的格陵蘭文章。", encoding="utf-8")
    summary = json.loads(run_cli("index", "--index", str(index), "--json").stdout)
    assert {k: summary[k] for k in ("added", "updated", "removed", "unchanged", "skipped")} == \
        {"added": 1, "updated": 1, "removed": 1, "unchanged": 3, "skipped": 0}
    assert sorted(search_paths(run_cli, index, "格陵蘭")) == ["001_3c553393d0fd30c8.txt", "sub/new.txt"]
    assert "002_692d897dc8ed0687.txt" not in search_paths(run_cli, index, "停火")
    again = json.loads(run_cli("index", "--index", str(index), "--json").stdout)
    assert (again["added"], again["updated"], again["removed"], again["unchanged"]) == (0, 0, 0, 5)
    os.utime(changed)  # touched, same content: re-hashed, not re-indexed
    touched = json.loads(run_cli("index", "--index", str(index), "--json").stdout)
    assert (touched["updated"], touched["unchanged"]) == (0, 5)


def test_killed_rebuild_leaves_the_old_index_searchable(run_cli, cli_env, big_corpus, tmp_path):
    index = tmp_path / "idx"
    assert run_cli("index", str(big_corpus), "--index", str(index), "--procs", "1").code == 0
    rebuild = [sys.executable, "-m", "searcher", "index", "--rebuild", "--index", str(index),
               "--procs", "1"]
    started = time.monotonic()  # a rebuild as the killed ones run it, timed
    assert subprocess.run(rebuild, cwd=ROOT, env=cli_env, capture_output=True).returncode == 0
    took = time.monotonic() - started
    before = search_paths(run_cli, index, "停火")
    live = (index / "CURRENT").read_text()
    for delay in (random.uniform(0.15, 0.45) * took, random.uniform(0.5, 0.85) * took):
        writer = subprocess.Popen(rebuild, cwd=ROOT, env=cli_env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        assert writer.wait() == -signal.SIGKILL, "the rebuild finished before it was killed"
        published = (index / "CURRENT").read_text()
        # A noisy machine can run the rebuild faster than the timed one: a kill after its
        # publishing rename must leave the whole new generation live, never a part of it.
        assert published == live or (index / published.strip()).is_dir()
        assert search_paths(run_cli, index, "停火") == before
        live = published
    # the next writer is not blocked by the dead ones and clears their half-built generations
    assert run_cli("index", "--index", str(index), "--rebuild").code == 0
    assert {p.name for p in index.glob("gen-*")} == {
        (index / "CURRENT").read_text().strip(), live.strip()}  # the live one and the one before
    assert search_paths(run_cli, index, "停火") == before


HOLD_LOCK = """
import sys, time
from pathlib import Path
from searcher.engine.store import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_second_writer_waits_or_is_refused_naming_the_holder(run_cli, cli_env, corpus_copy,
                                                             tmp_path):
    index = tmp_path / "idx"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(index), "4"], cwd=ROOT,
                              env=cli_env, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    refused = run_cli("index", str(corpus_copy), "--index", str(index))
    assert refused.code == 2 and f"pid {holder.pid}" in refused.stderr
    assert "Traceback" not in refused.stderr
    waited = run_cli("index", str(corpus_copy), "--index", str(index), "--wait", "30")
    assert waited.code == 0 and holder.wait() == 0


def test_stale_lock_of_a_dead_process_is_cleared(run_cli, corpus_copy, tmp_path):
    index = tmp_path / "idx"
    index.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (index / ".lock").write_text(f"pid {dead.pid} since 2026-01-01T00:00:00")
    started = time.monotonic()
    assert run_cli("index", str(corpus_copy), "--index", str(index)).code == 0
    assert time.monotonic() - started < 60


def test_searches_keep_working_during_a_rebuild(run_cli, cli_env, big_corpus, tmp_path):
    index = tmp_path / "idx"
    assert run_cli("index", str(big_corpus), "--index", str(index)).code == 0
    expected = search_paths(run_cli, index, "俄羅斯")
    writer = subprocess.Popen(
        [sys.executable, "-m", "searcher", "index", "--rebuild", "--index", str(index)],
        cwd=ROOT, env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rounds = 0
    while writer.poll() is None or rounds == 0:
        assert search_paths(run_cli, index, "俄羅斯") == expected
        rounds += 1
    assert writer.wait() == 0


def test_cron_wrapper_is_quiet_on_success_and_loud_on_failure(cli_env, corpus_copy, tmp_path):
    script = ROOT / "scripts" / "rebuild-index.sh"
    log = tmp_path / "update.log"
    env = {**cli_env, "SEARCHER_INDEX": str(tmp_path / "idx"), "SEARCHER_LOG": str(log),
           "SEARCHER_CRON": f"{sys.executable} -m searcher.cli.cron"}
    ok = subprocess.run(["bash", str(script), str(corpus_copy)], env=env, capture_output=True,
                        text=True)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    (corpus_copy / "broken.txt").write_bytes(b"\0\1\2" * 1000)
    bad = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "broken.txt" in bad.stderr
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["exit"] for e in entries] == [0, 1]
    assert entries[0]["summary"]["added"] == 5 and entries[1]["summary"]["skipped"] == 1


def test_files_of_the_same_name_in_two_folders_stay_apart(run_cli, tmp_path):
    for folder, text in (("a", "甲文的停火。"), ("b", "乙文的停火。")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, encoding="utf-8")
    index = str(tmp_path / "idx")
    assert run_cli("index", str(tmp_path / "a"), str(tmp_path / "b"), "--index", index).code == 0
    (tmp_path / "a" / "x.txt").write_text("甲文改寫的停火。", encoding="utf-8")
    summary = json.loads(run_cli("index", "--index", index, "--json").stdout)
    assert (summary["updated"], summary["unchanged"], summary["removed"]) == (1, 1, 0)
    assert sorted(search_paths(run_cli, Path(index), "停火")) == ["a/x.txt", "b/x.txt"]


def test_paths_typed_differently_name_the_same_files(run_cli, corpus_copy, tmp_path):
    index = str(tmp_path / "idx")
    assert run_cli("index", "corpus", "--index", index, cwd=corpus_copy.parent).code == 0
    again = json.loads(run_cli("index", "--index", index, "--json").stdout)
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 0, 5)
