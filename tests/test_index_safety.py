"""Nothing indexed is lost: incremental runs, killed rebuilds, concurrent writers, stale locks,
searches during a rebuild, and the cron wrapper."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path


from tests.conftest import ROOT
from tests.named_points import WAIT, Stopped


def search_paths(cli, index: Path, *query: str) -> list[str]:
    result = cli("search", *query, "--index", str(index), "-n", "1000", "--json")
    assert result.code in (0, 1), result.stderr
    return [hit["path"] for hit in result.json_lines()]  # document paths, whatever the cwd


def test_incremental_add_change_delete(searcher, corpus_copy, tmp_path):
    index = tmp_path / "idx"
    assert searcher("index", str(corpus_copy), "--index", str(index)).code == 0
    changed = corpus_copy / "001_3c553393d0fd30c8.txt"
    changed.write_text(" date 2026-01-12 全新內容：關於格陵蘭的評論。", encoding="utf-8")
    (corpus_copy / "002_692d897dc8ed0687.txt").unlink()
    (corpus_copy / "sub").mkdir()
    (corpus_copy / "sub" / "new.txt").write_text("新增的格陵蘭文章。", encoding="utf-8")
    summary = json.loads(searcher("index", "--index", str(index), "--json").stdout)
    assert {k: summary[k] for k in ("added", "updated", "removed", "unchanged", "skipped")} == \
        {"added": 1, "updated": 1, "removed": 1, "unchanged": 3, "skipped": 0}
    assert sorted(search_paths(searcher, index, "格陵蘭")) == ["001_3c553393d0fd30c8.txt",
                                                            "sub/new.txt"]
    assert "002_692d897dc8ed0687.txt" not in search_paths(searcher, index, "停火")
    again = json.loads(searcher("index", "--index", str(index), "--json").stdout)
    assert (again["added"], again["updated"], again["removed"], again["unchanged"]) == (0, 0, 0, 5)
    os.utime(changed)  # touched, same content: re-hashed, not re-indexed
    touched = json.loads(searcher("index", "--index", str(index), "--json").stdout)
    assert (touched["updated"], touched["unchanged"]) == (0, 5)


# Where a rebuild is killed or held: its segment half written, its generation whole but not
# yet live, and live with the one it replaced still there.
REBUILD_POINTS = ("segment", "publish", "published")


def test_killed_rebuild_leaves_the_old_index_searchable(searcher, cli_env, corpus_copy,
                                                        tmp_path):
    index = tmp_path / "idx"
    assert searcher("index", str(corpus_copy), "--index", str(index)).code == 0
    before = search_paths(searcher, index, "停火")
    assert before
    rebuild = ["index", "--rebuild", "--index", str(index), "--procs", "1"]
    for point in REBUILD_POINTS:
        live = (index / "CURRENT").read_text()
        with Stopped(rebuild, point, cli_env, action="kill") as writer:
            writer.reached()
            assert writer.process.wait(timeout=WAIT) == -signal.SIGKILL
        published = (index / "CURRENT").read_text()
        if point == "published":  # the whole new generation is live, never a part of it
            assert published != live and (index / published.strip() / "files.json").is_file()
        else:
            assert published == live, point
        assert search_paths(searcher, index, "停火") == before, point
    # the next writer is not blocked by the dead ones and clears their half-built generations
    assert searcher("index", "--index", str(index), "--rebuild").code == 0
    assert {p.name for p in index.glob("gen-*")} == {
        (index / "CURRENT").read_text().strip(), published.strip()}  # live, and the one before
    assert search_paths(searcher, index, "停火") == before


HOLD_LOCK = """
import sys
from pathlib import Path
from searcher.engine.store import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()  # held until the test closes this process's stdin
"""


def test_second_writer_waits_or_is_refused_naming_the_holder(searcher, cli_env, corpus_copy,
                                                             tmp_path):
    index = tmp_path / "idx"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(index)], cwd=ROOT,
                              env=cli_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        refused = searcher("index", str(corpus_copy), "--index", str(index))
        assert refused.code == 2 and f"pid {holder.pid}" in refused.stderr
        assert "Traceback" not in refused.stderr
        with Stopped(["index", str(corpus_copy), "--index", str(index), "--wait", "120"],
                     "lock-wait", cli_env) as waiter:
            waiter.reached()  # refused once, and trying again
            waiter.release()
            holder.stdin.close()  # the holder lets go while the waiter waits
            assert holder.wait(timeout=WAIT) == 0
            code, _, stderr = waiter.finish()
        assert code == 0, stderr
    finally:
        holder.kill()
        holder.wait()


def test_stale_lock_of_a_dead_process_is_cleared(searcher, corpus_copy, tmp_path):
    index = tmp_path / "idx"
    index.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (index / ".lock").write_text(f"pid {dead.pid} since 2026-01-01T00:00:00")
    # without --wait: a lock still held would refuse the run at once
    assert searcher("index", str(corpus_copy), "--index", str(index)).code == 0


def test_searches_keep_working_during_a_rebuild(searcher, cli_env, corpus_copy, tmp_path):
    """A rebuild held at each of its points in turn, searched there by several processes at
    once (each reading the index as the rebuild left it at that moment)."""
    index = tmp_path / "idx"
    assert searcher("index", str(corpus_copy), "--index", str(index)).code == 0
    old = (index / "CURRENT").read_text()
    search = [sys.executable, "-m", "searcher", "search", "俄羅斯", "-l", "--index", str(index)]
    expected = searcher(*search[3:])
    assert expected.code == 0 and expected.stdout
    with Stopped(["index", "--rebuild", "--index", str(index)], ",".join(REBUILD_POINTS),
                 cli_env) as writer:
        for point in REBUILD_POINTS:
            writer.reached()
            assert len(list(index.glob("gen-*"))) == 2  # the rebuild's beside the old one
            assert ((index / "CURRENT").read_text() == old) == (point != "published")
            readers = [subprocess.Popen(search, cwd=tmp_path, env=cli_env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True) for _ in range(3)]
            for reader in readers:
                stdout, stderr = reader.communicate(timeout=WAIT)
                assert (reader.returncode, stdout, stderr) == (0, expected.stdout, ""), point
            writer.release()
        code, _, stderr = writer.finish()
    assert code == 0, stderr
    assert searcher(*search[3:]).stdout == expected.stdout


def test_cron_wrapper_is_quiet_on_success_and_loud_on_failure(cli_env, corpus_copy, tmp_path):
    script = ROOT / "scripts" / "rebuild-index.sh"
    log = tmp_path / "update.log"
    env = {**cli_env, "SEARCHER_INDEX": str(tmp_path / "idx"), "SEARCHER_LOG": str(log),
           "SEARCHER_CRON": f"{sys.executable} -m searcher.cli.cron"}
    ok = subprocess.run(["bash", str(script), str(corpus_copy)], env=env, capture_output=True,
                        text=True, timeout=300)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    (corpus_copy / "broken.txt").write_bytes(b"\0\1\2" * 1000)
    bad = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 1 and "broken.txt" in bad.stderr
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["exit"] for e in entries] == [0, 1]
    assert entries[0]["summary"]["added"] == 5 and entries[1]["summary"]["skipped"] == 1


def test_files_of_the_same_name_in_two_folders_stay_apart(searcher, tmp_path):
    for folder, text in (("a", "甲文的停火。"), ("b", "乙文的停火。")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(text, encoding="utf-8")
    index = str(tmp_path / "idx")
    assert searcher("index", str(tmp_path / "a"), str(tmp_path / "b"), "--index", index).code == 0
    (tmp_path / "a" / "x.txt").write_text("甲文改寫的停火。", encoding="utf-8")
    summary = json.loads(searcher("index", "--index", index, "--json").stdout)
    assert (summary["updated"], summary["unchanged"], summary["removed"]) == (1, 1, 0)
    assert sorted(search_paths(searcher, Path(index), "停火")) == ["a/x.txt", "b/x.txt"]


def test_paths_typed_differently_name_the_same_files(searcher, corpus_copy, tmp_path,
                                                    monkeypatch):
    index = str(tmp_path / "idx")
    monkeypatch.chdir(corpus_copy.parent)
    assert searcher("index", "corpus", "--index", index).code == 0
    monkeypatch.chdir(ROOT)  # elsewhere: the folder is known by its whole path
    again = json.loads(searcher("index", "--index", index, "--json").stdout)
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 0, 5)
