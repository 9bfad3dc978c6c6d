"""A web page's title, date, author, site and address from what its markup and its visible text
say (``PageFacts``, gathered by ``html``'s parser).

Title: ``og:title``, else ``twitter:title``, else the JSON-LD article's ``headline``, else
``<title>``, else the first ``<h1>``. A site name after a separator (`` | ``, `` - ``, ``｜``,
``│``, ``_``, and ``-`` or ``--`` without spaces) is cut, with whatever short parts follow it
(sections: ``- 晴報 - 港聞``), when something confirms where the article's title ends: the part
before it is the other title or a line of the page; or the part after it is the site's name
(``og:site_name``, ``application-name``, the JSON-LD publisher, the page's host name, the
copyright line), the same suffix ends both ``<title>`` and ``og:title`` around different
titles, or it is short and named like a news site (``新华网``, ``蘋果日報``, ``BBC News``).

Date: the page's publication ``<meta>`` (or microdata ``datePublished``), else the JSON-LD
article's ``datePublished``, else a ``<time>`` inside the ``<article>`` or just after the
headline, else the byline near the headline (``bylines``), else a date in the page's address
(``/2013/06/29/``, ``/20130629/``), else any other ``<time>``. A ``<time>`` in a sidebar, a
comment, a related list or a footer is never the page's.

Author: the page's ``<meta>`` author (``author``, ``article:author``, ``dc.creator``…), else
the JSON-LD article's author, when it is a byline or a name as a reporter's must be (``bylines``:
a source, ``新浪科技``, ``环球网``, is none) and not the site's; else the byline near the
headline. Site: ``og:site_name``, else the JSON-LD publisher, else ``application-name``.
Address: ``og:url``, else ``<link rel=canonical>``, else the address a browser noted when it
saved the page (``<!-- saved from url=… -->``).
"""

from __future__ import annotations

import email.utils
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from searcher.dates import normalize_date
from searcher.ingest.bylines import author_name, byline_author, byline_date, find_date
from searcher.ingest.jsonl import too_deep

DATE_META = ("article:published_time", "article:published", "datepublished", "date", "pubdate",
             "publishdate", "publish-date", "publish_date", "dc.date", "dc.date.issued",
             "dc.date.created", "dcterms.date", "dcterms.issued", "dcterms.created",
             "og:published_time", "publication_date", "parsely-pub-date", "sailthru.date",
             "citation_publication_date", "citation_date")
AUTHOR_META = ("author", "article:author", "dc.creator", "dcterms.creator", "byl",
               "parsely-author", "sailthru.author", "citation_author")
MAX_JSON_LD = 200_000  # characters of one JSON-LD script: an article's is a few thousand
# The byline is near the headline: from a few lines before it to a few after.
LINES_BEFORE, LINES_AFTER, WINDOW_CHARS = 3, 15, 1200
TOP_CHARS = 600  # without a headline found in the text, the byline is in the top

_SEPARATOR_RE = re.compile(r"\s+[|\-–—]+\s+|\s*[｜|│¦_]+\s*|\s*[-–—]+\s*")
# A news site's name ends so, perhaps with its initials after it (``中央社 CNA``).
_NEWS_NAME_RE = re.compile(
    r"(?:[網网報报社刊]|網站|网站|電台|电台|電視台|电视台|新聞|新闻|媒體|媒体|頻道|频道|週刊|周刊"
    r"|雜誌|杂志|news|times|post|daily|online|media|press|tribune|herald|journal|\.com|\.net"
    r"|\.org|\.tw|\.hk|\.cn)(?:\s+[A-Za-z]{2,6})?$", re.IGNORECASE)
MAX_SITE_NAME = 16
MAX_TITLE = 300  # a longer title is not one to look for a site's name in
_URL_DATE_RES = [re.compile(pattern) for pattern in (
    r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?=/|[-_.]|$)",
    r"/((?:19|20)\d{2})/(\d{2})(\d{2})(?=/|[-_.]|$)",
    r"/((?:19|20)\d{2})(\d{2})(\d{2})(?=/|[-_.a-zA-Z]|$)",
)]


@dataclass
class Time:
    """A ``<time>`` of the page: its date, and where it stands."""

    value: str
    in_article: bool
    in_clutter: bool
    near_headline: bool


@dataclass
class PageFacts:
    """What a page's parser gathered for its metadata."""

    text: str = ""
    title: str = ""
    h1: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    times: list[Time] = field(default_factory=list)
    json_ld: list[str] = field(default_factory=list)
    canonical: str = ""
    saved_from: str = ""
    copyright: list[str] = field(default_factory=list)


def page_fields(facts: PageFacts) -> dict:
    """The page's ``title``, ``date``, ``author``, ``source`` and ``url`` (each None when it
    has none)."""
    article = _json_ld_article(facts.json_ld)
    url = _url(facts)
    sites = _site_names(facts, article)
    source = (_clean(facts.meta.get("og:site_name", "")) or article.get("publisher")
              or _clean(facts.meta.get("application-name", "")) or None)
    title = _title(facts, article, sites, url)
    top = _near_headline(facts.text, _clean(facts.h1) or title or "")
    return {"title": title, "date": _date(facts, article, top, url),
            "author": _author(facts, article, top, sites), "source": source, "url": url}


def _title(facts: PageFacts, article: dict, sites: set[str], url: str | None) -> str | None:
    og_title = _clean(facts.meta.get("og:title", ""))
    page_title = _clean(facts.title)
    h1 = _clean(facts.h1)
    repeated = _shared_suffix(og_title, page_title)
    if repeated:
        sites = sites | {repeated}
    host = urlsplit(url).hostname or "" if url else ""
    lines = set(facts.text.splitlines())
    for candidate, others in ((og_title, {h1, page_title}),
                              (_clean(facts.meta.get("twitter:title", "")), {h1, page_title}),
                              (article.get("headline", ""), {h1}),
                              (page_title, {og_title, h1})):
        if candidate:
            return _without_site(candidate, others - {candidate}, lines, sites, host)
    return h1 or None


def _without_site(title: str, others: set[str], lines: set[str], sites: set[str],
                  host: str) -> str:
    """``title`` less a site-name suffix, when something confirms where the article's title
    ends; else ``title`` whole."""
    separators = list(_SEPARATOR_RE.finditer(title)) if len(title) <= MAX_TITLE else []
    for separator in separators:
        head = title[:separator.start()].strip()
        mark, tail = separator.group(), title[separator.end():].strip()
        dash = mark == mark.strip() and set(mark) <= set("-–—")  # 2020-11 or COVID-19
        # A line of the page that is shorter than the rest is a menu's (今日信報 -- 標題).
        if head and not dash and (head in others or head in lines and len(head) > len(tail)):
            return head
    # The first part after a separator that names the site, with nothing longer than a
    # site's name after it (``A - 晴報 - 港聞 - 要聞``, ``A - B | 聯合報``).
    for n, separator in enumerate(separators):
        head = title[:separator.start()].strip()
        ends = [s.start() for s in separators[n + 1:]] + [len(title)]
        parts = [title[start:end].strip() for start, end in
                 zip([separator.end()] + [s.end() for s in separators[n + 1:]], ends)]
        if head and _is_site(parts[0], sites, host) \
                and all(len(part) <= MAX_SITE_NAME for part in parts):
            return _without_site(head, others, lines, sites, host)
    return title


def _is_site(tail: str, sites: set[str], host: str) -> bool:
    """Whether ``tail`` (a title's last part) names the page's site."""
    key = _key(tail)
    if len(key) < 2 or key.isdigit() or len(tail) > MAX_SITE_NAME:
        return False
    if any(key in _key(site) or _key(site) in key for site in sites if len(_key(site)) >= 2):
        return True
    label = _host_label(host)
    return bool(len(label) >= 3 and label in key or _NEWS_NAME_RE.search(tail))


def _shared_suffix(first: str, second: str) -> str | None:
    """The last part both titles end with after a separator, when what precedes it
    differs."""
    ends = []
    for title in (first, second):
        last = None
        for last in _SEPARATOR_RE.finditer(title):
            pass
        if last is None:
            return None
        ends.append((title[:last.start()].strip(), title[last.end():].strip()))
    (head1, tail1), (head2, tail2) = ends
    return tail1 if tail1 and tail1 == tail2 and head1 != head2 else None


def _site_names(facts: PageFacts, article: dict) -> set[str]:
    names = {_clean(facts.meta.get(key, "")) for key in
             ("og:site_name", "application-name", "publisher", "copyright")}
    names.add(article.get("publisher", ""))
    names.update(facts.copyright)
    return {name for name in names if name}


def _host_label(host: str) -> str:
    """The name part of a host (``bbc`` of ``www.bbc.co.uk``)."""
    parts = [p for p in host.lower().split(".") if p not in ("www", "m", "news", "com", "co",
                                                              "net", "org", "gov", "edu")]
    return max(parts[:-1] or parts, key=len, default="") if parts else ""


def _date(facts: PageFacts, article: dict, top: str, url: str | None) -> str | None:
    """The page's date as ``YYYY-MM-DD``; a date it declares that cannot be read is passed
    on as written (``metadata`` warns of it)."""
    declared = [facts.meta.get(key, "") for key in DATE_META] + [article.get("date", "")]
    for value in declared:
        if value and (date := _read_date(value)):
            return date
    times = [t for t in facts.times if not t.in_clutter]
    found = (next((d for t in times if (t.in_article or t.near_headline)
                   and (d := _read_date(t.value))), None)
             or byline_date(top) or _url_date(facts, url)
             or next((d for t in times if (d := _read_date(t.value))), None))
    return found or next((value for value in declared if value.strip()), None)


def _read_date(value: str) -> str | None:
    """A date as a page's markup writes it: ISO, as commentary writes it (``bylines``), or
    RFC 2822 (``Thu, 19 Nov 2020 10:00:00 GMT``)."""
    value = value.strip()
    if date := normalize_date(value) or find_date(value):
        return date
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _url_date(facts: PageFacts, url: str | None) -> str | None:
    for address in (url, facts.saved_from):
        path = urlsplit(address).path if address else ""
        for pattern in _URL_DATE_RES:
            for match in pattern.finditer(path):
                if date := normalize_date("-".join(match.groups())):
                    return date
    return None


def _author(facts: PageFacts, article: dict, top: str, sites: set[str]) -> str | None:
    site_keys = {_key(site) for site in sites}
    for value in [facts.meta.get(key, "") for key in AUTHOR_META] + [article.get("author", "")]:
        value = re.sub(r"^\s*(?:by|作者\s*[:：])\s*", "", value, flags=re.IGNORECASE)
        # A page's author field holds a byline (記者XXX／台北) or a source as often as a name.
        name = (byline_author(value) or author_name(value, strict=True)) if value else None
        if name and not any(_key(name) in key for key in site_keys):
            return name
    return byline_author(top)


def _near_headline(text: str, headline: str) -> str:
    """The lines around the article's headline, where its byline is; the page's top when the
    headline is not in its text."""
    lines = text.splitlines()
    at = next((i for i, line in enumerate(lines) if headline and headline in line), None)
    if at is None:
        return text[:TOP_CHARS]
    return "\n".join(lines[max(0, at - LINES_BEFORE):at + LINES_AFTER])[:WINDOW_CHARS]


def _url(facts: PageFacts) -> str | None:
    base = facts.saved_from or facts.meta.get("og:url", "")
    for address in (facts.meta.get("og:url", ""), facts.canonical, facts.saved_from):
        address = urljoin(base, address.strip()) if address.strip() else ""
        if urlsplit(address).scheme in ("http", "https") and urlsplit(address).hostname:
            return address
    return None


def _json_ld_article(scripts: list[str]) -> dict:
    """The ``date``, ``headline``, ``author`` and ``publisher`` of the article the page's
    JSON-LD describes (an ``Article``, ``NewsArticle``, ``BlogPosting``…), as text."""
    nodes = []
    for script in scripts:
        if len(script) > MAX_JSON_LD or too_deep(script):
            continue
        try:
            data = json.loads(script)
        except ValueError:
            continue
        nodes += _nodes(data)
    article = next((n for n in nodes if re.search(r"Article|Posting|Report", _type(n))),
                   next((n for n in nodes if "datePublished" in n), None))
    publisher = article.get("publisher") if article else None
    if not isinstance(publisher, dict):
        publisher = next((n for n in nodes if re.search(r"Organization|WebSite", _type(n))), {})
    if article is None:
        return {"publisher": _text(publisher.get("name"))}
    return {"date": _text(article.get("datePublished") or article.get("dateCreated")),
            "headline": _clean(_text(article.get("headline"))),
            "author": "、".join(filter(None, map(_name, _listed(article.get("author"))))),
            "publisher": _clean(_text(publisher.get("name")))}


def _nodes(data: object) -> list[dict]:
    """The objects of a JSON-LD document: itself, its list's items, its ``@graph``'s."""
    found = []
    for item in _listed(data):
        if isinstance(item, dict):
            found.append(item)
            found += [node for node in _listed(item.get("@graph")) if isinstance(node, dict)]
    return found


def _type(node: dict) -> str:
    return " ".join(map(str, _listed(node.get("@type"))))


def _listed(value: object) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _name(author: object) -> str:
    return _clean(_text(author.get("name") if isinstance(author, dict) else author))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _key(text: str) -> str:
    """A name as compared: lower case, no spaces."""
    return "".join(text.lower().split())
