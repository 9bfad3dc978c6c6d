"""What the walk takes from a folder: a page saved whole ("Web page, complete") is its page,
not the ad and comment frames in its resource folder."""

from __future__ import annotations

from searcher.engine.store import open_index
from searcher.indexing.update import update_index
from searcher.search.ranked import search

PAGE = """<html><head><title>停火協議的代價</title></head><body><article>
<h1>停火協議的代價</h1><p>{body}</p></article></body></html>"""
FRAME = "<html><body><div>{text}</div></body></html>"


def test_a_saved_pages_resource_folder_is_part_of_the_page(tmp_path, settings):
    corpus = tmp_path / "corpus"
    (corpus / "article_files").mkdir(parents=True)
    (corpus / "article.html").write_text(
        PAGE.format(body="雙方在日內瓦達成停火協議，國際觀察員將進駐前線。" * 5), encoding="utf-8")
    (corpus / "article_files" / "ads.html").write_text(
        FRAME.format(text="限時優惠停火價，立即購買" * 5), encoding="utf-8")
    (corpus / "article_files" / "comments.htm").write_text(
        FRAME.format(text="網友留言：停火是好事" * 5), encoding="utf-8")
    # A folder that only ends like one, with no page beside it, is read as any other.
    (corpus / "notes_files").mkdir()
    (corpus / "notes_files" / "memo.txt").write_text("關於停火的筆記。", encoding="utf-8")
    report = update_index(tmp_path / "index", [corpus], settings)
    assert report.added == 2 and not report.skipped
    assert any(file.endswith("article_files") and "resource folder" in why
               for file, why in report.ignored)
    paths = {hit.path for hit in search(open_index(tmp_path / "index"), "停火",
                                        limit=None).hits}
    assert paths == {"article.html", "notes_files/memo.txt"}
