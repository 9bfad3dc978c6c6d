"""Reading corpus files: the sample format, titles, dates, JSON Lines."""

from __future__ import annotations

from searcher.ingest.formats import parse_file
from searcher.ingest.metadata import TITLE_LENGTH, derive_title
from searcher.ingest.plain_text import parse_text
from tests.conftest import corpus_texts


def test_date_prefix_on_the_lead_line_is_stripped_and_the_paragraph_kept():
    doc = parse_text(" date 2026-01-20 在海灣阿拉伯國家內部力勸下。\n\n第二段。", "a.txt", [])
    assert doc.date == "2026-01-20"
    assert doc.body.startswith("在海灣阿拉伯國家") and doc.body.endswith("第二段。")


def test_date_prefix_on_a_line_of_its_own():
    doc = parse_text("\n  date 2025-09-30\n經歷聯合國大會。", "a.txt", [])
    assert doc.date == "2025-09-30" and doc.body == "經歷聯合國大會。"


def test_no_prefix_means_undated_never_today():
    doc = parse_text("3月18日，美國總統川普與俄羅斯總統普丁通話。", "a.txt", [])
    assert doc.date is None


def test_every_sample_article_reads_as_documented():
    for name, text in corpus_texts().items():
        doc = parse_file(text.encode("utf-8"), name, []).documents[0]
        assert (doc.date is None) == name.startswith("003")
        assert not doc.body.startswith("date") and doc.body in text
        assert 0 < len(doc.title) <= TITLE_LENGTH and doc.title.rstrip("…") in doc.body


def test_a_derived_title_is_the_first_line_else_its_first_sentence_else_cut_at_a_pause():
    assert derive_title("短句。後文\n第二段。") == "短句。後文"
    lead = "停火協議今天生效。" + "以色列與哈瑪斯分批交換人質，" * 6
    assert derive_title(lead) == "停火協議今天生效。"
    sentence = "以色列與哈瑪斯分批交換人質，" * 6 + "。"
    title = derive_title(sentence)
    assert len(title) <= TITLE_LENGTH and title.endswith("質…")
    assert sentence.startswith(title[:-1] + "，")  # cut before a pause, not inside a word


def test_json_lines_one_document_a_line_with_stable_paths():
    data = ('{"id": "a1", "title": "標題", "date": "2025/9/30", "text": "正文一"}\n'
            'not json\n'
            '{"body": "正文二。", "author": "王小明", "date": "2025年3月31日"}\n').encode()
    warnings: list[str] = []
    docs = parse_file(data, "feed.jsonl", warnings).documents
    assert [d.path for d in docs] == ["feed.jsonl#a1", "feed.jsonl#3"]
    assert (docs[0].title, docs[0].date, docs[0].body) == ("標題", "2025-09-30", "正文一")
    assert (docs[1].author, docs[1].date, docs[1].title) == ("王小明", "2025-03-31", "正文二。")
    assert len(warnings) == 1 and "feed.jsonl:2" in warnings[0]
