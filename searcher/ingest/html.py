"""HTML pages (``.html``, ``.htm``, ``.xhtml``): article text and metadata, with the standard
library's HTML parser.

Scripts, styles, navigation, headers, footers, asides and forms are dropped; block elements
become line breaks. The title comes from ``<title>`` (else the first ``<h1>``), the date from
publication ``<meta>`` tags or the first ``<time datetime>``, the author from
``<meta name="author">``.

    >>> page = extract("<title>停火</title><nav>menu</nav><p>正文。</p>")
    >>> page.title, page.text.strip()
    ('停火', '正文。')
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from searcher.ingest.metadata import make_document
from searcher.models import Document

SUFFIXES = {".html", ".htm", ".xhtml"}

_SKIPPED = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template",
            "svg", "button", "select"}
_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
           "section", "article", "blockquote", "pre", "figcaption", "table", "hr", "dd", "dt"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source",
         "track", "wbr"}
_DATE_META = ("article:published_time", "datepublished", "date", "pubdate", "publishdate",
              "dc.date", "dc.date.issued", "og:published_time", "publication_date")


@dataclass
class Page:
    title: str | None
    text: str
    date: str | None
    author: str | None
    source: str | None


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.in_title = False
        self.in_h1 = False
        self.title = ""
        self.h1 = ""
        self.meta: dict[str, str] = {}
        self.time: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (attributes.get("property") or attributes.get("name")
                   or attributes.get("itemprop") or "").lower()
            if key and "content" in attributes:
                self.meta.setdefault(key, attributes["content"])
            return
        if tag == "time" and self.time is None and attributes.get("datetime"):
            self.time = attributes["datetime"]
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "h1":
            self.in_h1 = True
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self.skipping:
            self.skipping -= 1
        elif tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skipping:
            if self.in_h1:
                self.h1 += data
            self.parts.append(data)


def extract(html: str) -> Page:
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    date = next((parser.meta[k] for k in _DATE_META if parser.meta.get(k)), None) or parser.time
    title = " ".join(parser.title.split()) or " ".join(parser.h1.split()) or None
    return Page(title=title, text=text, date=date, author=parser.meta.get("author") or None,
                source=parser.meta.get("og:site_name") or None)


def parse_html(text: str, path: str, warnings: list[str]) -> Document:
    page = extract(text)
    fields = {"title": page.title, "date": page.date, "author": page.author,
              "source": page.source}
    return make_document(path, page.text, fields, warnings)
