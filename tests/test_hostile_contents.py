"""Hostile file contents, each generated here: broken characters that used to end the whole
run, and bombs in bytes, parts, elements and time that used to fill memory or run for
minutes. Each costs only its own file (repaired, cut or skipped, with one warning naming it),
and the run goes on. Every run of the CLI is a subprocess bounded in memory and time
(``index_cli``), so a regression fails instead of hanging CI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from searcher.engine.store import open_index
from searcher.search.ranked import search
from tests.conftest import CORPUS
from tests.test_hostile_files import GOOD, index_cli, paths_found


@pytest.fixture
def folder(tmp_path) -> Path:
    """A corpus folder holding one good article (about 停火)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / GOOD, corpus / "good.txt")
    return corpus.resolve()


def titles(index: Path, word: str) -> dict[str, str]:
    return {hit.path: hit.title for hit in search(open_index(index), word, limit=None,
                                                  collapse=False).hits}


def test_a_lone_surrogate_is_repaired_with_a_warning_and_the_rest_indexed(cli_env, folder,
                                                                          tmp_path):
    # "\ud83d" is half of an emoji's UTF-16 pair: JSON and YAML escapes can spell it alone
    records = ['{"id": "a", "title": "\\ud83d颱風", "text": "颱風登陸\\ud83d。"}',
               '{"id": "\\ud83d", "text": "地震。"}',
               '{"id": "b", "text": "疫苗。", "tags": ["x\\udc00", 1]}']
    (folder / "feed.jsonl").write_text("\n".join(records), encoding="utf-8")
    (folder / "yaml.md").write_text('---\ntitle: "罷工\\ud83d"\n---\n罷工。\n', encoding="utf-8")
    (folder / "json.md").write_text('{"author": "\\udfff"}\n\n# 股市\n股市。\n',
                                    encoding="utf-8")
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 0 and summary["added"] == 6
    assert summary["warnings"] == [
        "feed.jsonl#a: lone surrogate (half a character) in its body, title; replaced with "
        "U+FFFD",
        "feed.jsonl:2: lone surrogate (half a character) in its id; replaced with U+FFFD",
        "feed.jsonl#b: lone surrogate (half a character) in its tags; replaced with U+FFFD",
        "json.md: lone surrogate (half a character) in its author; replaced with U+FFFD",
        "yaml.md: lone surrogate (half a character) in its title; replaced with U+FFFD"]
    index = tmp_path / "idx"
    assert titles(index, "颱風") == {"feed.jsonl#a": "\ufffd颱風"}
    assert paths_found(index, "地震") == {"feed.jsonl#\ufffd"}
    assert titles(index, "罷工") == {"yaml.md": "罷工\ufffd"}
    assert titles(index, "股市") == {"json.md": "股市"}
    assert paths_found(index, "疫苗") == {"feed.jsonl#b"}
    assert paths_found(index, "停火") == {"good.txt"}
