"""Reposts collapsed in search results: an article and its copies in other scripts and
regional spellings (made here with OpenCC from the sample corpus) show as one hit that names
its copies; ``--no-collapse`` shows each; ``-l`` lists every file; different articles never
group. Through the library, the CLI in-process, and an incremental update."""

from __future__ import annotations

import opencc
import pytest

from searcher.engine.store import open_index
from searcher.indexing.update import update_index
from searcher.search.ranked import count, search
from tests.conftest import corpus_texts

QUERY = "停火"
ORIGINAL = "000_24b6ebb8716294de.txt"  # has 停火, like three other sample articles


def _copies(text: str) -> dict[str, str]:
    simplified = opencc.OpenCC("t2s").convert(text)
    return {"copy-mainland.txt": simplified,
            "copy-hongkong.txt": opencc.OpenCC("s2hk").convert(simplified),
            "copy-taiwan.txt": opencc.OpenCC("s2twp").convert(simplified)}


@pytest.fixture(scope="module")
def reposts(tmp_path_factory, settings):
    """The five samples, three copies of one of them, and two short texts that are the same
    (too short to tell a copy from a coincidence)."""
    root = tmp_path_factory.mktemp("reposts")
    corpus = root / "corpus"
    corpus.mkdir()
    texts = corpus_texts()
    for name, text in {**texts, **_copies(texts[ORIGINAL])}.items():
        (corpus / name).write_text(text, encoding="utf-8")
    for name in ("short-1.txt", "short-2.txt"):
        (corpus / name).write_text("停火協議今日生效。", encoding="utf-8")
    update_index(root / "index", [corpus], settings)
    return root


def _by_path(result) -> dict:
    return {hit.path: hit for hit in result.hits}


def test_copies_show_as_one_hit_that_names_them(reposts):
    index = open_index(reposts / "index")
    collapsed = search(index, QUERY, limit=None)
    every = search(index, QUERY, limit=None, collapse=False)
    copy_names = set(_copies("").keys())
    group = {ORIGINAL} | copy_names
    assert group <= {hit.path for hit in every.hits}  # all match
    leaders = [hit for hit in collapsed.hits if hit.path in group]
    assert len(leaders) == 1  # the best-ranked copy stands for the group
    leader = leaders[0]
    assert {c.path for c in leader.copies} == group - {leader.path}
    assert leader.path == next(hit.path for hit in every.hits if hit.path in group)
    # Its copies are listed best first, as they rank on their own.
    assert [c.path for c in leader.copies] == [h.path for h in every.hits
                                               if h.path in group - {leader.path}]
    # The total still counts every article; the copies are said to be collapsed.
    assert collapsed.total == every.total == count(index, QUERY)
    assert collapsed.collapsed == 3 and len(collapsed.hits) == len(every.hits) - 3


def test_different_articles_and_short_texts_never_group(reposts):
    index = open_index(reposts / "index")
    hits = search(index, QUERY, limit=None).hits
    grouped = {hit.path for hit in hits if hit.copies}
    assert len(grouped) == 1  # only the reposted article has copies
    paths = [hit.path for hit in hits]
    assert "short-1.txt" in paths and "short-2.txt" in paths  # identical, yet apart
    for name in corpus_texts():  # every other sample stands alone
        if name != ORIGINAL and name in paths:
            assert not _by_path(search(index, QUERY, limit=None))[name].copies


def test_a_limit_counts_groups_not_copies(reposts):
    index = open_index(reposts / "index")
    every = [hit.path for hit in search(index, QUERY, limit=None).hits]
    assert [hit.path for hit in search(index, QUERY, limit=3).hits] == every[:3]


def test_cli_collapses_names_copies_and_no_collapse_shows_all(searcher, reposts):
    index = ["--index", str(reposts / "index")]
    shown = searcher("search", QUERY, "--json", "-n", "0", *index)
    assert shown.code == 0
    records = shown.json_lines()
    with_copies = [r for r in records if r["copies"]]
    assert len(with_copies) == 1
    copies = with_copies[0]["copies"]
    assert len(copies) == 3 and all(c["file"].endswith(c["path"]) for c in copies)
    everything = searcher("search", QUERY, "--json", "-n", "0", "--no-collapse", *index)
    assert len(everything.json_lines()) == len(records) + 3
    assert all(r["copies"] == [] for r in everything.json_lines())
    # A list of files is every matching file, copies included.
    files = searcher("search", QUERY, "-l", *index).stdout.splitlines()
    assert len(files) == len(everything.json_lines())
    # The terminal view names the copies under the hit, and the footer counts them.
    terminal = searcher("search", QUERY, "-n", "0", "--color", "always", *index)
    plain = terminal.stdout
    assert "also in 3 copies:" in plain and "3 copies collapsed" in plain
    assert all(name in plain for name in _copies(""))


def test_a_copy_indexed_later_joins_its_original(tmp_path, settings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = corpus_texts()
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    update_index(tmp_path / "index", [corpus], settings)
    assert not any(hit.copies for hit in
                   search(open_index(tmp_path / "index"), QUERY, limit=None).hits)
    copy = _copies(texts[ORIGINAL])["copy-hongkong.txt"]
    (corpus / "copy-hongkong.txt").write_text(copy, encoding="utf-8")
    update_index(tmp_path / "index", [corpus], settings)
    hits = search(open_index(tmp_path / "index"), QUERY, limit=None).hits
    grouped = [hit for hit in hits if hit.copies]
    assert len(grouped) == 1
    assert {grouped[0].path, grouped[0].copies[0].path} == {ORIGINAL, "copy-hongkong.txt"}


def test_a_copy_ranked_far_below_its_original_still_joins_it(tmp_path, settings):
    """Only the top of a ranking is grouped: a copy far below (here the last of 60 matches)
    still joins the hit it copies, by its fingerprint."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    texts = corpus_texts()
    paragraphs = [p for text in texts.values() for p in text.splitlines() if len(p) > 60]
    for number, paragraph in enumerate(paragraphs[:58]):  # distinct texts, 停火 three times
        (corpus / f"other-{number:02d}.txt").write_text(
            f"title: 第{number}篇\n\n停火停火停火。{paragraph}", encoding="utf-8")
    body = texts[ORIGINAL]
    (corpus / "original.txt").write_text(f"title: 停火協議\n\n{body}", encoding="utf-8")
    (corpus / "copy.txt").write_text(f"title: 轉載\n\n{body}", encoding="utf-8")
    update_index(tmp_path / "index", [corpus], settings)
    index = open_index(tmp_path / "index")
    every = [hit.path for hit in search(index, QUERY, limit=None, collapse=False).hits]
    assert len(every) == 60 and every[0] == "original.txt" and every.index("copy.txt") > 50
    for limit in (1, 3, None):
        hits = search(index, QUERY, limit=limit).hits
        assert hits[0].path == "original.txt"
        assert [copy.path for copy in hits[0].copies] == ["copy.txt"]
        assert "copy.txt" not in [hit.path for hit in hits]


def test_similar_leaves_out_the_articles_own_copies_and_collapses_the_rest(reposts):
    """An article's reposts are the article, not articles like it: once the most similar."""
    from searcher.search.similar import similar

    index = open_index(reposts / "index")
    copies = set(_copies(""))
    shown = similar(index, ORIGINAL, limit=10)
    assert shown and not copies & {hit.path for hit in shown}
    assert not copies & {c.path for hit in shown for c in hit.copies}
    every = [hit.path for hit in similar(index, ORIGINAL, limit=10, collapse=False)]
    assert copies <= set(every[:3])  # what it used to show first
    # From a copy: the original and the other copies are left out alike.
    from_copy = {hit.path for hit in similar(index, "copy-taiwan.txt", limit=10)}
    assert not (copies | {ORIGINAL}) & from_copy
