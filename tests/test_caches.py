"""What searches keep between them: a reader's postings and stored fields (``engine.cache``),
the foldings of the articles last shown (``snippets``), the query dictionary's look-ups. Each
is bounded, and a search through them answers as one without them."""

from __future__ import annotations

import numpy as np
import pytest

from searcher.analysis import query_dictionary
from searcher.analysis.fold import fold, fold_exceptions
from searcher.analysis.query_dictionary import QUERY_USER_WORDS, SortedWords
from searcher.bounded_cache import BoundedCache
from searcher.engine import cache
from searcher.engine.cache import CachingReader
from searcher.engine.store import open_index
from searcher.errors import QuerySyntaxError
from searcher.search import snippets
from searcher.search.ranked import search

QUERIES = ["停火", "俄羅斯 烏克蘭", "特朗普", '"委內瑞拉"', "关税 停火", "川普 -普丁",
           "特朗普 OR 伊朗"]


def _same_postings(ours, theirs) -> None:
    assert ours.docs.tolist() == theirs.docs.tolist()
    assert ours.weights.tolist() == theirs.weights.tolist()
    counts, positions = ours.positions_in(ours.docs)
    expected = theirs.positions_in(theirs.docs)
    assert counts.tolist() == expected[0].tolist()
    assert positions.tolist() == expected[1].tolist()


def test_a_reader_keeps_postings_within_its_budget(corpus_index_dir):
    plain = open_index(corpus_index_dir).opened.reader()
    common = plain.postings("body_units", "美")
    rare = plain.postings("body_units", "委")
    assert common.memory_bound > rare.memory_bound > 0
    reader = CachingReader(plain, postings_bytes=common.memory_bound + rare.memory_bound - 1)
    first = reader.postings("body_units", "美")
    assert reader.postings("body_units", "美") is first  # kept
    _same_postings(first, common)
    reader.postings("body_units", "委")  # over the budget with both: the older goes
    assert reader.postings("body_units", "委") is reader.postings("body_units", "委")
    assert reader.postings("body_units", "美") is not first
    small = CachingReader(plain, postings_bytes=rare.memory_bound - 1)
    assert small.postings("body_units", "委") is not small.postings("body_units", "委")
    _same_postings(small.postings("body_units", "委"), rare)


def test_kept_stored_fields_are_copies_and_bounded(corpus_index_dir):
    plain = open_index(corpus_index_dir).opened.reader()
    sizes = [cache.STORED_OVERHEAD + sum(len(value) for value in plain.stored_fields(docnum)
                                         .values() if isinstance(value, (str, list)))
             for docnum in (0, 1, 2)]
    reader = CachingReader(plain, stored_chars=sum(sorted(sizes)[1:]))  # any two, not three
    for _ in range(2):  # as read, then as kept
        reader.stored_fields(0)["title"] = "changed by a caller"
        assert reader.stored_fields(0) == plain.stored_fields(0)
    for docnum in (1, 2, 0):
        assert reader.stored_fields(docnum) == plain.stored_fields(docnum)
    assert len(reader._stored) == 2 and reader._stored.size == sizes[2] + sizes[0]
    assert reader.doc_count == plain.doc_count  # the rest is the reader's own


def _answers(index, query: str) -> list[tuple]:
    result = search(index, query, limit=10)
    return [(hit.path, hit.score, hit.snippets, hit.matches, hit.title_highlights)
            for hit in result.hits] + [result.total]


def test_searches_answer_the_same_again_and_as_without_caches(corpus_index_dir):
    index = open_index(corpus_index_dir)
    uncached = open_index(corpus_index_dir)
    uncached._reader = CachingReader(uncached.opened.reader(), postings_bytes=0,
                                     stored_chars=0, derived_bytes=0)
    for query in QUERIES:
        expected = _answers(uncached, query)
        assert len(expected) > 1, query  # each query finds something
        assert _answers(index, query) == expected
        assert _answers(index, query) == expected  # from what the first kept
        assert _answers(index, query) == expected  # phrases' documents kept the second
    assert len(index.reader().derived) > 0 and len(uncached.reader().derived) == 0


def test_a_phrase_kept_inside_one_query_answers_for_any_other(corpus_index_dir):
    # Its documents are kept the second time it is asked for, among only the candidates of
    # the query around it; what is kept is where it stands in every document.
    index = open_index(corpus_index_dir)
    uncached = open_index(corpus_index_dir)
    uncached._reader = CachingReader(uncached.opened.reader(), derived_bytes=0)
    for query in ['关税 "停火"'] * 3 + ['"停火"', '俄羅斯 "停火"', "停火"]:
        assert _answers(index, query) == _answers(uncached, query), query


def test_what_a_phrase_search_learned_is_kept_and_extended(corpus_index_dir):
    from searcher.search import matching
    from searcher.search.compiler import compile_query

    index = open_index(corpus_index_dir)
    uncached = open_index(corpus_index_dir)
    uncached._reader = CachingReader(uncached.opened.reader(), derived_bytes=0)
    phrase = compile_query('"停火"', index.chain).plan.items[1]  # in the body
    assert phrase.field == "body_units"
    holding = matching.evaluate(uncached.reader(), phrase).docs.tolist()
    _answers(index, '关税 "停火"')  # checks only the articles with 关税
    kept = index.reader().derived.get(phrase)
    assert isinstance(kept, matching.PhraseDocs) and kept.checked is not None
    assert kept.found.tolist() == [doc for doc in holding if doc in kept.checked.tolist()]
    assert len(kept.found) < len(holding)  # some it did not check
    assert _answers(index, '"停火"') == _answers(uncached, '"停火"')  # checks the rest
    kept = index.reader().derived.get(phrase)
    assert kept.checked is None and kept.found.tolist() == holding  # every article, kept


def test_a_bounded_cache_keeps_the_most_recent_within_its_budget():
    kept = BoundedCache(most=10)
    kept.keep("a", "A", 4)
    kept.keep("b", "B", 4)
    assert kept.get("a") == "A"  # now the most recent: "b" goes first
    kept.keep("c", "C", 4)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")
    assert len(kept) == 2 and kept.size == 8
    kept.keep("d", "D", 11)  # over the budget alone: not kept, nothing dropped for it
    assert kept.get("d") is None and len(kept) == 2
    kept.keep("a", "A1", 1)  # in place of what was kept, at its new cost
    assert kept.get("a") == "A1" and kept.size == 5 and len(kept) == 2
    kept.keep("c", "C2", 10)  # grown: the least recent ("a") goes
    assert (kept.get("a"), kept.get("c"), kept.size) == (None, "C2", 10)
    kept.keep("c", "C2", 9)
    kept.keep("e", "E", 1)
    kept.keep("c", "C3", 11)  # over the budget alone: it goes, the rest stays
    assert (kept.get("c"), kept.get("e"), kept.size) == (None, "E", 1)


def test_kept_foldings_are_the_fresh_ones():
    text = "藉口著作：乾隆年間的藉口，川普與特朗普。"
    exceptions = fold_exceptions(text)
    assert exceptions  # the phrase rules fold some characters by their neighbours
    needles = [fold("藉口"), fold("川普"), fold("特朗普")]
    frozen = tuple(map(tuple, exceptions))
    assert snippets.kept_foldings(text, frozen) == snippets.foldings(text, frozen)
    assert snippets.kept_foldings(text, frozen) is snippets.kept_foldings(text, frozen)
    assert snippets.kept_foldings(text, None) == (fold(text), snippets.fold_each(text))
    spans = snippets.match_spans(text, needles, exceptions)
    assert snippets.match_spans(text, needles, exceptions) == spans  # as kept
    assert spans == snippets.match_spans(text, needles)  # folded anew: the same
    assert snippets.match_spans(text, needles, [["not", "exceptions"]]) == spans


def test_the_query_dictionary_keeps_its_look_ups_bounded(corpus_index, monkeypatch):
    monkeypatch.setattr(query_dictionary, "KNOWN_WORDS", 3)
    data = (corpus_index.generation / QUERY_USER_WORDS).read_bytes()
    fresh = SortedWords(data, QUERY_USER_WORDS)
    words = SortedWords(data, QUERY_USER_WORDS)
    text = "俄羅斯與烏克蘭停火"
    for _ in range(2):
        for i in range(len(text)):
            for j in range(i + 1, len(text) + 1):
                assert words.frequency(text[i:j]) == fresh._look_up(text[i:j])
                assert len(words._known) <= 3
    assert words.words_in(text) == fresh.words_in(text)


@pytest.mark.parametrize("field", ["body_units", "title_units"])
def test_positions_read_through_the_cache_are_the_readers(corpus_index_dir, field):
    plain = open_index(corpus_index_dir).opened.reader()
    reader = CachingReader(plain)
    for text in ("普", "停", "美"):
        kept = reader.postings(field, text)
        some = kept.docs[::2]
        for _ in range(2):  # again, from the kept postings
            counts, positions = kept.positions_in(some)
            expected = plain.postings(field, text).positions_in(some)
            assert np.array_equal(counts, expected[0])
            assert np.array_equal(positions, expected[1])


def _read_until_whole_pays(reader: CachingReader, field: str, text: str, docs) -> None:
    """Read these documents' positions of the term kept by ``reader`` until decoding it
    whole pays (as searches do, one read or more each)."""
    postings = reader.postings(field, text)
    for _ in range(100):
        if postings.decoding_whole_pays:
            return
        postings.positions_in(docs)
    raise AssertionError("decoding whole never pays")


@pytest.mark.parametrize("field", ["body_units", "title_units"])
def test_positions_decoded_whole_are_the_ones_read_in_part(corpus_index_dir, field):
    plain = open_index(corpus_index_dir).opened.reader()
    reader = CachingReader(plain)
    for text in ("普", "停", "美"):
        docs = plain.postings(field, text).docs
        _read_until_whole_pays(reader, field, text, docs[:1])
        before = reader._postings.size
        postings = reader.postings(field, text)  # the next search's look-up decodes it
        assert not postings.decoding_whole_pays and postings.whole_growth == 0
        assert reader._postings.size - before == postings.memory_bound - plain.postings(
            field, text).memory_bound  # its cost now the decoded positions'
        for some in (docs, docs[::2], docs[-1:], docs[:0]):
            counts, positions = postings.positions_in(some)
            expected = plain.postings(field, text).positions_in(some)
            assert counts.tolist() == expected[0].tolist()
            assert positions.tolist() == expected[1].tolist()


def test_positions_are_decoded_whole_only_with_room_in_the_budget(corpus_index_dir):
    plain = open_index(corpus_index_dir).opened.reader()
    term = plain.postings("body_units", "美")
    term.positions_in(term.docs[:1])
    budget = term.memory_bound + term.whole_growth - 1  # kept, but not decoded whole
    reader = CachingReader(plain, postings_bytes=budget)
    _read_until_whole_pays(reader, "body_units", "美", term.docs[:1])
    postings = reader.postings("body_units", "美")
    assert postings.decoding_whole_pays  # it would pay, but the room is not there
    assert reader._postings.size == term.memory_bound <= budget
    roomy = CachingReader(plain, postings_bytes=budget + 1)
    _read_until_whole_pays(roomy, "body_units", "美", term.docs[:1])
    assert not roomy.postings("body_units", "美").decoding_whole_pays


def test_a_large_area_is_read_in_part_however_often(corpus_index_dir, monkeypatch):
    from searcher.engine import interface

    plain = open_index(corpus_index_dir).opened.reader()
    term = plain.postings("body_units", "美")
    term.positions_in(term.docs[:1])
    monkeypatch.setattr(interface, "WHOLE_AREA_MOST", term.whole_growth // 3 - 1)
    reader = CachingReader(plain)
    kept = reader.postings("body_units", "美")
    for _ in range(100):
        kept.positions_in(kept.docs)
    assert not kept.decoding_whole_pays
    monkeypatch.setattr(interface, "WHOLE_AREA_MOST", term.whole_growth // 3)
    assert kept.decoding_whole_pays


def test_compiled_queries_are_kept_for_their_chain(corpus_index_dir, monkeypatch):
    from searcher.search import compiler

    monkeypatch.setattr(compiler, "KEPT_QUERIES", 2)
    index, other = open_index(corpus_index_dir), open_index(corpus_index_dir)
    first = compiler.compile_query("俄罗斯 停火", index.chain)
    assert compiler.compile_query("俄罗斯 停火", index.chain) is first
    assert compiler.compile_query("俄罗斯 停火", other.chain) == first  # its own, the same
    assert compiler.compile_query("俄罗斯 停火", other.chain) is not first
    assert compiler.compile_query("俄罗斯 停火", index.chain, "1") != first
    compiler.compile_query("普京", index.chain)  # a third query: the least recent goes
    assert compiler.compile_query("俄罗斯 停火", index.chain) is not first
    with pytest.raises(QuerySyntaxError):  # errors are raised each time, never kept
        compiler.compile_query('"停火', index.chain)
    with pytest.raises(QuerySyntaxError):
        compiler.compile_query('"停火', index.chain)


def test_places_by_table_and_by_search_agree():
    from searcher.search import matching

    rng = np.random.default_rng(7)
    for size, many in ((40_000, 30_000), (40_000, 300), (10**9, 5_000), (500, 400)):
        haystack = np.unique(rng.integers(0, size, many)).astype(np.int64)
        for fraction in (1.0, 0.5, 0.01):
            needles = np.sort(rng.choice(haystack, max(1, int(len(haystack) * fraction)),
                                         replace=False))
            places = matching._places(haystack, needles)
            assert (haystack[places] == needles).all()


def test_the_postings_budget_grows_with_the_index(tmp_path, corpus_index):
    from searcher.engine import cache

    small = cache.postings_budget(corpus_index.generation)
    assert small == cache.POSTINGS_BYTES  # the bundled corpus is far below it
    generation = tmp_path / "gen"
    generation.mkdir()
    with open(generation / "big.seg", "wb") as file:  # sparse: no bytes written
        file.truncate(cache.POSTINGS_BYTES * cache.POSTINGS_SHARE * 2)
    assert cache.postings_budget(generation) == 2 * cache.POSTINGS_BYTES
    assert corpus_index.reader()._postings.most == small
