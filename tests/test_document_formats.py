"""Documents as a researcher's archive holds them — PDFs in both scripts, a scan, Word files,
e-books, saved web pages full of clutter — generated here with real tools, indexed through
``searcher index`` and searched back. Real extraction on real files: nothing is mocked."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from searcher.cli.main import cli
from searcher.ingest.formats import parse_file
from tests.conftest import Run

TW_LINES = ["俄羅斯與烏克蘭的停火談判仍在僵持，各方立場分歧。",
            "美國總統川普表示，將重新評估對台軍售與關稅。"]
CN_LINES = ["以色列与伊朗之间的紧张局势持续升级，霍尔木兹海峡航运受阻。",
            "联合国安理会就加沙人道主义走廊举行紧急会议。"]


def make_pdf(pages: list[list[str]], font: str, title: str, author: str) -> bytes:
    """A PDF whose text is set in one of reportlab's built-in CID fonts (MSung-Light for
    Traditional, STSong-Light for Simplified), one list of lines per page."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(font))
    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=True)  # invariant: created 2000-01-01, a known date
    page.setTitle(title)
    page.setAuthor(author)
    for lines in pages:
        page.setFont(font, 12)
        for n, line in enumerate(lines):
            page.drawString(50, 780 - 20 * n, line)
        page.showPage()
    page.save()
    return out.getvalue()


def make_scan() -> bytes:
    """A PDF whose only page is an image-like rectangle: no text layer."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setFillGray(0.4)
    page.rect(40, 40, 500, 700, fill=1)
    page.showPage()
    page.save()
    return out.getvalue()


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "北約東擴的代價"
    document.core_properties.author = "陳一"
    document.core_properties.created = datetime.datetime(2024, 5, 6, 8, 0)
    document.add_heading("北約東擴", 1)
    document.add_paragraph("波羅的海三國的防務開支逐年增加，芬蘭加入後北約邊界延長。")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "立陶宛"
    table.cell(0, 1).text = "軍費佔比百分之三"
    document.add_paragraph("結語：嚇阻的可信度取決於兵力部署。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


ARCHIVE = {
    "reports/taiwan.pdf": lambda: make_pdf([TW_LINES, ["第二頁：半導體供應鏈的韌性。"]],
                                           "MSung-Light", "台海局勢的三種劇本", "王大明"),
    "reports/mideast.pdf": lambda: make_pdf([CN_LINES], "STSong-Light", "中东局势观察", "李四"),
    "reports/scan.pdf": make_scan,
    "notes/nato.docx": make_docx,
}


def index_run(args: list[str], home: Path) -> Run:
    runner = CliRunner()
    env = {"LANG": "C", "LC_ALL": "C", "XDG_CONFIG_HOME": str(home / "config"),
           "NO_COLOR": None, "SEARCHER_INDEX": None}
    result = runner.invoke(cli, args, prog_name="searcher", env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The archive, indexed by ``searcher index --json``: its folder, the run, and a function
    running further commands on its index."""
    home = tmp_path_factory.mktemp("archive")
    folder = home / "archive"
    for name, make in ARCHIVE.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(make())
    index = str(home / "index")
    run = index_run(["index", str(folder), "--index", index, "--json"], home)

    def searcher(*args: str) -> Run:
        return index_run([*args, "--index", index], home)

    return folder, run, searcher


def paths(run: Run) -> set[str]:
    return {hit["path"] for hit in run.json_lines()}


def test_the_run_reports_the_scan_as_skipped_with_its_reason(archive):
    _, run, _ = archive
    assert run.code == 2 and "Traceback" not in run.stderr
    summary = json.loads(run.stdout)
    assert summary["added"] == len(ARCHIVE) - 1
    assert "scan.pdf" in run.stderr and "no text layer (a scanned PDF?)" in run.stderr


@pytest.mark.parametrize("query,path", [
    ("俄罗斯 停火", "reports/taiwan.pdf"),  # a Simplified query finds the Traditional PDF
    ("半导体 供应链", "reports/taiwan.pdf"),  # its second page
    ("霍爾木茲 海峽", "reports/mideast.pdf"),  # a Traditional query, the Simplified PDF
    ("波罗的海 防务", "notes/nato.docx"),
    ("立陶宛 军费", "notes/nato.docx"),  # a table cell
])
def test_bodies_are_found_by_a_query_in_the_other_script(archive, query, path):
    _, _, searcher = archive
    assert paths(searcher("search", query, "--json")) == {path}


@pytest.mark.parametrize("path,title,author,date", [
    ("reports/taiwan.pdf", "台海局勢的三種劇本", "王大明", "2000-01-01"),
    ("reports/mideast.pdf", "中东局势观察", "李四", "2000-01-01"),
    ("notes/nato.docx", "北約東擴的代價", "陳一", "2024-05-06"),
])
def test_metadata_comes_from_the_documents_own_properties(archive, path, title, author, date):
    _, _, searcher = archive
    shown = json.loads(searcher("show", path, "--json").stdout)
    assert (shown["title"], shown["author"], shown["date"]) == (title, author, date)


def test_pdf_pages_are_recorded_as_offsets():
    data = make_pdf([["第一頁停火"], ["第二頁談判"], ["第三頁結論"]], "MSung-Light", "t", "a")
    document = parse_file(data, "a.pdf", []).documents[0]
    assert [document.body[start:start + 3] for start in document.pages] == ["第一頁", "第二頁",
                                                                            "第三頁"]


def test_docx_keeps_reading_order():
    body = parse_file(make_docx(), "a.docx", []).documents[0].body
    assert body.index("北約東擴") < body.index("波羅的海") < body.index("立陶宛") < body.index("結語")
