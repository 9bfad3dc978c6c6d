"""Markdown files: Hugo's TOML and JSON front matter, and the text rendered from the Markdown
(link text kept, URLs and markup dropped) — read by the library and through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher.ingest import markdown
from searcher.ingest.formats import parse_file

BODY = "俄羅斯與烏克蘭的停火談判仍在僵持，各方立場分歧。"
TOML = ("+++\ntitle = \"中東局勢\"\ndate = 2025-11-02T08:30:00+08:00\nauthor = \"陳一\"\n"
        "tags = [\"伊朗\", \"以色列\"]\nurl = \"https://example.org/toml\"\n+++\n\n" + BODY)
JSON = (json.dumps({"title": "加沙局勢", "date": "2025-10-10", "author": "張三",
                    "tags": ["加沙"]}, ensure_ascii=False, indent=2) + "\n\n" + BODY)
MARKUP = ("# 外交**聲明**全文\n\n見[美國國務院](https://example.org/zzqq)的**聲明**，"
          "![記者會照片](https://example.org/photo.png)。\n\n"
          "- 第一點\n- 第二點\n\n| 日期 | 事件 |\n| --- | --- |\n| 九月 | 停火 |\n\n"
          "```\n停火協議文本\n```\n\n<div class=\"note\">\n<b>編者按</b>\n</div>\n\n"
          "詳見[原文][ref]。\n\n[ref]: https://example.org/refurl\n")


def read(name: str, text: str) -> tuple[object, list[str]]:
    """The one document ``parse_file`` reads from a file ``name`` holding ``text``."""
    warnings: list[str] = []
    documents = parse_file(text.encode("utf-8"), name, warnings).documents
    assert len(documents) == 1
    return documents[0], warnings


@pytest.mark.parametrize("name,text,title,date,author,tags", [
    ("toml.md", TOML, "中東局勢", "2025-11-02", "陳一", ("伊朗", "以色列")),
    ("json.md", JSON, "加沙局勢", "2025-10-10", "張三", ("加沙",)),
], ids=["toml", "json"])
def test_toml_and_json_front_matter_are_read(name, text, title, date, author, tags):
    doc, warnings = read(name, text)
    assert (doc.title, doc.date, doc.author, doc.tags) == (title, date, author, tags)
    assert doc.body == BODY and warnings == []


def test_a_toml_date_without_a_time_is_read():
    doc, _ = read("a.md", "+++\ndate = 2024-02-29\n+++\n" + BODY)
    assert doc.date == "2024-02-29"


def test_markdown_is_rendered_to_its_text():
    doc, warnings = read("a.md", MARKUP)
    assert warnings == []
    assert doc.title == "外交聲明全文"
    assert doc.body == ("外交聲明全文\n\n見美國國務院的聲明，記者會照片。\n\n第一點\n第二點\n\n"
                        "日期 事件\n九月 停火\n\n停火協議文本\n\n編者按\n\n詳見原文。")


def test_a_soft_line_break_between_chinese_characters_joins_them():
    """A writer who wraps the source's lines breaks words (新臺幣三 / 千元); a browser draws
    nothing there. Between Latin words, and at a hard break, the line break stays."""
    doc, _ = read("a.md", "每件新臺幣三\n千元，**逾三年**未\n超過五年。Soft\nbreak.  \n硬換\\\n行。\n")
    assert doc.body == "每件新臺幣三千元，逾三年未超過五年。Soft\nbreak.\n硬換\n行。"


def test_a_long_file_is_rendered_in_pieces_and_cut_with_a_warning(monkeypatch):
    text = "\n\n".join(f"第{i}段，**停火**談判。" for i in range(40))
    monkeypatch.setattr(markdown, "_PIECE_CHARS", 100)
    doc, warnings = read("a.md", text)
    assert doc.body == text.replace("**", "") and warnings == []
    monkeypatch.setattr(markdown, "MAX_MARKDOWN_CHARS", 50)
    doc, warnings = read("a.md", text)
    assert warnings == [f"a.md: {len(text):,} characters; only the first 50 are read"]
    assert doc.body.startswith("第0段，停火談判。\n\n第1段") and len(doc.body) < 50


@pytest.mark.parametrize("text,warning", [
    ("+++\ntitle = 颱風\n+++\n",
     "front matter is not TOML (Invalid value (at line 1, column 9)); read as text"),
    ('{"title": "颱風",}\n', "front matter is not JSON (Expecting property name enclosed in "
                              "double quotes); read as text"),
    ("+++\n" + "a." * 100 + "b = 1\n+++\n", "front matter nested deeper than 64 levels; "
                                           "read as text"),
    ("+++\na = " + "[" * 1000 + "]" * 1000 + "\n+++\n", "front matter nested deeper than 64 "
                                                        "levels; read as text"),
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "front matter nested deeper than 64 "
                                                       "levels; read as text"),
    ('{"a": "' + "颱" * 100_000 + '"}\n', "front matter longer than 100,000 characters; "
                                          "read as text"),
], ids=["bad-toml", "bad-json", "deep-toml-keys", "deep-toml-arrays", "deep-json", "long-json"])
def test_bad_front_matter_is_a_warning_and_the_file_read_as_text(text, warning):
    doc, warnings = read("bad.md", text + "颱風過境。")
    assert warnings == [f"bad.md: {warning}"]
    assert doc.body.endswith("颱風過境。") and doc.date is None


def index(searcher, folder: Path, tmp_path: Path):
    result = searcher("index", str(folder), "--index", str(tmp_path / "idx"))
    assert result.code == 0 and "Traceback" not in result.stderr
    return result


def found(searcher, tmp_path: Path, *query: str) -> dict[str, dict]:
    result = searcher("search", *query, "--index", str(tmp_path / "idx"), "--json")
    assert result.code in (0, 1)
    return {hit["path"]: hit for hit in result.json_lines()}


def test_cli_reads_front_matter_and_indexes_link_text_not_urls(searcher, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "toml.md").write_text(TOML, encoding="utf-8")
    (folder / "json.md").write_text(JSON, encoding="utf-8")
    (folder / "links.md").write_text(MARKUP, encoding="utf-8")
    index(searcher, folder, tmp_path)
    hits = found(searcher, tmp_path, "停火")
    assert {path: (hit["title"], hit["date"], hit["author"]) for path, hit in hits.items()} == {
        "toml.md": ("中東局勢", "2025-11-02", "陳一"),
        "json.md": ("加沙局勢", "2025-10-10", "張三"),
        "links.md": ("外交聲明全文", None, None)}
    assert set(found(searcher, tmp_path, "美國國務院")) == {"links.md"}
    assert found(searcher, tmp_path, "zzqq") == {} == found(searcher, tmp_path, "refurl")
    shown = searcher("show", "links.md", "--index", str(tmp_path / "idx"), "--json")
    body = json.loads(shown.stdout)["body"]
    assert "聲明" in body
    assert [mark for mark in ("*", "#", "](", "|", "`", "<b>", "- ") if mark in body] == []


def test_cli_warns_of_malformed_toml_and_still_indexes_the_file(searcher, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "bad.md").write_text("+++\ntitle = 颱風\n+++\n颱風過境。\n", encoding="utf-8")
    result = index(searcher, folder, tmp_path)
    assert ("bad.md: front matter is not TOML (Invalid value (at line 1, column 9)); "
            "read as text") in result.stderr
    assert set(found(searcher, tmp_path, "過境")) == {"bad.md"}
