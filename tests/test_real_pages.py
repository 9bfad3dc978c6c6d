"""The holes real archives showed, each on a file built here the way real ones are: a Big5 page
no guess reads right, a PDF whose lines wrap inside words under a running header, PDF and Word
files saved long after their byline's day, pages whose date is only in JSON-LD, the address or
the byline, titles with their site's name, ``記者`` in running text, related-article lists with
thumbnails, page controls. Indexed through ``searcher index`` and read back with ``show`` and
``search``; nothing is mocked."""

from __future__ import annotations

import datetime
import io
import json

import pytest

from searcher.ingest.formats import parse_file
from searcher.ingest.metadata import TITLE_LENGTH
from tests.test_document_formats import ARTICLE, index_archive, paths

# A Big5 page as udn.com serves it: cp950's euro sign and a Hong Kong character, which no one
# codec of the Big5 family decodes, so that only GB18030 decodes it whole, as mojibake.
BIG5_TITLE = "聯合報：立法院三讀通過預算"


def big5_page(declaration: str) -> bytes:
    return (f'<html><head>{declaration}<title>{BIG5_TITLE}</title>'
            '<meta name="description" content="PRICE"></head><body><article>'
            f"<h1>{BIG5_TITLE}</h1>" + "".join(f"<p>{p}</p>" for p in ARTICLE)
            + "<p>佢哋話預算案會順利通過。</p></article></body></html>").encode(
                "big5hkscs").replace(b"PRICE", "€".encode("cp950"))


def wrapped_pdf(pages: list[list[str]], header: str | None, font: str = "STSong-Light",
                title: str = "") -> bytes:
    """A PDF set line by line as a page wraps its text (``pages``: each page's lines), with
    ``header`` at the top and ``- N -`` at the foot of every page; created 2000-01-01."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(font))
    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=True)
    page.setTitle(title)
    for number, lines in enumerate(pages, 1):
        page.setFont(font, 12)
        if header:
            page.drawString(50, 810, header)
        for n, line in enumerate(lines):
            page.drawString(50, 780 - 20 * n, line)
        page.drawString(290, 30, f"- {number} -")
        page.showPage()
    page.save()
    return out.getvalue()


# Two pages of a Simplified article, 20 characters a line, wrapped inside words: 史无前|例,
# 新冠|疫情, and 前所|未有 across the page break; a Latin paragraph hyphenated.
PAGE_ONE = ["全球疫情至今已经延续近一年，这是一场史无前",
            "例的公共卫生危机，各国政府纷纷封锁边境，新冠",
            "疫情冲击远超预期，失业人数攀升。",
            "世界卫生组织呼吁各国加强合作，共同应对这场危",
            "机，并确保疫苗在全球范围内公平分配，避免出现",
            "富国囤积疫苗而穷国无苗可打的局面，情况前所"]
PAGE_TWO = ["未有，必须立即改变。",
            "The pandemic demands inter-",
            "national cooperation on an unprecedented scale."]
RUNNING_HEADER = "国际观察周刊 第12期"


def byline_pdf() -> bytes:
    return wrapped_pdf([["疫情下的全球合作", "记者王大明／北京报道", "2020年11月19日", *PAGE_ONE],
                        PAGE_TWO], RUNNING_HEADER, title="疫情下的全球合作")


def word_file(lines: list[str], created: datetime.datetime, author: str = "Windows 使用者"
              ) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.author = author
    document.core_properties.created = created
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def page(head: str, body: str, lang: str = "zh-Hant") -> bytes:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
            f"<body>{body}</body></html>").encode()


PARAGRAPHS = "".join(f"<p>{p}</p>" for p in ARTICLE)
SIDEBAR = ('<aside class="sidebar"><h3>熱門新聞</h3><ul><li><time datetime="2024-01-02">'
           "2024-01-02</time> 颱風來襲</li></ul></aside>")
# Related articles inside the article, in two shapes trafilatura keeps (each block is longer
# than its link-density test looks at): paragraphs of a label and a link, and a list of links
# with their dates.
HEADLINES = ["立委質詢交通部長高鐵票價調漲案延宕多時引發民怨", "颱風外圍環流影響北部今晚豪雨特報山區嚴防坍方",
             "央行理事會決議維持利率不變房市管制措施持續", "總統出訪友邦過境美國行程曝光細節引發關注",
             "職棒總冠軍賽今晚開打門票秒殺一空黃牛猖獗", "科學園區用水吃緊經濟部啟動調度因應旱象"]
RELATED_PARAGRAPHS = "".join(f'<p>〔相關新聞〕<a href="/news/{n}">{headline}</a></p>'
                             for n, headline in enumerate(HEADLINES[:3]))
RELATED_LIST = "<ul>" + "".join(f'<li><a href="/news/{n}">{headline}</a> 2020-11-19</li>'
                                for n, headline in enumerate(HEADLINES[3:])) + "</ul>"
# A headline of 38 characters: a derived title used to be cut with "…" at 30.
LEAD = "政院會今天通過年金改革草案，軍公教退休所得替代率將分十年逐步調降，明年起實施"
RELATED_TERMS = ["高鐵票價", "豪雨特報", "門票秒殺", "用水吃緊"]
CONTROLS = "<p>字級：小 中 大</p><p>分享 列印</p>"

ARCHIVE = {
    # 1. Charsets.
    "charset/meta.html": lambda: big5_page('<meta charset="big5">'),
    "charset/http-equiv.html": lambda: big5_page(
        '<meta http-equiv="Content-Type" content="text/html; charset=big5">'),
    "charset/saved-header.html": lambda: (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; "
                                          b"charset=Big5\r\nServer: nginx\r\n\r\n"
                                          + big5_page("")),
    "charset/latin1.html": lambda: (
        '<html lang="fr"><head><meta charset="iso-8859-1"><title>Café</title></head><body>'
        + "<p>Le café coûte 3 £ à Londres, déjà vu.</p>" * 5 + "</body></html>").encode("cp1252"),
    # A Big5 file cut inside its last character.
    "charset/cut.txt": lambda: ("颱風過境，全台停班停課。" * 30).encode("big5") + b"\xa4",
    "charset/cut.md": lambda: ("# 地震\n\n" + "強震造成多處停電。" * 30).encode()[:-1],
    # 2 and 3. PDF and Word files with bylines.
    "docs/wrapped.pdf": byline_pdf,
    "docs/undated.pdf": lambda: wrapped_pdf([["沒有署名的備忘錄", "會議決定延後表決。"]], None),
    "docs/byline.docx": lambda: word_file(
        ["兩岸關係的新變局", "發布時間：2013/06/29 10:20", "作者：林小華", ARTICLE[0]],
        datetime.datetime(2024, 5, 6, 8, 0)),
    "docs/properties.docx": lambda: word_file(
        ["沒有署名的筆記", "內容是會議紀錄。"], datetime.datetime(2019, 3, 4, 8, 0), "陳一"),
    # 3 and 4. Titles, dates and authors of pages.
    "pages/xinhua.html": lambda: page(
        '<title>中方回应美国对台军售-新华网</title>',
        f"<h2>中方回应美国对台军售</h2>{PARAGRAPHS}"),
    "pages/apple.html": lambda: page(
        '<title>立法院三讀通過 | 蘋果日報</title><meta property="og:title" content="立法院三讀'
        '通過 | 蘋果日報"><link rel="canonical" href="https://tw.appledaily.com/politics/'
        '20130629/ABC123/">',
        f"<div>{PARAGRAPHS}</div>"),
    "pages/udn.html": lambda: page(
        '<title>川普 - 普丁會談登場 | 聯合報</title><meta property="og:site_name" content="聯合報">'
        '<meta name="author" content="聯合報">',
        f"<article><h1>川普 - 普丁會談登場</h1><p>〔記者林小華／台北報導〕{ARTICLE[0]}</p>"
        f"{PARAGRAPHS}</article>"),
    "pages/json-ld.html": lambda: page(
        '<title>新聞網</title><script type="application/ld+json">{"@context": "https://schema.'
        'org", "@graph": [{"@type": "WebSite", "name": "新聞網"}, {"@type": "NewsArticle", '
        '"headline": "港府公布施政報告", "datePublished": "2021-10-06T11:00:00+08:00", '
        '"author": [{"@type": "Person", "name": "何七"}]}]}</script>',
        f"<div>{PARAGRAPHS}</div>"),
    "pages/sidebar-time.html": lambda: page(
        "<title>政院拍板電價凍漲</title>",
        f"{SIDEBAR}<main><h1>政院拍板電價凍漲</h1><div class=\"byline\">2019/03/08 記者王大明"
        f"</div>{PARAGRAPHS}</main>"),
    "pages/byline-only.html": lambda: page(
        "<title>北市推動社宅</title>",
        f"<h1>北市推動社宅</h1><div>2013/06/29</div>{PARAGRAPHS}"),
    "pages/saved.html": lambda: (
        b"<!-- saved from url=(0052)https://news.example.org/2016/05/20/inauguration/ -->\n"
        + page("<title>新政府就職</title>", f"<h1>新政府就職</h1>{PARAGRAPHS}")),
    "pages/aspnet.html": lambda: page(  # a page wrapped in one form, as ASP.NET pages are
        "<title>北市推動社宅</title>",
        '<form id="form1"><div class="nav"><form><input name="q">搜尋</form></div>'
        f"<h1>北市推動社宅</h1><div>2018/02/21 10:20 記者王大明／台北報導</div>{PARAGRAPHS}"
        "</form>"),
    "pages/reporter-in-text.html": lambda: page(
        "<title>港人上街</title>",
        "<h1>港人上街</h1><p>示威者向記者戴豬嘴面罩抗議，記者2020年在北京跟蹤報導。</p>"
        f"{PARAGRAPHS}"),
    # 5. Page text.
    "pages/ltn.html": lambda: page(
        "<title>停火協議生效 - 自由時報電子報</title>",
        f"<div class=\"article\"><h1>停火協議生效</h1><div class=\"text\">{CONTROLS}"
        f"<p>{ARTICLE[0]}</p>{RELATED_PARAGRAPHS}<p>{ARTICLE[1]}</p><p>{ARTICLE[2]}</p>"
        f"{RELATED_LIST}</div></div>"),
    # 6. A plain text file without a header.
    "notes/lead.txt": lambda: (LEAD + "\n\n" + ARTICLE[0]).encode(),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The archive indexed by ``searcher index --json``: the run, and a function running
    further commands on its index."""
    _, run, searcher = index_archive(tmp_path_factory.mktemp("real"), ARCHIVE)
    return run, searcher


def shown(archive, path: str) -> dict:
    _, searcher = archive
    done = searcher("show", path, "--json")
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)


def test_every_file_is_read(archive):
    run, _ = archive
    assert run.code in (0, 1) and "Traceback" not in run.stderr
    assert json.loads(run.stdout)["added"] == len(ARCHIVE)


# 1. Charsets.

@pytest.mark.parametrize("path", ["charset/meta.html", "charset/http-equiv.html",
                                  "charset/saved-header.html"])
def test_a_page_is_read_in_the_charset_it_declares(archive, path):
    run, searcher = archive
    record = shown(archive, path)
    assert record["title"] == BIG5_TITLE and "佢哋話預算案會順利通過" in record["body"]
    assert "HTTP/1.1" not in record["body"] and "nginx" not in record["body"]
    assert path in paths(searcher("search", "佢哋", "--json"))


def test_the_declaration_wins_over_guessing():
    warnings: list[str] = []
    parsed = parse_file(ARCHIVE["charset/latin1.html"](), "a.html", warnings)
    assert parsed.encoding == "cp1252" and warnings == []
    assert "Le café coûte 3 £ à Londres, déjà vu." in parsed.documents[0].body


def test_a_declaration_the_bytes_belie_is_not_followed_and_says_so():
    data = big5_page('<meta charset="gb2312">')  # a template's declaration, Big5 bytes
    warnings: list[str] = []
    document = parse_file(data, "a.html", warnings).documents[0]
    assert document.title == BIG5_TITLE
    assert any("a.html: declares charset 'gb2312', but reads as big5" in w for w in warnings)


def test_a_file_cut_inside_a_character_is_read_with_a_warning_naming_it(archive):
    run, searcher = archive
    assert "charset/cut.txt: 1 byte that is not big5 replaced with U+FFFD" in run.stderr
    assert "charset/cut.md: 2 bytes that are not utf-8 replaced with U+FFFD" in run.stderr
    assert paths(searcher("search", "停班停課", "--json")) == {"charset/cut.txt"}
    assert paths(searcher("search", "停電", "--json")) == {"charset/cut.md"}


# 2. PDF line wraps, running headers and page numbers.

@pytest.mark.parametrize("query", ['"史无前例"', '"新冠疫情"', '"前所未有"', "international"])
def test_a_word_a_line_or_page_break_cut_is_found(archive, query):
    _, searcher = archive
    assert paths(searcher("search", query, "--json")) == {"docs/wrapped.pdf"}


def test_running_headers_and_page_numbers_are_dropped_and_paragraphs_kept(archive):
    record = shown(archive, "docs/wrapped.pdf")
    body = record["body"]
    assert RUNNING_HEADER not in body and "- 1 -" not in body and "- 2 -" not in body
    assert "疫情下的全球合作\n记者王大明／北京报道\n2020年11月19日\n全球疫情" in body
    assert "失业人数攀升。\n世界卫生组织" in body  # a short line ending a sentence
    assert "必须立即改变。\nThe pandemic demands international cooperation" in body
    assert body[record["pages"][1]:].startswith("未有，必须立即改变。")


# 3. Dates and authors of PDF and Word files.

@pytest.mark.parametrize("path,date,author", [
    ("docs/wrapped.pdf", "2020-11-19", "王大明"),  # the byline's, not the file's 2000-01-01
    ("docs/byline.docx", "2013-06-29", "林小華"),  # not 2024-05-06, nor "Windows 使用者"
    ("docs/undated.pdf", "2000-01-01", None),  # no byline: the file's properties
    ("docs/properties.docx", "2019-03-04", "陳一"),
])
def test_a_document_takes_its_bylines_date_and_author_before_the_files(archive, path, date,
                                                                       author):
    record = shown(archive, path)
    assert (record["date"], record["author"]) == (date, author)


# 3 and 4. Titles, dates and authors of pages.

@pytest.mark.parametrize("path,title,date,author", [
    ("pages/xinhua.html", "中方回应美国对台军售", None, None),
    ("pages/apple.html", "立法院三讀通過", "2013-06-29", None),
    ("pages/udn.html", "川普 - 普丁會談登場", None, "林小華"),
    ("pages/json-ld.html", "港府公布施政報告", "2021-10-06", "何七"),
    ("pages/sidebar-time.html", "政院拍板電價凍漲", "2019-03-08", "王大明"),
    ("pages/byline-only.html", "北市推動社宅", "2013-06-29", None),
    ("pages/saved.html", "新政府就職", "2016-05-20", None),
    ("pages/aspnet.html", "北市推動社宅", "2018-02-21", "王大明"),
    ("pages/reporter-in-text.html", "港人上街", None, None),
])
def test_a_pages_title_date_and_author(archive, path, title, date, author):
    record = shown(archive, path)
    assert (record["title"], record["date"], record["author"]) == (title, date, author)


@pytest.mark.parametrize("path,url", [
    ("pages/apple.html", "https://tw.appledaily.com/politics/20130629/ABC123/"),
    ("pages/saved.html", "https://news.example.org/2016/05/20/inauguration/"),
])
def test_a_pages_address_is_stored(archive, path, url):
    assert shown(archive, path)["url"] == url


# 5. Page text.

@pytest.mark.parametrize("term", RELATED_TERMS + ["字級", "列印"])
def test_related_lists_and_page_controls_are_not_the_article(archive, term):
    _, searcher = archive
    assert "pages/ltn.html" not in paths(searcher("search", f'"{term}"', "--json"))


def test_the_article_around_them_is_kept(archive):
    body = shown(archive, "pages/ltn.html")["body"]
    assert all(paragraph in body for paragraph in ARTICLE)


# 6. A title derived from the text.

def test_a_short_first_line_is_the_title_whole(archive):
    assert len(LEAD) <= TITLE_LENGTH
    assert shown(archive, "notes/lead.txt")["title"] == LEAD


# The shapes behind the cases above, one by one.

@pytest.mark.parametrize("line,author", [
    ("記者林小華／台北報導", "林小華"),
    ("〔記者林小華、王大明／台北報導〕立法院今天三讀", "林小華、王大明"),
    ("【王大明／綜合報導】", "王大明"),
    ("新京報訊（記者 陸一夫）", "陸一夫"),
    ("（香港文匯報記者 顏晉傑 文森）", "顏晉傑、文森"),
    ("澎湃新聞記者 賀梨萍 2020-06-06 10:08", "賀梨萍"),
    ("2020/08/09 17:30　記者：陳子謙", "陳子謙"),
    ("記者鄧厚仁報道", "鄧厚仁"),
    ("文／周五", "周五"),  # a labelled pen name may be a word
    ("作者：John Smith", "John Smith"),
    ("向記者表示", None),
    ("示威者向記者戴豬嘴面罩抗議", None),
    ("記者2020年在北京跟蹤報導", None),
    ("〔記者高度關注／台北報導〕", None),  # two common words
    ("【路透社／華盛頓報導】", None),  # an agency
    ("（記者 麥鈞傑攝）", None),  # a photo credit
    ("記者：請問您如何看待", None),  # an interview's question
])
def test_a_byline_names_its_author_by_its_shape(line, author):
    from searcher.ingest.bylines import byline_author

    assert byline_author(line) == author


def page_fields_of(head: str, body: str = PARAGRAPHS) -> dict:
    document = parse_file(page(head, body), "a.html", []).documents[0]
    return {"title": document.title, "date": document.date, "author": document.author}


@pytest.mark.parametrize("title,expected", [
    ("垃圾徵費欠細節 各界憂執行混亂 - 晴報 - 港聞 - 要聞", "垃圾徵費欠細節 各界憂執行混亂"),
    ("女儿出嫁，郑板桥画了几笔兰花当嫁妆--文化--人民网", "女儿出嫁，郑板桥画了几笔兰花当嫁妆"),
    ("和男友口角鎖門吞藥 女墜樓不治│即時新聞│20160521│蘋果日報", "和男友口角鎖門吞藥 女墜樓不治"),
    ("新冠疫苗COVID-19接種 - 衛福部", "新冠疫苗COVID-19接種 - 衛福部"),  # no site confirmed
])
def test_a_site_suffix_is_cut_with_the_sections_after_it(title, expected):
    assert page_fields_of(f"<title>{title}</title>")["title"] == expected


@pytest.mark.parametrize("head,h1,expected", [
    # the page's own headline with a site's prefix, a site's and sections' suffix around it
    ('<meta property="og:title" content="今日信報-- 內地客經港轉機恢復 空服員憂播毒">'
     '<meta property="og:site_name" content="今日信報">',
     "內地客經港轉機恢復 空服員憂播毒", "內地客經港轉機恢復 空服員憂播毒"),
    ("<title>信報即時新聞 -- 官媒:央企重組不設時間表</title>", "官媒:央企重組不設時間表",
     "官媒:央企重組不設時間表"),
    ("<title>图说洛阳| 剪“廉洁窗花” 过廉洁之年 河南日报网-河南日报官方网站</title>",
     "图说洛阳| 剪“廉洁窗花” 过廉洁之年", "图说洛阳| 剪“廉洁窗花” 过廉洁之年"),
    ("<title>交通部打造京津冀综合交通网络-股票频道-和讯网</title>", "交通部打造京津冀综合交通网络",
     "交通部打造京津冀综合交通网络"),
    # a headline's first line as the <h1>: the rest is no affix
    ("<title>垃圾徵費欠細節 各界憂執行混亂 擬明年底推 - 晴報 - 港聞</title>", "垃圾徵費欠細節 各界憂執行混亂",
     "垃圾徵費欠細節 各界憂執行混亂 擬明年底推"),
    # an <h1> that is the site's channel, not the headline
    ("<title>国务院部署稳就业工作_新闻中心_新浪网</title>", "新闻中心", "国务院部署稳就业工作"),
    # a space before a name that is no site's: part of the headline
    ("<title>港府公布施政報告 房屋政策</title>", "港府公布施政報告", "港府公布施政報告 房屋政策"),
])
def test_the_pages_own_headline_is_found_in_its_title_between_affixes(head, h1, expected):
    assert page_fields_of(head, f"<h1>{h1}</h1>{PARAGRAPHS}")["title"] == expected


@pytest.mark.parametrize("title,expected", [
    ("與母爭吵疑失足墜樓 男子送醫搶救不治 | 社會 | 三立新聞網 SETN.COM", "與母爭吵疑失足墜樓 男子送醫搶救不治"),
    ("新冠疫苗COVID-19接種 - 新华网", "新冠疫苗COVID-19接種"),  # a hyphen sets no section apart
    ("颱風來襲 | 全台停班停課名單一覽 | 聯合新聞網", "颱風來襲 | 全台停班停課名單一覽"),  # too long
])
def test_a_short_section_before_the_sites_name_is_cut_with_it(title, expected):
    assert page_fields_of(f"<title>{title}</title>")["title"] == expected


@pytest.mark.parametrize("head,body,expected", [
    # the site's name the page gives, before the headline or around it in brackets
    ('<meta property="og:title" content="成報新聞(輕鐵屯門泳池站月台沉降 驚見石屎躉離地 )">'
     '<meta property="og:site_name" content="成報">', PARAGRAPHS, "輕鐵屯門泳池站月台沉降 驚見石屎躉離地"),
    ('<title>今日信報-- 內地客經港轉機恢復 空服員憂播毒</title><meta property="og:site_name" '
     'content="今日信報">', PARAGRAPHS, "內地客經港轉機恢復 空服員憂播毒"),
    # after a space, the name its copyright line gives; not a phrase that holds a site's name
    ("<title>土豆不“土” 土豆无“土” 松花江网</title>", f"{PARAGRAPHS}<p>松花江网 shjnet.cn 版权所有</p>",
     "土豆不“土” 土豆无“土”"),
    ('<title>林鄭月娥接受專訪 回應蘋果日報</title><meta property="og:site_name" content="蘋果日報">',
     PARAGRAPHS, "林鄭月娥接受專訪 回應蘋果日報"),
    ("<title>Senate Passes the Voting Rights</title>", f"{PARAGRAPHS}<p>© 2020 All rights reserved</p>",
     "Senate Passes the Voting Rights"),
    # after a hyphen, when the part before it is a line of the page and the longer part
    ("<title>民间资本成投资活动的主体 民间资本路在何方-搜狐财经</title>",
     f"<div>民间资本成投资活动的主体 民间资本路在何方</div>{PARAGRAPHS}", "民间资本成投资活动的主体 民间资本路在何方"),
    ("<title>台積電-美國廠進度</title>", f"<div>台積電</div>{PARAGRAPHS}", "台積電-美國廠進度"),
])
def test_a_sites_name_the_page_confirms_is_cut_before_or_after_the_title(head, body, expected):
    assert page_fields_of(head, body)["title"] == expected


def test_the_byline_is_looked_for_by_the_h1_not_an_earlier_copy_of_its_text():
    headline = "全民免費檢測 最快兩周後展開"
    # the page's list of headlines before the article, longer than the lines looked at
    related = "<ul>" + "".join(f"<li>\ufeff{h}</li>" for h in [headline, *HEADLINES * 3]) + "</ul>"
    body = (f'{related}<div class="topic"><h1>\ufeff{headline}</h1></div><div>2020-08-08</div>'
            f"{PARAGRAPHS}")
    fields = page_fields_of(f'<meta property="og:title" content="{headline}">', body)
    assert (fields["title"], fields["date"]) == (headline, "2020-08-08")


def test_an_h1_that_is_the_sites_name_is_not_where_the_byline_is_looked_for():
    menu = "".join(f"<div>{item}</div>" for item in ["首頁", "日報", "社論", "港聞", "財經", "地產",
                                                    "教育", "娛樂", "體育", "馬經", "日報回顧"] * 2)
    body = (f"<h1>星島日報</h1>{menu}<div>教大生傳被永不錄用 楊潤雄：未有聽聞</div><div>2017-09-10港聞</div>"
            f"{PARAGRAPHS}")
    head = '<meta property="og:title" content="教大生傳被永不錄用 楊潤雄：未有聽聞">'
    assert page_fields_of(head, body)["date"] == "2017-09-10"


def test_a_meta_title_cut_at_an_unescaped_quote_gives_way_to_the_whole_title():
    head = ('<meta property="og:title" content="男孩因不想上补习班 写"救命啊"纸团求救">'
            '<title>男孩因不想上补习班 写"救命啊"纸团求救_网易新闻</title>')
    assert page_fields_of(head)["title"] == '男孩因不想上补习班 写"救命啊"纸团求救'
    # a title that is the other's start before a separator is the right one
    head = ('<meta property="og:title" content="停火協議生效">'
            '<title>停火協議生效 | 聯合新聞網</title>')
    assert page_fields_of(head)["title"] == "停火協議生效"


@pytest.mark.parametrize("key", ["apub:time", "publishtime", "og:pubdate", "PubDate"])
def test_a_publication_date_meta_is_read_by_its_name(key):
    head = f'<title>儿歌一分钱被改成一元钱</title><meta name="{key}" content="2019-9-7 21:30:50">'
    assert page_fields_of(head)["date"] == "2019-09-07"
    head = '<title>儿歌一分钱</title><meta name="pubdate_modified" content="2020-01-01">'
    assert page_fields_of(head)["date"] is None


@pytest.mark.parametrize("content, date", [("19340430", "1934-04-30"),
                                           ("20250930T083000+0800", "2025-09-30")])
def test_a_publication_date_in_iso_basic_form_is_read(content, date):
    """``<meta name="pubdate" content="19340430">``, as some sites write it (before 1995
    too, a statute's or an archive's date): read, not indexed as undated."""
    head = f'<title>加氣站設置管理規則</title><meta name="pubdate" content="{content}">'
    assert page_fields_of(head)["date"] == date


def test_the_byline_after_a_headline_set_on_two_lines_wins_over_the_pages_clock():
    body = ('<div class="top">香港時間：2017年09月10日 星期日</div><div>揭頁版</div><div>昔日晴報</div>'
            "<div>專頁</div><div>港人首置上車盤 或市價一半</div><div>轉售擬設限 只可賣予政府</div>"
            f"<div>2017/09/08</div>{PARAGRAPHS}")
    head = "<title>港人首置上車盤 或市價一半 轉售擬設限 只可賣予政府 - 晴報 - 港聞</title>"
    assert page_fields_of(head, body)["date"] == "2017-09-08"


def test_a_headline_set_on_two_lines_without_a_date_near_it_takes_the_pages_top():
    body = ("<div>拿起跨界指挥棒 她跟学生较劲</div><div>2022年02月12日</div>"
            + "".join(f"<div>{menu}</div>" for menu in ("版面导航", "本版导航", "放大", "缩小"))
            + "<h1>拿起跨界指挥棒 她跟学生较劲<br>年过五十的她带领民乐团一路前行</h1>" + PARAGRAPHS)
    assert page_fields_of("<title>拿起跨界指挥棒</title>", body)["date"] == "2022-02-12"


def test_the_author_the_page_shows_wins_over_a_name_only_its_metadata_holds():
    script = ('<script type="application/ld+json">{"@type": "NewsArticle", "author": '
              '{"@type": "Person", "name": "陳昱光"}}</script>')
    sidebar = '<div class="sidebar"><span class="author">林小華</span></div>'
    body = (f'{sidebar}<article><h1>北市士林母子身亡</h1><div class="author"><a href="/r/1">謝明俊</a>'
            f"</div>{PARAGRAPHS}</article>")
    assert page_fields_of(f"<title>北市士林母子身亡</title>{script}", body)["author"] == "謝明俊"
    # without a byline shown, the metadata's name stands; a sidebar's author is none
    body = f"{sidebar}<article><h1>北市士林母子身亡</h1>{PARAGRAPHS}</article>"
    assert page_fields_of(f"<title>北市士林母子身亡</title>{script}", body)["author"] == "陳昱光"
    assert page_fields_of("<title>北市士林母子身亡</title>", body)["author"] is None


@pytest.mark.parametrize("line,title", [
    ("停火協議生效，雙方同意撤軍2020/08/09 17:30　記者：陳子謙", "停火協議生效，雙方同意撤軍"),
    ("兩岸關係的新變局發布時間：2013/06/29 10:20", "兩岸關係的新變局"),
    ("會議於2020/08/09 17:30舉行", "會議於2020/08/09 17:30舉行"),  # a date in a sentence
    ("李四說：今天 記者：請問", "李四說：今天 記者：請問"),  # an interview's question
])
def test_a_title_from_the_first_line_stops_before_a_byline_run_into_it(line, title):
    from searcher.ingest.metadata import derive_title

    assert derive_title(f"{line}\n{ARTICLE[0]}") == title


def test_a_pdf_headline_run_into_its_byline_is_the_title_without_it():
    headline = "機動部隊23歲男警初步確診 同組訓練40多名警員或要檢疫"
    lines = ["本港第三波新冠肺炎疫情仍然嚴峻，衞生防護中心公布本港今日新增72宗確", "診個案，其中9宗是輸入個案，63宗屬本地感染，累計4,080宗病例。"]
    data = wrapped_pdf([[headline, "2020/08/09 17:30　記者：陳子謙", *lines]], None)
    document = parse_file(data, "a.pdf", []).documents[0]
    assert (document.title, document.date, document.author) == (headline, "2020-08-09", "陳子謙")


def test_a_menu_line_before_the_title_is_not_taken_for_it():
    body = f'<div class="menu">今日信報</div><div>{PARAGRAPHS}</div>'
    title = "今日信報-- 內地客經港轉機恢復 空服員憂播毒"
    assert page_fields_of(f"<title>{title}</title>", body)["title"] == title


@pytest.mark.parametrize("value,author", [("記者陳嘉寧／桃園機場", "陳嘉寧"), ("环球网", None),
                                          ("新浪财经-自媒体综合", None), ("上官云 宋宇晟", "上官云、宋宇晟")])
def test_a_pages_author_field_is_read_as_a_byline_or_a_name(value, author):
    assert page_fields_of(f'<title>t</title><meta name="author" content="{value}">')[
        "author"] == author


def test_a_short_article_outweighed_by_its_related_links_is_kept():
    menu = "<ul>" + "".join(f'<li><a href="/{n}">選單項目{n}</a></li>' for n in range(30)) + "</ul>"
    related = "<ul>" + "".join(f'<li><a href="/r{n}">{headline}</a> 時事脈搏 ｜ 今日 11:13</li>'
                               for n, headline in enumerate(HEADLINES)) + "</ul>"
    short = ["政府刊憲，行政長官委任林大輝為香港電台顧問委員會主席，任期兩年。",
             "另外，新委任趙應春及蘇紹聰為委員會成員，任期同樣為兩年。"]
    body = (f'<div class="nav">{menu}</div><div class="content"><h1>特首委任林大輝為港台顧委會主席</h1>'
            + "".join(f"<p>{p}</p>" for p in short) + f"{related}</div>")
    warnings: list[str] = []
    document = parse_file(page("<title>特首委任</title>", body), "a.html", warnings).documents[0]
    assert warnings == [] and all(p in document.body for p in short)
    assert not any(headline in document.body for headline in HEADLINES)


def test_a_headline_and_a_byline_stay_lines_of_their_own():
    from searcher.ingest.reflow import reflow

    headline = "【新冠肺炎】機動部隊23歲男警初步確診 同組訓練40多名警員或要檢疫"  # wider than the text
    lines = [headline, "2020/08/09 17:30　記者：陳子謙", "本港第三波新冠肺炎疫情仍然嚴峻，衞生防護中心",
             "公布本港今日新增72宗確診個案，9宗是輸入個案", "，63宗屬本地感染。"]
    body, _ = reflow(["\n".join(lines)])
    assert body.splitlines() == [headline, lines[1], "".join(lines[2:])]
