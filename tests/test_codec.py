"""searcher's terms and postings format (``searcher.engine.whoosh.codec``) holds exactly what Whoosh's
own codec holds for the same documents (every term, posting, weight and position; stored
values), across segments, deletions and merges; and any damage to its files is an error,
never a different result."""

from __future__ import annotations

import dataclasses
import json
import random
import re
import struct
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from searcher.analysis.chain import AnalysisChain
from searcher.engine.whoosh.codec import Frequencies, PositionList, SearcherCodec
from searcher.engine.format.postings import decode_positions, encode_positions
from searcher.engine.format.records import FormatError, pack_ints, unpack_ints
from searcher.engine.format.stored import (
    GB18030_JSON, GB18030_WORDS_JSON, STORED_DEFLATE_LEVEL, STORED_HEADER, decode_stored_fields,
    encode_stored_fields)
from searcher.engine.whoosh.reader import GenerationReader
from searcher.engine.whoosh.schema import FoldExceptions, build_schema, document_fields
from searcher.engine.store import open_index
from searcher.errors import IndexDamagedError
from searcher.ingest.plain_text import parse_text
from searcher.search.compiler import compile_query
from searcher.search.plan import plan_terms
from searcher.search.ranked import search
from tests.conftest import CORPUS, corpus_texts

QUERIES = ("停火", "俄羅斯 美國", '"烏克蘭"', "川普 OR 特朗普", "中國 -美國")


@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1)))
def test_packed_lists_read_back_as_written(values):
    packed = pack_ints(values)
    unpacked, end = unpack_ints(b"xy" + packed, 2)
    assert list(unpacked) == values and end == len(packed) + 2


@given(st.lists(st.integers(min_value=0, max_value=2**31), max_size=50).map(sorted))
def test_position_lists_read_back_as_written(positions):
    format_ = PositionList()
    value = format_.encode(positions)
    assert format_.decode_positions(value) == positions
    assert format_.decode_frequency(value) == len(positions)


@given(st.lists(st.lists(st.integers(min_value=0, max_value=2**32 - 1), min_size=1,
                         max_size=20), max_size=30))
def test_positions_areas_read_back_as_written(postings):
    counts = [len(deltas) for deltas in postings]
    deltas = [delta for run in postings for delta in run]
    area, lengths = encode_positions(counts, deltas)
    data = np.frombuffer(area, np.uint8)
    decoded_counts, decoded = decode_positions(data, np.array(lengths, np.int64))
    assert decoded_counts.tolist() == counts and decoded.tolist() == deltas
    if area:  # a posting's bytes that stop inside a value are damage, never other positions
        damaged = data.copy()
        damaged[-1] |= 0x80
        with pytest.raises(FormatError, match="positions are damaged"):
            decode_positions(damaged, np.array(lengths, np.int64))


def _documents():
    paths = sorted(CORPUS.glob("*.txt"))
    return [(parse_text(path.read_text(encoding="utf-8"), path.name, []), str(path))
            for path in paths]


def _build(folder: Path, codec, settings) -> whoosh_index.Index:
    """The sample corpus in three segments (a commit per batch), one document deleted and one
    replaced, written with ``codec``."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema(AnalysisChain(settings)))
    documents = _documents()
    for batch in (documents[:2], documents[2:4], documents[4:]):
        writer = SegmentWriter(ix, codec=codec)
        for doc, file in batch:
            writer.add_document(**document_fields(doc, file))
        writer.commit(merge=False)
    writer = SegmentWriter(ix, codec=codec)
    writer.delete_by_term("path", documents[1][0].path)
    doc, file = documents[3]
    doc = dataclasses.replace(doc, body=doc.body[: len(doc.body) // 2])
    writer.update_document(**document_fields(doc, file))
    writer.commit(merge=False)
    return ix


def _contents(ix) -> dict:
    """Everything a reader gives of an index: each term's statistics and postings (document,
    weight, positions), and every document's stored fields and field lengths."""
    with ix.reader() as reader:
        terms = {}
        for field, text in reader.all_terms():
            matcher = reader.postings(field, text)
            fmt = reader.schema[field].format
            postings = []
            while matcher.is_active():
                value = (matcher.value_as("positions") if fmt.supports("positions")
                         else matcher.value())
                postings.append((matcher.id(), matcher.weight(), value))
                matcher.next()
            terms[field, text] = (reader.doc_frequency(field, text),
                                  reader.frequency(field, text), postings)
        stored = [reader.stored_fields(n) for n in range(reader.doc_count_all())]
        lengths = {(n, f): reader.doc_field_length(n, f) for n in range(reader.doc_count_all())
                   for f in reader.schema.scorable_names()}
        return {"terms": terms, "stored": stored, "lengths": lengths,
                "deleted": sorted(n for n in range(reader.doc_count_all())
                                  if reader.is_deleted(n))}


def _with_fold_exceptions(contents: dict) -> dict:
    """``contents`` of an index Whoosh's writer wrote, its stored ``body_fold`` (the body,
    as ``document_fields`` gives it) as our writers store it: the body's fold exceptions
    (``schema.FoldExceptions``, worked out where the body is analysed)."""
    stored = contents["stored"]
    for key in (range(len(stored)) if isinstance(stored, list) else stored):
        if stored[key] and "body_fold" in stored[key]:
            stored[key] = {**stored[key],
                           "body_fold": FoldExceptions().stored_form(stored[key]["body_fold"])}
    return contents


@pytest.fixture(scope="module")
def pair(tmp_path_factory, settings):
    folder = tmp_path_factory.mktemp("codecs")
    return _build(folder / "whoosh", W3Codec(), settings), _build(folder / "ours",
                                                                  SearcherCodec(), settings)


def test_every_posting_position_and_stored_value_is_whooshs(pair):
    theirs, ours = pair
    assert len(ours._segments()) == 4  # three batches and the replacement
    expected, found = _contents(theirs), _contents(ours)
    assert found["deleted"] and len(found["terms"]) > 4000
    assert found == expected


@pytest.mark.parametrize("pool_mb", [None, 1])
def test_our_writer_writes_what_whooshs_writer_and_codec_write(tmp_path, settings, monkeypatch,
                                                               pool_mb):
    """``DocumentWriter`` pools postings by term and writes a term at a time; with a pool of
    1 MB it spills to sorted runs on disk and regroups them. Either way the segment holds
    what Whoosh's own writer and codec write."""
    from searcher.engine.whoosh import writers

    documents = _documents() * 3  # enough postings to fill a 1 MB pool several times
    documents = [(dataclasses.replace(doc, path=f"{n}/{doc.path}"), file)
                 for n, (doc, file) in enumerate(documents)]
    theirs = whoosh_index.create_in(str(tmp_path), build_schema(AnalysisChain(settings)),
                                    indexname="THEIRS")
    writer = SegmentWriter(theirs, codec=W3Codec())
    for doc, file in documents:
        writer.add_document(**document_fields(doc, file))
    writer.commit()
    if pool_mb:
        monkeypatch.setattr(writers, "WRITER_MB", pool_mb)
    ours = whoosh_index.create_in(str(tmp_path), build_schema(AnalysisChain(settings)),
                                  indexname="OURS")
    writer = writers.DocumentWriter(ours, procs=1)
    for doc, file in documents:
        writer.add(doc, file)
    if pool_mb:
        assert writer._writer.pool.runs  # the pool did spill
    writer.commit()
    assert _contents(ours) == _with_fold_exceptions(_contents(theirs))


def test_merged_segments_hold_the_same(tmp_path, settings):
    ours = _build(tmp_path / "ours", SearcherCodec(), settings)
    before = _contents(ours)
    # One segment, written from our own readers' postings.
    SegmentWriter(ours, codec=SearcherCodec()).commit(optimize=True)
    assert len(ours._segments()) == 1
    after = _contents(ours)
    # Merging drops the deleted document and renumbers the others.
    assert after["deleted"] == [] and len(after["stored"]) == (
        len(before["stored"]) - len(before["deleted"]))
    assert sorted(sorted(s.items()) for s in after["stored"]) == sorted(
        sorted(s.items()) for n, s in enumerate(before["stored"]) if n not in before["deleted"])
    renumber = {old: new for new, old in enumerate(
        n for n in range(len(before["stored"])) if n not in before["deleted"])}
    for term, (_, _, postings) in after["terms"].items():
        old = [(renumber[d], w, v) for d, w, v in before["terms"][term][2]
               if d in renumber]
        assert postings == old, term


def test_bulk_postings_match_whooshs_matchers(pair):
    """``GenerationReader`` (what search reads) against Whoosh's own matchers on our files."""
    _, ours = pair
    whoosh_reader = ours.reader()
    reader = GenerationReader(whoosh_reader)
    checked = Counter()
    for field, text in whoosh_reader.all_terms():
        format_ = whoosh_reader.schema[field].format
        if not isinstance(format_, (PositionList, Frequencies)):
            continue  # not a text field
        positional = isinstance(format_, PositionList)
        postings = reader.postings(field, text.decode("utf-8"))
        weights = dict(zip(postings.docs.tolist(), postings.weights.tolist()))
        matcher = whoosh_reader.postings(field, text)
        while matcher.is_active():
            docnum = matcher.id()
            if docnum not in reader.deleted:
                assert weights.pop(docnum) == matcher.weight()
                if positional:
                    assert postings.positions(docnum) == matcher.value_as("positions")
                checked[positional] += 1
            matcher.next()
        assert not weights  # no live document more than Whoosh's
        assert postings.doc_frequency == whoosh_reader.doc_frequency(field, text)
    assert checked[True] > 3000 and checked[False] > 1000


# --- damage --------------------------------------------------------------------------------

def _generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def _answers(index: Path) -> list:
    opened = open_index(index)
    return [[(hit.path, round(hit.score, 6), hit.date, hit.title, hit.snippets, hit.file)
             for hit in search(opened, query, limit=None).hits] for query in QUERIES]


@pytest.fixture
def index_copy(corpus_index_dir, tmp_path) -> Path:
    import shutil
    copy = tmp_path / "index"
    shutil.copytree(corpus_index_dir, copy)
    return copy


def _postings_read(index: Path) -> list[int]:
    """The offsets in the postings file of the records of every term the queries' plans
    read (the positions that follow a record included)."""
    opened = open_index(index)
    [(leaf, _)] = opened.reader()._leaves
    offsets = []
    for query in QUERIES:
        for field, text in plan_terms(compile_query(query, opened.chain).plan):
            terms = leaf._terms.file
            info = terms.find(terms.key(field, text.encode("utf-8")))
            if info is not None:
                offsets.extend(range(info.offset, info.offset + info.length))
    return sorted(set(offsets))


@pytest.mark.parametrize("kind", [".postings", ".terms", "._stored.col"])
def test_a_flipped_byte_is_an_error_never_a_different_result(index_copy, kind):
    expected = _answers(index_copy)
    [file] = _generation(index_copy).glob(f"*{kind}")
    original = file.read_bytes()
    rng = random.Random(kind)
    errors = 0
    offsets = rng.sample(range(len(original)), 60)
    if kind == ".postings":  # most records are words no query here reads: flip theirs too
        offsets += rng.sample(_postings_read(index_copy), 30)
    for offset in offsets:
        damaged = bytearray(original)
        damaged[offset] ^= 1 << rng.randrange(8)
        file.write_bytes(bytes(damaged))
        try:
            found = _answers(index_copy)
        except IndexDamagedError:
            errors += 1
            continue
        assert found == expected, f"a flip at {offset} of {file.name} changed a result"
    file.write_bytes(original)
    assert errors > 0  # the flips hit what these queries read


@pytest.mark.parametrize("kind", [".postings", ".terms"])
def test_a_truncated_file_is_an_error(index_copy, kind):
    [file] = _generation(index_copy).glob(f"*{kind}")
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
    with pytest.raises(IndexDamagedError, match="is damaged") as raised:
        _answers(index_copy)
    # The library names the index; the command that rebuilds it is the CLI's to add.
    assert raised.value.index_dir == index_copy and "searcher index" not in str(raised.value)


def test_a_record_with_a_forged_checksum_is_still_refused(index_copy):
    """Damage that keeps a record's checksum right (written on purpose) is caught by the
    record's own structure: the term's document count, lengths that must add up."""
    opened = open_index(index_copy)
    offset, length = opened.opened.whoosh.reader().term_info("body", "停火").extent()
    [file] = _generation(index_copy).glob("*.postings")
    data = bytearray(file.read_bytes())
    payload = bytes(length - 9)  # zeros: a record of no postings
    crc = zlib.crc32(payload, zlib.crc32(struct.pack("<BI", 0, len(payload))))
    data[offset:offset + length] = struct.pack("<BII", 0, len(payload), crc) + payload
    file.write_bytes(bytes(data))
    with pytest.raises(IndexDamagedError):
        _answers(index_copy)


def test_files_of_another_format_version_are_refused(index_copy):
    [file] = _generation(index_copy).glob("*.postings")
    data = bytearray(file.read_bytes())
    data[4:6] = struct.pack("<H", 99)
    file.write_bytes(bytes(data))
    with pytest.raises(IndexDamagedError, match="format version 99"):
        _answers(index_copy)


def test_a_term_in_one_document_of_a_field_without_values_has_no_record(corpus_index):
    """Its entry holds its document and weight (format 3): about half of all terms. A term
    of a positional field, or in more documents, keeps its record."""
    [(leaf, _)] = corpus_index.reader()._leaves
    terms = leaf._terms.file
    without = Counter()
    for key, info in terms.items_from(b""):
        field, _ = terms.decode_key(key)
        positional = field.endswith("_units")
        assert (info.length == 0) == (not positional and info.doc_frequency() == 1), field
        without[field] += info.length == 0
        if info.length == 0:
            postings = terms.read_postings(field, info)
            assert list(postings.docnums) == [info.min_id()]
            assert list(postings.weights) == [info.weight()] and info.weight() >= 1
    assert without["body"] > 1000 and without["doc_id"] > 0


def test_an_index_of_format_2_is_read_as_before(tmp_path, settings, monkeypatch):
    """Format 2 wrote a record for every term: its files are still read, to the same
    answers."""
    from searcher.engine.format import records, terms
    from searcher.indexing.update import update_index

    update_index(tmp_path / "new", [CORPUS], settings, procs=1)
    expected = _answers(tmp_path / "new")
    add_entries, encode_term_batch = terms.TermsWriter._add_entries, terms.encode_term_batch
    monkeypatch.setattr(records, "FORMAT_VERSION", 2)
    monkeypatch.setattr(terms.TermsWriter, "_add_entries",
                        lambda self, keys, data, lengths, columns, valueless:
                        add_entries(self, keys, data, lengths, columns, False))
    monkeypatch.setattr(terms, "encode_term_batch",
                        lambda batch, field_lengths, leave_out_single:
                        encode_term_batch(batch, field_lengths, False))
    update_index(tmp_path / "old", [CORPUS], settings, procs=1)
    monkeypatch.undo()
    for file in [*_generation(tmp_path / "old").glob("*.terms"),
                 *_generation(tmp_path / "old").glob("*.postings")]:
        assert struct.unpack("<H", file.read_bytes()[4:6]) == (2,)
    [(leaf, _)] = open_index(tmp_path / "old").reader()._leaves
    assert all(info.length > 0 for _, info in leaf._terms.file.items_from(b""))
    assert _answers(tmp_path / "old") == expected


def test_stored_fields_read_back_every_character_in_less_than_utf8():
    """In GB18030: every Unicode character but a lone surrogate reads back, and Chinese text
    takes less than in UTF-8 (deflated both)."""
    everything = "".join(map(chr, [*range(0xD800), *range(0xE000, 0x110000)]))
    stored = encode_stored_fields(3, {"body": everything, "path": "a.txt"})
    assert stored[STORED_HEADER.size:][:1] == GB18030_WORDS_JSON
    assert decode_stored_fields(3, stored) == {"body": everything, "path": "a.txt"}
    texts = {"body": "\n".join(corpus_texts().values())}
    utf8 = zlib.compress(json.dumps(texts, ensure_ascii=False).encode(), STORED_DEFLATE_LEVEL)
    assert len(encode_stored_fields(0, texts)) < 0.92 * len(utf8)


def test_stored_fields_with_surrogate_escapes_and_older_ones_read_as_written():
    """A file name's undecodable bytes (surrogate escapes) are kept in UTF-8, as every value
    was before GB18030 (still read)."""
    value = {"path": "a/\udcff\udcfe.txt", "body": "停火"}
    stored = encode_stored_fields(5, value)
    assert stored[STORED_HEADER.size:][:1] != GB18030_JSON
    assert decode_stored_fields(5, stored) == value
    older = zlib.compress(json.dumps({"body": "停火協議"}, ensure_ascii=False).encode())
    header = STORED_HEADER.pack(9, zlib.crc32(older, 9))
    assert decode_stored_fields(9, header + older) == {"body": "停火協議"}
    damaged = GB18030_JSON + older[:-3]  # cut short, its checksum made to match
    with pytest.raises(FormatError, match="does not inflate"):
        decode_stored_fields(9, STORED_HEADER.pack(9, zlib.crc32(damaged, 9)) + damaged)


def test_the_preset_dictionary_shrinks_each_article_and_is_the_one_its_script_builds():
    """Deflated with ``stored_words.txt`` each sample article is smaller than without, and
    reads back; a value deflated without it (written earlier) still reads; the shipped file is
    what ``scripts/build_stored_dictionary.py`` makes of the pinned jieba and OpenCC."""
    import sys

    from searcher.engine.format.stored import STORED_WORDS

    for name, text in corpus_texts().items():
        value = {"title": name, "body": text}
        stored = encode_stored_fields(4, value)
        plain = zlib.compress(json.dumps(value, ensure_ascii=False).encode("gb18030"),
                              STORED_DEFLATE_LEVEL)
        assert len(stored) - STORED_HEADER.size - 1 < 0.97 * len(plain), name
        assert decode_stored_fields(4, stored) == value
        earlier = GB18030_JSON + plain
        assert decode_stored_fields(4, STORED_HEADER.pack(4, zlib.crc32(earlier, 4))
                                    + earlier) == value
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    try:
        from build_stored_dictionary import stored_words as built_words
    finally:
        sys.path.pop(0)
    assert STORED_WORDS.read_text(encoding="utf-8").split() == built_words()


def test_stored_fields_need_the_very_dictionary_they_were_deflated_with(tmp_path, monkeypatch):
    """An edited or damaged ``stored_words.txt`` is an error naming it, never another text."""
    from searcher.engine.format import stored

    written = encode_stored_fields(2, {"body": "俄羅斯與烏克蘭停火談判"})
    edited = tmp_path / "stored_words.txt"
    edited.write_text(stored.STORED_WORDS.read_text(encoding="utf-8") + "停火\n",
                      encoding="utf-8")
    monkeypatch.setattr(stored, "STORED_WORDS", edited)
    stored.stored_words.cache_clear()
    try:
        with pytest.raises(FormatError, match="stored_words.txt is not the dictionary"):
            decode_stored_fields(2, written)
    finally:
        stored.stored_words.cache_clear()


def test_format_errors_name_what_is_damaged():
    with pytest.raises(FormatError, match="runs past"):
        unpack_ints(pack_ints([1, 2, 3])[:-1], 0)


def _by_path(ix) -> dict:
    """What ``_contents`` gives, each document known by its path instead of its number (a
    merge renumbers them), deleted documents left out."""
    contents = _contents(ix)
    path_of = {n: stored["path"] for n, stored in enumerate(contents["stored"])
               if n not in contents["deleted"]}
    terms = {}
    for term, (_, _, postings) in contents["terms"].items():
        live = {path_of[d]: (w, v) for d, w, v in postings if d in path_of}
        if live:
            terms[term] = live
    return {"terms": terms, "stored": {path_of[n]: s for n, s in enumerate(contents["stored"])
                                       if n in path_of},
            "lengths": {(path_of[n], f): v for (n, f), v in contents["lengths"].items()
                        if n in path_of}}


def test_our_merges_write_what_whoosh_writes(tmp_path, settings):
    """Segments merged by our writer (small ones, and one mostly deleted: its documents
    renumbered) hold, document by document, what Whoosh's writer and codec write for the
    documents left."""
    from searcher.engine.whoosh import writers

    documents = [(dataclasses.replace(doc, path=f"{n}/{doc.path}"), file)
                 for n, (doc, file) in enumerate(_documents() * 3)]
    ours = whoosh_index.create_in(str(tmp_path), build_schema(AnalysisChain(settings)),
                                  indexname="OURS")
    for batch, deleted in ((documents[:12], []), (documents[12:13], []),
                           (documents[13:14], []), (documents[14:], documents[:8])):
        writer = writers.DocumentWriter(ours, procs=1)
        for doc, _ in deleted:
            writer.delete(doc.path)
        for doc, file in batch:
            writer.add(doc, file)
        writer.commit()
    sizes = sorted(segment.doc_count_all() for segment in ours._segments())
    assert sizes == [7], sizes  # the small ones and the mostly deleted one, merged
    theirs = whoosh_index.create_in(str(tmp_path), build_schema(AnalysisChain(settings)),
                                    indexname="THEIRS")
    writer = SegmentWriter(theirs, codec=W3Codec())
    for doc, file in documents[8:]:
        writer.add_document(**document_fields(doc, file))
    writer.commit()
    assert _by_path(ours) == _with_fold_exceptions(_by_path(theirs))


def test_the_table_of_contents_names_our_classes_as_every_index_recorded_them(corpus_index_dir):
    """The backend's classes moved to ``engine/whoosh/``; a table of contents still names them
    by the modules it always recorded (``pickled_names``), so an index written before the move
    opens, and one written now is the same bytes."""
    from searcher.engine.whoosh.safe_pickle import ALLOWED

    [toc] = _generation(corpus_index_dir).glob("_MAIN_*.toc")
    recorded = set(re.findall(rb"searcher\.engine\.[a-z_.]+", toc.read_bytes()))
    assert recorded == {b"searcher.engine.codec", b"searcher.engine.schema"}
    assert {module.encode() for module, _ in ALLOWED if module.startswith("searcher")} == recorded


def test_stored_fields_have_their_offsets_written_and_old_segments_still_read(
        tmp_path, settings, monkeypatch, corpus_index):
    """A segment's stored-fields column holds each value's offset (a reader need not sum
    the lengths in Python); a segment written without them, as before, reads the same."""
    from whoosh.columns import VarBytesColumn

    from searcher.engine.whoosh import codec
    from searcher.indexing.update import update_index

    def child(leaf):
        return leaf._perdoc._cached_reader("_stored", codec.STORED_FIELDS_COLUMN)._child

    [(leaf, _)] = corpus_index.reader()._leaves
    assert child(leaf).had_stored_offsets
    monkeypatch.setattr(codec, "VarBytesColumn", lambda **_: VarBytesColumn())
    monkeypatch.setattr(codec, "STORED_FIELDS_COLUMN", codec.StoredFieldsColumn())
    update_index(tmp_path / "old", [CORPUS], settings)
    [(old, _)] = open_index(tmp_path / "old").reader()._leaves
    assert not child(old).had_stored_offsets
    paths = sorted(leaf.stored_fields(n)["path"] for n in range(leaf.doc_count_all()))
    assert sorted(old.stored_fields(n)["path"] for n in range(old.doc_count_all())) == paths
    assert [old.stored_fields(n)["body"] for n in range(old.doc_count_all())] == [
        leaf.stored_fields(n)["body"] for n in range(leaf.doc_count_all())]
