"""File names as they come: bytes that are not UTF-8 (a name saved on a GBK or Big5 system),
and a ``#`` in a name. Each is indexed, found, printed losslessly and opened by ``show``;
none of them aborts a run (it once ended every run with an internal error, cron's included)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searcher.engine.store import open_index
from searcher.indexing.update import update_index
from searcher.search.documents import get_document
from searcher.search.ranked import search

GBK_NAME = "中文".encode("gbk") + b".txt"  # b'\xd6\xd0\xce\xc4.txt': not UTF-8
BIG5_FOLDER = "評論".encode("big5")


@pytest.fixture
def corpus(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    folder = corpus / os.fsdecode(BIG5_FOLDER)
    folder.mkdir(parents=True)
    (corpus / os.fsdecode(GBK_NAME)).write_text("停火談判在日內瓦重啟。", encoding="utf-8")
    (folder / "notes.txt").write_text("停火協議的文本公布了。", encoding="utf-8")
    (corpus / "a#b.txt").write_text("停火之後，井號檔名的文章。", encoding="utf-8")
    records = [{"id": "7", "title": "井號", "text": "停火記錄七"},
               {"id": "8", "title": "井號", "text": "停火記錄八"}]
    (corpus / "feed#1.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return corpus


def _real_files(corpus: Path) -> set[bytes]:
    return {os.fsencode(corpus / name) for name in
            (os.fsdecode(GBK_NAME), os.fsdecode(BIG5_FOLDER + b"/notes.txt"), "a#b.txt",
             "feed#1.jsonl")}


def test_names_that_are_not_utf8_are_indexed_found_and_kept_exactly(corpus, tmp_path,
                                                                   settings):
    report = update_index(tmp_path / "index", [corpus], settings)
    assert report.added == 5 and not report.skipped
    hits = search(open_index(tmp_path / "index"), "停火", limit=None, collapse=False).hits
    assert {os.fsencode(hit.file) for hit in hits} == _real_files(corpus)
    for hit in hits:
        assert Path(hit.file).is_file()  # the name opens: no byte was lost
    # The manifest keeps them too: a second run reads nothing, removing a file removes it.
    again = update_index(tmp_path / "index", [corpus], settings)
    assert (again.added, again.unchanged) == (0, 5)
    (corpus / os.fsdecode(GBK_NAME)).unlink()
    removed = update_index(tmp_path / "index", [corpus], settings)
    assert removed.removed == 1


def test_show_opens_every_path_search_prints(corpus, tmp_path, settings, monkeypatch):
    update_index(tmp_path / "index", [corpus], settings)
    index = open_index(tmp_path / "index")
    monkeypatch.chdir(tmp_path)
    for ref, body in [(os.fsdecode(b"corpus/" + GBK_NAME), "停火談判在日內瓦重啟。"),
                      ("corpus/a#b.txt", "停火之後，井號檔名的文章。"),
                      ("corpus/feed#1.jsonl#8", "停火記錄八"),
                      (str(corpus / "feed#1.jsonl") + "#7", "停火記錄七")]:
        assert get_document(index, ref)["body"] == body


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command, its streams as bytes, under a locale whose UTF-8 is strict (as on
    most desktops), so a name that is not text would fail to print if written as text."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "searcher", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=300)


def test_the_cli_prints_such_names_as_their_bytes_and_json_stays_utf8(corpus, tmp_path):
    index = str(tmp_path / "index")
    built = _run("index", "corpus", "--index", index, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    listed = _run("search", "停火", "-l0", "--index", index, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert set(listed.stdout.split(b"\0")[:-1]) == {
        os.fsencode(os.path.relpath(os.fsdecode(f), tmp_path)) for f in _real_files(corpus)}
    plain = _run("search", "停火", "--no-collapse", "--index", index, cwd=tmp_path)
    lines = plain.stdout.splitlines()
    assert any(line.startswith(b"corpus/" + GBK_NAME + b"\t") for line in lines)
    # A JSON Lines record is FILE#ID, so that its hits differ and `show` opens each.
    assert {line.split(b"\t")[0] for line in lines} >= {b"corpus/feed#1.jsonl#7",
                                                        b"corpus/feed#1.jsonl#8"}
    records = [json.loads(line) for line in
               _run("search", "停火", "--json", "--index", index, cwd=tmp_path
                    ).stdout.decode("utf-8").splitlines()]  # strict: valid UTF-8
    # Where text cannot hold a name, its bytes stand beside it, and only there.
    assert {base64.b64decode(r["file_bytes"]) for r in records if "file_bytes" in r} == {
        b"corpus/" + GBK_NAME, b"corpus/" + BIG5_FOLDER + b"/notes.txt"}
    assert "corpus/\ufffd\ufffd\ufffd\ufffd.txt" in {r["file"] for r in records}
    assert {"corpus/a#b.txt", "corpus/feed#1.jsonl"} <= {r["file"] for r in records}
    shown = _run("show", os.fsdecode(b"corpus/" + GBK_NAME), "--index", index, cwd=tmp_path)
    assert shown.returncode == 0 and "停火談判".encode() in shown.stdout, shown.stderr
    hashed = _run("show", "corpus/a#b.txt", "--index", index, cwd=tmp_path)
    assert hashed.returncode == 0 and "井號檔名".encode() in hashed.stdout, hashed.stderr
