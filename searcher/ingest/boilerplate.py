"""The blocks of a web page that are not its article, found by their shape and removed from the
page's tree before trafilatura looks for the article in it.

trafilatura drops a block rich in links only when the block is short in characters (100, or
300 at the end: English-sized, while a Chinese list of ten headlines is 300 characters) and
holds no image, so the related-article lists of news sites (a headline and a thumbnail per
item) pass as article text. Here, as jusText and readability judge it, a block is boilerplate
when at least ``MIN_LINKS`` links make ``LINK_SHARE`` of its text, whatever its length; so is a
run of ``RUN`` blocks side by side whose links are each at least ``ITEM_LINK_SHARE`` of its
text (``〔相關新聞〕<a>…</a>`` paragraphs, items of a headline and its date). Neither holds the
headline (``<h1>``) or a piece of text of ``PROSE`` characters outside its links: a block that
does holds the article (a page's wrapper, or a short article's box, where menus and related
links can outweigh the article, is never dropped). A page control is
boilerplate too: an element whose few words are all controls (``字級 A+ A-``, ``分享``,
``列印``, ``回到頂部``).

Before any of that, a paragraph whose links sit inside running prose (Taiwanese news sites link
each name: ``<a>外交部</a>、<a>國防部</a>與<a>陸委會</a>今日聯合說明。``) loses its links and
keeps their words (``unwrap_prose_links``): trafilatura drops a ``<p>`` shorter than 30
characters (60 if last) whose links are mostly under 10 characters (English-sized again: every
Chinese name is), and a longer one whose links make ``LINK_SHARE`` of it is a link list here.

    >>> from lxml import html
    >>> page = html.fromstring("<div><p>停火協議生效，人質獲釋。</p><ul>"
    ...     + "<li><a href=/1>延伸閱讀一</a></li>" * 3 + "</ul><span>字級</span></div>")
    >>> prune(page); page.text_content()
    '停火協議生效，人質獲釋。'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PROSE_LINKS = 2  # a paragraph with this many links…
PROSE_LETTERS = 4  # …and this many letters outside them after the first is prose…
PROSE_MARKS = "。！？；，"  # …when its text outside links has one of these (or ends in .!?)
AMONG_PROSE = 200  # characters its parent holds: it stands among the article's paragraphs
MIN_LINKS = 3
LINK_SHARE = 0.7
RUN = 3
PROSE = 25  # characters: a block holding a piece of text this long outside links is prose
ITEM_LINK_SHARE = 0.5  # a block of a run: its links' share of its text
CONTROL_CHARS = 40  # a page control's text is at most this long…
CONTROL_ELEMENTS = 30  # …in at most this many elements

_BLOCKS = {"div", "section", "ul", "ol", "dl", "table", "tbody", "p", "li", "h2", "h3", "h4",
           "h5", "h6", "dd", "dt", "tr", "td", "span", "header", "footer", "aside", "nav"}
_INVISIBLE = {"script", "style", "noscript", "template"}
_CONTROLS = {"字級", "字级", "字體", "字体", "字型", "字體大小", "字体大小", "分享", "分享到",
             "分享至", "列印", "打印", "友善列印", "收藏", "加入收藏", "轉寄", "转寄", "複製連結",
             "复制链接", "複製網址", "复制网址", "回到頂部", "回到顶部", "返回頂部", "返回顶部",
             "回頂端", "回顶端", "a+", "a-", "a－", "ａ+", "ａ-", "放大", "縮小", "缩小", "print",
             "share", "tweet", "email", "e-mail", "facebook", "line", "twitter", "whatsapp",
             "telegram", "weibo", "微博", "微信", "wechat", "plurk", "噗浪", "推特", "臉書"}
_MINOR = {"a", "ａ", "大", "中", "小", "+", "-", "－", "｜", "|"}
_TOKENS_RE = re.compile(r"[\s：:｜|/／,，、]+")


def prune(tree) -> None:
    """Remove the boilerplate blocks of an lxml ``tree`` (in place): link lists, runs of
    links and page controls."""
    unwrap_prose_links(tree)
    elements = [e for e in tree.iter() if isinstance(e.tag, str)]
    sizes = _measure(elements)
    gone, dropped, runs = set(), [], set()
    for element in elements:  # parents before their children
        parent = element.getparent()
        if parent is not None and parent in gone:
            gone.add(element)
            continue
        if element in runs or _is_boilerplate(element, sizes[element]):
            gone.add(element)
            dropped.append(element)
            continue
        runs.update(_link_runs(element, sizes))
    for element in dropped:
        element.drop_tree()


def unwrap_prose_links(tree) -> None:
    """Turn the links of each prose paragraph (``<p>``) of an lxml ``tree`` into their text, in
    place: a paragraph with ``PROSE_LINKS`` links or more, ``PROSE_LETTERS`` letters outside
    them after the first (the prose runs on around the links), and a mark of a sentence
    outside them, whose parent holds ``AMONG_PROSE`` characters. A tag line, a related-reading
    line or a breadcrumb (``標籤：<a>…</a> <a>…</a>``, ``〔相關新聞〕<a>…</a>``) has its words
    before its links, or none; a short box (a promotion, a pop-up's "saved: see your
    favourites") keeps its links, which are what trafilatura drops it by.

    >>> from lxml import html
    >>> page = html.fromstring('<div><p>' + '停火協議生效。' * 30 + '</p><p><a href=/1>外交部'
    ...     '</a>、<a href=/2>國防部</a>今日說明。</p><p>標籤：<a href=/3>外交</a>，<a href=/4>'
    ...     '國防</a></p></div>')
    >>> unwrap_prose_links(page); [len(p.findall("a")) for p in page]
    [0, 0, 2]
    """
    sizes = None  # every element's, measured once (a parent's subtree may be the page)
    for paragraph in list(tree.iter("p")):
        links = [a for a in paragraph.iter("a") if a.get("href") is not None]
        parent = paragraph.getparent()
        if len(links) < PROSE_LINKS or parent is None:
            continue
        if sizes is None:
            sizes = _measure([e for e in tree.iter() if isinstance(e.tag, str)])
        if sizes[parent].chars < AMONG_PROSE:
            continue
        outside, after = [], 0  # the text outside links; its letters after the first link
        seen_link = False
        for text, in_link in _pieces(paragraph):
            if in_link:
                seen_link = seen_link or bool(text.strip())
            else:
                outside.append(text)
                after += sum(c.isalpha() for c in text) if seen_link else 0
        prose = "".join(outside).strip()
        if after >= PROSE_LETTERS and (any(m in prose for m in PROSE_MARKS)
                                       or re.search(r"[^.][.!?]\Z", prose)):
            for link in links:
                link.drop_tag()


def _pieces(element):
    """The visible pieces of text of ``element``, in order, each with whether it is a link's
    (without recursion: a page may nest deeper than Python's stack)."""
    links = {n for a in element.iter("a") if a.get("href") is not None for n in a.iter()}
    hidden = {n for e in element.iter(*_INVISIBLE) for n in e.iter()}
    for node in element.iter():
        if node.text and isinstance(node.tag, str) and node not in hidden:
            yield node.text, node in links
        if node.tail and node is not element and node.getparent() not in hidden:
            yield node.tail, node.getparent() in links


def _is_boilerplate(element, size: "_Size") -> bool:
    if not size.chars or size.headline or element.tag in ("html", "body"):
        return False
    if element.tag in _BLOCKS and size.links >= MIN_LINKS and size.prose < PROSE \
            and size.link_chars >= LINK_SHARE * size.chars:
        return True
    return (size.chars <= CONTROL_CHARS and size.elements <= CONTROL_ELEMENTS
            and _is_control(element.itertext()))


class _Size:
    """An element's visible characters (spaces aside), those inside links, its longest piece
    of text outside links, how many links and elements it holds (itself included)."""

    __slots__ = ("chars", "link_chars", "prose", "links", "elements", "headline")

    def __init__(self) -> None:
        self.chars = self.link_chars = self.prose = self.links = 0
        self.elements = 1
        self.headline = False  # whether it holds an <h1>


def _measure(elements: list) -> dict:
    """Each element's ``_Size``, in one pass from the leaves up."""
    sizes: dict = {}
    for element in reversed(elements):  # children before their parent
        size = sizes[element] = _Size()
        if element.tag in _INVISIBLE:
            continue
        size.chars = size.prose = _visible(element.text)
        for child in element:
            if isinstance(child.tag, str):
                inner = sizes[child]
                size.chars += inner.chars
                size.link_chars += inner.link_chars
                size.prose = max(size.prose, inner.prose)
                size.links += inner.links
                size.elements += inner.elements
                size.headline = size.headline or inner.headline
            tail = _visible(child.tail)
            size.chars += tail
            size.prose = max(size.prose, tail)
        size.headline = size.headline or element.tag == "h1"
        if element.tag == "a" and element.get("href") is not None:
            size.link_chars = size.chars
            size.prose = 0
            size.links += 1
    return sizes


def _link_runs(parent, sizes: dict) -> list:
    """The children of ``parent`` in runs of ``RUN`` or more side by side, each mostly
    links."""
    found, run = [], []
    for child in parent:
        if isinstance(child.tag, str):
            size = sizes[child]
            if size.links and size.chars and size.prose < PROSE and not size.headline \
                    and size.link_chars >= ITEM_LINK_SHARE * size.chars:
                run.append(child)
            elif size.chars:
                found += run if len(run) >= RUN else []
                run = []
        if _visible(child.tail):
            found += run if len(run) >= RUN else []
            run = []
    return found + (run if len(run) >= RUN else [])


def _is_control(texts: Iterable[str]) -> bool:
    """Whether ``texts`` (an element's pieces of text) are only the words of page controls."""
    tokens = [t.lower() for text in texts for t in _TOKENS_RE.split(text) if t]
    return (bool(tokens) and all(t in _CONTROLS or t in _MINOR for t in tokens)
            and any(t in _CONTROLS for t in tokens))


def _visible(text: str | None) -> int:
    return len("".join(text.split())) if text else 0
