"""HTML pages (``.html``, ``.htm``, ``.xhtml``): the article's main text, with trafilatura, and
its metadata (``page_metadata``), with the standard library's HTML parser.

trafilatura keeps the article body and drops what surrounds it — navigation, cookie banners,
breadcrumbs, share bars, tag lines, reader comments, related-reading lists, newsletter boxes —
whether the page marks its article up (``<main><article>``) or is a soup of ``<div>``s; the
link lists and page controls it would keep are removed first (``boilerplate``). A page
where it finds nothing is indexed whole (its visible text: scripts, styles, navigation,
headers other than an article's own, footers, asides and forms other than one wrapping the
whole page dropped), with a warning. So is
a page too large for trafilatura, which spends about 0.1 ms on each element, and time
quadratic in an element's attributes (40,000 on one element took 39 s): more than
``MAX_ELEMENTS`` elements or ``MAX_ATTRIBUTES`` attributes, or more than
``MAX_ELEMENT_ATTRIBUTES`` on one element, counted as the page is parsed for its metadata.

A page's bytes are decoded in the charset it declares (``declared_charset``): a saved HTTP
header's ``Content-Type``, else an XML declaration's, else the first ``<meta charset>`` or
``<meta http-equiv="Content-Type">`` of its first ``SNIFF_BYTES``; the saved header is not
part of the page's text.

    >>> page = parse_html("<title>停火 | 評論網</title><h1>停火</h1><nav>menu</nav><p>正文。</p>",
    ...                   "a.html", [])
    >>> page.title, page.body
    ('停火', '停火\\n正文。')
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from searcher.ingest.metadata import make_document
from searcher.ingest.page_metadata import PageFacts, Placed, page_fields
from searcher.ingest.reflow import between_wide
from searcher.models import Document

SUFFIXES = {".html", ".htm", ".xhtml"}
MAX_ELEMENTS = 50_000
MAX_ATTRIBUTES = 100_000
MAX_ELEMENT_ATTRIBUTES = 1_000
SNIFF_BYTES = 16_384
MAX_HEADER = 65_536  # a saved HTTP header is shorter
NEAR_HEADLINE = 1_000  # characters of text after the headline's start that are near it
MAX_TIMES = 100
MAX_BYLINES = 100
MAX_COPYRIGHT_LINES = 10

_SKIPPED = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template",
            "svg", "button", "select"}
_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
           "section", "article", "blockquote", "pre", "figcaption", "table", "hr", "dd", "dt"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source",
         "track", "wbr"}
# A page's parts that are not its article, by their element or the words of their class or id.
_CLUTTER_TAGS = {"nav", "aside", "footer"}
_CLUTTER_STARTS = ("comment", "sidebar", "related", "recommend", "popular", "widget", "footer",
                   "breadcrumb", "share", "social", "advert", "promo", "trending", "rank",
                   "reply", "hotnews", "morenews")
_CLUTTER_WORDS = {"nav", "menu", "aside", "side", "ad", "ads", "hot", "latest", "more"}
_BYLINE_WORDS = {"author", "byline", "reporter", "writer"}
_NAME_WORDS_RE = re.compile(r"[\s_\-]+")
_COPYRIGHT_RE = re.compile(r"©|copyright|版權所有|版权所有", re.IGNORECASE)
_SAVED_FROM_RE = re.compile(r"saved from url=\(\d+\)(\S+)")
# A response's status line and header lines, to the blank line ending them (in the first
# ``MAX_HEADER`` characters).
_HTTP_HEADER = r"\AHTTP/\d(?:\.\d)? \d{3}[^\n]*\n(?:[^\r\n][^\n]*\n)*?\r?\n"
_HTTP_HEADER_RE = re.compile(_HTTP_HEADER)
_HTTP_HEADER_BYTES_RE = re.compile(_HTTP_HEADER.encode())
_PRE_TAG_RE = re.compile(r"<(/?)pre\b", re.IGNORECASE)
_WBR_RE = re.compile(r"<wbr\s*/?>", re.IGNORECASE)
_CJK_SOURCE_BREAK_RE = between_wide(r"[ \t]*\r?\n[ \t]*")
_XML_ENCODING_RE = re.compile(rb"\A\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:+-]+)", re.I)
_META_RE = re.compile(rb"<meta\b[^>]*>", re.I)
_CHARSET_RE = re.compile(rb"charset\s*=\s*[\"']?\s*([\w.:+-]+)", re.I)
_COMMENT_RE = re.compile(rb"<!--.*?-->", re.S)


def declared_charset(data: bytes) -> str | None:
    """The charset label a page's bytes declare, if any: a saved HTTP header's, an XML
    declaration's, or a ``<meta>``'s."""
    header = _HTTP_HEADER_BYTES_RE.match(data[:MAX_HEADER])
    if header:
        content_type = re.search(rb"^content-type:[^\n]*", header.group(), re.I | re.M)
        if content_type and (charset := _CHARSET_RE.search(content_type.group())):
            return charset.group(1).decode("ascii")
        data = data[header.end():]
    head = data[:SNIFF_BYTES]
    declaration = _XML_ENCODING_RE.match(head)
    if declaration:
        return declaration.group(1).decode("ascii")
    for meta in _META_RE.finditer(_COMMENT_RE.sub(b"", head)):
        if charset := _CHARSET_RE.search(meta.group()):
            label = charset.group(1).decode("ascii")
            # A page a meta tag can be read from is not UTF-16 (WHATWG: read it as UTF-8).
            return "utf-8" if label.lower().startswith(("utf-16", "unicode")) else label
    return None


class _Extractor(HTMLParser):
    """The visible text of a page (less its scripts, navigation and so on) and the facts of
    its metadata: ``<meta>`` tags, ``<title>``, first ``<h1>`` and its line, ``<time>``s and
    elements marked as the author's and where each stands, JSON-LD, canonical link,
    saved-from address, copyright lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.facts = PageFacts()
        self.elements = self.attributes = self.widest = 0
        # Open elements: (tag, skipped, clutter, article); how many of each tag and state.
        self.stack: list[tuple[str, bool, bool, bool]] = []
        self.open: dict[str, int] = {}
        self.skipping = self.clutter = self.article = 0
        self.length = 0  # characters of text so far
        self.h1_at: int | None = None
        self.in_h1 = self.in_title = False
        self.time: list[str] | None = None  # the text of an open <time> without datetime
        self.json_ld: list[str] | None = None
        # Open elements marked as the author's: their depth in the stack, their index in
        # ``facts.bylines`` and their text.
        self.bylines: list[tuple[int, int, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1
        self.attributes += len(attrs)
        self.widest = max(self.widest, len(attrs))
        attributes = {k.lower(): v or "" for k, v in attrs}
        self._facts_of(tag, attributes)
        if tag in _VOID:
            if tag in _BLOCKS:
                self._text("\n")
            return
        # An article's own header is its text; so is a form that wraps the whole page (as
        # ASP.NET pages are), unlike a search box's or a newsletter's.
        outermost = self.open.get("html", 0) + self.open.get("body", 0) == len(self.stack)
        skipped = tag in _SKIPPED and not (tag == "header" and self.article
                                           or tag == "form" and outermost)
        clutter = tag in _CLUTTER_TAGS or _is_clutter(attributes)
        article = tag in ("article", "main") or attributes.get("itemprop") == "articleBody"
        self.stack.append((tag, skipped, clutter, article))
        self.open[tag] = self.open.get(tag, 0) + 1
        self.skipping += skipped
        self.clutter += clutter
        self.article += article
        if _is_byline(attributes) and len(self.facts.bylines) < MAX_BYLINES:
            self.bylines.append((len(self.stack), len(self.facts.bylines), []))
            self.facts.bylines.append(self._placed(""))
        if tag == "title" and not self.skipping and not self.facts.title:
            self.in_title = True
        elif tag == "h1" and not self.skipping and not self.facts.h1:
            self.in_h1, self.h1_at = True, self.length
        elif tag == "time":
            self._time(attributes.get("datetime", ""))
        elif tag == "script" and "ld+json" in attributes.get("type", "").lower():
            self.json_ld = []
        if tag in _BLOCKS:
            self._text("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self.open.get(tag):
            return  # closes nothing open
        while self.stack:  # closing an element closes those left open inside it
            name, skipped, clutter, article = self.stack.pop()
            self.open[name] -= 1
            self.skipping -= skipped
            self.clutter -= clutter
            self.article -= article
            while self.bylines and self.bylines[-1][0] > len(self.stack):
                self._byline_closed()
            self._closed(name)
            if name == tag:
                break

    def _closed(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        elif tag == "time" and self.time is not None:
            self.facts.times[-1].value = "".join(self.time)
            self.time = None
        elif tag == "script" and self.json_ld is not None:
            self.facts.json_ld.append("".join(self.json_ld))
            self.json_ld = None
        if tag in _BLOCKS:
            self._text("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_comment(self, data: str) -> None:
        if not self.facts.saved_from and (saved := _SAVED_FROM_RE.search(data)):
            self.facts.saved_from = saved.group(1)

    def handle_data(self, data: str) -> None:
        if self.json_ld is not None:
            self.json_ld.append(data)
            return
        if self.stack and self.stack[-1][0] in ("script", "style"):
            return
        if _COPYRIGHT_RE.search(data) and len(self.facts.copyright) < MAX_COPYRIGHT_LINES:
            self.facts.copyright.append(" ".join(data.split())[:200])
        if self.in_title:
            self.facts.title += data
        elif not self.skipping:
            if self.in_h1:
                self.facts.h1 += data
            if self.time is not None:
                self.time.append(data)
            for _, _, text in self.bylines:
                text.append(data)
            self._text(data)

    def _byline_closed(self) -> None:
        """The innermost open byline element's text stored: it has closed."""
        _, index, text = self.bylines.pop()
        self.facts.bylines[index].value = " ".join("".join(text).split())

    def _text(self, data: str) -> None:
        self.parts.append(data)
        self.length += len(data)

    def _facts_of(self, tag: str, attributes: dict[str, str]) -> None:
        """What a start tag tells of the page's metadata."""
        meta = self.facts.meta
        if tag == "meta":
            key = (attributes.get("property") or attributes.get("name")
                   or attributes.get("itemprop") or "").lower()
            if key and "content" in attributes:
                meta.setdefault(key, attributes["content"])
        elif tag == "link" and "canonical" in attributes.get("rel", "").lower().split():
            self.facts.canonical = self.facts.canonical or attributes.get("href", "")
        elif attributes.get("itemprop", "").lower() == "datepublished":
            meta.setdefault("datepublished", attributes.get("content")
                            or attributes.get("datetime") or "")

    def _time(self, value: str) -> None:
        if len(self.facts.times) >= MAX_TIMES:
            return
        self.facts.times.append(self._placed(value))
        self.time = None if value else []

    def _placed(self, value: str) -> Placed:
        """``value`` placed where the parser stands."""
        near = self.h1_at is not None and self.length - self.h1_at <= NEAR_HEADLINE
        return Placed(value, bool(self.article), bool(self.clutter or self.skipping), near)


def _is_byline(attributes: dict[str, str]) -> bool:
    """Whether an element is marked as its article's author (``class="author"``,
    ``rel="author"``, ``itemprop="author"``)."""
    words = f"{attributes.get('class', '')} {attributes.get('rel', '')}".lower().split()
    return attributes.get("itemprop", "").lower() == "author" or any(
        word in _BYLINE_WORDS for word in words)


def _is_clutter(attributes: dict[str, str]) -> bool:
    """Whether an element's class or id names a part of the page that is not its article."""
    words = _NAME_WORDS_RE.split(f"{attributes.get('class', '')} {attributes.get('id', '')}"
                                 .lower())
    return any(w.startswith(_CLUTTER_STARTS) or w in _CLUTTER_WORDS for w in words if w)


def visible_text(html: str) -> str:
    """A page's visible text, one line per block, without its scripts, styles, navigation,
    headers, footers, asides and forms (an e-book chapter, a page with no article found)."""
    return _parse(_without_soft_breaks(html))[0].facts.text


def parse_html(text: str, path: str, warnings: list[str]) -> Document:
    """The article in a page's text: what trafilatura finds, else (with a warning) the whole
    visible text."""
    text = _without_soft_breaks(_without_saved_header(text))
    parser, outsized = _parse(text)
    body = ""
    if outsized:
        warnings.append(f"{path}: {outsized}, too many to look for the article in; its "
                        f"whole text is indexed")
    elif not (body := _main_text(text)):
        warnings.append(f"{path}: no article found in the page; its whole text is indexed")
    return make_document(path, body or parser.facts.text, page_fields(parser.facts), warnings)


def _without_saved_header(text: str) -> str:
    """A page's text less the HTTP header a download tool saved before it."""
    header = _HTTP_HEADER_RE.match(text[:MAX_HEADER])
    return text[header.end():] if header else text


def _without_soft_breaks(html: str) -> str:
    """A page's source less what a browser draws as nothing inside a word: ``<wbr>`` (a
    place a line may break), and a line break between two CJK characters (CSS Text 3's
    rule for wide characters; an HTML parser would make a space of it, splitting the word).
    Preformatted text keeps its lines."""
    pieces, start, preformatted = [], 0, False
    for tag in _PRE_TAG_RE.finditer(html):  # one pass: a page may open <pre> and never close it
        if tag.group(1) == ("/" if preformatted else ""):
            piece = html[start:tag.start()]
            pieces.append(piece if preformatted else _soft_breaks_dropped(piece))
            start, preformatted = tag.start(), not preformatted
    rest = html[start:]
    pieces.append(rest if preformatted else _soft_breaks_dropped(rest))
    return "".join(pieces)


def _soft_breaks_dropped(html: str) -> str:
    return _WBR_RE.sub("", _CJK_SOURCE_BREAK_RE.sub("", html))


def _parse(html: str) -> tuple[_Extractor, str | None]:
    """The page parsed, and what makes it too large for trafilatura, if anything does."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = (" ".join(line.split()) for line in text.splitlines())
    parser.facts.text = "\n".join(line for line in lines if line)
    if parser.h1_at is not None:  # the lines with text before the <h1>'s (it is a block)
        parser.facts.h1_line = sum(1 for line in text[:parser.h1_at].splitlines()
                                   if line.split())
    return parser, _outsized(parser)


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


def _main_text(html: str) -> str:
    """The article's text by trafilatura, one paragraph a line ("" when it finds none)."""
    # Imported here: ``searcher search`` never reads a page and should not pay for lxml.
    import logging

    import trafilatura
    from trafilatura.utils import load_html

    from searcher.ingest.boilerplate import prune

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # one warning line per file
    # lxml refuses a str that declares its encoding (XHTML's <?xml … encoding=…?>): the text is
    # decoded already.
    tree = load_html(re.sub(r"\A\s*<\?xml[^>]*\?>", "", html))
    if tree is None:
        return ""
    prune(tree)
    text = trafilatura.extract(tree, include_comments=False, include_tables=True,
                               favor_precision=True, with_metadata=False) or ""
    # On a short page trafilatura's recall pass can add the article a second time.
    lines = dict.fromkeys(line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
