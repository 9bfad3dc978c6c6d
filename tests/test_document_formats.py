"""Documents as a researcher's archive holds them — PDFs in both scripts, a scan, Word files,
e-books, saved web pages full of clutter — generated here with real tools, indexed through
``searcher index`` and searched back. Real extraction on real files: nothing is mocked."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections.abc import Callable
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


def make_docx_of(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
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


def make_epub() -> bytes:
    """An EPUB 3 book of two chapters whose spine order differs from their names' order."""
    opf = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">x</dc:identifier>
<dc:title>冷戰之後的東亞</dc:title><dc:creator>周五</dc:creator><dc:date>2019-04-01</dc:date>
<dc:language>zh-Hant</dc:language></metadata>
<manifest><item id="c1" href="text/b.xhtml" media-type="application/xhtml+xml"/>
<item id="c2" href="text/a.xhtml" media-type="application/xhtml+xml"/></manifest>
<spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>"""
    chapter = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
               "<head><title>{0}</title></head><body><h1>{0}</h1><p>{1}</p></body></html>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", (
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:'
            'opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/book.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>'))
        book.writestr("OEBPS/book.opf", opf)
        book.writestr("OEBPS/text/b.xhtml", chapter.format("第一章", "朝鮮半島的核危機與六方會談。"))
        book.writestr("OEBPS/text/a.xhtml", chapter.format("第二章", "東南亞國協在南海爭端中的角色。"))
    return out.getvalue()


def make_odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as document:
        document.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        document.writestr("content.xml", (
            '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
            'opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
            'text:1.0"><office:body><office:text><text:h>印太戰略</text:h>'
            "<text:p>日本與澳洲簽署互惠准入協定，加強防衛合作。</text:p></office:text>"
            "</office:body></office:document-content>"))
        document.writestr("meta.xml", (
            '<?xml version="1.0"?><office:document-meta xmlns:office="urn:oasis:names:tc:'
            'opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:'
            'xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
            "<dc:title>印太戰略筆記</dc:title><meta:initial-creator>吳六</meta:initial-creator>"
            "<meta:creation-date>2022-01-07T10:00:00</meta:creation-date></office:meta>"
            "</office:document-meta>"))
    return out.getvalue()


# A page's article, as long as a real one: trafilatura judges a short page by other rules.
ARTICLE = ["美國總統川普週一表示，以色列與哈瑪斯的停火協議將在本週內生效，加沙地帶的人道援助隨即恢復。"
           "白宮官員補充說，第一階段為期六週，雙方將分批交換人質與被拘押者。",
           "分析人士指出，停火能否持續取決於人質交換的進度，以及埃及與卡達兩國調停的力度。"
           "以色列國內的右翼政黨則揚言，若協議損及安全將退出執政聯盟。",
           "在華府看來，這份協議也是對伊朗的一次外交試探，中東局勢仍然充滿變數。"
           "區域國家普遍表示歡迎，但也擔心黎巴嫩邊境的零星交火再度升級。"]
# Each kind of clutter, with a term found nowhere else.
CLUTTER = {
    "cookie banner": '<div class="cookie-banner" id="cookie-consent">本網站使用餅乾檔追蹤器，'
                     "繼續瀏覽即表示同意。<button>接受</button></div>",
    "breadcrumbs": '<div class="breadcrumb"><a href="/">首頁</a> &gt; <a href="/intl">麵包屑頻道'
                   "</a> &gt; 中東</div>",
    "share bar": '<div class="share-bar social-share"><a href="#">分享鈕臉書</a><a href="#">'
                 "轉推推特鍵</a></div>",
    "tags": '<div class="tags">標籤：<a href="/tag/1">標籤雜燴詞</a> <a href="/tag/2">停火</a>'
            "</div>",
    "reader comments": '<section id="comments" class="comments"><h3>讀者留言</h3><div class='
                       '"comment"><p>網友：川普停火只是作秀，留言板怪談。</p></div></section>',
    "related reading": '<div class="related"><h3>延伸閱讀</h3><ul><li><a href="/a">川普停火的'
                       "延伸閱讀甲文</a></li><li><a href=\"/b\">俄烏停火前景</a></li></ul></div>",
    "newsletter box": '<div class="newsletter"><h3>訂閱電子報</h3><p>每週電子報獨家快訊</p>'
                      '<form><input type="email"><button>訂閱</button></form></div>',
}
CLUTTER_TERMS = ["餅乾檔追蹤器", "麵包屑頻道", "分享鈕臉書", "標籤雜燴詞", "留言板怪談", "延伸閱讀甲文",
                 "電子報獨家快訊"]


def article_page() -> str:
    """A page that marks its article up, the byline's date only in visible text."""
    c = CLUTTER
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE)
    return f"""<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8">
<title>川普：加沙停火本週生效 | 新頭殼評論網 - 最新國際評論</title>
<meta property="og:title" content="川普：加沙停火本週生效">
<meta property="og:site_name" content="新頭殼評論網"></head><body>
{c["cookie banner"]}<header><nav>首頁 國際 評論</nav></header>{c["breadcrumbs"]}
<main><article><h1>川普：加沙停火本週生效</h1><div class="byline"><span class="author">記者 林小華
</span> <span class="date">2024年8月26日 08:30</span></div>{c["share bar"]}{paragraphs}
{c["tags"]}</article>{c["reader comments"]}{c["related reading"]}{c["newsletter box"]}</main>
<footer>版權所有</footer></body></html>"""


def soup_page() -> str:
    """A page of nested ``<div>``s, no semantic markup, the date after a 發布時間 label."""
    c = CLUTTER
    paragraphs = "".join(f"<div>{p.replace('川普', '特朗普')}</div>" for p in ARTICLE)
    return f"""<html><head><meta charset="utf-8"><title>中東觀察：停火之後 - 遠望時評_國際</title>
</head><body><div id="wrap">{c["cookie banner"]}<div class="top">遠望時評</div>{c["breadcrumbs"]}
<div class="main-col"><div class="post"><div class="post-title">中東觀察：停火之後</div>
<div class="post-meta">發布時間：2023-03-15 10:20　作者：陳大文</div>{c["share bar"]}
<div class="post-content">{paragraphs}</div>{c["tags"]}</div>{c["related reading"]}
{c["reader comments"]}{c["newsletter box"]}</div><div class="sidebar">熱門排行</div></div>
</body></html>"""


def big5_page() -> bytes:
    return ('<html><head><meta charset="big5"><title>香港觀點：停火的代價</title>'
            '<meta name="author" content="何七"><meta property="article:published_time" '
            'content="2021-06-30"></head><body><article><h1>香港觀點：停火的代價</h1>'
            + "".join(f"<p>{p}</p>" for p in ARTICLE[1:])
            + "<p>維港兩岸的評論員對此看法不一。</p></article></body></html>").encode("big5")


ARCHIVE = {
    "web/article.html": lambda: article_page().encode(),
    "web/soup.htm": lambda: soup_page().encode(),
    "web/big5.html": big5_page,
    "web/links.html": lambda: ('<html><body><ul><li><a href="/a">停火專題索引</a></li>'
                               '<li><a href="/b">伊朗專題</a></li></ul></body></html>').encode(),
    "reports/taiwan.pdf": lambda: make_pdf([TW_LINES, ["第二頁：半導體供應鏈的韌性。"]],
                                           "MSung-Light", "台海局勢的三種劇本", "王大明"),
    "reports/mideast.pdf": lambda: make_pdf([CN_LINES], "STSong-Light", "中东局势观察", "李四"),
    "reports/scan.pdf": make_scan,
    "notes/nato.docx": make_docx,
    "books/east-asia.epub": make_epub,
    "notes/indo-pacific.odt": make_odt,
    "broken/cut.pdf": lambda: make_pdf([TW_LINES], "MSung-Light", "t", "a")[:300],
    "broken/not-a-zip.docx": lambda: b"PK\x03\x04 not really a zip",
    "broken/not-a-zip.epub": lambda: "停火".encode(),
}
SKIPPED = {"scan.pdf", "cut.pdf", "not-a-zip.docx", "not-a-zip.epub"}


def index_run(args: list[str], home: Path) -> Run:
    runner = CliRunner()
    env = {"LANG": "C", "LC_ALL": "C", "XDG_CONFIG_HOME": str(home / "config"),
           "NO_COLOR": None, "SEARCHER_INDEX": None}
    result = runner.invoke(cli, args, prog_name="searcher", env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def index_archive(home: Path, files: dict) -> tuple[Path, Run, Callable[..., Run]]:
    """``files`` (name → a function making its bytes) written in ``home``/archive and indexed
    by ``searcher index --json``: the folder, the run, and a function running further
    commands on its index."""
    folder = home / "archive"
    for name, make in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(make())
    index = str(home / "index")
    run = index_run(["index", str(folder), "--index", index, "--json"], home)

    def searcher(*args: str) -> Run:
        return index_run([*args, "--index", index], home)

    return folder, run, searcher


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The archive, indexed (``index_archive``)."""
    return index_archive(tmp_path_factory.mktemp("archive"), ARCHIVE)


def paths(run: Run) -> set[str]:
    """The articles found: the hits and their copies (one article saved three ways is one
    hit that names the other two)."""
    return {path for hit in run.json_lines()
            for path in [hit["path"]] + [copy["path"] for copy in hit["copies"]]}


def test_the_run_skips_the_scan_and_broken_files_with_their_reasons(archive):
    _, run, _ = archive
    assert run.code == 1 and "Traceback" not in run.stderr
    summary = json.loads(run.stdout)
    assert summary["added"] == len(ARCHIVE) - len(SKIPPED)
    assert summary["skipped"] == len(SKIPPED)
    scan = next(line for line in run.stderr.splitlines() if "scan.pdf" in line)
    assert "no text layer (a scanned PDF?)" in scan
    assert all(sum(name in line for line in run.stderr.splitlines()) == 1 for name in SKIPPED)


@pytest.mark.parametrize("term", CLUTTER_TERMS)
def test_no_clutter_is_searchable(archive, term):
    _, _, searcher = archive
    assert searcher("search", f'"{term}"', "--json").stdout == ""


def test_the_articles_themselves_are_found(archive):
    _, _, searcher = archive
    found = searcher("search", "人质 交换", "--json")
    assert paths(found) == {"web/article.html", "web/soup.htm", "web/big5.html"}
    assert len(found.json_lines()) == 1  # the same article, saved three ways: one hit


@pytest.mark.parametrize("since,path", [("2024-08-26", "web/article.html"),
                                        ("2023-03-15", "web/soup.htm")])
def test_byline_dates_are_read(archive, since, path):
    _, _, searcher = archive
    found = searcher("search", "停火", "--since", since, "--until", since, "--json")
    assert paths(found) == {path}


def test_a_page_without_an_article_is_indexed_whole_with_a_warning(archive):
    _, run, searcher = archive
    assert any("links.html" in line and "whole text" in line for line in run.stderr.splitlines())
    assert paths(searcher("search", "伊朗专题", "--json")) == {"web/links.html"}


@pytest.mark.parametrize("query,path", [
    ("俄罗斯 停火", "reports/taiwan.pdf"),  # a Simplified query finds the Traditional PDF
    ("半导体 供应链", "reports/taiwan.pdf"),  # its second page
    ("霍爾木茲 海峽", "reports/mideast.pdf"),  # a Traditional query, the Simplified PDF
    ("波罗的海 防务", "notes/nato.docx"),
    ("立陶宛 军费", "notes/nato.docx"),  # a table cell
    ("朝鲜半岛 六方会谈", "books/east-asia.epub"),
    ("东南亚国协 南海", "books/east-asia.epub"),
    ("互惠准入 防卫", "notes/indo-pacific.odt"),
])
def test_bodies_are_found_by_a_query_in_the_other_script(archive, query, path):
    _, _, searcher = archive
    assert paths(searcher("search", query, "--json")) == {path}


@pytest.mark.parametrize("path,title,author,date", [
    ("web/article.html", "川普：加沙停火本週生效", "林小華", "2024-08-26"),
    ("web/soup.htm", "中東觀察：停火之後", "陳大文", "2023-03-15"),
    ("web/big5.html", "香港觀點：停火的代價", "何七", "2021-06-30"),
    ("reports/taiwan.pdf", "台海局勢的三種劇本", "王大明", "2000-01-01"),
    ("reports/mideast.pdf", "中东局势观察", "李四", "2000-01-01"),
    ("notes/nato.docx", "北約東擴的代價", "陳一", "2024-05-06"),
    ("books/east-asia.epub", "冷戰之後的東亞", "周五", "2019-04-01"),
    ("notes/indo-pacific.odt", "印太戰略筆記", "吳六", "2022-01-07"),
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


def test_invisible_characters_inside_words_do_not_split_them(tmp_path):
    """Zero-width spaces and joiners, a byte order mark and soft hyphens, as editors, web
    pages and converters leave them inside words, in a text file and a Word file."""
    text = "其院\u200b長之職期不\u200d予延長，得調\ufeff任之。Trans\u00adpacific talks\u2060."
    files = {"a.txt": lambda: text.encode("utf-8"), "b.docx": lambda: make_docx_of([text])}
    _, run, searcher = index_archive(tmp_path, files)
    assert run.code == 0, run.stderr
    for query in ['"院長之職"', '"不予延長"', '"調任之"', "Transpacific", '"talks."']:
        found = searcher("search", query, "-l")
        assert sorted(Path(line).name for line in found.stdout.split()) == ["a.txt", "b.docx"], \
            query
    assert searcher("search", "pacific", "-l").code == 1  # one word again, not two


def test_a_word_a_page_breaks_in_its_source_or_with_wbr_is_found_whole(tmp_path):
    """A browser draws nothing for ``<wbr>``, nor for a line break in the source between two
    CJK characters (CSS Text 3's rule for wide characters): the word is one word."""
    extra = "<p>專家認為蛋白<wbr>石外交奏效，第四職等以下者為\n純勞工身分之工員。</p>"
    page = article_page().replace("</article>", f"{extra}</article>")
    _, run, searcher = index_archive(tmp_path, {"page.html": page.encode})
    assert run.code == 0, run.stderr
    for query in ["蛋白石外交", '"蛋白石外交"', '"者為純勞工"']:
        assert searcher("search", query, "-l").stdout.strip().endswith("page.html"), query


def test_only_breaks_between_wide_characters_outside_preformatted_text_are_dropped():
    from searcher.ingest.html import _without_soft_breaks

    source = "<p>者為\n 純勞工 and\nmore 中文\nText 한국\n어</p><PRE>第一行\n第二行</PRE>"
    assert _without_soft_breaks(source) == ("<p>者為純勞工 and\nmore 中文\nText 한국\n어</p>"
                                            "<PRE>第一行\n第二行</PRE>")


LAW = ("第 1 條 本規則依石油管理法（以下簡稱本法）第十七條第三項規定訂定之。第 2 條 本規則所稱加氣站，"
       "係指備有儲氣設施及流量式加氣機，為汽車固定容器加注液化石油氣之場所。第 3 條 中央主管機關依本規則"
       "應執行事項，得委任所屬機關或委託其他機關辦理。")
WRAPPED = "加氣站設置管理規則\n\n" + "\n".join(LAW[i:i + 30] for i in range(0, len(LAW), 30))


def test_a_hard_wrapped_text_file_is_found_across_its_wraps(tmp_path):
    """A text wrapped at a fixed width (a BBS post, an old editor's file, in Big5): a word
    or phrase the wrap cut is found, as in a PDF."""
    _, run, searcher = index_archive(tmp_path, {"wrapped.txt": lambda: WRAPPED.encode("big5")})
    assert run.code == 0, run.stderr
    for query in ["其他機關", '"第三項規定"', '"設施及流量式"', '"委託其他機關辦理"']:
        assert searcher("search", query, "-l").stdout.strip().endswith("wrapped.txt"), query


@pytest.mark.parametrize("text", [
    "\n".join(["美國總統川普表示，將重新評估對台軍售與關稅。", "俄羅斯與烏克蘭的停火談判仍在僵持。",
               "各方立場分歧，談判陷入僵局", "聯合國安理會就加沙人道主義走廊舉行緊急會議。",
               "以色列與伊朗之間的緊張局勢持續升級，霍爾木茲海峽航運受阻。"]),
    "刚刚过去的端午\n龙舟赛有点费选手\n6月5号，重庆秀山龙舟翻船\n伤亡三女一男\n"
    "据说连救生衣都没有穿\n三天后，湖北黄梅县龙舟侧翻\n一位57岁的运动员没救上来",
], ids=["a paragraph a line", "a transcript, a phrase a line"])
def test_a_text_written_line_by_line_keeps_its_lines(text):
    from searcher.ingest.reflow import unwrapped

    assert unwrapped(text) == text


def test_invisible_characters_removed_move_the_page_starts():
    from searcher.ingest.metadata import make_document

    body = "第一\u200b頁甲\u00ad乙第二頁丙第\ufeff三頁"
    document = make_document("a.pdf", body, {}, [], pages=(0, 7, 11))
    assert [document.body[start:start + 3] for start in document.pages] == ["第一頁", "第二頁",
                                                                            "第三頁"]


def test_docx_keeps_reading_order():
    body = parse_file(make_docx(), "a.docx", []).documents[0].body
    assert body.index("北約東擴") < body.index("波羅的海") < body.index("立陶宛") < body.index("結語")


def test_epub_chapters_follow_the_spine():
    body = parse_file(make_epub(), "a.epub", []).documents[0].body
    assert body.index("朝鮮半島") < body.index("東南亞國協")


def test_show_marks_a_pdfs_pages(archive):
    _, _, searcher = archive
    text = searcher("show", "reports/taiwan.pdf").stdout
    assert text.index("[page 1]") < text.index(TW_LINES[0]) < text.index("[page 2]") < text.index(
        "半導體供應鏈")
    shown = json.loads(searcher("show", "reports/taiwan.pdf", "--json").stdout)
    assert shown["body"][shown["pages"][1]:].startswith("第二頁：半導體供應鏈")
    assert "pages" not in json.loads(searcher("show", "notes/nato.docx", "--json").stdout)


def test_a_pdf_hit_names_the_page_of_its_first_match(archive):
    _, _, searcher = archive
    hits = {hit["path"]: hit for hit in searcher("search", "半導體供應鏈", "--json").json_lines()}
    assert hits["reports/taiwan.pdf"]["page"] == 2
    others = searcher("search", "北約東擴", "--json").json_lines()
    assert others and all(hit["page"] is None for hit in others)  # a Word file has no pages


@pytest.mark.parametrize("name,make", [("a.pdf", lambda: make_pdf([TW_LINES], "MSung-Light",
                                                                   "t", "a")),
                                       ("a.docx", make_docx), ("a.epub", make_epub),
                                       ("a.odt", make_odt)])
def test_a_damaged_file_is_a_document_error_never_another_exception(name, make):
    import random

    from searcher.errors import DocumentError

    data = make()
    shuffle = random.Random(name)
    for attempt in range(40):
        damaged = bytearray(data[:shuffle.randrange(len(data))] if attempt % 2 else data)
        for _ in range(5):
            damaged[shuffle.randrange(len(damaged))] = shuffle.randrange(256)
        try:
            parse_file(bytes(damaged), name, [])
        except DocumentError:
            pass
