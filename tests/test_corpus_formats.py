"""Real-world corpus files: formats, encodings, metadata, bad files — indexed and read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher.ingest.metadata import derive_title
from searcher.indexing.update import update_index
from searcher.search.documents import get_document
from searcher.search.ranked import search
from searcher.engine.store import open_index

BODY = "俄羅斯與烏克蘭的停火談判仍在僵持，各方立場分歧。"
SIMPLIFIED_BODY = "俄罗斯与乌克兰的停火谈判仍在僵持，各方立场分歧。"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (folder / name).write_bytes(text.encode(encoding))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, settings):
    """A corpus with every supported format and encoding, plus files that must be skipped."""
    folder = tmp_path_factory.mktemp("mixed")
    write(folder, "header.txt", "title: 停火的代價\nauthor: 王大明\ndate: 2025/9/30\n"
          "source: 評論網\nurl: https://example.org/a\n\n" + BODY)
    write(folder, "big5.txt", "標題：台北觀點\n作者：林小華\n日期：2025年9月30日\n\n" + BODY, "big5")
    write(folder, "hkscs.txt", " date 2026-01-05 佢哋話嘅停火" + BODY, "big5hkscs")
    write(folder, "gb.txt", "标题：北京观察\n日期：2025 年 3 月 31 日\n\n" + SIMPLIFIED_BODY
          + "\n作者为中国社科院研究员", "gb18030")
    write(folder, "utf16.txt", "date: 2025-10-01T08:30:00+08:00\n\n" + BODY, "utf-16")
    write(folder, "bom.txt", " date 2025-12-24 " + BODY, "utf-8-sig")
    write(folder, "front.md", "---\ntitle: 中東局勢\ndate: 2025-11-02\nauthor: 陳一\n"
          "tags: [伊朗, 以色列]\nurl: https://example.org/md\n---\n\n# 不是標題\n\n" + BODY)
    write(folder, "page.html", "<html><head><title>加沙停火</title>"
          "<meta property='article:published_time' content='2025-10-10T09:00:00Z'>"
          "<meta name='author' content='張三'><script>var 停火腳本 = 1;</script>"
          "<style>.x{}</style></head><body><nav>首頁 導航選單</nav><h1>加沙</h1>"
          f"<p>{BODY}</p><footer>版權所有</footer></body></html>")
    write(folder, "feed.jsonl", json.dumps({"id": "n1", "title": "新聞一", "date": "2025-08-01",
                                            "text": BODY, "author": "李四"}, ensure_ascii=False)
          + "\n" + json.dumps({"content": SIMPLIFIED_BODY, "date": "2025年8月2日"},
                              ensure_ascii=False) + "\n{broken\n")
    write(folder, "baddate.txt", "日期：2025-13-45\n\n" + BODY)
    write(folder, "author-line.txt", BODY + "\n\n文／周五\n")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "nul.txt").write_bytes(b"\0" * 4096)
    (folder / "empty.txt").write_bytes(b"")
    report = update_index(folder / "index", [folder], settings)
    return folder, report, open_index(folder / "index")


@pytest.mark.parametrize("path,title,date,author", [
    ("header.txt", "停火的代價", "2025-09-30", "王大明"),
    ("big5.txt", "台北觀點", "2025-09-30", "林小華"),
    ("gb.txt", "北京观察", "2025-03-31", "中国社科院研究员"),
    ("utf16.txt", derive_title(BODY), "2025-10-01", None),
    ("bom.txt", derive_title(BODY), "2025-12-24", None),
    ("front.md", "中東局勢", "2025-11-02", "陳一"),
    ("page.html", "加沙停火", "2025-10-10", "張三"),
    ("feed.jsonl#n1", "新聞一", "2025-08-01", "李四"),
    ("feed.jsonl#2", derive_title(SIMPLIFIED_BODY), "2025-08-02", None),
    ("baddate.txt", derive_title(BODY), None, None),
    ("author-line.txt", derive_title(BODY), None, "周五"),
])
def test_metadata_read_from_each_format(mixed, path, title, date, author):
    _, _, index = mixed
    stored = get_document(index, path)
    assert (stored["title"], stored.get("date"), stored.get("author")) == (title, date, author)
    assert BODY[:8] in stored["body"] or SIMPLIFIED_BODY[:8] in stored["body"]


def test_bodies_are_whole_and_clean(mixed):
    _, _, index = mixed
    assert get_document(index, "header.txt")["body"] == BODY
    assert get_document(index, "author-line.txt")["body"].endswith("文／周五")  # kept whole
    html = get_document(index, "page.html")["body"]
    assert BODY in html and "導航" not in html and "腳本" not in html and "版權" not in html
    assert get_document(index, "hkscs.txt")["body"].startswith("佢哋話嘅停火")
    md = get_document(index, "front.md")
    assert md["tags"] == "伊朗,以色列" and md["url"] == "https://example.org/md"
    assert get_document(index, "header.txt")["source"] == "評論網"


def test_every_readable_document_is_searchable(mixed):
    _, report, index = mixed
    found = {h.path for h in search(index, "停火 談判", limit=None).hits}
    assert len(found) == report.added == 12
    assert {h.path for h in search(index, "佢哋").hits} == {"hkscs.txt"}


def test_bad_files_are_skipped_with_reasons_and_warnings(mixed):
    folder, report, _ = mixed
    skipped = {Path(f).name: reason for f, reason in report.skipped}
    assert set(skipped) == {"binary.txt", "nul.txt"}
    assert all(reason for reason in skipped.values())
    assert any("feed.jsonl:3" in w for w in report.warnings)
    assert any("baddate.txt" in w and "2025-13-45" in w for w in report.warnings)
    assert any("empty.txt: no text" in w for w in report.warnings)
    encodings = {Path(f).name: e for f, e in report.encodings.items()}
    assert encodings["big5.txt"] in ("big5", "big5hkscs", "cp950")
    assert encodings["hkscs.txt"] == "big5hkscs"
    assert encodings["gb.txt"] in ("gb18030", "gbk")
    assert encodings["utf16.txt"] == "utf-16" and encodings["bom.txt"] == "utf-8-sig"


def test_cli_names_skipped_files_and_encodings_and_exits_1(run_cli, mixed, tmp_path):
    folder, _, _ = mixed
    result = run_cli("index", str(folder), "--index", str(tmp_path / "idx"), "-v")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert "binary.txt" in result.stderr and "(big5hkscs)" in result.stderr
    assert run_cli("search", "停火", "--index", str(tmp_path / "idx")).code == 0


def test_huge_single_document_is_cut_with_a_warning(tmp_path, settings):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "huge.txt").write_text("停火" + "字" * 3_000_000, encoding="utf-8")
    report = update_index(tmp_path / "index", [tmp_path / "c"], settings)
    assert report.added == 1 and any("huge.txt" in w for w in report.warnings)
    index = open_index(tmp_path / "index")
    assert {h.path for h in search(index, "停火").hits} == {"huge.txt"}


def test_show_prints_what_the_indexer_read(run_cli, mixed):
    folder, _, _ = mixed
    result = run_cli("show", "big5.txt", "--json", "--index", str(folder / "index"))
    record = json.loads(result.stdout)
    assert result.code == 0 and record["title"] == "台北觀點" and record["date"] == "2025-09-30"
    text = run_cli("show", "big5.txt", "--index", str(folder / "index"))
    assert "author: 林小華" in text.stdout and BODY in text.stdout
    missing = run_cli("show", "nothing.txt", "--index", str(folder / "index"))
    assert missing.code == 2 and "nothing.txt" in missing.stderr
