"""Make the PDF and DOCX documents of the real-page set (docs/real-pages.md) from its labelled
saved pages.

    python3 scripts/real_pages/make_documents.py PAGES   # rewrites PAGES/documents/*.pdf, *.docx, labels.jsonl

Each document is one labelled page's article text (trafilatura's extraction of the saved page),
set under its headline with a byline line in one of the shapes real documents use, then:
PDFs in reportlab's CID fonts with lines wrapped at a fixed width (CJK wraps anywhere, so words
break across lines), a running header and a page number on every page of a document longer than a page; DOCX with python-docx.
Metadata: no document date at all (PDF info dates removed, DOCX core dates removed) for half of
them, the misleading save date for the other half; every file's modification time is that
misleading date too (2026-12-01). So the byline is the only true date.
Its output is not part of the repository: it is written beside the pages.
"""
import datetime, io, json, os, pathlib, re, sys
import trafilatura

PAGES = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../pages").resolve()
OUT = PAGES / "documents"
SAVED = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.timezone.utc)
LABELS = {json.loads(l)["file"]: json.loads(l) for l in open(PAGES / "labels.jsonl")}

# (source page, output name, byline lines placed under the headline, font, metadata dates kept)
DOCS = [
    ("hk-appledaily/4812c87b8b.html", "hk-appledaily-20180918.pdf", ["記者：林俊謙　2018年9月18日"], "MSung-Light", False),
    ("tw-udn/ef1a7529ff.html", "tw-udn-20190318.pdf", ["發布時間：2019-03-18 23:59", "聯合報 記者陳嘉寧／桃園機場報導"], "MSung-Light", True),
    ("cn-thepaper/7d2c64cdf2.html", "cn-thepaper-20200606.pdf", ["澎湃新闻记者 贺梨萍 2020-06-06 10:08 来源：澎湃新闻"], "STSong-Light", False),
    ("hk-hket/e2e4682fca.html", "hk-hket-20200809.pdf", ["2020/08/09 17:30　記者：陳子謙"], "MSung-Light", True),
    ("cn-163/4ecbf04af1.html", "cn-163-20191125.pdf", ["2019年11月25日 11:01", "新京报讯（记者 陆一夫）"], "STSong-Light", False),
    ("tw-chinatimes/d1d6ffd106.html", "tw-chinatimes-20180916.pdf", ["2018/09/16 15:31　中時 謝明俊"], "MSung-Light", True),
    ("hk-singpao/b4d1d5912a.html", "hk-singpao-20170910.docx", ["發佈日期 : 2017-09-10", "記者鄧厚仁報道"], None, False),
    ("cn-sina/e1758d0a4f.html", "cn-sina-20181228.docx", ["2018年12月28日 19:55 新京报", "记者 裴剑飞"], None, True),
    ("tw-ettoday/ee4165c01c.html", "tw-ettoday-20171209.docx", ["記者林悅／南市報導", "2017年12月09日 00:26"], None, False),
    ("cn-sohu/21add6f864.html", "cn-sohu-20041021.docx", ["时间：2004年10月21日14:18 作者：郭励弘"], None, True),
    ("hk-wenweipo/5685275178.html", "hk-wenweipo-20180730.docx", ["2018-07-30", "（香港文匯報記者 顏晉傑 文森）"], None, False),
    ("cn-cjn/6db5ccec9b.html", "cn-cjn-20201004.docx", ["2020-10-04 20:30 来源: 长江网", "（记者陈智 整合）"], None, True),
]
HEADER = {"MSung-Light": "網頁存檔副本　僅供研究", "STSong-Light": "网页存档副本　仅供研究"}
WIDTH = 33  # characters a line


def article_text(page: str) -> list[str]:
    raw = (PAGES / page).read_bytes()
    m = re.search(rb'charset\s*=\s*["\']?([\w-]+)', raw[:6000], re.I)
    cs = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}.get(m.group(1).decode().lower() if m else "utf-8", "utf-8")
    try:
        html = raw.decode(cs)
    except UnicodeDecodeError:
        html = raw.decode("utf-8", "replace")
    wanted = LABELS[page]["body_phrases"]
    for options in ({"favor_precision": True}, {"favor_recall": True}):
        text = trafilatura.extract(html, include_comments=False, include_tables=False, **options) or ""
        paras = [p.strip() for p in text.splitlines() if len(p.strip()) >= 8]
        if all(w in "".join(paras) for w in wanted):
            return paras
    # trafilatura misses these articles: their long text lines around the labelled phrases
    import lxml.html
    doc = lxml.html.fromstring(html)
    for bad in doc.xpath("//script|//style"):
        bad.drop_tree()
    lines = [" ".join(l.split()) for l in doc.text_content().splitlines()]
    hits = [i for i, l in enumerate(lines) if any(w in l for w in wanted)]
    span = lines[min(hits): max(hits) + 1]
    return [l for l in span if len(l) >= 30]


STOP = ("网友评论仅供", "網友評論", "相关新闻", "相關新聞", "责任编辑", "責任編輯", "页面功能", "共找到", "您可能有興趣")


def trim(page: str, paras: list[str]) -> list[str]:
    """The article's paragraphs: up to the first that is page chrome (a labelled chrome phrase
    or a marker of the lists and notices that follow articles), short trailing lines dropped."""
    chrome = LABELS[page]["chrome_phrases"]
    kept = []
    for p in paras:
        if any(c in p for c in chrome) or any(p.startswith(m) or m in p[:12] for m in STOP):
            break
        kept.append(p)
    while kept and len(kept[-1]) < 20:
        kept.pop()
    return kept


def wrap(paragraph: str) -> list[str]:
    return [paragraph[i:i + WIDTH] for i in range(0, len(paragraph), WIDTH)] or [""]


def make_pdf(title, bylines, paras, font, keep_dates, path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    from pypdf import PdfReader, PdfWriter
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842), invariant=1)
    lines = [("title", title)] + [("byline", b) for b in bylines] + [("gap", "")]
    for p in paras:
        lines += [("body", l) for l in wrap(p)] + [("gap", "")]
    page, y, total = 1, 760, 1
    for kind, _ in lines:  # how many pages: a one-page document gets no running header
        size = {"title": 16, "byline": 10}.get(kind, 12)
        if y < 80:
            total += 1; y = 760
        y -= size + 6
    y = 760

    def furniture():
        if total == 1:
            return
        c.setFont(font, 8)
        c.drawString(60, 805, HEADER[font])
        c.drawString(290, 40, f"- {page} -")
    furniture()
    for kind, text in lines:
        size = {"title": 16, "byline": 10}.get(kind, 12)
        if y < 80:
            c.showPage(); page += 1; y = 760; furniture()
        c.setFont(font, size)
        if text:
            c.drawString(60, y, text)
        y -= size + 6
    c.save()
    reader = PdfReader(io.BytesIO(buf.getvalue()))
    writer = PdfWriter()
    for p in reader.pages:
        writer.add_page(p)
    stamp = SAVED.strftime("D:%Y%m%d%H%M%S+00'00'")
    meta = {"/Producer": "ReportLab"}
    if keep_dates:
        meta.update({"/CreationDate": stamp, "/ModDate": stamp})
    writer.add_metadata(meta)
    with open(path, "wb") as fh:
        writer.write(fh)
    return page, [l for k, l in lines if k == "body"]


def make_docx(title, bylines, paras, keep_dates, path):
    import zipfile
    from docx import Document
    d = Document()
    d.add_heading(title, level=1)
    for b in bylines:
        d.add_paragraph(b)
    for p in paras:
        d.add_paragraph(p)
    cp = d.core_properties
    cp.author = ""
    cp.last_modified_by = ""
    cp.created = cp.modified = SAVED.replace(tzinfo=None)
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    if not keep_dates:  # drop the dates from docProps/core.xml
        zin = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                content = zin.read(item.filename)
                if item.filename == "docProps/core.xml":
                    content = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", content)
                zout.writestr(item, content)
        data = out.getvalue()
    path.write_bytes(data)


def main():
    records = []
    for page, name, bylines, font, keep_dates in DOCS:
        label = LABELS[page]
        paras = trim(page, article_text(page))
        path = OUT / name
        if name.endswith(".pdf"):
            pages, body_lines = make_pdf(label["title"], bylines, paras, font, keep_dates, path)
        else:
            make_docx(label["title"], bylines, paras, keep_dates, path)
            pages, body_lines = 1, []
        os.utime(path, (SAVED.timestamp(), SAVED.timestamp()))
        text = "".join(paras)
        body = [p for p in label["body_phrases"] if p in text]
        # a phrase that a line wrap cuts in the PDF: the 8 characters around the first break
        for a, b in zip(body_lines, body_lines[1:]):
            if len(a) == WIDTH and re.fullmatch(r"[\u4e00-\u9fff]{8}", a[-4:] + b[:4]):
                body.append(a[-4:] + b[:4])
                break
        rec = dict(file=f"documents/{name}", site="documents", region=label["region"],
                   title=label["title"], date=label["date"], authors=label["authors"],
                   body_phrases=body, chrome_phrases=[HEADER[font]] if font and pages > 1 else [],
                   source=page, note=("PDF" if font else "DOCX") + f", {pages} page(s); byline "
                   + " / ".join(bylines) + ("; metadata dates = the save date" if keep_dates else "; no metadata dates")
                   + "; file mtime 2026-12-01")
        records.append(rec)
        print(name, pages, len(text), body)
    with open(OUT / "labels.jsonl", "w") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
