"""Hostile file contents, each generated here: broken characters that used to end the whole
run, and bombs in bytes, parts, elements and time that used to fill memory or run for
minutes. Each costs only its own file (repaired, cut or skipped, with one warning naming it),
and the run goes on. Every run of the CLI is a subprocess bounded in memory and time
(``index_cli``), so a regression fails instead of hanging CI."""

from __future__ import annotations

import faulthandler
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from searcher.engine.store import open_index
from searcher.indexing.reader_pool import Job, ReaderPool, ReaderProcessError
from searcher.indexing.reading import FileResult
from searcher.indexing.update import update_index
from searcher.ingest.html import MAX_ELEMENTS
from searcher.ingest.pdf import MAX_PAGES
from searcher.ingest.zip_parts import MAX_ARCHIVE_BYTES, MAX_PART_BYTES, MAX_PARTS, MAX_TAGS
from searcher.search.ranked import search
from tests import bombs
from tests.conftest import CORPUS, ROOT
from tests.named_points import Stopped
from tests.test_hostile_files import GOOD, MEMORY_LIMIT, index_cli, paths_found, skipped


@pytest.fixture
def folder(tmp_path) -> Path:
    """A corpus folder holding one good article (about 停火)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / GOOD, corpus / "good.txt")
    return corpus.resolve()


def shown(searcher, index: Path, path: str) -> dict:
    """``searcher show PATH --json``: the document as indexed."""
    done = searcher("show", path, "--index", str(index), "--json")
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)


def titles(index: Path, word: str) -> dict[str, str]:
    return {hit.path: hit.title for hit in search(open_index(index), word, limit=None,
                                                  collapse=False).hits}


def test_a_lone_surrogate_is_repaired_with_a_warning_and_the_rest_indexed(cli_env, folder,
                                                                          tmp_path):
    (folder / "feed.jsonl").write_text("\n".join(bombs.SURROGATE_RECORDS), encoding="utf-8")
    (folder / "yaml.md").write_text(bombs.SURROGATE_YAML, encoding="utf-8")
    (folder / "json.md").write_text(bombs.SURROGATE_JSON, encoding="utf-8")
    (folder / "font.pdf").write_bytes(bombs.surrogate_pdf())  # pypdf reads it as it is
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 0 and summary["added"] == 7
    assert summary["warnings"] == [
        "feed.jsonl#a: lone surrogate (half a character) in its body, title; replaced with "
        "U+FFFD",
        "feed.jsonl:2: lone surrogate (half a character) in its id; replaced with U+FFFD",
        "feed.jsonl#b: lone surrogate (half a character) in its tags; replaced with U+FFFD",
        "font.pdf: lone surrogate (half a character) in its body; replaced with U+FFFD",
        "json.md: lone surrogate (half a character) in its author; replaced with U+FFFD",
        "yaml.md: lone surrogate (half a character) in its title; replaced with U+FFFD"]
    index = tmp_path / "idx"
    assert titles(index, "颱風") == {"feed.jsonl#a": "\ufffd颱風", "font.pdf": "颱風\ufffd"}
    assert paths_found(index, "地震") == {"feed.jsonl#\ufffd"}
    assert titles(index, "罷工") == {"yaml.md": "罷工\ufffd"}
    assert titles(index, "股市") == {"json.md": "股市"}
    assert paths_found(index, "疫苗") == {"feed.jsonl#b"}
    assert paths_found(index, "停火") == {"good.txt"}


def test_zip_bombs_cost_only_their_own_file(cli_env, folder, tmp_path):
    files = {  # each just past its bound, as a real bomb is, only smaller
        "inflated.docx": bombs.inflating_docx(MAX_PART_BYTES),
        "tags.docx": bombs.tags_docx(MAX_TAGS),
        "parts.epub": bombs.many_parts_zip(MAX_PARTS + 1),
        "inflated.odt": bombs.inflating_odt(MAX_PART_BYTES),
        "total.docx": bombs.heavy_docx(MAX_ARCHIVE_BYTES // MAX_PART_BYTES + 1, MAX_PART_BYTES),
    }
    assert max(len(data) for data in files.values()) < 2_000_000
    for name, data in files.items():
        (folder / name).write_bytes(data)
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 1 and skipped(summary) == {
        "inflated.docx": f"cannot read word/document.xml: inflates to more than "
                         f"{MAX_PART_BYTES:,} bytes",
        "tags.docx": f"cannot read word/document.xml: more than {MAX_TAGS:,} XML tags",
        "parts.epub": f"cannot read EPUB: more than {MAX_PARTS:,} parts",
        "inflated.odt": f"cannot read content.xml: inflates to more than {MAX_PART_BYTES:,} bytes",
        "total.docx": f"cannot read DOCX: its parts inflate to more than {MAX_ARCHIVE_BYTES:,} "
                      f"bytes"}
    assert paths_found(tmp_path / "idx", "停火") == {"good.txt"}


def test_an_epub_chapter_listed_again_and_again_is_read_once(cli_env, folder, tmp_path,
                                                             searcher):
    text = "颱風登陸，" * 20_000  # 100,000 characters
    (folder / "book.epub").write_bytes(bombs.epub_with_chapters(
        {"a.xhtml": bombs.chapter(text), "b.xhtml": bombs.chapter("地震。")},
        ["a.xhtml", "b.xhtml"] * 1000 + ["a.xhtml"]))
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 0 and summary["warnings"] == []
    assert shown(searcher, tmp_path / "idx", "book.epub")["body"] == text + "\n\n地震。"


def test_an_entity_in_a_word_file_is_not_resolved_and_the_text_after_it_is_kept(
        cli_env, folder, tmp_path, searcher):
    secret = folder.parent / "secret.txt"
    secret.write_text("機密", encoding="utf-8")
    (folder / "xxe.docx").write_bytes(bombs.entity_docx(secret))
    code, _, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 0
    body = shown(searcher, tmp_path / "idx", "xxe.docx")["body"]
    assert "波羅的海三國的防務開支逐年增加，芬蘭加入後北約邊界延長。" in body
    assert "機密" not in body


PAGES = {  # name: (what follows the article, why the article finder is not run)
    "wide.html": (bombs.wide_element(40_000),
                  "an element with 40,000 attributes (more than 1,000)"),
    "many.html": ("<span>地震</span>" * MAX_ELEMENTS,
                  f"{MAX_ELEMENTS + 25:,} elements (more than {MAX_ELEMENTS:,})"),
    "attributes.html": ("<i a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=0></i>" * 10_001,
                        "100,010 attributes (more than 100,000)"),
}


@pytest.mark.parametrize("name", PAGES)
def test_a_page_too_large_for_the_article_finder_is_indexed_whole(cli_env, folder, tmp_path,
                                                                   name):
    rest, why = PAGES[name]
    (folder / name).write_text(bombs.page(rest), encoding="utf-8")
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 0 and summary["warnings"] == [
        f"{name}: {why}, too many to look for the article in; its whole text is indexed"]
    assert paths_found(tmp_path / "idx", "颱風 救災") == {name}
    assert paths_found(tmp_path / "idx", "選單") == set()  # navigation is never text


def bounded_python(script: str, env: dict, timeout: float = 60) -> dict:
    """The JSON that ``script`` prints, run in a subprocess bounded in memory and time."""
    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=bounded)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_json_line_longer_than_the_bound_is_skipped_in_one_pass(cli_env, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    bombs.write_long_line_jsonl(corpus / "feed.jsonl", 12_000_000)
    # A line of thousands of blocks (it used to be read to its end once per block), read by
    # one chunk with the line after it.
    read = bounded_python(f"""
import json
from pathlib import Path
from searcher.indexing import reading
reading.JSONL_CHUNK_BYTES = 1024
corpus = Path({str(corpus)!r})
results = list(reading.read_files([(corpus / "feed.jsonl", corpus)], {{}}, 1_000_000))
print(json.dumps({{"results": len(results),
                  "paths": [doc.path for result in results for doc in result.documents],
                  "warnings": [w for result in results for w in result.warnings]}}))
""", cli_env)
    assert read == {"results": 2, "paths": ["feed.jsonl#a", "feed.jsonl#b"],
                    "warnings": ["feed.jsonl:2: longer than 1,000,000 bytes; line skipped"]}


def test_the_record_bound_holds_in_a_small_json_lines_file_too(tmp_path, settings):
    corpus = tmp_path / "c"
    corpus.mkdir()
    records = [{"id": "a", "text": "颱風。"}, {"id": "long", "text": "停火" * 3000},
               {"id": "b", "text": "地震。"}]
    (corpus / "feed.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    report = update_index(tmp_path / "idx", [corpus], settings, max_file_bytes=5000)
    assert report.skipped == []  # the file is smaller than a chunk, larger than the bound
    assert report.warnings == ["feed.jsonl:2: longer than 5,000 bytes; line skipped"]
    assert report.added == 2


def test_a_pdf_is_read_to_its_page_bound(cli_env, folder, tmp_path):
    (folder / "pages.pdf").write_bytes(bombs.paged_pdf(MAX_PAGES))
    code, summary, _ = index_cli(cli_env, folder, tmp_path / "idx")
    assert code == 0 and summary["warnings"] == [
        f"pages.pdf: more than {MAX_PAGES:,} pages; only the first {MAX_PAGES:,} are read"]
    assert paths_found(tmp_path / "idx", "颱風") == {"pages.pdf"}


# Jobs for the reader pool, as files that take too long, kill their reader or fill memory
# would (module functions: a job goes to a worker by name).
def sleeping(name: str, seconds: float) -> Iterator[FileResult]:
    time.sleep(seconds)
    yield FileResult(name)


def dying(name: str, how: signal.Signals) -> Iterator[FileResult]:
    yield FileResult(name)  # the first chunk comes (sent once the second is read)…
    yield FileResult(name)
    faulthandler.disable()  # pytest's would print the crash's traceback
    os.kill(os.getpid(), how)  # …and the reader dies reading the third
    yield FileResult(name)


def hoarding(name: str) -> Iterator[FileResult]:
    yield FileResult(name, documents=[None] * (1 << 62))


def failing(name: str) -> Iterator[FileResult]:
    yield FileResult(name, error=str(1 / 0))


def cut_short(job: Job, reason: str) -> FileResult:
    return FileResult(job.args[0], error=reason)


def test_a_reader_past_its_deadline_or_dead_costs_only_its_job():
    # the deadline: never reached by a job that ends (whatever the machine's load), always by
    # one that does not
    pool = ReaderPool(workers=2, seconds=3, failed=cut_short)
    results = list(pool.results([
        Job(sleeping, ("a", 0)), FileResult("b"), Job(sleeping, ("slow", 600)),
        Job(dying, ("killed", signal.SIGKILL)), Job(dying, ("crashed", signal.SIGSEGV)),
        Job(hoarding, ("hoard",)), Job(sleeping, ("c", 0))]))
    assert [(r.file, r.error) for r in results] == [
        ("a", None), ("b", None),
        ("slow", "took longer than 3 s to read, the most one file may take; not read"),
        ("killed", None), ("killed", "the process reading it was killed by signal 9 (Killed); "
                                     "not read"),
        ("crashed", None), ("crashed", "the process reading it was killed by signal 11 "
                                       "(Segmentation fault); not read"),
        ("hoard", "ran out of memory while reading it; not read"), ("c", None)]
    assert pool.workers == []  # each killed when the results end


def test_a_readers_own_bug_ends_the_run_with_its_traceback():
    pool = ReaderPool(workers=1, seconds=60, failed=cut_short)
    with pytest.raises(ReaderProcessError, match="(?s)in failing.*ZeroDivisionError"):
        list(pool.results([Job(sleeping, ("a", 0)), Job(failing, ("b",))]))
    assert pool.workers == []


def test_a_file_that_takes_longer_than_the_deadline_is_skipped(cli_env, folder, tmp_path):
    """The reader of ``slow.txt`` never finishes (held where it opens the file, as a parser
    busy for minutes in C code would be): the deadline ends it, and the run goes on."""
    (folder / "slow.txt").write_text("颱風的慢文章。", encoding="utf-8")
    (folder / "after.txt").write_text("颱風過境。", encoding="utf-8")
    config = Path(cli_env["XDG_CONFIG_HOME"]) / "searcher" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("max_file_seconds = 3\n", encoding="utf-8")

    def index_holding_slow(*options: str) -> tuple[int, dict]:
        with Stopped(["index", str(folder), "--index", str(tmp_path / "idx"), "--json",
                      *options], "read:slow.txt", cli_env, action="hang", role="fork") as run:
            run.reached()
            code, stdout, stderr = run.finish()
        assert "Traceback" not in stderr, stderr
        return code, json.loads(stdout)

    code, summary = index_holding_slow()
    assert code == 1 and skipped(summary) == {
        "slow.txt": "took longer than 3 s to read, the most one file may take; not read"}
    assert paths_found(tmp_path / "idx", "停火") == {"good.txt"}
    assert paths_found(tmp_path / "idx", "颱風") == {"after.txt"}
    # the option wins over the configuration
    code, summary = index_holding_slow("--dry-run", "--max-file-seconds", "2")
    assert code == 1 and skipped(summary) == {
        "slow.txt": "took longer than 2 s to read, the most one file may take; not read"}
