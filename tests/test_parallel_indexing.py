"""Indexing in worker processes and in chunks gives the same index as one process reading
whole files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher.engine.whoosh import merge_policy, processes, writers
import searcher.indexing.reading as reading
from searcher.ingest.formats import parse_file
from searcher.indexing.update import update_index
from searcher.engine.store import open_index
from tests.conftest import CORPUS


def index_contents(index_dir: Path) -> tuple[dict, dict]:
    """Every posting (field, term → {path: positions}) and every stored document, by path."""
    index = open_index(index_dir)
    postings: dict = {}
    with index.opened.whoosh.searcher() as searcher:
        reader = searcher.reader()
        paths = {docnum: fields["path"] for docnum, fields in reader.iter_docs()}
        for field_name, term in reader.all_terms():
            matcher = reader.postings(field_name, term)
            entries = {}
            while matcher.is_active():
                try:
                    value = tuple(matcher.value_as("positions"))
                except Exception:  # fields without positions
                    value = matcher.weight()
                entries[paths[matcher.id()]] = value
                matcher.next()
            postings[(field_name, term)] = entries
        stored = {fields["path"]: {k: v for k, v in fields.items() if k != "file"}
                  for _, fields in reader.iter_docs()}
    return postings, stored


@pytest.fixture
def jsonl_corpus(tmp_path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    lines = []
    for i in range(60):
        record = {"text": texts[i % 5][i * 40 % 2000:][:300], "date": f"2025-{i % 12 + 1:02d}-01"}
        if i % 3:
            record["id"] = f"n{i}"
        lines.append(json.dumps(record, ensure_ascii=False).encode())
    lines[10] = b"{not json"
    lines[20] = b'{"text": "\xff\xfe bad bytes"}'
    (folder / "feed.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    for p in sorted(CORPUS.glob("*.txt")):
        (folder / p.name).write_bytes(p.read_bytes())
    return folder


def test_worker_processes_and_chunks_build_the_same_index(jsonl_corpus, tmp_path, settings,
                                                          monkeypatch):
    single = update_index(tmp_path / "one", [jsonl_corpus], settings, procs=1)
    monkeypatch.setattr(reading, "JSONL_CHUNK_BYTES", 2048)
    parallel = update_index(tmp_path / "two", [jsonl_corpus], settings, procs=2)
    assert single.added == parallel.added == 5 + 58
    assert sorted(single.warnings) == sorted(parallel.warnings)
    assert any("feed.jsonl:11" in w for w in parallel.warnings)
    assert any("feed.jsonl:21" in w for w in parallel.warnings)
    assert index_contents(tmp_path / "one") == index_contents(tmp_path / "two")


def test_a_full_pool_starts_a_new_segment_with_the_same_postings(jsonl_corpus, tmp_path,
                                                                 settings, monkeypatch):
    """Each writer process starts a new segment when its pool fills: many segments, the
    same postings and documents as one process writing one."""
    update_index(tmp_path / "one", [jsonl_corpus], settings, procs=1)
    monkeypatch.setattr(processes, "SEGMENT_FILL", 1e-9)  # full after every batch
    monkeypatch.setattr(writers, "BATCH", 4)
    update_index(tmp_path / "many", [jsonl_corpus], settings, procs=2)
    assert open_index(tmp_path / "many").reader().segment_count > 4
    assert index_contents(tmp_path / "one") == index_contents(tmp_path / "many")


def test_incremental_runs_merge_only_the_small_segments(jsonl_corpus, tmp_path, settings,
                                                       monkeypatch):
    """A run with nothing to change writes nothing; a run that changes a file adds a small
    segment, and the small ones are merged with each other, never into the large ones."""
    def segment_sizes() -> list[int]:
        segments = open_index(tmp_path / "idx").opened.whoosh._segments()
        return sorted(s.doc_count_all() for s in segments)

    monkeypatch.setattr(processes, "SEGMENT_FILL", 1e-9)
    monkeypatch.setattr(writers, "BATCH", 8)
    monkeypatch.setattr(merge_policy, "SMALL_SEGMENT_SHARE", 4)
    update_index(tmp_path / "idx", [jsonl_corpus], settings, procs=2)
    built = segment_sizes()
    assert len(built) > 4 and min(built) >= 4
    update_index(tmp_path / "idx", [jsonl_corpus], settings)
    assert segment_sizes() == built
    article = jsonl_corpus / "000_24b6ebb8716294de.txt"
    for edit in ("，一改", "，再改", "，三改", "，四改"):
        article.write_text(article.read_text(encoding="utf-8") + edit, encoding="utf-8")
        report = update_index(tmp_path / "idx", [jsonl_corpus], settings)
        assert report.updated == 1
        sizes = segment_sizes()
        assert [n for n in sizes if n >= 4] == built  # the large ones as the build wrote them
        assert 1 <= len(sizes) - len(built) <= 2  # the run's own, and at most one before it
    stored = index_contents(tmp_path / "idx")[1]
    assert stored["000_24b6ebb8716294de.txt"]["body"].endswith("，四改")
    # Rewriting most of what the large segments hold leaves them mostly deleted: merged away.
    feed = jsonl_corpus / "feed.jsonl"
    feed.write_bytes(feed.read_bytes().replace(b'"date": "2025-', b'"date": "2024-'))
    assert update_index(tmp_path / "idx", [jsonl_corpus], settings).updated == 58
    segments = open_index(tmp_path / "idx").opened.whoosh._segments()
    assert all(s.doc_count() * 2 >= s.doc_count_all() for s in segments)
    assert sum(s.doc_count() for s in segments) == 5 + 58


def test_a_cancelled_parallel_writer_lets_its_process_exit(tmp_path):
    """After a failed run with worker processes running, ``searcher index`` still exits (the
    workers are stopped, not left waiting for work)."""
    import subprocess
    import sys

    script = f"""
import os
from dataclasses import replace
from pathlib import Path
from searcher.analysis.settings import AnalysisSettings
from searcher.engine.whoosh import processes, writers
from searcher.ingest.formats import parse_file
from searcher.engine.store import create_generation

done, job_done = os.pipe()
process_file = processes._SegmentsTask._process_file

def process_and_say(self, *job):  # in the worker: its batch done, it waits for the next
    process_file(self, *job)
    os.write(job_done, b"x")

processes._SegmentsTask._process_file = process_and_say
target = create_generation(Path({str(tmp_path / "idx")!r}), AnalysisSettings.default(), {{}})
writer = target.writer(procs=2)
docs = [d for p in sorted(Path({str(CORPUS)!r}).glob("*.txt"))
        for d in parse_file(p.read_bytes(), p.name, []).documents]
for i in range(2 * writers.BATCH):  # two batches: both workers started, then no more work
    writer.add(replace(docs[i % len(docs)], path=f"p{{i}}"), "f")
assert os.read(done, 1) + os.read(done, 1) == b"xx"
writer.cancel()
print("cancelled")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cancelled"


def test_chunked_file_reads_every_line_with_its_number(jsonl_corpus, tmp_path, settings,
                                                        monkeypatch):
    monkeypatch.setattr(reading, "JSONL_CHUNK_BYTES", 1000)
    update_index(tmp_path / "idx", [jsonl_corpus], settings, procs=1)
    _, stored = index_contents(tmp_path / "idx")
    whole = parse_file((jsonl_corpus / "feed.jsonl").read_bytes(), "feed.jsonl", []).documents
    assert {d.path: d.body for d in whole} == {p: s["body"] for p, s in stored.items()
                                               if p.startswith("feed.jsonl")}
    # an edit in the middle: that line is updated, a vanished line removed; lines without an
    # id are named by their line number, so the ones after it move
    before = {d.path for d in whole}
    data = (jsonl_corpus / "feed.jsonl").read_bytes().split(b"\n")
    data[30] = json.dumps({"id": "n30", "text": "格陵蘭"}, ensure_ascii=False).encode()
    del data[40]
    (jsonl_corpus / "feed.jsonl").write_bytes(b"\n".join(data))
    after = {d.path for d in parse_file(b"\n".join(data), "feed.jsonl", []).documents}
    report = update_index(tmp_path / "idx", [jsonl_corpus], settings, procs=1)
    assert (report.added, report.removed) == (len(after - before), len(before - after)) != (0, 0)
    assert (report.updated, report.unchanged) == (len(after & before), 5)
    _, stored = index_contents(tmp_path / "idx")
    assert stored["feed.jsonl#n30"]["body"] == "格陵蘭" and "feed.jsonl#n40" not in stored
    assert set(stored) == after | {p.name for p in CORPUS.glob("*.txt")}


def test_fast_field_indexing_equals_whooshs_own_path(corpus_index):
    """ChainText.index skips Whoosh's token objects; it must yield exactly what Whoosh's
    analyzer-driven path yields."""
    from whoosh.fields import TEXT

    schema = corpus_index.opened.whoosh.schema
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    for name in ("title", "body", "body_units", "path_units", "author"):
        field_type = schema[name]
        for text in texts + ["ＵＳＳ Abraham  Lincoln，595架", "川普與普丁"]:
            # the same postings (Whoosh's writer sorts them by term, so order is free)
            assert sorted(field_type.index(text)) == sorted(TEXT.index(field_type, text)), name
