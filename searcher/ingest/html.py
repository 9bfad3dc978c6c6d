"""HTML pages (``.html``, ``.htm``, ``.xhtml``): the article's main text, with trafilatura, and
its metadata, with the standard library's HTML parser.

trafilatura keeps the article body and drops what surrounds it — navigation, cookie banners,
breadcrumbs, share bars, tag lines, reader comments, related-reading lists, newsletter boxes —
whether the page marks its article up (``<main><article>``) or is a soup of ``<div>``s. A page
where it finds nothing is indexed whole (its visible text: scripts, styles, navigation,
headers, footers, asides and forms dropped), with a warning. So is a page too large for
trafilatura, which spends about 0.1 ms on each element, and time quadratic in an element's
attributes (40,000 on one element took 39 s): more than ``MAX_ELEMENTS`` elements or
``MAX_ATTRIBUTES`` attributes, or more than ``MAX_ELEMENT_ATTRIBUTES`` on one element, counted
as the page is parsed for its metadata.

The title is ``og:title``, else ``<title>``, else the first ``<h1>``; a site name after a
separator (`` | ``, `` - ``, ``｜``, ``_``…) is cut when something confirms it: the part before
it is the other title, or a line of the page, or the part after it names the site
(``og:site_name``). The date is the page's publication ``<meta>``, else its first
``<time datetime>``, else a byline (``發布時間：…``, ``更新於…``, ``發稿時間…``, or a date with its
time, ``2024年8月26日 08:30``); the author is ``<meta name="author">``, else a byline's
``作者：…`` or ``記者…``.

    >>> page = parse_html("<title>停火 | 評論網</title><h1>停火</h1><nav>menu</nav><p>正文。</p>",
    ...                   "a.html", [])
    >>> page.title, page.body
    ('停火', '停火\\n正文。')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from searcher.ingest.metadata import make_document
from searcher.models import Document

SUFFIXES = {".html", ".htm", ".xhtml"}
MAX_ELEMENTS = 50_000
MAX_ATTRIBUTES = 100_000
MAX_ELEMENT_ATTRIBUTES = 1_000

_SKIPPED = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template",
            "svg", "button", "select"}
_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
           "section", "article", "blockquote", "pre", "figcaption", "table", "hr", "dd", "dt"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source",
         "track", "wbr"}
_DATE_META = ("article:published_time", "datepublished", "date", "pubdate", "publishdate",
              "dc.date", "dc.date.issued", "og:published_time", "publication_date")
_DATE = r"\d{4}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}\s*日?"
# A byline's date: after a label, or written with its time of day (a bare date in the text is
# as likely a date the article talks about).
_BYLINE_DATE_RE = re.compile(
    rf"(?:(?:發布|发布|發佈|發表|发表|出版|刊登|發稿|发稿|更新)(?:時間|时间|日期|於|于)?\s*[:：]?\s*"
    rf"({_DATE}))|({_DATE})\s+\d{{1,2}}:\d{{2}}")
_BYLINE_AUTHOR_RE = re.compile(r"(?:作者\s*[:：]|(?:記者|记者)[:：]?)\s*([^\s:：,，|｜/／]{2,20})")
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—]\s+|\s*[｜_]\s*|\s*\|\s*")
# Bylines sit at the top: looking further would read a date in the text as the page's.
_BYLINE_WINDOW = 600


@dataclass
class Page:
    """A page's metadata and its whole visible text."""

    title: str | None
    text: str
    date: str | None
    author: str | None
    source: str | None
    outsized: str | None = None  # why the page is too large for trafilatura, if it is


class _Extractor(HTMLParser):
    """The visible text of a page (less its scripts, navigation and so on), its ``<meta>``
    tags, ``<title>``, first ``<h1>`` and first ``<time datetime>``."""

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
        self.elements = self.attributes = self.widest = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1
        self.attributes += len(attrs)
        self.widest = max(self.widest, len(attrs))
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
            self.in_h1 = not self.h1
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


def visible_text(html: str) -> str:
    """A page's visible text, one line per block, without its scripts, styles, navigation,
    headers, footers, asides and forms (an e-book chapter, a page with no article found)."""
    return _parse(html).text


def parse_html(text: str, path: str, warnings: list[str]) -> Document:
    """The article in a page's text: what trafilatura finds, else (with a warning) the whole
    visible text."""
    page = _parse(text)
    body = ""
    if page.outsized:
        warnings.append(f"{path}: {page.outsized}, too many to look for the article in; its "
                        f"whole text is indexed")
    elif not (body := _main_text(text)):
        warnings.append(f"{path}: no article found in the page; its whole text is indexed")
    fields = {"title": page.title, "date": page.date, "author": page.author,
              "source": page.source}
    return make_document(path, body or page.text, fields, warnings)


def _parse(html: str) -> Page:
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    head = text[:_BYLINE_WINDOW]
    byline_date = _BYLINE_DATE_RE.search(head)
    byline_author = _BYLINE_AUTHOR_RE.search(head)
    date = (next((parser.meta[k] for k in _DATE_META if parser.meta.get(k)), None)
            or parser.time or (byline_date and (byline_date.group(1) or byline_date.group(2))))
    site = " ".join(parser.meta.get("og:site_name", "").split()) or None
    h1 = " ".join(parser.h1.split())
    og_title = " ".join(parser.meta.get("og:title", "").split())
    page_title = " ".join(parser.title.split())
    lines_seen = set(text.splitlines())
    title = (_without_site(og_title, {h1}, lines_seen, site)
             or _without_site(page_title, {og_title, h1}, lines_seen, site) or h1 or None)
    return Page(title=title, text=text, date=date,
                author=parser.meta.get("author") or (byline_author and byline_author.group(1)),
                source=site, outsized=_outsized(parser))


def _outsized(parser: _Extractor) -> str | None:
    """What makes a parsed page too large for trafilatura, if anything does."""
    if parser.elements > MAX_ELEMENTS:
        return f"{parser.elements:,} elements (more than {MAX_ELEMENTS:,})"
    if parser.attributes > MAX_ATTRIBUTES:
        return f"{parser.attributes:,} attributes (more than {MAX_ATTRIBUTES:,})"
    if parser.widest > MAX_ELEMENT_ATTRIBUTES:
        return (f"an element with {parser.widest:,} attributes (more than "
                f"{MAX_ELEMENT_ATTRIBUTES:,})")
    return None


def _without_site(title: str, others: set[str], lines: set[str], site: str | None) -> str:
    """``title`` less a site-name suffix, when the other titles, the page's lines or the site
    name confirm where the article's title ends; else ``title`` whole."""
    for separator in _TITLE_SEPARATORS.finditer(title):
        head, tail = title[:separator.start()].strip(), title[separator.end():]
        if head and (head in others or head in lines or (site and site in tail)):
            return head
    return title


def _main_text(html: str) -> str:
    """The article's text by trafilatura, one paragraph a line ("" when it finds none)."""
    # Imported here: ``searcher search`` never reads a page and should not pay for lxml.
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # one warning line per file
    # lxml refuses a str that declares its encoding (XHTML's <?xml … encoding=…?>): the text is
    # decoded already.
    html = re.sub(r"\A\s*<\?xml[^>]*\?>", "", html)
    text = trafilatura.extract(html, include_comments=False, include_tables=True,
                               favor_precision=True, with_metadata=False) or ""
    # On a short page trafilatura's recall pass can add the article a second time.
    lines = dict.fromkeys(line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
