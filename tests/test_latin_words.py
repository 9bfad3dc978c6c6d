"""Latin words in Chinese commentary: prefix queries (``Trum*``, ``econom*``) and English
stemming as an index setting (``economy`` finds economies), never touching Chinese text;
through the library and the command line, on files written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher.analysis.chain import AnalysisChain
from searcher.analysis.settings import AnalysisSettings
from searcher.engine.store import open_index
from searcher.errors import QuerySyntaxError, SearcherError
from searcher.search.matching import MAX_EXPANSIONS
from searcher.search.ranked import search

FILES = {
    "trump.txt": "Trump說關稅將提高，市場震盪。",
    "trumpism.txt": "川普與Trumpism的興起，美國政治的轉向。",
    "economies.txt": "The economies of East Asia 在經濟增長中放緩。",
    "economy.txt": "A strong economy and economic policy，政府的經濟學家說。",
    "chinese.txt": "特朗普訪華，經濟學界評論貿易戰。",
    "antitrust.txt": "Antitrust law and the trumpet 樂團。",
}


def write_corpus(folder: Path, files: dict[str, str] = FILES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def found(index_dir: Path, query: str) -> set[str]:
    return {Path(hit.path).name
            for hit in search(open_index(index_dir), query, limit=None, collapse=False).hits}


@pytest.fixture(scope="module")
def indexes(tmp_path_factory) -> dict[str, Path]:
    """The corpus indexed twice by ``searcher index``: as is, and with ``--stemming english``."""
    from click.testing import CliRunner

    from searcher.cli.main import cli

    home = tmp_path_factory.mktemp("latin")
    corpus = write_corpus(home / "corpus")
    built = {}
    for stemming in ("none", "english"):
        built[stemming] = home / f"index-{stemming}"
        result = CliRunner().invoke(cli, ["index", str(corpus), "--index", str(built[stemming]),
                                          "--stemming", stemming, "--json"],
                                    env={"XDG_CONFIG_HOME": str(home / "config")})
        assert result.exit_code == 0, result.output
    return built


@pytest.mark.parametrize("stemming", ["none", "english"])
@pytest.mark.parametrize("query, files", [
    ("Trum*", {"trump.txt", "trumpism.txt", "antitrust.txt"}),  # trumpet, in the last
    ("trump*", {"trump.txt", "trumpism.txt", "antitrust.txt"}),
    ("ＴＲＵＭ＊", {"trump.txt", "trumpism.txt", "antitrust.txt"}),  # full width, as typed
    ("Trumpi*", {"trumpism.txt"}),
    ("econom*", {"economies.txt", "economy.txt"}),
    ("econ* 放緩", {"economies.txt"}),
    ("title:Trump*", {"trump.txt", "trumpism.txt", "antitrust.txt"}),
    ("Trum* -關稅", {"trumpism.txt", "antitrust.txt"}),
    ("anti*", {"antitrust.txt"}),  # a word's start, never its middle: not "trum" in antitrust
    ("trumpx*", set()),
])
def test_a_prefix_finds_every_latin_word_that_starts_so(indexes, stemming, query, files):
    assert found(indexes[stemming], query) == files


def test_a_prefix_is_one_of_the_words_a_minimum_match_counts(indexes):
    index = open_index(indexes["none"])
    hits = search(index, "Trum* 關稅 樂團 停火", min_match=2).hits
    assert sorted(Path(h.path).name for h in hits) == ["antitrust.txt", "trump.txt"]
    assert {Path(h.path).name for h in search(index, "Trum* 停火", min_match=1).hits} == {
        "antitrust.txt", "trump.txt", "trumpism.txt"}


def test_a_prefix_highlights_the_words_it_found(indexes):
    hits = {Path(h.path).name: h for h in search(open_index(indexes["none"]), "econom*").hits}
    assert hits["economy.txt"].matches == ("economy", "economic")
    assert hits["economies.txt"].matches == ("economies",)


@pytest.mark.parametrize("stemming", ["none", "english"])
def test_a_star_after_chinese_or_in_a_path_changes_nothing(indexes, stemming):
    """Chinese characters are found wherever they stand, inside longer words too: 經濟*
    finds what 經濟 does (經濟學家, 經濟學界 included), in either script."""
    expected = {"economies.txt", "economy.txt", "chinese.txt"}
    assert found(indexes[stemming], "經濟") == expected
    assert found(indexes[stemming], "經濟*") == expected
    assert found(indexes[stemming], "经济＊") == expected
    assert found(indexes[stemming], "川普*") == {"trumpism.txt", "chinese.txt"} \
        == found(indexes[stemming], "特朗普")
    # a path's characters are matched wherever they stand too
    assert found(indexes[stemming], "path:trump*") == {"trump.txt", "trumpism.txt"} \
        == found(indexes[stemming], "path:trump")


@pytest.mark.parametrize("query", ["u.s*", "川普Trum*", "covid-19*"])
def test_a_star_after_anything_else_is_one_clear_line(tmp_path, searcher, query):
    write_corpus(tmp_path / "corpus")
    assert searcher("index", "corpus", "--index", "idx").code == 0
    run = searcher("search", query, "--index", "idx")
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [
        f"searcher: error: {query}: a * ends a Latin word or a number (Trum*, econom*); "
        f"{query[:-1]!r} is not one"]


def test_a_prefix_standing_for_too_many_words_is_refused_not_cut(tmp_path, searcher):
    """Lucene's limit on a query's clauses: a prefix that stands for more words than
    ``MAX_EXPANSIONS`` is an error naming it, never a search of some of them."""
    words = [f"w{n:05d}" for n in range(MAX_EXPANSIONS + 1)]
    write_corpus(tmp_path / "corpus", {"words.txt": " ".join(words) + "\n川普。",
                                      "other.txt": "w01000 停火。"})
    assert searcher("index", "corpus", "--index", "idx").code == 0
    run = searcher("search", "w*", "--index", "idx")
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == (f"searcher: error: w* stands for more than {MAX_EXPANSIONS:,} "
                          f"different words in this index: give more of the word\n")
    with pytest.raises(QuerySyntaxError):
        search(open_index(tmp_path / "idx"), "w0*")  # 1,000 of them, and w01000 to w01024
    assert found(tmp_path / "idx", "w010*") == {"words.txt", "other.txt"}
    assert found(tmp_path / "idx", "w0100*") == {"words.txt", "other.txt"}
    assert found(tmp_path / "idx", "w0102* 川普") == {"words.txt"}


@pytest.mark.parametrize("query, stemmed, plain", [
    ("economy", {"economies.txt", "economy.txt"}, {"economy.txt"}),
    ("economies", {"economies.txt", "economy.txt"}, {"economies.txt"}),
    ("ECONOMIES", {"economies.txt", "economy.txt"}, {"economies.txt"}),
    ("title:economy", {"economies.txt", "economy.txt"}, {"economy.txt"}),
    ("trumps", {"trump.txt"}, set()),  # the stem is trump: not Trumpism's
    ('"economy"', {"economy.txt"}, {"economy.txt"}),  # a quoted phrase is exact
])
def test_stemming_finds_each_form_of_an_english_word(indexes, query, stemmed, plain):
    assert found(indexes["english"], query) == stemmed
    assert found(indexes["none"], query) == plain


def test_stemming_never_touches_chinese_text():
    """A stemming chain gives Chinese text exactly the terms the default chain does, and
    stems only the words of ASCII letters of a mixed text."""
    plain = AnalysisChain(AnalysisSettings.default())
    stemming = AnalysisChain(AnalysisSettings.from_files(stemming="english"))
    chinese = "經濟學家評論貿易戰：川普政府的關稅政策，以及美國經濟的走向。"
    assert stemming.word_tokens(chinese) == plain.word_tokens(chinese)
    assert stemming.word_positions(chinese) == plain.word_positions(chinese)
    mixed = "川普的economies與COVID-19和iPhone15"
    changed = [(a[0], b[0]) for a, b in zip(plain.word_tokens(mixed),
                                            stemming.word_tokens(mixed)) if a != b]
    assert changed == [("economies", "economi")]
    assert stemming.term("特朗普") == plain.term("川普") == "特朗普"


def test_index_and_query_share_the_stem(indexes):
    """The term the query compiles to is the term the index holds (one chain)."""
    index = open_index(indexes["english"])
    assert index.chain.term("economies") == index.chain.term("economy") == "economi"
    reader = index.reader()
    assert reader.postings("body", "economi").doc_frequency == 2
    assert reader.postings("body", "economies").doc_frequency == 0
    plain = open_index(indexes["none"]).reader()
    assert plain.postings("body", "economies").doc_frequency == 1


def test_an_index_without_stemming_keeps_its_fingerprint():
    """An index built before stemming existed records no ``stemming``: it reads as none, with
    the fingerprint it had, so it is not rebuilt for it."""
    settings = AnalysisSettings.default()
    old = {k: v for k, v in settings.to_json().items() if k != "stemming"}
    assert AnalysisSettings.from_json(old) == settings
    assert AnalysisSettings.from_json(old).fingerprint == settings.fingerprint
    stemming = AnalysisSettings.from_files(stemming="english")
    assert stemming.fingerprint != settings.fingerprint
    assert AnalysisSettings.from_json(stemming.to_json()).fingerprint == stemming.fingerprint


def test_an_unknown_stemming_in_an_index_is_one_clear_error():
    settings = AnalysisSettings.from_json({**AnalysisSettings.default().to_json(),
                                           "stemming": "klingon"})
    with pytest.raises(SearcherError, match="unknown stemming 'klingon' "):
        AnalysisChain(settings)


def test_the_index_keeps_its_stemming_until_told(tmp_path, searcher):
    """A run that does not say keeps what the index has (no rebuild); --stemming changes it
    (a rebuild); the config's ``stemming`` key says for every run."""
    write_corpus(tmp_path / "corpus")

    def index(*options: str) -> dict:
        run = searcher("index", "corpus", "--index", "idx", "--json", *options)
        assert run.code == 0, run.stderr
        return json.loads(run.stdout)

    def stats() -> str:
        return json.loads(searcher("stats", "--index", "idx", "--json").stdout)[
            "analysis"]["stemming"]

    assert (index()["added"], stats()) == (6, "none")
    assert found(tmp_path / "idx", "economy") == {"economy.txt"}
    assert (index("--stemming", "english")["added"], stats()) == (6, "english")
    summary = index()
    assert (summary["added"], summary["unchanged"], stats()) == (0, 6, "english")
    assert found(tmp_path / "idx", "economy") == {"economy.txt", "economies.txt"}
    assert (index("--stemming", "none")["added"], stats()) == (6, "none")
    config = tmp_path / "config" / "searcher" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('stemming = "english"\n', encoding="utf-8")
    assert (index()["added"], stats()) == (6, "english")
    config.write_text('stemming = "porter"\n', encoding="utf-8")
    run = searcher("index", "corpus", "--index", "idx")
    assert run.code == 2
    assert run.stderr == (f"searcher: error: {config}: stemming must be 'english' or 'none', "
                          f"not 'porter'\n")
