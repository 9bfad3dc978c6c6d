"""Pages saved in one file (MHTML: Chrome's and Edge's ``.mhtml``, Internet Explorer's and
Word's ``.mht``), written as those programs write them, indexed through the CLI and searched."""

from __future__ import annotations

import base64
import json
import quopri

import pytest

from searcher.errors import DocumentError
from searcher.ingest.formats import parse_file
from searcher.ingest.members import MAX_MEMBERS
from tests.test_document_formats import CLUTTER, CLUTTER_TERMS, article_page, index_archive, paths

CHROME_ADDRESS = "https://newtalk.example.tw/news/view/2024-08-26/gaza"
IE_ADDRESS = "https://opinion.example.org.tw/column/2022/05/chips"
CANONICAL = "https://news.example.cn/world/2023/hormuz.html"
# A PNG's first bytes and some more: what a page's images are, in base64.
IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
STYLE = "/* 樣式表註解詞 */ body { font-family: 'PMingLiU'; }"


def qp(data: bytes) -> bytes:
    """Quoted-printable as Chrome writes it: CRLF lines of at most 76 characters."""
    return quopri.encodestring(data).replace(b"\n", b"\r\n")


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def message(headers: list[str], boundary: str, parts: list[tuple[list[str], bytes]],
            preamble: str = "") -> bytes:
    """A multipart/related message of ``parts`` (each its header lines and encoded body)."""
    out = ["\r\n".join(headers).encode() + b"\r\n\r\n" + preamble.encode()]
    for part_headers, body in parts:
        out.append(f"\r\n--{boundary}\r\n".encode() + "\r\n".join(part_headers).encode()
                   + b"\r\n\r\n" + body)
    return b"".join(out) + f"\r\n--{boundary}--\r\n".encode()


def image_part(name: str) -> tuple[list[str], bytes]:
    return (["Content-Type: image/png", "Content-Transfer-Encoding: base64",
             f"Content-Location: https://static.example/{name}"], b64(IMAGE))


def style_part() -> tuple[list[str], bytes]:
    return (["Content-Type: text/css", "Content-Transfer-Encoding: quoted-printable",
             "Content-Location: cid:css-1@mhtml.blink"], qp(STYLE.encode()))


def chrome_page(html: bytes, charset: str | None = None) -> bytes:
    """A page as Chrome saves it ("Webpage, Single File"): the page first, quoted-printable."""
    boundary = "----MultipartBoundary--7Qb3dXy2Zk1fE9rKcW4sLpVnA0tGhJmO----"
    content_type = "Content-Type: text/html" + (f"; charset={charset}" if charset else "")
    return message(
        ["From: <Saved by Blink>", f"Snapshot-Content-Location: {CHROME_ADDRESS}",
         "Subject: =?utf-8?Q?=E5=B7=9D=E6=99=AE=EF=BC=9A=E5=8A=A0=E6=B2=99?=",
         "Date: Mon, 3 Mar 2025 10:00:00 +0800", "MIME-Version: 1.0",
         "Content-Type: multipart/related;\r\n\ttype=\"text/html\";\r\n"
         f"\tboundary=\"{boundary}\""],
        boundary,
        [([content_type, "Content-ID: <frame-6F1D2A@mhtml.blink>",
           "Content-Transfer-Encoding: quoted-printable",
           f"Content-Location: {CHROME_ADDRESS}"], qp(html)),
         style_part(), image_part("photo.png")])


BIG5_ARTICLE = ["行政院週三宣布，半導體出口管制清單將擴大，先進製程設備與技術移轉須經經濟部許可。"
                "業界人士表示，新規定對晶圓代工廠的海外布局影響有限，但設備商需要重新申報。",
                "立法院在野黨團則質疑，管制範圍過寬恐傷及中小企業，要求政府提出配套措施。"
                "學者認為，台灣在全球供應鏈的位置使出口管制成為外交與經濟之間的平衡難題。",
                "美方官員對此表示歡迎，並稱雙方將在年底前召開新一輪的經貿對話會議。"]
GBK_ARTICLE = ["霍尔木兹海峡航运受阻的消息传出后，国际油价应声上涨，布伦特原油期货一度突破每桶九十美元。"
               "分析人士指出，海峡每天承担全球约五分之一的石油运输，任何中断都会迅速传导至市场。",
               "亚洲进口国对此尤为敏感，多国能源部门已着手评估战略储备的动用方案。"
               "航运公司则表示，绕行好望角将使运费大幅增加，交货周期也将延长两周以上。",
               "外交部发言人呼吁有关各方保持克制，通过对话协商解决分歧。"]
WORD_ARTICLE = ["縣議會今天三讀通過長照服務自治條例，明年起偏鄉居家照顧員的交通補助將提高一倍。"
                "縣府社會處表示，條例上路後，預計可多服務一千二百名失能長者及其家庭。",
                "議員們在審查時也要求縣府每半年提出執行報告，確保預算真正用於第一線照顧人力。"
                "長照團體普遍肯定條例方向，但提醒照顧員的勞動條件仍有待改善。"]


def paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


def big5_page() -> bytes:
    """An IE-saved page in Big5, the charset only in its part's Content-Type (the page has no
    ``<meta charset>``)."""
    c = CLUTTER
    html = (f"<html><head><title>半導體出口管制擴大 - 自由評論網</title></head><body>"
            f"{c['cookie banner']}{c['breadcrumbs']}<article><h1>半導體出口管制擴大</h1>"
            f"{c['share bar']}{paragraphs(BIG5_ARTICLE)}{c['tags']}</article>"
            f"{c['reader comments']}{c['related reading']}</body></html>").encode("big5")
    boundary = "----=_NextPart_000_0000_01D9A1B2.C3D4E5F0"
    return message(
        ["From: <Saved by Windows Internet Explorer 8>",
         f"Subject: =?big5?B?{base64.b64encode('半導體出口管制擴大'.encode('big5')).decode()}?=",
         "Date: Wed, 1 Jun 2022 09:00:00 +0800",
         "MIME-Version: 1.0",
         f"Content-Type: multipart/related;\r\n\ttype=\"text/html\";\r\n\tboundary=\"{boundary}\"",
         "X-MimeOLE: Produced By Microsoft MimeOLE V6.1.7601.24158"],
        boundary,
        [(["Content-Type: text/html;\r\n\tcharset=\"big5\"",
           "Content-Transfer-Encoding: quoted-printable", f"Content-Location: {IE_ADDRESS}"],
          qp(html)),
         image_part("logo.png")],
        preamble="This is a multi-part message in MIME format.\r\n")


def gbk_page() -> bytes:
    """A Chrome-saved page in GBK: its part names no charset, the page's ``<meta>`` does; the
    page names its own address (a canonical link), which is kept."""
    html = (f'<html><head><meta charset="gbk"><title>霍尔木兹海峡航运受阻_国际新闻</title>'
            f'<link rel="canonical" href="{CANONICAL}"></head><body><div class="nav">首页 国际'
            f"</div><article><h1>霍尔木兹海峡航运受阻</h1>{paragraphs(GBK_ARTICLE)}</article>"
            f"</body></html>").encode("gbk")
    return chrome_page(html)


def word_page() -> bytes:
    """A ``.mht`` whose ``start`` names its page, which comes after a style sheet and a frame
    (another ``text/html`` part, not the page)."""
    frame = "<html><body><p>框架廣告詞，請點擊。</p></body></html>".encode()
    html = (f"<html><head><meta charset=\"utf-8\"><title>長照自治條例三讀</title></head><body>"
            f"<article><h1>長照自治條例三讀</h1>{paragraphs(WORD_ARTICLE)}</article></body>"
            f"</html>").encode()
    boundary = "----=_NextPart_01DA0000.5A6B7C8D"
    return message(
        ["MIME-Version: 1.0",
         "Content-Type: multipart/related; type=\"text/html\";\r\n"
         f"\tstart=\"<page.root@example>\"; boundary=\"{boundary}\"",
         "Content-Location: file:///C:/Users/chen/Documents/care.htm"],
        boundary,
        [style_part(),
         (["Content-Type: text/html; charset=\"utf-8\"", "Content-ID: <frame.ad@example>",
           "Content-Transfer-Encoding: base64"], b64(frame)),
         (["Content-Type: text/html; charset=\"utf-8\"", "Content-ID: <page.root@example>",
           "Content-Transfer-Encoding: base64",
           "Content-Location: https://county.example.gov.tw/news/care"], b64(html))])


def no_page() -> bytes:
    boundary = "B"
    return message(["MIME-Version: 1.0", f"Content-Type: multipart/related; boundary={boundary}"],
                   boundary, [style_part(), image_part("a.png")])


PAGES = {
    "saved/gaza.mhtml": lambda: chrome_page(article_page().encode()),
    "saved/chips.mht": big5_page,
    "saved/hormuz.mhtml": gbk_page,
    "saved/care.mht": word_page,
    "broken/not-mime.mhtml": lambda: article_page().encode(),
    "broken/no-page.mht": no_page,
}
BROKEN = {"not-mime.mhtml": "not a MIME message", "no-page.mht": "no HTML part"}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return index_archive(tmp_path_factory.mktemp("mhtml"), PAGES)


def test_broken_files_are_skipped_with_one_line_each_and_the_rest_indexed(saved):
    _, run, _ = saved
    assert run.code == 1 and "Traceback" not in run.stderr
    summary = json.loads(run.stdout)
    assert (summary["added"], summary["skipped"]) == (len(PAGES) - len(BROKEN), len(BROKEN))
    for name, reason in BROKEN.items():
        lines = [line for line in run.stderr.splitlines() if name in line]
        assert len(lines) == 1 and "skipped" in lines[0] and reason in lines[0], lines


@pytest.mark.parametrize("query,path", [
    ("人质 交换", "saved/gaza.mhtml"),  # Simplified query, the Traditional UTF-8 page
    ("半导体 出口管制", "saved/chips.mht"),  # the Big5 page
    ("霍爾木茲 航運", "saved/hormuz.mhtml"),  # Traditional query, the Simplified GBK page
    ("长照 自治条例", "saved/care.mht"),  # the page ``start`` names, after the others
])
def test_the_saved_articles_are_found_in_either_script(saved, query, path):
    _, _, searcher = saved
    assert paths(searcher("search", query, "--json")) == {path}


# Each term, and the page whose file holds it: in its clutter, its style sheet, a frame.
@pytest.mark.parametrize("term,path", [*((term, "saved/gaza.mhtml") for term in CLUTTER_TERMS),
                                       *((term, "saved/chips.mht") for term in CLUTTER_TERMS[:6]),
                                       ("樣式表註解詞", "saved/gaza.mhtml"),
                                       ("框架廣告詞", "saved/care.mht")])
def test_neither_clutter_nor_the_other_parts_are_searchable(saved, term, path):
    _, _, searcher = saved
    assert searcher("search", f'"{term}"', "--json").stdout == ""
    shown = searcher("show", path, "--json")
    assert shown.code == 0 and term not in json.loads(shown.stdout)["body"]


@pytest.mark.parametrize("path,title,date,url", [
    # The page's own date (its byline), never the Date header's day it was saved.
    ("saved/gaza.mhtml", "川普：加沙停火本週生效", "2024-08-26", CHROME_ADDRESS),
    ("saved/chips.mht", "半導體出口管制擴大", None, IE_ADDRESS),
    ("saved/hormuz.mhtml", "霍尔木兹海峡航运受阻", None, CANONICAL),  # the page's own address
    # The root part's web address, not the file:/// path Word wrote on the message.
    ("saved/care.mht", "長照自治條例三讀", None, "https://county.example.gov.tw/news/care"),
])
def test_metadata_comes_from_the_page_and_the_address_it_was_saved_from(saved, path, title,
                                                                        date, url):
    _, _, searcher = saved
    shown = json.loads(searcher("show", path, "--json").stdout)
    assert (shown["title"], shown["date"], shown["url"]) == (title, date, url)


def test_the_pages_are_read_in_their_charsets_without_a_guess(saved):
    _, run, _ = saved
    summary = json.loads(run.stdout)
    assert summary["files"]["indexed"] == len(PAGES) - len(BROKEN)
    assert summary["warnings"] == []
    assert not [line for line in run.stderr.splitlines() if "saved/" in line]


def test_a_page_cut_short_before_its_closing_boundary_is_read():
    data = chrome_page(article_page().encode())
    cut = data[:data.index(b"Content-Type: text/css")]
    document = parse_file(cut, "cut.mhtml", []).documents[0]
    assert "人質與被拘押者" in document.body and document.url == CHROME_ADDRESS


def test_a_file_of_more_parts_than_a_file_may_hold_is_not_read():
    boundary = "B"
    parts = [(["Content-Type: image/png"], b"")] * (MAX_MEMBERS + 1)
    data = message(["MIME-Version: 1.0", f"Content-Type: multipart/related; boundary={boundary}"],
                   boundary, [*parts, (["Content-Type: text/html"], b"<p>x</p>")])
    with pytest.raises(DocumentError, match="more than 10,000 parts"):
        parse_file(data, "many.mhtml", [])
