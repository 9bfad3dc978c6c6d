"""Regional orthography and vocabulary: Hong Kong and Taiwan variant characters, variant
phrases, merged regional word groups, the false friends kept apart and sub-words, through the
fold, the library and the CLI on small corpora."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest
from click.testing import CliRunner
from hypothesis import given, settings as hypothesis_settings, strategies as st

from searcher.analysis.fold import fold, fold_each, fold_width, orthography
from searcher.analysis.settings import AnalysisSettings
from searcher.cli.main import cli
from searcher.engine.store import open_index
from searcher.indexing.update import update_index
from searcher.search.ranked import search
from tests.conftest import ROOT, corpus_texts

DATA = ROOT / "searcher" / "data"

# One story written three ways: Hong Kong, Taiwan and mainland spelling.
STORIES = {
    "hk.txt": "敍利亞局勢緊張，世衞表示衞生系統崩潰，這意味着援助要加快。他乘的士到電綫桿旁。",
    "tw.txt": "敘利亞局勢緊張，世衛表示衛生系統崩潰，這意味著援助要加快。他搭計程車到電線桿旁。",
    "cn.txt": "叙利亚局势紧张，世卫表示卫生系统崩溃，这意味着援助要加快。他坐出租车到电线杆旁。",
}
ALL = set(STORIES)


def build(folder: Path, files: dict[str, str], settings: AnalysisSettings):
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    update_index(folder / "index", [corpus], settings)
    return open_index(folder / "index")


@pytest.fixture(scope="module")
def stories(tmp_path_factory, settings):
    return build(tmp_path_factory.mktemp("stories"), STORIES, settings)


def paths(index, query: str) -> set[str]:
    return {Path(hit.path).name for hit in search(index, query, limit=None).hits}


# -- the fold -----------------------------------------------------------------------------

@pytest.mark.parametrize("spellings", [("敍", "敘", "叙"), ("衞", "衛", "卫"), ("綫", "線", "线"),
                                       ("痺", "痹"), ("簷", "檐"), ("矽", "硅")])
def test_variant_characters_fold_together_alone_and_in_text(spellings):
    assert len({fold(s) for s in spellings}) == 1
    assert len({fold_each(s) for s in spellings}) == 1
    assert len({fold(s + "利亞") for s in spellings}) == 1


def test_taiwan_zhe_folds_by_phrase_and_keeps_offsets():
    assert fold("意味著") == fold("意味着") == "意味着"
    assert fold("接著說") == fold("接着说")
    # 著 as zhù stays 著 where OpenCC's phrase tables say so, in either script: TW 顯著 and
    # mainland 显著 (the reason the rules apply to t2s output, not OpenCC's tw2s, which
    # turns mainland 显著 into 显着).
    assert fold("顯著") == fold("显著") == "显著"
    assert opencc.OpenCC("tw2s").convert("显著") == "显着"
    assert fold("著作") == "著作" and fold_each("著作") == "着作"
    text = "他接著說：「這顯著意味著轉變。」"
    assert len(fold(text)) == len(text)


def test_every_opencc_variant_character_folds_as_hk2s_and_tw2s_fold_it():
    """Each character that OpenCC's hk2s or tw2s folds otherwise than t2s folds as they do,
    except TWVariantsRev's 么 → 幺: mainland 么 is 麼 (什么), and folding it would misfold
    mainland text."""
    t2s = opencc.OpenCC("t2s")
    converters = [opencc.OpenCC("hk2s"), opencc.OpenCC("tw2s")]
    ranges = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF)]
    differ = []
    for char in (chr(c) for lo, hi in ranges for c in range(lo, hi + 1)):
        for converter in converters:
            regional = converter.convert(char)
            if len(regional) == 1 and regional != t2s.convert(char):
                differ.append(char)
                if char != "么":
                    assert fold(char) == regional, char
    assert len(differ) >= 12 and fold("什么") == "什么"


# Text dense in the characters the rules change, their phrases and their neighbours.
VARIANT_TEXT = st.text(st.one_of(
    st.sampled_from("敍敘叙衞衛卫著着顯显名作待意味接矽硅么什綫線，。 \n"),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(blacklist_categories=("Cs",)),
), max_size=200)


@hypothesis_settings(max_examples=300, deadline=None)
@given(VARIANT_TEXT)
def test_orthography_keeps_offsets_and_changes_only_its_characters(text):
    t2s = opencc.OpenCC("t2s")
    rules = orthography()
    before, after, each = t2s.convert(fold_width(text)), fold(text), fold_each(text)
    assert len(after) == len(each) == len(text)
    if len(before) == len(text):  # else that stretch was folded character by character
        for old, new in zip(before, after):
            assert old == new or old in rules.chars or old in rules.phrases
    assert fold(after) == after  # folding is idempotent: a query of folded text finds it


def test_the_corpus_folds_as_before_but_for_its_variant_characters():
    """The bundled articles fold as t2s folded them, except Taiwan's 著 for zhe (隨著, 接著 …):
    nothing else the corpus tests pin moves."""
    t2s = opencc.OpenCC("t2s")
    rules = orthography()
    changed = 0
    for name, text in corpus_texts().items():
        before, after = t2s.convert(fold_width(text)), fold(text)
        for position, (old, new) in enumerate(zip(before, after)):
            if old != new:
                changed += 1
                assert (old, new) == ("著", "着"), (name, text[position - 2:position + 2])
                assert old in rules.chars
    assert changed >= 10


# -- the library and the CLI --------------------------------------------------------------

@pytest.mark.parametrize("query", ["敍利亞", "敘利亞", "叙利亚", "世衞", "世卫", "衛生", "意味著",
                                   "意味着", '"敘利亞"', '"敍利亞"', '"意味著"', "电线杆"])
def test_each_spelling_finds_every_copy(stories, query):
    assert paths(stories, query) == ALL


def test_highlight_lands_on_what_the_author_wrote(stories):
    for query in ("叙利亚", '"敘利亞"'):
        hits = {Path(h.path).name: h for h in search(stories, query).hits}
        for name, written in (("hk.txt", "敍利亞"), ("tw.txt", "敘利亞"), ("cn.txt", "叙利亚")):
            highlighted = {s.text[a:b] for s in hits[name].snippets for a, b in s.highlights}
            assert highlighted == {written}, (query, name, highlighted)


def test_three_way_regional_group(stories, settings):
    """出租车 (mainland), 的士 (Hong Kong) and 計程車 (Taiwan): TWPhrases and HKPhrases pair
    each with 出租车, and the build merges the two pairs into one group."""
    assert paths(stories, "計程車") == paths(stories, "出租车") == paths(stories, "的士") == ALL
    table = open_index(stories.index_dir).chain.variants
    assert len({table.canonical(fold(w)) for w in ("計程車", "出租车", "的士", "出租車")}) == 1


@pytest.mark.parametrize("pair", [("網際網路", "互联网"), ("默认", "預設"), ("塑料", "塑膠"),
                                  ("视频", "影片"), ("窗口", "視窗"), ("概率", "機率"),
                                  ("公元", "西元"), ("知识产权", "智慧財產權"),
                                  ("南卡罗来纳", "南卡羅萊納"), ("威斯康星", "威斯康辛"),
                                  ("康涅狄格", "康乃狄克")])
def test_classic_regional_pairs_are_one_group(settings, pair):
    from searcher.analysis.chain import AnalysisChain

    table = AnalysisChain(settings).variants
    mainland, taiwan = (table.canonical(fold(w)) for w in pair)
    assert mainland == taiwan and fold(pair[1]) in table.members(fold(pair[0]))


def test_false_friends_are_kept_apart(tmp_path, settings):
    """程序 (mainland: a program; Taiwan and law: a procedure) does not fold with 程式, nor
    支持 (support) with 支援 (aid), nor 智能 (smart) with 智慧 (wisdom)."""
    index = build(tmp_path, {"law.txt": "法院依法律程序審理，各方表示支持。",
                             "code.txt": "他寫的程式需要支援，這是中國智慧。",
                             "ai.txt": "智能手机的程序设计"}, settings)
    assert paths(index, "程式") == {"code.txt"}
    assert paths(index, "程序") == {"law.txt", "ai.txt"}
    assert paths(index, "支持") == {"law.txt"}
    assert paths(index, "智慧") == {"code.txt"} and paths(index, "智能") == {"ai.txt"}
    listed = DATA.joinpath("false_friends.txt").read_text(encoding="utf-8")
    for line in listed.splitlines():
        if line.split("#", 1)[0].strip():
            assert len(line.split("#", 1)[1].strip()) > 10, f"no reason given: {line}"


def test_cli_finds_counts_and_shows_the_group(stories, cli_env):
    runner = CliRunner()
    index_dir = str(stories.index_dir)
    for query in ("敍利亞", "叙利亚", '"敘利亞"', "意味著"):
        result = runner.invoke(cli, ["search", query, "-c", "--index", index_dir], env=cli_env)
        assert (result.exit_code, result.stdout) == (0, "3\n"), query
    result = runner.invoke(cli, ["search", "世卫", "-l", "--index", index_dir], env=cli_env)
    assert {Path(line).name for line in result.stdout.splitlines()} == ALL
    result = runner.invoke(cli, ["variants", "計程車", "--index", index_dir], env=cli_env)
    assert result.exit_code == 0
    assert {fold(w) for w in result.stdout.split()} >= {fold("計程車"), fold("的士"), fold("出租车")}


# -- sub-words ----------------------------------------------------------------------------

def test_subwords_fold_at_their_parents_position(settings):
    from searcher.analysis.chain import AnalysisChain

    chain = AnalysisChain(settings)
    tokens = chain.word_tokens("威斯康星州選舉結果")
    parent = next(t for t in tokens if t[0] == fold("威斯康星州"))
    inside = [t for t in tokens if t[2] >= parent[2] and t[3] <= parent[3] and t is not parent]
    # a four-character member inside a five-character word, as its group's term
    assert (chain.variants.canonical(fold("威斯康辛")), parent[1], 0, 4) in inside
    assert all(position == parent[1] for _, position, _, _ in inside)
    following = next(t for t in tokens if t[2] == parent[3])
    assert following[1] == parent[1] + 1  # sub-words take no position of their own
    video = chain.word_tokens("視頻會議")
    assert (chain.variants.canonical(fold("視訊")), 0, 0, 2) in video


def test_a_long_word_is_found_by_its_variant_pieces(tmp_path, settings):
    index = build(tmp_path, {"tw.txt": "大樓的硬體設施完善，州長在威斯康辛州召開視訊會議。",
                             "cn.txt": "大楼的硬件设施完善，州长在威斯康星州召开视频会议。"}, settings)
    for query in ("硬件", "硬體", "威斯康星", "威斯康辛", "视频", "視訊", "视频会议"):
        assert paths(index, query) == {"tw.txt", "cn.txt"}, query
    # a quoted phrase stays literal: the vocabulary does not fold it, the orthography does
    assert paths(index, '"视频会议"') == paths(index, '"視頻會議"') == {"cn.txt"}
