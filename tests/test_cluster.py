"""A sharded index on a real Dask cluster (a scheduler and two worker processes on the
loopback, started here): built with every shard an ordinary index, ranked exactly as one
index of the same files, published all or none, and refusing a shard that is missing or
another index's. The articles are generated here from the bundled corpus's sentences and
a small vocabulary (so that scores tie), some undated."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import opencc
import pytest

from searcher.cluster.build import ShardBuildError, build_sharded
from searcher.cluster.connect import ClusterError, connect
from searcher.cluster.documents import sharded_document
from searcher.cluster.layout import SHARDS, ShardError, read_layout
from searcher.cluster.placement import ShardSelection, shard_name, shard_of
from searcher.cluster.searching import ShardedIndex
from searcher.cluster.similar import sharded_similar
from searcher.cluster.stats import most_frequent, sharded_stats
from searcher.dates import DateRange
from searcher.engine.directory import CURRENT, PREVIOUS, current_generation
from searcher.engine.store import check_index, open_index
from searcher.errors import IndexDamagedError, IndexMissingError, SearcherError
from searcher.indexing.update import update_index
from searcher.search.query_syntax import ANY
from searcher.search.ranked import count, search
from searcher.search.similar import similar
from searcher.search.stats import TOPIC_FIELDS, index_stats
from searcher.search.timeline import timeline
from tests.conftest import corpus_texts

SHARDS_COUNT = 3
WORDS = ["停火", "談判", "美國", "伊朗", "烏克蘭", "普丁", "特朗普", "關稅", "選舉", "Trump",
         "聯合國", "中東", "石油", "制裁"]


def _write_corpus(corpus: Path, articles: int, seed: int) -> None:
    """``articles`` articles in a few folders: sentences of the bundled corpus and short
    generated ones; one in seven undated."""
    rng = random.Random(seed)
    sentences = [s + "。" for text in corpus_texts().values()
                 for s in text.replace("\n", "").split("。") if len(s) > 8]
    for number in range(articles):
        folder = corpus / f"{2024 + number % 3}" / f"m{number % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        parts = rng.sample(sentences, rng.randint(1, 4))
        parts += ["".join(rng.choices(WORDS, k=rng.randint(2, 5))) + "。"
                  for _ in range(rng.randint(1, 3))]
        rng.shuffle(parts)
        date = "" if number % 7 == 0 else f" date 2025-{1 + number % 12:02d}-{1 + number % 28:02d}"
        (folder / f"article-{number:03d}.txt").write_text(f"{date} {''.join(parts)}\n",
                                                          encoding="utf-8")


@pytest.fixture(scope="module")
def client():
    with connect("local:2") as client:
        yield client


@pytest.fixture(scope="module")
def built(tmp_path_factory, settings, client):
    """2,000 articles as one index (``single``) and as a sharded one (``sharded``)."""
    root = tmp_path_factory.mktemp("cluster")
    _write_corpus(root / "corpus", 2000, seed=31)
    # Reposts of a few articles in other scripts and spellings, in other folders (so, most
    # likely, other shards): collapsed across shards as in one index.
    to_simplified, to_hongkong = opencc.OpenCC("t2s"), opencc.OpenCC("s2hk")
    for number in (2, 5, 40, 41, 77, 150):
        original = next((root / "corpus").rglob(f"article-{number:03d}.txt"))
        text = original.read_text(encoding="utf-8") + "".join(corpus_texts().values())[:400]
        original.write_text(text, encoding="utf-8")
        (root / "corpus" / "reposts").mkdir(exist_ok=True)
        for name, convert in (("mainland", to_simplified.convert),
                              ("hongkong", lambda t: to_hongkong.convert(to_simplified.convert(t)))):
            (root / "corpus" / "reposts" / f"{number:03d}-{name}.txt").write_text(
                convert(text), encoding="utf-8")
    update_index(root / "single", [root / "corpus"], settings)
    build_sharded(root / "sharded", [root / "corpus"], settings, client, shards=SHARDS_COUNT)
    return root


@pytest.fixture(scope="module")
def sharded(built, client):
    with ShardedIndex(built / "sharded", client) as index:
        yield index


QUERIES = ["停火", "美國 伊朗", '"美國總統"', '"停火談判" 普丁', "美國 OR 伊朗", "特朗普 OR Trump",
           "美國 -伊朗", "停火 -(普丁 OR 烏克蘭)", "title:停火", "中東 石油 制裁 關稅"]
OPTIONS = [{}, {"min_match": ANY}, {"dates": DateRange(20250301, 20250831)},
           {"sort": "newest"}, {"sort": "oldest", "dates": DateRange(20250101, 20251231)},
           {"limit": 3}, {"limit": None, "min_match": ANY}]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("collapse", [False, True])
def test_results_and_scores_equal_one_index_of_the_same_files(built, sharded, query,
                                                              collapse):
    single = open_index(built / "single")
    for options in OPTIONS:
        one = search(single, query, collapse=collapse, **options)
        many = sharded.search(query, collapse=collapse, **options)
        assert many.total == one.total, options
        assert many.undated_left_out == one.undated_left_out, options
        assert many.collapsed == one.collapsed, options
        assert [(h.path, h.score) for h in many.hits] == [(h.path, h.score) for h in one.hits]
        assert many.hits == one.hits  # snippets, titles, dates, ranks: the same hits


def test_the_queries_match_and_tie(built):
    """The comparison above means something: the queries match many articles, and some of
    them tie (so the order of equal scores is compared too)."""
    single = open_index(built / "single")
    totals = [search(single, query, collapse=False, limit=None).total for query in QUERIES]
    assert min(totals) > 0 and sum(totals) > 500
    scores = [hit.score for hit in search(single, "停火", collapse=False, limit=None).hits]
    assert len(set(scores)) < len(scores)
    collapsed = search(single, "特朗普 OR Trump", limit=None)
    assert collapsed.collapsed >= 6  # reposts collapse, ...
    layout = read_layout(built / "sharded")
    copies = [(hit.path, copy.path) for hit in collapsed.hits for copy in hit.copies]
    assert any(shard_of(a, layout.shards) != shard_of(b, layout.shards)
               for a, b in copies)  # ... some across shards


def test_counts_and_timelines_equal_one_index(built, sharded):
    single = open_index(built / "single")
    for query in QUERIES:
        assert sharded.count(query) == count(single, query)
        for by in ("year", "month", "week"):
            assert sharded.timeline(query, by) == timeline(single, query, by)
        assert (sharded.count(query, dates=DateRange(20250301, 20250831), min_match=ANY)
                == count(single, query, dates=DateRange(20250301, 20250831), min_match=ANY))


def test_each_shard_is_an_ordinary_index_holding_its_own_files(built, sharded):
    layout = read_layout(built / "sharded")
    assert layout.shards == SHARDS_COUNT
    every = set()
    for shard in range(SHARDS_COUNT):
        folder = built / "sharded" / shard_name(shard)
        assert check_index(folder).healthy
        index = open_index(folder)
        assert index.generation.name == layout.generations[shard]
        paths = {index.reader().path(d) for d in range(index.reader().doc_count)}
        assert paths and all(shard_of(path, SHARDS_COUNT) == shard for path in paths)
        assert search(index, "停火", limit=1).hits  # searched on its own
        every |= paths
    single = open_index(built / "single").reader()
    assert every == {single.path(d) for d in range(single.doc_count)}


def test_placement_is_by_path_alone():
    assert shard_of("2024/m0/article-001.txt", 7) == shard_of("2024/m0/article-001.txt", 7)
    assert {shard_of(f"a/{n}.txt", 4) for n in range(100)} == {0, 1, 2, 3}
    selection = ShardSelection(shard_of("x/y.txt", 4), 4)
    assert selection(Path("/base/x/y.txt"), Path("/base"))


def test_similar_articles_are_those_of_one_index(built, sharded):
    """The key terms scored with the collection's figures, the hits and scores, the
    article's copies in other shards left out with it, the copies of each hit."""
    single = open_index(built / "single")
    layout = read_layout(built / "sharded")
    reposts = sorted((built / "corpus" / "reposts").glob("*.txt"))
    refs = ["2025/m0/article-004.txt", str(reposts[0]), "reposts/077-mainland.txt",
            "article-150.txt"]
    crossing = 0
    for ref in refs:
        for collapse in (True, False):
            for limit in (3, 10):
                one = similar(single, ref, limit, collapse=collapse)
                assert one and sharded_similar(sharded, ref, limit, collapse=collapse) == one
        shown = {place.path for hit in similar(single, ref, 1000)
                 for place in (hit, *hit.copies)}
        own = {hit.path for hit in similar(single, ref, 1000, collapse=False)} - shown
        article = sharded_document(built / "sharded", ref)[1]["path"]
        crossing += any(shard_of(path, layout.shards) != shard_of(article, layout.shards)
                        for path in own)
    assert crossing  # some article's copies were left out from other shards


def test_stats_of_the_shards_are_those_of_one_index(built):
    one, many = index_stats(open_index(built / "single")), sharded_stats(built / "sharded")
    assert many["shards"] == SHARDS_COUNT and many["index"] == str(built / "sharded")
    for key in ("documents", "dated", "undated", "first_date", "last_date", "top_terms",
                "roots", "schema_version", "analysis"):
        assert many[key] == one[key], key
    assert many["documents"] > 300 and many["undated"] and len(many["top_terms"]) == 20


@pytest.mark.parametrize("number", [7, 60, 100_000])
def test_the_most_frequent_terms_of_the_shards_are_one_index_s(built, number):
    """Exact, ties and all, however deep: a term can be among the collection's most frequent
    without being among any shard's (the threshold's second phase finds it)."""
    layout = read_layout(built / "sharded")
    shards = [open_index(layout.shard_dir(n)) for n in range(layout.shards)]
    single = open_index(built / "single").reader()
    for field in TOPIC_FIELDS:
        expected = single.most_frequent_terms(field, number)
        assert most_frequent(shards, field, number) == expected
        assert len(expected) == min(number, len(single.most_frequent_terms(field, 10**6)))


def test_show_reads_the_one_shard_a_path_is_placed_in(small):
    """No cluster, and no other shard: the path's hash names its shard."""
    file = small / "corpus" / "2025" / "m1" / "article-001.txt"
    shard = _shard_of_file(small, file)
    for other in range(SHARDS_COUNT):
        if other != shard:
            shutil.rmtree(small / "index" / shard_name(other))
    for ref in ("2025/m1/article-001.txt", str(file)):
        index, stored = sharded_document(small / "index", ref)
        assert stored["path"] == "2025/m1/article-001.txt", ref
        assert index.index_dir == small / "index" / shard_name(shard)
    with pytest.raises(ShardError, match="is missing"):  # an id: every shard is asked
        sharded_document(small / "index", "article-002.txt")



# --- runs that change an index: a small one of their own -------------------------------

@pytest.fixture(scope="module")
def small_built(tmp_path_factory, settings, client):
    """40 articles as a sharded index, built once and kept as it was built."""
    root = tmp_path_factory.mktemp("small")
    _write_corpus(root / "corpus", 40, seed=7)
    build_sharded(root / "index", [root / "corpus"], settings, client, shards=SHARDS_COUNT)
    for name in ("corpus", "index"):
        shutil.copytree(root / name, root / f"built-{name}")
    return root


@pytest.fixture
def small(small_built):
    """The small index and its corpus as built, in their places (copies keep times, so
    nothing reads as changed)."""
    for name in ("corpus", "index"):
        shutil.rmtree(small_built / name)
        shutil.copytree(small_built / f"built-{name}", small_built / name)
    return small_built


def _currents(index_dir: Path) -> list[str]:
    return [current_generation(index_dir / shard_name(s)).name for s in range(SHARDS_COUNT)]


def _shard_of_file(root: Path, file: Path) -> int:
    return shard_of(file.relative_to(root / "corpus").as_posix(), SHARDS_COUNT)


def test_an_incremental_run_writes_only_the_shard_of_the_changed_file(small, settings,
                                                                      client):
    before = _currents(small / "index")
    changed = small / "corpus" / "2025" / "m1" / "article-001.txt"
    changed.write_text(" date 2025-06-01 全新的文章：停火協議簽署。\n", encoding="utf-8")
    shard = _shard_of_file(small, changed)
    report = build_sharded(small / "index", [small / "corpus"], settings, client)
    assert report.written == [shard_name(shard)]
    assert [report.total(n) for n in ("added", "updated", "removed", "unchanged")] == [
        0, 1, 0, 39]
    after = _currents(small / "index")
    assert [a != b for a, b in zip(before, after)] == [s == shard for s in range(SHARDS_COUNT)]
    assert read_layout(small / "index").generations == tuple(after)
    with ShardedIndex(small / "index", client) as index:
        assert "2025/m1/article-001.txt" in [h.path for h in index.search("停火協議簽署").hits]
    again = build_sharded(small / "index", [small / "corpus"], settings, client)
    assert again.written == [] and again.total("unchanged") == 40


def test_a_failed_shard_publishes_nothing(small, settings, client):
    layout = read_layout(small / "index")
    before = _currents(small / "index")
    for number in range(40):  # every shard has a file that changes
        for file in (small / "corpus").rglob(f"article-{number:03d}.txt"):
            file.write_text(f" date 2025-07-02 改寫的文章{number}：關稅。\n", encoding="utf-8")
    broken = small / "index" / shard_name(1)
    broken.chmod(0o777)  # a folder others could write: the shard's run refuses it
    with pytest.raises(ShardBuildError, match="shard-01 .*nothing of this run was published"):
        build_sharded(small / "index", [small / "corpus"], settings, client)
    assert read_layout(small / "index") == layout
    assert _currents(small / "index") == before
    for shard in range(SHARDS_COUNT):  # no new generation left behind
        folder = small / "index" / shard_name(shard)
        assert {p.name for p in folder.glob("gen-*")} <= {
            before[shard], (folder / PREVIOUS).read_text().strip()}
    broken.chmod(0o755)
    report = build_sharded(small / "index", [small / "corpus"], settings, client)
    assert sorted(report.written) == [shard_name(s) for s in range(SHARDS_COUNT)]
    with ShardedIndex(small / "index", client) as index:
        assert index.count("關稅") == 40


def test_a_file_that_cannot_be_read_keeps_its_documents(small, settings, client):
    """A changed shard is written afresh: a file of it that cannot be read this time keeps
    the documents its live generation holds, indexed as they were, and the shard's other
    changes go through; fixed, the file is read again."""
    broken = small / "corpus" / "2025" / "m1" / "article-001.txt"
    shard = _shard_of_file(small, broken)
    folder = small / "index" / shard_name(shard)
    neighbour = next(f for f in sorted((small / "corpus").rglob("*.txt"))
                     if f != broken and _shard_of_file(small, f) == shard)

    def indexed(path: str) -> tuple:
        """The document's stored fields, fingerprint and day, and the shard's field lengths."""
        reader = open_index(folder).reader()
        docnum = reader.find("path", path)
        assert docnum is not None, f"{path} is not in {folder.name}"
        return (reader.stored_fields(docnum), reader.fingerprints()[docnum].tolist(),
                int(reader.days()[docnum]),
                [reader.field_length(field) for field in ("title", "body")])

    before = indexed("2025/m1/article-001.txt")
    broken.write_bytes(b"\x00\x01 not text")
    neighbour.write_text(" date 2025-05-05 鄰居的新文章。\n", encoding="utf-8")
    report = build_sharded(small / "index", [small / "corpus"], settings, client)
    assert report.written == [shard_name(shard)]
    shard_report = report.shards[shard_name(shard)]
    assert [file for file, _ in shard_report.skipped] == [str(broken)]
    assert (shard_report.added, shard_report.updated, shard_report.removed) == (0, 1, 0)
    after = indexed("2025/m1/article-001.txt")
    assert after[:3] == before[:3]  # the same document, found by the same words
    assert check_index(folder).healthy
    with ShardedIndex(small / "index", client) as index:
        assert index.count("鄰居的新文章") == 1
        assert "2025/m1/article-001.txt" in {hit.path for hit in index.search(
            before[0]["title"], limit=None).hits}
    broken.write_text(" date 2025-05-06 修好的文章。\n", encoding="utf-8")
    fixed = build_sharded(small / "index", [small / "corpus"], settings, client)
    assert fixed.written == [shard_name(shard)]
    assert fixed.shards[shard_name(shard)].updated == 1
    with ShardedIndex(small / "index", client) as index:
        assert [hit.path for hit in index.search("修好的文章").hits] == [
            "2025/m1/article-001.txt"]


def test_a_build_killed_after_its_commit_is_finished_by_the_next(small, settings, client):
    """SHARDS names a shard's new generation but the shard's CURRENT still names the old
    one (a build killed between its commit and the flips): searches read what SHARDS names,
    and the next build makes it live."""
    changed = small / "corpus" / "2024" / "m0" / "article-000.txt"
    changed.write_text(" 烏克蘭的新文章。\n", encoding="utf-8")
    build_sharded(small / "index", [small / "corpus"], settings, client)
    folder = small / "index" / shard_name(_shard_of_file(small, changed))
    new, old = (folder / CURRENT).read_text(), (folder / PREVIOUS).read_text()
    (folder / CURRENT).write_text(old)
    with ShardedIndex(small / "index", client) as index:
        assert "2024/m0/article-000.txt" in [h.path for h in index.search("烏克蘭的新文章").hits]
    build_sharded(small / "index", [small / "corpus"], settings, client)
    assert (folder / CURRENT).read_text() == new


def test_a_missing_shard_is_named(small, client):
    shutil.rmtree(small / "index" / "shard-02")
    with pytest.raises(ShardError, match="shard shard-02 of the index at .* is missing"):
        ShardedIndex(small / "index", client)


def test_partial_results_leave_out_a_missing_shard_and_name_it(small, searcher, client):
    with ShardedIndex(small / "index", client) as index:
        whole = {h.path for h in index.search("選舉 OR 停火", limit=None).hits}
    shutil.rmtree(small / "index" / "shard-02")
    with ShardedIndex(small / "index", client, partial=True) as index:
        assert list(index.unanswered) == ["shard-02"]
        found = {h.path for h in index.search("選舉 OR 停火", limit=None).hits}
    assert found == {p for p in whole if shard_of(p, SHARDS_COUNT) != 2} and found
    run = searcher("search", "選舉 OR 停火", "-l", "--index", str(small / "index"),
                   "--cluster", client.scheduler.address, "--partial")
    assert run.code == 0
    assert set(run.stdout.split()) == {str(small / "corpus" / path) for path in found}
    assert re.fullmatch(r"searcher: warning: partial results: shard shard-02 of the index "
                        r"at .* is missing .*\n", run.stderr)


def test_a_shard_of_another_index_is_refused(small, built, client):
    shutil.rmtree(small / "index" / "shard-01")
    shutil.copytree(built / "sharded" / "shard-01", small / "index" / "shard-01")
    with pytest.raises(ShardError, match="shard-01 .* does not hold gen-.*another index's"):
        ShardedIndex(small / "index", client)


def test_no_sharded_index_or_a_damaged_record_is_one_clear_error(small, tmp_path, client):
    with pytest.raises(IndexMissingError, match="no sharded index at"):
        ShardedIndex(tmp_path / "nowhere", client)
    (small / "index" / SHARDS).write_text("{not json")
    with pytest.raises(IndexDamagedError, match="SHARDS is not a record of shards"):
        ShardedIndex(small / "index", client)


def test_the_shard_count_is_fixed_at_the_first_build(small, settings, client):
    with pytest.raises(SearcherError, match="has 3 shards, fixed at its first build"):
        build_sharded(small / "index", [small / "corpus"], settings, client, shards=4)


def test_an_unsharded_index_is_not_sharded_in_place(built, settings, client):
    before = sorted(p.name for p in (built / "single").iterdir())
    with pytest.raises(SearcherError, match="is not sharded: build the sharded one in a new"):
        build_sharded(built / "single", [built / "corpus"], settings, client)
    assert sorted(p.name for p in (built / "single").iterdir()) == before


@pytest.mark.parametrize("address", ["local:0", "not an address", "local:x"])
def test_a_bad_cluster_address_is_refused(address):
    with pytest.raises(ClusterError, match="--cluster"):
        connect(address)


# --- the command line ----------------------------------------------------------------------

def test_search_on_the_cluster_prints_what_one_index_prints(searcher, built, client):
    address = client.scheduler.address
    for args in (["停火", "--json", "-n", "20"], ["美國 OR 伊朗", "-c"],
                 ["--any", "停火 談判 石油", "--json", "--since", "2025-03"],
                 ["停火", "-l", "--sort", "newest"], ["美國", "--timeline", "--json"],
                 ["美國", "--timeline", "--by", "year", "--until", "2025-06"]):
        one = searcher("search", *args, "--index", str(built / "single"))
        many = searcher("search", *args, "--index", str(built / "sharded"),
                        "--cluster", address)
        assert (many.code, many.stdout) == (one.code, one.stdout) and one.code == 0, args


def test_show_and_stats_on_the_cluster_print_what_one_index_prints(searcher, built):
    """Read here, from the shards: the cluster at the address is not asked (none answers)."""
    single, sharded = str(built / "single"), str(built / "sharded")
    file = next((built / "corpus" / "reposts").glob("*.txt"))
    doc_id = open_index(built / "single").reader().stored_fields(7)["doc_id"]
    for args in (["show", "2025/m0/article-004.txt", "--json"], ["show", doc_id, "--json"],
                 ["show", str(file), "停火", "--no-pager"], ["show", "article-077.txt"],
                 ["show", "m0/article-004.txt", "美國"],
                 ["show", "no-such.txt"], ["show", "2025/m0/article-004.txt", "沒有的字"],
                 ["stats", "--json"], ["stats"]):
        one = searcher(*args, "--index", single)
        many = searcher(*args, "--index", sharded, "--cluster", "tcp://127.0.0.1:9")
        if args[0] == "stats":  # the same but for what the files are
            assert many.code == one.code == 0
            assert _of_the_documents(many.stdout) == _of_the_documents(one.stdout), args
            continue
        assert (many.code, many.stdout) == (one.code, one.stdout), args
        assert many.stderr == one.stderr.replace(single, sharded), args


def test_similar_on_the_cluster_prints_what_one_index_prints(searcher, built, client):
    for args in (["2025/m0/article-004.txt", "--json"], ["article-150.txt", "-n", "3"],
                 ["reposts/077-mainland.txt", "--no-collapse", "--json"], ["no-such.txt"]):
        one = searcher("similar", *args, "--index", str(built / "single"))
        many = searcher("similar", *args, "--index", str(built / "sharded"),
                        "--cluster", client.scheduler.address)
        assert (many.code, many.stdout) == (one.code, one.stdout), args
        assert many.stderr == one.stderr.replace(str(built / "single"),
                                                 str(built / "sharded")), args


def _of_the_documents(stats: str) -> object:
    """``stats`` output but for the index's folder and files (size, segments, time built)."""
    storage = ("index", "size_bytes", "segments", "built_at", "shards")
    if stats.startswith("{"):
        return {k: v for k, v in json.loads(stats).items() if k not in storage}
    return [line for line in stats.splitlines()
            if not line.startswith(("size (bytes):", "segments:", "built:"))]


def test_index_on_the_cluster_builds_then_updates_nothing(searcher, tmp_path, client):
    _write_corpus(tmp_path / "corpus", 12, seed=9)
    address = client.scheduler.address
    first = searcher("index", str(tmp_path / "corpus"), "--index", str(tmp_path / "index"),
                     "--cluster", address, "--shards", "2")
    assert first.code == 0
    assert "12 added" in first.stderr and "2 of 2 shards written" in first.stderr
    _configure(tmp_path, f'cluster = "{address}"\n')  # the same cluster, from the config
    again = searcher("index", "--index", str(tmp_path / "index"))
    assert again.code == 0 and "12 unchanged" in again.stderr and "0 of 2" in again.stderr
    (tmp_path / "corpus" / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    broken = searcher("index", "--index", str(tmp_path / "index"), "--cluster", address)
    assert broken.code == 1  # as without --cluster: the file costs only itself
    assert re.search(r"^searcher: warning: skipped .*broken\.pdf", broken.stderr, re.M)
    assert searcher("search", "停火", "-c", "--index", str(tmp_path / "index"),
                    "--cluster", address).code in (0, 1)


def _configure(tmp_path: Path, text: str) -> Path:
    """The ``searcher`` fixture's configuration file (in ``tmp_path``), holding ``text``."""
    config = tmp_path / "config" / "searcher" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    return config


def test_the_config_s_cluster_is_the_default_and_no_cluster_turns_it_off(
        searcher, built, client, tmp_path):
    address = client.scheduler.address
    single, sharded = str(built / "single"), str(built / "sharded")
    commands = (["search", "停火", "--json", "-n", "20"], ["search", "美國 OR 伊朗", "-c"],
                ["similar", "article-150.txt", "-n", "3"], ["show", "article-077.txt"],
                ["stats", "--json"])
    given = [searcher(*args, "--index", sharded, "--cluster", address) for args in commands]
    alone = [searcher(*args, "--index", single) for args in commands]
    config = _configure(tmp_path, f'cluster = "{address}"\n')
    for args, on_cluster, here in zip(commands, given, alone):
        assert searcher(*args, "--index", sharded) == on_cluster, args
        assert searcher(*args, "--index", single, "--no-cluster") == here, args
    for args, message in (
            (["search", "停火", "--index", single],
             f"no sharded index at {single}: .* \\(the cluster key of {config}; --no-cluster "
             f"for this machine's index\\)"),
            (["index", "--procs", "2", "--index", sharded],
             "--procs does not go with --cluster \\(the cluster key of"),
            (["stats", "--index", sharded, "--cluster", address, "--no-cluster"],
             "--cluster and --no-cluster are exclusive")):
        run = searcher(*args)
        assert run.code == 2 and run.stdout == "", args
        assert re.fullmatch(f"searcher: error: {message}.*\n", run.stderr), run.stderr


def test_cluster_mistakes_are_one_line_and_exit_2(searcher, small, client):
    address = client.scheduler.address
    shutil.rmtree(small / "index" / "shard-00")
    for args, message in (
            (["search", "停火", "--index", str(small / "index"), "--cluster", address],
             "searcher: error: shard shard-00 of the index at .* is missing"),
            (["search", "停火", "--index", str(small / "index"), "--cluster", "no such"],
             "searcher: error: --cluster 'no such' is not a scheduler's address"),
            (["search", "停火", "--index", str(small / "index"), "--cluster", "local:65"],
             "searcher: error: --cluster 'local:65' asks for 65 workers: a local cluster has "
             "1 to 64"),
            (["index", "--dry-run", "--index", str(small / "index"), "--cluster", address],
             "searcher: error: --dry-run does not go with --cluster")):
        run = searcher(*args)
        assert run.code == 2 and run.stdout == "", args
        assert len(run.stderr.splitlines()) == 1, run.stderr
        assert re.match(message, run.stderr), run.stderr


# --- last: it kills a worker (Dask's nanny starts another) ----------------------------------

def test_a_worker_killed_while_writing_its_shard_has_the_task_rerun(small, settings, client):
    """SIGKILL to the worker writing shard-01, once its new generation exists: Dask reruns
    the task on a worker, the rerun removes what the killed one left, and the run publishes
    every shard with every document."""
    from distributed.diagnostics.plugin import WorkerPlugin

    for number in range(40):  # every shard has a file that changes
        for file in (small / "corpus").rglob(f"article-{number:03d}.txt"):
            file.write_text(f" date 2025-08-03 再改寫的文章{number}：選舉。\n", encoding="utf-8")
    folder = small / "index" / shard_name(1)
    killed = small / "killed"

    class KillWhileWriting(WorkerPlugin):
        def transition(self, key, start, finish, **kwargs):
            if (finish == "executing" and str(key).startswith("searcher-shard-01-")
                    and not killed.exists()):
                before = set(folder.glob("gen-*"))
                threading.Thread(target=self.kill_when_written, args=(before,),
                                 daemon=True).start()

        def kill_when_written(self, before):
            while not set(folder.glob("gen-*")) - before:
                time.sleep(0.001)
            killed.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)

    client.register_plugin(KillWhileWriting(), name="kill-while-writing")
    try:
        report = build_sharded(small / "index", [small / "corpus"], settings, client)
    finally:
        client.unregister_worker_plugin("kill-while-writing")
    assert killed.exists()  # the worker was killed mid-write
    assert sorted(report.written) == [shard_name(s) for s in range(SHARDS_COUNT)]
    assert {p.name for p in folder.glob("gen-*")} == {
        (folder / CURRENT).read_text().strip(), (folder / PREVIOUS).read_text().strip()}
    with ShardedIndex(small / "index", client) as index:
        assert index.count("選舉") == 40
