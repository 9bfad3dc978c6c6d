"""Issue 15's foot-guns, through the real command line (in-process): new roots that would
wipe an index, an index inside the folder indexed, short GBK and Big5 files, a file that
vanishes mid-run, skipped lines and empty files counted, TOML and JSON front matter, link URLs,
and --add, --remove, --dry-run, --exclude and --strict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from searcher.indexing import reading
from tests.conftest import CORPUS, Run

ARTICLE = "004_6341f3f655f86c6f.txt"  # a sample article about 停火



def summary(run: Run) -> dict:
    assert run.stdout, run.stderr
    return json.loads(run.stdout)


def found(searcher, index: Path, word: str) -> list[str]:
    run = searcher("search", word, "--index", str(index), "--json", "-n", "1000")
    assert run.code in (0, 1), run.stderr
    return sorted(hit["path"] for hit in run.json_lines())


@pytest.fixture
def archive(tmp_path) -> Path:
    """The sample articles in a folder of their own."""
    folder = tmp_path / "articles"
    shutil.copytree(CORPUS, folder)
    return folder


def test_a_new_folder_given_to_an_existing_index_is_refused_not_a_wipe(searcher, archive,
                                                                        tmp_path):
    new = tmp_path / "new"
    new.mkdir()
    (new / "x.txt").write_text("格陵蘭的新評論。", encoding="utf-8")
    assert searcher("index", str(archive), "--index", "idx").code == 0
    before = found(searcher, tmp_path / "idx", "停火")
    refused = searcher("index", str(new), "--index", "idx")
    assert refused.code == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "--replace" in refused.stderr
    assert "would remove 5 of the 5 documents" in refused.stderr
    assert found(searcher, tmp_path / "idx", "停火") == before
    replaced = summary(searcher("index", str(new), "--index", "idx", "--replace", "--json"))
    assert (replaced["added"], replaced["roots"]) == (1, [str(new)])
    assert found(searcher, tmp_path / "idx", "停火") == []


def test_indexing_the_working_folder_never_reads_the_index_inside_it(searcher, archive,
                                                                      monkeypatch):
    monkeypatch.chdir(archive)
    first = summary(searcher("index", ".", "--json"))
    second = searcher("index", ".", "--json", "-v")
    assert second.code == 0
    assert (first["added"], summary(second)["unchanged"], summary(second)["added"]) == (5, 5, 0)
    assert f"ignored {archive / 'index'}: an index folder; not read" in second.stderr
    assert not [p for p in found(searcher, archive / "index", "的") if "index" in p]


def test_a_file_that_vanishes_mid_run_counts_as_removed(searcher, archive, tmp_path,
                                                         monkeypatch):
    assert searcher("index", str(archive), "--index", "idx").code == 0
    (archive / ARTICLE).write_text("改寫的內容。", encoding="utf-8")
    real_stat = reading.stat_entry

    def sync_tool_removes_it(file: Path) -> dict:
        if file.name == ARTICLE:
            file.unlink()
        return real_stat(file)

    monkeypatch.setattr(reading, "stat_entry", sync_tool_removes_it)
    run = searcher("index", "--index", "idx", "--json")
    assert run.code == 0, run.stderr
    assert (summary(run)["removed"], summary(run)["files"]["removed"]) == (1, 1)
    assert summary(run)["skipped"] == 0


def test_skipped_lines_and_empty_files_are_counted_and_strict_exits_2(searcher, archive):
    (archive / "feed.jsonl").write_text('{"id": "a", "text": "停火"}\n{broken\n',
                                        encoding="utf-8")
    (archive / "empty.txt").write_bytes(b"")
    (archive / "notes.docx.bak").write_bytes(b"x")
    run = searcher("index", str(archive), "--index", "idx", "--json")
    counts = summary(run)["files"]
    assert run.code == 0
    assert counts == {"indexed": 6, "unchanged": 0, "empty": 1, "removed": 0, "skipped": 0,
                      "ignored": 1, "warnings": 2}
    plain = searcher("index", str(archive), "--index", "idx2")
    assert "1 empty" in plain.stderr and "2 warnings" in plain.stderr and "1 ignored" in plain.stderr
    strict = searcher("index", str(archive), "--index", "idx3", "--strict")
    assert strict.code == 2 and "feed.jsonl:2: not JSON" in strict.stderr


def test_add_remove_and_dry_run(searcher, archive, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("格陵蘭的新評論。", encoding="utf-8")
    assert searcher("index", str(archive), "--index", "idx").code == 0
    index = tmp_path / "idx"
    pointer = (index / "CURRENT").read_text()
    lock = (index / ".lock").stat()
    dry = summary(searcher("index", "--add", str(other), "--index", "idx", "--dry-run",
                           "--json"))
    assert dry["dry_run"] and dry["roots"] == [str(archive), str(other)]
    assert (index / "CURRENT").read_text() == pointer
    assert (index / ".lock").stat().st_mtime_ns == lock.st_mtime_ns
    assert found(searcher, index, "格陵蘭") == []
    added = summary(searcher("index", "--add", str(other), "--index", "idx", "--json"))
    assert added["roots"] == [str(archive), str(other)] and added["added"] == 6
    assert found(searcher, index, "格陵蘭") == ["other/x.txt"]
    again = summary(searcher("index", "--index", "idx", "--json"))  # both roots kept
    assert (again["unchanged"], again["removed"]) == (6, 0)
    removed = summary(searcher("index", "--remove", str(other), "--index", "idx", "--json"))
    assert (removed["removed"], removed["unchanged"], removed["roots"]) == (1, 5, [str(archive)])
    assert found(searcher, index, "格陵蘭") == []
    wrong = searcher("index", "--remove", str(other), "--index", "idx")
    assert wrong.code == 2 and "is not a root" in wrong.stderr


def test_exclude_is_recorded_and_kept(searcher, archive):
    (archive / "drafts").mkdir()
    (archive / "drafts" / "d.txt").write_text("格陵蘭草稿。", encoding="utf-8")
    (archive / "x.draft.txt").write_text("格陵蘭草稿二。", encoding="utf-8")
    run = searcher("index", str(archive), "--index", "idx", "--exclude", "drafts",
                   "--exclude", "*.draft.txt", "--json", "-v")
    assert summary(run)["added"] == 5
    assert "excluded by drafts" in run.stderr and "excluded by *.draft.txt" in run.stderr
    later = summary(searcher("index", "--index", "idx", "--json"))
    assert (later["added"], later["unchanged"]) == (0, 5)
    assert found(searcher, archive / ".." / "idx", "格陵蘭") == []


@pytest.mark.parametrize("text, encoding", [("北京观察停火。", "gbk"), ("停火。", "big5")])
def test_short_gbk_and_big5_files_are_decoded_right(searcher, tmp_path, text, encoding):
    folder = tmp_path / "short"
    folder.mkdir()
    (folder / "a.txt").write_bytes(text.encode(encoding))
    run = searcher("index", str(folder), "--index", "idx", "--json", "-v")
    assert run.code == 0 and f"({encoding})" in run.stderr
    show = searcher("show", "a.txt", "--index", "idx", "--json")
    assert json.loads(show.stdout)["body"] == text
