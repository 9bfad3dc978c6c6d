"""The bulk matcher (``searcher.search.matching``) against Whoosh's own matchers, which stay the
reference: same documents, same BM25F scores, on an index large enough for posting lists of
many blocks, with several segments and deleted documents."""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.scoring import BM25F

from searcher.search import plan as m
from searcher.search import matching
from searcher.search.matching import Matches, evaluate
from searcher.analysis.fold import fold
from searcher.analysis.units import units
from searcher.indexing.update import update_index
from searcher.search.ranked import search
from searcher.engine.store import open_index
from tests.conftest import corpus_texts

ARTICLES = 600  # Whoosh stores postings in blocks of 128: common terms span several
CHANGED = 40


def _paragraphs() -> list[str]:
    return [p.strip() for text in corpus_texts().values() for p in text.splitlines()
            if len(p.strip()) > 30]


def _write(path, number: int, paragraphs: list[str], rng: random.Random) -> None:
    body = "\n".join(rng.sample(paragraphs, 3))
    path.write_text(f"title: 第{number}篇評論\ndate: 2025-{number % 12 + 1:02d}-0{number % 9 + 1}"
                    f"\n\n{body}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def pieces(tmp_path_factory, settings):
    """600 articles of three paragraphs each from the sample corpus, indexed by two processes,
    then 40 rewritten and indexed again (their old versions are deleted documents)."""
    root = tmp_path_factory.mktemp("pieces")
    corpus = root / "corpus"
    corpus.mkdir()
    paragraphs = _paragraphs()
    rng = random.Random(11)
    for number in range(ARTICLES):
        _write(corpus / f"{number:03d}.txt", number, paragraphs, rng)
    update_index(root / "index", [corpus], settings, procs=2)
    changed = rng.sample(range(ARTICLES), CHANGED)
    for number in changed:
        _write(corpus / f"{number:03d}.txt", number + 1000, paragraphs, rng)
    update_index(root / "index", [corpus], settings)
    index = open_index(root / "index")
    reader = _reference(index).reader()
    assert reader.has_deletions() and len(_reference(index).leaf_searchers()) > 1
    index.changed = changed
    return index


def _reference(index):
    """Whoosh's own BM25F searcher (B 0.75, K1 1.2, the model ``matching`` reproduces) over
    the same generation, opened once per index."""
    if not hasattr(index, "reference"):
        index.reference = index.opened.whoosh.searcher(weighting=BM25F())
    return index.reference


def _whoosh(index, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in _reference(index).search(query, limit=None)}


def _ours(index, plan) -> dict[int, float]:
    return dict(evaluate(index.reader(), plan).items())


def _same(ours: dict[int, float], theirs: dict[int, float]) -> None:
    assert ours.keys() == theirs.keys()
    assert all(abs(ours[d] - theirs[d]) < 1e-9 * max(1.0, abs(theirs[d])) for d in ours)


def _common_terms(index, field: str, count: int) -> list[str]:
    reader = _reference(index).reader()
    terms = sorted(((reader.doc_frequency(field, t), t.decode("utf-8"))
                    for t in reader.lexicon(field)), reverse=True)
    return [t for _, t in terms[:count]] + [t for _, t in terms[-count:]]


def test_term_scores_are_whooshs_bm25f(pieces):
    reader = _reference(pieces).reader()
    for field in ("body", "title", "body_units", "path_units"):
        for text in _common_terms(pieces, field, 8):
            theirs = _whoosh(pieces, wq.Term(field, text))
            _same(_ours(pieces, m.Term(field, text)), theirs)
            if field == "body" and text == _common_terms(pieces, field, 1)[0]:
                assert reader.doc_frequency(field, text) > 128  # several blocks


def test_combinations_add_scores_as_whooshs_matchers(pieces):
    a, b, c = _common_terms(pieces, "body", 3)[:3]
    terms = {t: (m.Term("body", t, boost=2.0), wq.Term("body", t, boost=2.0)) for t in (a, b, c)}
    _same(_ours(pieces, m.AnyOf((terms[a][0], terms[b][0]))),
          _whoosh(pieces, wq.Or([terms[a][1], terms[b][1]])))
    _same(_ours(pieces, m.AllOf((terms[a][0], terms[c][0]))),
          _whoosh(pieces, wq.And([terms[a][1], terms[c][1]])))
    _same(_ours(pieces, m.Without(terms[a][0], terms[b][0])),
          _whoosh(pieces, wq.AndNot(terms[a][1], terms[b][1])))
    _same(_ours(pieces, m.WithBonus(terms[a][0], terms[c][0])),
          _whoosh(pieces, wq.AndMaybe(terms[a][1], terms[c][1])))


def test_phrases_match_and_score_as_whooshs_phrase(pieces):
    """Phrases cut from the text, some across words and punctuation: the same documents and
    scores as Whoosh's ``Phrase`` over units; ``unless`` leaves out what it matches."""
    rng = random.Random(5)
    paragraphs = _paragraphs()
    for _ in range(80):
        every = [u for u, _, _ in units(fold(rng.choice(paragraphs)))]
        start = rng.randrange(len(every) - 8)
        sequence = tuple(every[start:start + rng.randint(2, 8)])
        ours = _ours(pieces, m.Phrase("body_units", sequence, boost=1.5))
        _same(ours, _whoosh(pieces, wq.Phrase("body_units", list(sequence), boost=1.5)))
        assert ours, sequence  # cut from the indexed text: it occurs
        word = m.Term("body", sequence[0] + sequence[1])
        unless = _ours(pieces, m.Phrase("body_units", sequence, unless=word))
        assert unless.keys() == ours.keys() - _ours(pieces, word).keys()


def test_a_phrase_certain_where_its_word_is_matches_the_same(pieces):
    """Where the word is a token its characters stand together: skipping positions there
    changes nothing."""
    variants = pieces.chain.variants
    words = [w for w in _common_terms(pieces, "body", 40)
             if len(w) > 1 and [u for u, _, _ in units(w)] == list(w)
             and variants.members(w) == (w,)]
    assert len(words) > 10
    for word in words:
        sequence = tuple(word)
        plain = _ours(pieces, m.Phrase("body_units", sequence))
        _same(_ours(pieces, m.Phrase("body_units", sequence, certain=m.Term("body", word))),
              plain)
        assert plain.keys() >= _ours(pieces, m.Term("body", word)).keys()


def test_days_and_filters_read_the_day_column(pieces):
    searcher = _reference(pieces)
    column = searcher.reader().column_reader("day")
    assert pieces.reader().days().tolist() == [column[d] for d in range(searcher.doc_count_all())]
    march = m.DayRange(20250301, 20250331)
    stored = {d: searcher.stored_fields(d).get("date", "") for d in _ours(pieces, march)}
    assert stored and all(date.startswith("2025-03-") for date in stored.values())
    live = {d for d in range(searcher.doc_count_all()) if not searcher.reader().is_deleted(d)}
    assert _ours(pieces, m.Everything()).keys() == live


def test_deleted_versions_never_match(pieces):
    """A rewritten article is found by its new title only; its old version is gone."""
    for number in pieces.changed[:10]:
        assert search(pieces, f'"第{number}篇評論"').total == 0
        assert search(pieces, f'"第{number + 1000}篇評論"').total == 1
    unchanged = next(n for n in range(ARTICLES) if n not in pieces.changed)
    assert search(pieces, f'"第{unchanged}篇評論"').total == 1


def test_segments_without_dates_and_indexes_without_segments(tmp_path, settings):
    """A segment of undated articles has no ``day`` column, and an empty index no segment:
    date filters, date order and plain searches still answer."""
    from searcher.dates import DateRange

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "dated.txt").write_text("date: 2025-03-01\n\n停火協議簽署。", encoding="utf-8")
    (corpus / "undated.txt").write_text("停火談判破裂。", encoding="utf-8")
    update_index(tmp_path / "idx", [corpus], settings)
    (corpus / "later.txt").write_text("停火再起。", encoding="utf-8")
    update_index(tmp_path / "idx", [corpus], settings)
    index = open_index(tmp_path / "idx")
    assert len(_reference(index).leaf_searchers()) == 2
    assert [h.path for h in search(index, "停火", dates=DateRange(20200101, None)).hits] == \
        ["dated.txt"]
    assert search(index, "停火", sort="newest").hits[0].path == "dated.txt"
    assert index.reader().days().tolist().count(20250301) == 1

    empty = tmp_path / "empty"
    empty.mkdir()
    update_index(tmp_path / "none", [empty], settings)
    nothing = open_index(tmp_path / "none")
    assert search(nothing, "停火").total == 0
    assert search(nothing, "停火", dates=DateRange(20200101, None), sort="oldest").total == 0
    from searcher.search.stats import index_stats

    assert (index_stats(nothing)["documents"], index_stats(nothing)["segments"]) == (0, 0)
    assert (index_stats(index)["documents"], index_stats(index)["dated"]) == (3, 1)


def test_similar_ranks_as_whooshs_more_like(pieces):
    """``similar`` runs on the same matching as a search; Whoosh's "more like this" (Bo1 key
    terms, an Or of them boosted) stays the reference, with deleted documents about."""
    from searcher.search.similar import KEY_TERMS, similar

    reference = _reference(pieces)
    for number in random.Random(5).sample(range(ARTICLES), 8):
        path = f"{number:03d}.txt"
        docnum = reference.document_number(path=path)
        body = reference.stored_fields(docnum)["body"]
        every = [(reference.stored_fields(hit.docnum)["path"], hit.score)
                 for hit in reference.more_like(docnum, "body", text=body, top=None,
                                                numterms=KEY_TERMS)]
        expected = sorted(every, key=lambda item: (-item[1], item[0]))[:10]  # ties by path
        found = [(hit.path, hit.score) for hit in similar(pieces, path, 10, collapse=False)]
        assert [p for p, _ in found] == [p for p, _ in expected], path
        assert [s for _, s in found] == pytest.approx([s for _, s in expected]), path


def test_ties_rank_by_path_whatever_the_document_numbers(tmp_path, settings):
    """Copies of one article tie; so does every article for a query that only excludes.
    Built at once, and built in two runs whose second adds the paths that sort first (so
    they have the higher document numbers), the rankings are the same, ties in path order."""
    text = next(iter(corpus_texts().values()))
    names = sorted(f"{n:02d}.txt" for n in range(24))
    late, early = names[:12], names[12:]  # the second run adds the first paths
    at_once, in_two = tmp_path / "at-once", tmp_path / "in-two"
    for folder, files in ((at_once, names), (in_two, early)):
        folder.mkdir()
        for name in files:
            (folder / name).write_text(text, encoding="utf-8")
    update_index(tmp_path / "index-1", [at_once], settings)
    update_index(tmp_path / "index-2", [in_two], settings)
    for name in late:
        (in_two / name).write_text(text, encoding="utf-8")
    update_index(tmp_path / "index-2", [in_two], settings)
    rankings = []
    for index in ("index-1", "index-2"):
        opened = open_index(tmp_path / index)
        found = [search(opened, query, limit=limit, collapse=False).hits  # same texts
                 for query, limit in (("停火", 5), ("停火", None), ("-格陵蘭島", 7))]
        rankings.append([[(hit.path, hit.score) for hit in hits] for hits in found])
    assert rankings[0] == rankings[1]
    assert [path for path, _ in rankings[1][1]] == names
    assert [path for path, _ in rankings[1][0]] == names[:5]
    assert [path for path, _ in rankings[1][2]] == names[:7]


def test_parts_combined_by_sorting_add_up_as_by_counting():
    # Few documents in a large index are combined by sorting them; the sums must be the
    # very numbers counting gives (the same additions in the same order), or ties reorder.
    rng = np.random.default_rng(3)
    parts = []
    for size in (50, 7, 300, 120, 1):
        docs = np.unique(rng.integers(0, 2_000, size)).astype(np.int64)
        parts.append(Matches(docs, rng.random(len(docs)) * 10))
    total = sum(len(part) for part in parts)
    counted = matching._sum_by_document(parts, 2_000)  # arrays as long as the index
    sorted_ = matching._sum_by_document(parts, total * matching.FEW_DOCUMENTS + 1)
    for ours, theirs in zip(sorted_, counted):
        assert ours.dtype.kind == theirs.dtype.kind
        assert ours.tolist() == theirs.tolist()
    for at_least in (1, 2, 3):
        assert (matching._union([p.docs for p in parts], 2_000, at_least).tolist()
                == matching._union([p.docs for p in parts], total * matching.FEW_DOCUMENTS + 1,
                                   at_least).tolist())
