"""Hostile corpus files, each of which used to hang, crash or poison every run: special files
and links out of the corpus, crafted JSON Lines and front matter, floods of warnings, paths
too long for the system, and document paths that collide. Each is skipped or warned about
in one line, and the run goes on."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from searcher.engine.store import open_index
from searcher.indexing import reading
from searcher.indexing.update import update_index
from searcher.search.ranked import search
from tests.conftest import CORPUS, ROOT

GOOD = "004_6341f3f655f86c6f.txt"  # a sample article about 停火
MEMORY_LIMIT = 4 << 30  # address space of each CLI run: a runaway read fails, not the machine


def index_cli(cli_env: dict, folder: Path, index: Path,
              prefix: tuple[str, ...] = ()) -> tuple[int, dict, str]:
    """``searcher index FOLDER --json`` in a subprocess bounded in time (a FIFO used to hang
    it forever) and in memory (a link to /dev/zero used to fill it), run through the command
    ``prefix``: exit status, summary, stderr."""
    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    done = subprocess.run([*prefix, sys.executable, "-m", "searcher", "index", str(folder),
                           "--index", str(index), "--json"], cwd=ROOT, env=cli_env,
                          capture_output=True, text=True, timeout=60, preexec_fn=bounded)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def skipped(summary: dict) -> dict[str, str]:
    return {Path(s["file"]).name: s["reason"] for s in summary["skipped_files"]}


def paths_found(index: Path, word: str) -> set[str]:
    return {hit.path for hit in search(open_index(index), word, limit=None,
                                   collapse=False).hits}


@pytest.fixture
def folder(tmp_path) -> Path:
    """A corpus folder holding one good article."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / GOOD, corpus / "good.txt")
    return corpus.resolve()  # as the walk names its files


def test_a_fifo_is_skipped_without_waiting_for_a_writer(cli_env, folder, tmp_path):
    os.mkfifo(folder / "pipe.txt")
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 1 and skipped(summary) == {"pipe.txt": "not a regular file (a FIFO); not read"}
    assert paths_found(tmp_path / "idx", "停火") == {"good.txt"}
    # the lock was released: the next run works, and skips the FIFO again
    assert index_cli(cli_env, folder, tmp_path / "idx")[0] == 1


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_a_device_is_not_read(cli_env, folder, tmp_path, settings, device):
    (folder / "device.txt").symlink_to(device)
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 1 and "outside the folders given" in skipped(summary)["device.txt"]
    assert paths_found(tmp_path / "idx", "停火") == {"good.txt"}
    # followed on request, the link still reaches no regular file
    report = update_index(tmp_path / "followed", [folder], settings, follow_outside=True)
    assert report.skipped == [(str(folder / "device.txt"),
                               "not a regular file (a character device); not read")]
    assert report.added == 1


def test_a_link_out_of_the_corpus_is_not_followed_unless_asked(cli_env, folder, tmp_path,
                                                               settings):
    outside = tmp_path.resolve() / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text("機密檔案：帳號密碼。", encoding="utf-8")
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    (folder / "alias.txt").symlink_to(folder / "good.txt")  # a link within the corpus is fine
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 1 and list(skipped(summary)) == ["secret.txt"]
    assert str(outside / "secret.txt") in skipped(summary)["secret.txt"]
    assert paths_found(tmp_path / "idx", "機密") == set()
    assert paths_found(tmp_path / "idx", "停火") == {"good.txt", "alias.txt"}
    report = update_index(tmp_path / "followed", [folder], settings, follow_outside=True)
    assert report.skipped == [] and paths_found(tmp_path / "followed", "機密") == {"secret.txt"}


def test_a_deeply_nested_json_line_is_skipped_and_the_rest_indexed(cli_env, folder, tmp_path):
    lines = [{"id": "a", "text": "颱風登陸。"},
             {"id": "deep", "text": "地震。"},
             {"id": "b", "text": "[" * 500 + "疫苗供應。"}]  # brackets in a string are text
    text = [json.dumps(line, ensure_ascii=False) for line in lines]
    text[1] = text[1][:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (folder / "feed.jsonl").write_text("\n".join(text) + "\n", encoding="utf-8")
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 0
    assert summary["warnings"] == ["feed.jsonl:2: nested deeper than 64 levels; line skipped"]
    assert paths_found(tmp_path / "idx", "颱風") == {"feed.jsonl#a"}
    assert paths_found(tmp_path / "idx", "疫苗") == {"feed.jsonl#b"}
    assert paths_found(tmp_path / "idx", "地震") == set()


def test_crafted_front_matter_is_refused_and_the_file_read_as_text(cli_env, folder, tmp_path):
    laughs = "a: &a [停火停火停火停火停火停火停火停火停火]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
        for i in range(8)) + "title: *i\n"
    front_matters = {
        "laughs.md": laughs,  # about 1 KB that expands to 9^9 strings
        "deep.md": "title: " + "[" * 20_000 + "]" * 20_000 + "\n",
        "long.md": "".join(f"key{i}: value\n" for i in range(10_000)),
        "number.md": "title: 停火\nnumber: " + "1" * 5000 + "\n",
    }
    for name, front_matter in front_matters.items():
        (folder / name).write_text(f"---\n{front_matter}---\n颱風過境。\n", encoding="utf-8")
    (folder / "baddate.md").write_text(
        "---\ntitle: 颱風報導\ndate: 2025-13-45\n---\n颱風過境。\n", encoding="utf-8")
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 0 and summary["added"] == 6
    assert summary["warnings"] == [
        "baddate.md: unreadable date '2025-13-45'; indexed as undated",
        "deep.md: front matter nested deeper than 64 levels; read as text",
        "laughs.md: front matter uses an alias; read as text",
        "long.md: front matter longer than 100,000 characters; read as text",
        "number.md: front matter is not YAML (ValueError); read as text"]
    hits = search(open_index(tmp_path / "idx"), "颱風", limit=None).hits
    assert {hit.path: hit.title for hit in hits}["baddate.md"] == "颱風報導"  # the rest kept
    assert len(hits) == 5


@pytest.mark.parametrize("chunk_bytes", [reading.JSONL_CHUNK_BYTES, 1000])
def test_warnings_are_summarised_after_the_first_ten_of_a_file(tmp_path, settings, monkeypatch,
                                                               chunk_bytes):
    monkeypatch.setattr(reading, "JSONL_CHUNK_BYTES", chunk_bytes)
    corpus = tmp_path / "c"
    corpus.mkdir()
    good = json.dumps({"id": "ok", "text": "颱風登陸。"}, ensure_ascii=False)
    (corpus / "feed.jsonl").write_text("\n".join(["{bad"] * 5000 + [good]), encoding="utf-8")
    (corpus / "other.jsonl").write_text("{bad\n" + good, encoding="utf-8")
    report = update_index(tmp_path / "idx", [corpus], settings)
    assert report.warnings == [
        *(f"feed.jsonl:{n}: not JSON (Expecting property name enclosed in double quotes); "
          f"line skipped" for n in range(1, 11)),
        "… and 4,990 more warnings in feed.jsonl",
        "other.jsonl:1: not JSON (Expecting property name enclosed in double quotes); "
        "line skipped"]
    assert report.added == 2


def test_files_and_json_lines_over_the_size_cap_are_skipped(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(reading, "JSONL_CHUNK_BYTES", 1000)  # "large" JSON Lines: by chunks
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "big.txt").write_text("颱風" * 2000, encoding="utf-8")  # 12,000 bytes
    (corpus / "small.txt").write_text("地震" * 100, encoding="utf-8")
    records = [{"id": f"n{i}", "text": f"疫苗{i}。"} for i in range(100)]
    records[50]["text"] = "停火" * 3000  # an 18 KB line amid short ones
    (corpus / "feed.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    report = update_index(tmp_path / "idx", [corpus], settings, max_file_bytes=5000)
    assert report.skipped == [
        (str(corpus / "big.txt"), "larger than 5,000 bytes, the most read of one file; not read")]
    assert report.warnings == ["feed.jsonl:51: longer than 5,000 bytes; line skipped"]
    assert report.added == 100  # small.txt and 99 records
    assert len(paths_found(tmp_path / "idx", "疫苗")) == 99


def test_paths_past_the_path_limit_are_reported_as_skipped(cli_env, folder, tmp_path):
    limit = os.pathconf(folder, "PC_PATH_MAX")
    name, length = "d" * 200, len(str(folder))

    def create(fd: int, file: str) -> None:
        article = os.open(file, os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(article, "颱風過境。".encode())
        os.close(article)

    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:  # each folder made inside the last, since no path to the deepest ones can be used
        while length <= limit:
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd, length = inner, length + 1 + len(name)
            if limit - 1 - len(name) <= length < limit:  # listed, but a file's path too long
                create(fd, "f" * 251 + ".txt")
        create(fd, "deep.txt")  # in a folder that cannot be listed
    finally:
        os.close(fd)
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 1
    assert sorted((s["reason"], len(s["file"]) > limit) for s in summary["skipped_files"]) == [
        ("File name too long", True), ("folder not read: File name too long", True)]
    assert paths_found(tmp_path / "idx", "停火") == {"good.txt"}


def test_a_folder_that_cannot_be_listed_keeps_what_it_held(cli_env, folder, tmp_path):
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.txt").write_text("颱風過境。", encoding="utf-8")
    assert index_cli(cli_env, folder, tmp_path / "idx")[0] == 0
    (folder / "sub").chmod(0)
    try:  # in a user namespace of its own, even root is refused a folder of mode 0
        code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx", ("unshare", "--user"))
    finally:
        (folder / "sub").chmod(0o755)
    assert code == 1 and skipped(summary) == {"sub": "folder not read: Permission denied"}
    assert (summary["removed"], summary["unchanged"]) == (0, 1)
    assert paths_found(tmp_path / "idx", "颱風") == {"sub/inner.txt"}
    again = index_cli(cli_env, folder, tmp_path / "idx")[1]  # listed again: nothing to redo
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 0, 2)


# A run that writes a new generation and leaves it unpublished (a shard's: searcher.cluster),
# then publishes it, as a sharded build does; its report as JSON.
_UNPUBLISHED_RUN = """
import json, sys
from pathlib import Path
from searcher.cli.commands import analysis_settings
from searcher.engine.directory import publish
from searcher.indexing.update import update_index
index, folder = Path(sys.argv[1]), Path(sys.argv[2])
report = update_index(index, [folder], analysis_settings(), publish_generation=False)
publish(index, index / report.generation)
print(json.dumps(report.to_json()))
"""


def test_a_new_generation_takes_what_a_folder_that_cannot_be_listed_held(cli_env, folder,
                                                                         tmp_path):
    """Written afresh (not into the live generation), the index keeps a folder's documents
    that it cannot list all the same: they come from the live generation."""
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.txt").write_text("颱風過境。", encoding="utf-8")
    assert index_cli(cli_env, folder, tmp_path / "idx")[0] == 0
    (folder / "new.txt").write_text("新的停火評論。", encoding="utf-8")
    (folder / "sub").chmod(0)
    try:  # in a user namespace of its own, even root is refused a folder of mode 0
        done = subprocess.run(["unshare", "--user", sys.executable, "-c", _UNPUBLISHED_RUN,
                               str(tmp_path / "idx"), str(folder)], cwd=ROOT, env=cli_env,
                              capture_output=True, text=True, timeout=60)
    finally:
        (folder / "sub").chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert skipped(json.loads(done.stdout)) == {"sub": "folder not read: Permission denied"}
    assert paths_found(tmp_path / "idx", "颱風") == {"sub/inner.txt"}
    assert paths_found(tmp_path / "idx", "停火") == {"good.txt", "new.txt"}
    again = index_cli(cli_env, folder, tmp_path / "idx")[1]  # listed again: nothing to redo
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 0, 3)


WORDS = ["颱風", "地震", "疫苗", "關稅", "選舉", "油價", "股市", "罷工"]


def test_json_lines_ids_that_collide_still_name_one_record_each(tmp_path, settings):
    corpus = tmp_path / "c"
    corpus.mkdir()
    ids = [None, None, float("nan"), "x", "x", [1], "no id", "x~5"]
    records = [{"id": i, "text": f"{word}。"} if i != "no id" else {"text": f"{word}。"}
               for i, word in zip(ids, WORDS)]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]  # NaN is written as NaN
    (corpus / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    report = update_index(tmp_path / "idx", [corpus], settings)
    expected = ["feed.jsonl#1", "feed.jsonl#2", "feed.jsonl#3", "feed.jsonl#x",
                "feed.jsonl#x~5", "feed.jsonl#6", "feed.jsonl#7", "feed.jsonl#x~5~8"]
    assert report.added == 8
    assert [paths_found(tmp_path / "idx", word) for word in WORDS] == [{p} for p in expected]
    assert any("feed.jsonl:5: id 'x' is taken" in w for w in report.warnings)
    # an edit of one record replaces that record alone
    lines[4] = json.dumps({"id": "x", "text": "海嘯。"}, ensure_ascii=False)
    (corpus / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    report = update_index(tmp_path / "idx", [corpus], settings)
    assert (report.added, report.updated, report.removed) == (0, 8, 0)
    assert paths_found(tmp_path / "idx", "海嘯") == {"feed.jsonl#x~5"}
    assert [paths_found(tmp_path / "idx", w) for w in WORDS] == [
        {p} if w != "選舉" else set() for w, p in zip(WORDS, expected)]


def test_a_file_name_with_a_hash_never_names_a_record(tmp_path, settings):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "feed.jsonl").write_text(json.dumps({"id": "y.txt", "text": "颱風。"}),
                                       encoding="utf-8")
    (corpus / "feed.jsonl#y.txt").write_text("地震。", encoding="utf-8")
    (corpus / "a%23b.txt").write_text("疫苗。", encoding="utf-8")
    (corpus / "a#b.txt").write_text("關稅。", encoding="utf-8")
    report = update_index(tmp_path / "idx", [corpus], settings)
    assert report.added == 4
    assert [paths_found(tmp_path / "idx", w) for w in WORDS[:4]] == [
        {"feed.jsonl#y.txt"}, {"feed.jsonl%23y.txt"}, {"a%2523b.txt"}, {"a%23b.txt"}]
    (corpus / "feed.jsonl#y.txt").write_text("選舉。", encoding="utf-8")
    report = update_index(tmp_path / "idx", [corpus], settings)
    assert (report.updated, report.removed) == (1, 0)
    assert paths_found(tmp_path / "idx", "颱風") == {"feed.jsonl#y.txt"}
    assert paths_found(tmp_path / "idx", "選舉") == {"feed.jsonl%23y.txt"}
