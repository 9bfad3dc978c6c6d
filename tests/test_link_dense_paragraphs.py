"""A paragraph of an article that links each name it gives, as Taiwanese news sites do
(``<a>外交部</a>、<a>國防部</a>與…今日聯合說明。``), is the article's text: its words are found.
trafilatura dropped a short one as a list of short links (its test is English-sized: a
paragraph under 30 characters whose links are under 10), and ``boilerplate.prune`` a longer
one whose links outweigh its prose. The link lists of the same page — a tag line, a
〔相關新聞〕 line of headlines, a related-reading list, a ranking box — stay out. Built here,
indexed through ``searcher index``, searched back."""

from __future__ import annotations

import pytest

from tests.test_document_formats import (
    ARTICLE,
    CLUTTER,
    article_page,
    index_archive,
    paths,
)


def link(text: str, n: int) -> str:
    return f'<a href="/topic/{n}">{text}</a>'


# Short: five entity links and a few words of prose (trafilatura's short-paragraph test).
SHORT = (f"<p>{link('外交部', 1)}、{link('國防部', 2)}與{link('翡翠海峽協議', 3)}、"
         f"{link('陸委會', 4)}、{link('海巡署', 5)}今日聯合說明。</p>")
# Longer: the links outweigh the prose (boilerplate's link-share test).
LONG = (f"<p>{link('外交部長林佳龍', 6)}、{link('國防部長顧立雄', 7)}、"
        f"{link('陸委會主委邱垂正', 8)}、{link('海巡署長管碧玲', 9)}與{link('海洋委員會', 10)}"
        f"出席記者會，說明白沙灣聯合演訓。</p>")
# The link lists of the same page, each with a term found nowhere else.
TAG_LINE = (f"<p>標籤：{link('珊瑚礁標籤詞', 11)} {link('外交', 12)} {link('國防', 13)} "
            f"{link('兩岸', 14)} {link('海巡', 15)}</p>")
RELATED_LINE = (f"<p>〔相關新聞〕{link('琥珀灣會談破局內幕', 16)}、{link('國防預算再掀波瀾', 17)}、"
                f"{link('海巡新艦今日下水', 18)}</p>")
RANKING = ("<div><h3>即時排行</h3>" + "".join(
    f"<p>{link(f'排行榜第{n}名瑪瑙港新聞', 20 + n)}</p>" for n in range(1, 6)) + "</div>")
FOUND = ["翡翠海峽協議", "今日聯合說明", "陸委會主委邱垂正", "白沙灣聯合演訓"]
LEFT_OUT = ["珊瑚礁標籤詞", "琥珀灣會談破局內幕", "瑪瑙港新聞", "延伸閱讀甲文"]


def marked_up_page() -> str:
    """``article_page`` (an ``<article>`` among clutter) with the linked paragraphs among its
    own and the link lists after them."""
    first = f"<p>{ARTICLE[0]}</p>"
    assert first in article_page()
    return article_page().replace(first, first + SHORT).replace(
        f"<p>{ARTICLE[-1]}</p>", f"<p>{ARTICLE[-1]}</p>{LONG}{TAG_LINE}{RELATED_LINE}{RANKING}")


def bare_page() -> str:
    """No ``<article>``, no class or id to go by: the article's paragraphs in a ``<div>``."""
    paragraphs = [f"<p>{p}</p>" for p in ARTICLE]
    body = "".join(paragraphs[:1] + [SHORT] + paragraphs[1:] + [LONG])
    return (f'<html><head><meta charset="utf-8"><title>台海情勢說明</title></head><body>'
            f"<div>{link('首頁', 30)} {link('政治', 31)} {link('國際', 32)}</div>"
            f"<div><h1>台海情勢說明</h1>{body}{TAG_LINE}{RELATED_LINE}</div>{RANKING}"
            f"{CLUTTER['related reading']}</body></html>")


PAGES = {"web/marked-up.html": marked_up_page, "web/bare.html": bare_page}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return index_archive(tmp_path_factory.mktemp("archive"),
                         {name: lambda make=make: make().encode() for name, make in PAGES.items()})


@pytest.mark.parametrize("term", FOUND)
def test_the_words_of_a_paragraph_full_of_links_are_found(archive, term):
    _, run, searcher = archive
    assert run.code == 0, run.stderr
    assert paths(searcher("search", f'"{term}"', "--json")) == set(PAGES), term


@pytest.mark.parametrize("term", LEFT_OUT)
def test_the_link_lists_of_the_same_pages_stay_out(archive, term):
    _, _, searcher = archive
    assert searcher("search", f'"{term}"', "--json").stdout == "", term


def test_the_paragraph_reads_as_the_page_shows_it(archive):
    _, _, searcher = archive
    found = searcher("search", '"與翡翠海峽協議、陸委會"', "--json")
    assert paths(found) == set(PAGES)
