"""A web page's title, date, author, site and address from what its markup and its visible text
say (``PageFacts``, gathered by ``html``'s parser).

Title: ``og:title``, else ``twitter:title``, else the JSON-LD article's ``headline``, else
``<title>``, else the first ``<h1>``; a meta tag's title that is another title cut at a quote
(its content held one unescaped, as the browser reads it) is passed over. When the page's own
headline (its ``<h1>`` or JSON-LD ``headline``) stands in that title with only short parts
set apart by separators around it (``今日信報-- 標題``, ``標題--文化--人民网``,
``標題 河南日报网-河南日报官方网站``), it is the title. Else a site name after a separator
(`` | ``, `` - ``, ``｜``, ``│``, ``_``, and ``-`` or ``--`` without spaces) is cut, with
whatever short parts follow it (``- 晴報 - 港聞``) and sections as short as a section's name
before it (`` | 社會 | 三立新聞網``), when something confirms where the article's title ends:
the part before it is the other title or a line of the page; or the part after it is the
site's name (``og:site_name``, ``application-name``, the JSON-LD publisher, the page's host
name, the copyright line), the same suffix ends both ``<title>`` and ``og:title`` around
different titles, or it is short and named like a news site (``新华网``, ``蘋果日報``,
``BBC News``). A name the page gives its site is cut before the title too (``成報新聞(標題)``,
``今日信報-- 標題``), and after a space (``標題 松花江网``).

Date: the page's publication ``<meta>`` (or microdata ``datePublished``; any ``<meta>`` named
for one: ``apub:time``, ``publishtime``), else the JSON-LD article's ``datePublished``, else
a ``<time>`` inside the ``<article>`` or just after the headline, else the byline near the
headline (``bylines``: after the ``<h1>``, or the title's line when the ``<h1>`` is the
site's name, then just above it; the page's top when the headline is set on several lines
or not found), else a date in the page's address (``/2013/06/29/``, ``/20130629/``), else any
other ``<time>``. A ``<time>`` in a sidebar, a comment, a related list or a footer is never
the page's.

Author: the page's ``<meta>`` author (``author``, ``article:author``, ``dc.creator``…), else
the JSON-LD article's author, when it is a byline or a name as a reporter's must be (``bylines``:
a source, ``新浪科技``, ``环球网``, is none) and not the site's, and, when the page shows a
byline, a name its text shows (a metadata name found nowhere on the page, the account that
filed it, gives way to the byline the page shows); else the byline near the headline; else
the name in an element marked as the author's (``class="author"``, ``rel="author"``) by the
headline or in the article, not in a sidebar or a comment.

Site: ``og:site_name``, else the JSON-LD publisher, else ``application-name``. Address:
``og:url``, else ``<link rel=canonical>``, else the address a browser noted when it saved the
page (``<!-- saved from url=… -->``).
"""

from __future__ import annotations

import bisect
import email.utils
import itertools
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
# Other names of a publication date's <meta> (``apub:time``, ``publishtime``, ``og:pubdate``).
_PUBLISHED_KEY_RE = re.compile(r"^(?!.*(?:modif|updat|edit|expir)).*(?:pub|releas).*(?:date|time)")
AUTHOR_META = ("author", "article:author", "dc.creator", "dcterms.creator", "byl",
               "parsely-author", "sailthru.author", "citation_author")
MAX_JSON_LD = 200_000  # characters of one JSON-LD script: an article's is a few thousand
# The byline is near the headline: from a few lines before it to a few after.
LINES_BEFORE, LINES_AFTER, WINDOW_CHARS = 3, 15, 1200
TOP_CHARS = 600  # without a headline found in the text, the byline is in the top
MIN_SPLIT_HEADLINE = 8  # characters of a headline looked for across lines
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # zero-width, BOM

_SEPARATOR_RE = re.compile(r"\s+[|\-–—]+\s+|\s*[｜|│¦_]+\s*|\s*[-–—]+\s*")
# A site's name before a title: set apart by a separator (no hyphen: 新华社-X may be a
# name), or before the title in brackets.
_SITE_PREFIX_RE = re.compile(
    r"(?P<site>[^()（）]{2,16}?)\s*(?:[(（](?P<enclosed>.+)[)）]"
    r"|(?:[|｜│¦_]+|[-–—]{2,}|\s[-–—]\s)\s*(?P<rest>.+))$")
# What sets an affix apart from a headline, and its parts apart: a separator or brackets.
_AFFIX_MARKS = "｜|│¦_-–—()（）【】[]"
_AFFIX_SEPARATOR_RE = re.compile(r"[｜|│¦_\-–—()（）【】\[\]]+")
# A news site's name ends so, perhaps with its initials after it (``中央社 CNA``).
_NEWS_NAME_RE = re.compile(
    r"(?:[網网報报社刊]|網站|网站|電台|电台|電視台|电视台|新聞|新闻|媒體|媒体|頻道|频道|週刊|周刊"
    r"|雜誌|杂志|news|times|post|daily|online|media|press|tribune|herald|journal|\.com|\.net"
    r"|\.org|\.tw|\.hk|\.cn)(?:\s+[A-Za-z]{2,6})?$", re.IGNORECASE)
MAX_SITE_NAME = 16
MAX_SECTION = 6  # a section's name (社會, 国际新闻, World) in a title before the site's
MAX_TITLE = 300  # a longer title is not one to look for a site's name in
_URL_DATE_RES = [re.compile(pattern) for pattern in (
    r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?=/|[-_.]|$)",
    r"/((?:19|20)\d{2})/(\d{2})(\d{2})(?=/|[-_.]|$)",
    r"/((?:19|20)\d{2})(\d{2})(\d{2})(?=/|[-_.a-zA-Z]|$)",
)]


@dataclass
class Placed:
    """A ``<time>``'s date or a byline element's text, and where it stands in the page."""

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
    h1_line: int | None = None  # the line of ``text`` the first <h1> starts
    meta: dict[str, str] = field(default_factory=dict)
    times: list[Placed] = field(default_factory=list)
    bylines: list[Placed] = field(default_factory=list)  # elements marked as the author's
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
    # The byline is near the <h1>, unless that is the site's name (a logo's).
    h1 = _clean(facts.h1)
    logo = h1 != title and _is_site(h1, sites, urlsplit(url or "").hostname or "")
    tops = (_near_headline(facts.text, h1, facts.h1_line) if h1 and not logo
            else _near_headline(facts.text, title or "", None))
    return {"title": title, "date": _date(facts, article, tops, url),
            "author": _author(facts, article, tops, sites), "source": source, "url": url}


def _title(facts: PageFacts, article: dict, sites: set[str], url: str | None) -> str | None:
    page_title = _clean(facts.title)
    h1 = _clean(facts.h1)
    headline = article.get("headline", "")
    # A meta tag's title whose content held an unescaped quote ends at it, as a browser reads
    # it too (``content="男孩写"救命啊"纸团"``): the whole title is the page's other one.
    og_title, twitter_title = (
        "" if _cut_at_quote(title, (page_title, h1, headline)) else title
        for title in (_clean(facts.meta.get("og:title", "")),
                      _clean(facts.meta.get("twitter:title", ""))))
    repeated = _shared_suffix(og_title, page_title)
    if repeated:
        sites = sites | {repeated}
    host = urlsplit(url).hostname or "" if url else ""
    lines = set(facts.text.splitlines())
    for candidate, others in ((og_title, {h1, page_title}),
                              (twitter_title, {h1, page_title}),
                              (headline, {h1}),
                              (page_title, {og_title, h1})):
        if candidate:
            # The page's own headline with only a site's or a section's name around it.
            own = next((h for h in (h1, headline)
                        if h and h != candidate and _affixed(candidate, h, sites, host)), None)
            return own or _without_site(candidate, others - {candidate}, lines, sites, host)
    return h1 or None


def _cut_at_quote(title: str, others: tuple[str, ...]) -> bool:
    """Whether ``title`` is another title of the page cut just before a quote mark."""
    return bool(title) and any(other.startswith(title) and other[len(title):len(title) + 1]
                               in ("\"", "'") for other in others)


def _affixed(title: str, headline: str, sites: set[str], host: str) -> bool:
    """Whether ``title`` is ``headline`` with at most a short affix before and after it, set
    apart by a separator: a site's, a section's or an author's name (``今日信報-- ``,
    ``--文化--人民网``, `` | 社會``, `` 河南日报网-河南日报官方网站``)."""
    at = title.find(headline)
    if at < 0:
        return False
    before, after = title[:at], title[at + len(headline):]
    return (_is_affix(before, headline, sites, host, leading=True)
            and _is_affix(after, headline, sites, host, leading=False))


def _is_affix(text: str, headline: str, sites: set[str], host: str, leading: bool) -> bool:
    """Whether ``text``, before (``leading``) or after ``headline`` in a title, is an affix:
    nothing; or parts each shorter than the headline and no longer than a site's name, apart
    from it and from each other by separators, or by a space before a site's name."""
    if not text.strip():
        return True
    words = text.split()
    edge = words[-1][-1] if leading else words[0][0]
    if edge not in _AFFIX_MARKS and not (text[-1 if leading else 0].isspace()
                                         and _is_site(words[-1 if leading else 0], sites, host)):
        return False
    parts = [part.strip() for part in _AFFIX_SEPARATOR_RE.split(text)]
    return all(len(part) <= MAX_SITE_NAME and len(part) < len(headline) for part in parts)


def _without_site(title: str, others: set[str], lines: set[str], sites: set[str],
                  host: str) -> str:
    """``title`` less a site-name suffix, when something confirms where the article's title
    ends; else ``title`` whole."""
    if len(title) > MAX_TITLE:
        return title
    # The site's name before the headline, set apart or around it in brackets
    # (``今日信報-- 標題``, ``成報新聞(標題)``): only a name the page gives its site.
    prefix = _SITE_PREFIX_RE.match(title)
    if prefix and _named_site(prefix.group("site"), sites, host):
        rest = (prefix.group("enclosed") or prefix.group("rest")).strip()
        if len(rest) > len(prefix.group("site")):
            return _without_site(rest, others, lines, sites, host)
    separators = list(_SEPARATOR_RE.finditer(title))
    for separator in separators:
        head = title[:separator.start()].strip()
        mark, tail = separator.group(), title[separator.end():].strip()
        dash = mark == mark.strip() and set(mark) <= set("-–—")  # 2020-11 or COVID-19
        # A line of the page that is shorter than the rest is a menu's (今日信報 -- 標題).
        if head and (not dash and head in others or head in lines and len(head) > len(tail)):
            return head
    # The first part after a separator that names the site, or sections as short as a
    # section's name before it (``A | 社會 | 三立新聞網``, ``A--文化--人民网``), with nothing
    # longer than a site's name after it (``A - 晴報 - 港聞 - 要聞``, ``A - B | 聯合報``).
    for n, separator in enumerate(separators):
        head = title[:separator.start()].strip()
        ends = [s.start() for s in separators[n + 1:]] + [len(title)]
        parts = [title[start:end].strip() for start, end in
                 zip([separator.end()] + [s.end() for s in separators[n + 1:]], ends)]
        site = next((i for i, part in enumerate(parts) if _is_site(part, sites, host)), None)
        hyphen = separator.group() in ("-", "–", "—")  # COVID-19 - 新华网
        if head and site is not None and (site == 0 or not hyphen and all(
                len(part) <= MAX_SECTION for part in parts[:site])) \
                and all(len(part) <= MAX_SITE_NAME for part in parts):
            return _without_site(head, others, lines, sites, host)
    # The site's name after a space (``土豆不“土” 松花江网``): only a Chinese name the page
    # gives its site, not one named like one (``林鄭回應蘋果日報``) nor a word of a Latin title
    # that its copyright line holds (``… Voting Rights``).
    head, _, last = title.rpartition(" ")
    if head.strip() and len(head) > len(last) and not last.isascii() \
            and _named_site(last, sites, host, within=True):
        return _without_site(head.strip(), others, lines, sites, host)
    return title


def _is_site(tail: str, sites: set[str], host: str) -> bool:
    """Whether ``tail`` (a part of a title) names the page's site or is named like a news
    site."""
    return _named_site(tail, sites, host) or bool(_could_name_site(tail)
                                                  and _NEWS_NAME_RE.search(tail))


def _named_site(part: str, sites: set[str], host: str, within: bool = False) -> bool:
    """Whether ``part`` of a title holds or is part of a name the page gives its site or
    its host's name (``within``: is part of a name the page gives its site)."""
    if not _could_name_site(part):
        return False
    key = _key(part)
    if any(key in _key(site) or not within and _key(site) in key
           for site in sites if len(_key(site)) >= 2):
        return True
    label = _host_label(host)
    return not within and len(label) >= 3 and label in key


def _could_name_site(part: str) -> bool:
    key = _key(part)
    return len(key) >= 2 and not key.isdigit() and len(part) <= MAX_SITE_NAME


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


def _date(facts: PageFacts, article: dict, tops: list[str], url: str | None) -> str | None:
    """The page's date as ``YYYY-MM-DD``; a date it declares that cannot be read is passed
    on as written (``metadata`` warns of it)."""
    declared = ([facts.meta.get(key, "") for key in DATE_META] + [article.get("date", "")]
                + [value for key, value in facts.meta.items() if _PUBLISHED_KEY_RE.search(key)])
    for value in declared:
        if value and (date := _read_date(value)):
            return date
    times = [t for t in facts.times if not t.in_clutter]
    found = (next((d for t in times if (t.in_article or t.near_headline)
                   and (d := _read_date(t.value))), None)
             or next(filter(None, map(byline_date, tops)), None) or _url_date(facts, url)
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


def _author(facts: PageFacts, article: dict, tops: list[str], sites: set[str]) -> str | None:
    site_keys = {_key(site) for site in sites}
    shown = next(filter(None, map(byline_author, tops)), None) or _marked_author(facts, site_keys)
    for value in [facts.meta.get(key, "") for key in AUTHOR_META] + [article.get("author", "")]:
        value = re.sub(r"^\s*(?:by|作者\s*[:：])\s*", "", value, flags=re.IGNORECASE)
        # A page's author field holds a byline (記者XXX／台北) or a source as often as a name.
        name = (byline_author(value) or author_name(value, strict=True)) if value else None
        if name and not _is_site_name(name, site_keys):
            # A name the page never shows, where its byline shows another, is not the
            # article's author (the account that filed it, an editor).
            hidden = not all(part in facts.text for part in name.split("、"))
            return shown if shown and hidden else name
    return shown


def _marked_author(facts: PageFacts, site_keys: set[str]) -> str | None:
    """The name in an element the page marks as its article's author (``class="author"``),
    by the headline or in the article, when it is a byline or a reporter's name."""
    for byline in facts.bylines:
        if byline.value and not byline.in_clutter and (byline.in_article
                                                       or byline.near_headline):
            name = byline_author(byline.value) or author_name(byline.value, strict=True)
            if name and not _is_site_name(name, site_keys):
                return name
    return None


def _is_site_name(name: str, site_keys: set[str]) -> bool:
    return any(_key(name) in key for key in site_keys)


def _near_headline(text: str, headline: str, line: int | None) -> list[str]:
    """Where the article's byline is, in the order to look: the lines around its headline
    (the headline's line and those after it, then those before it: a byline follows the
    headline more often than it precedes it, and above it are the page's header and its
    clock); the page's top when the headline is not a line of its text (not found, or set on
    several lines: then after the lines around it). ``line``: the headline's line, if
    known."""
    lines = text.splitlines()
    if line is not None and line < len(lines):
        at, whole = line, _clean(lines[line]) == headline
    else:
        at, whole = _headline_line(lines, headline)
    top = text[:TOP_CHARS]
    if at is None:
        return [top]
    near = "\n".join(lines[at:at + LINES_AFTER] + lines[max(0, at - LINES_BEFORE):at])
    return [near[:WINDOW_CHARS]] + ([] if whole else [top])


def _headline_line(lines: list[str], headline: str) -> tuple[int | None, bool]:
    """The index of the line that is the headline, else of the first that holds it, else of
    the first of the lines it is set on (``港人首置上車盤 或市價一半`` / ``轉售擬設限``); and
    whether it was found on one line."""
    if not headline:
        return None, False
    at = next((i for i, line in enumerate(lines) if line == headline),
              next((i for i, line in enumerate(lines) if headline in line), None))
    wanted = "".join(headline.split())
    if at is not None or len(wanted) < MIN_SPLIT_HEADLINE:
        return at, at is not None
    squeezed = ["".join(line.split()) for line in lines]
    found = "".join(squeezed).find(wanted)
    if found < 0:
        return None, False
    ends = list(itertools.accumulate(len(line) for line in squeezed))
    return bisect.bisect_right(ends, found), False


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
    return " ".join(text.translate(_INVISIBLE).split())


def _key(text: str) -> str:
    """A name as compared: lower case, no spaces."""
    return "".join(text.lower().split())
