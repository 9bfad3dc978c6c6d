"""Queries are segmented with only the dictionary words inside them (``segmenter_words``):
the result must be the full rjieba segmenter's, which the indexer uses."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import jieba
from hypothesis import given, settings as hypothesis_settings, strategies as st

from searcher.analysis import AnalysisChain, RJiebaSegmenter, fold
from searcher.segmenter_words import FILLER, WORDS_FILE, QuerySegmenter, SortedWords
from tests.conftest import corpus_texts

EXAMPLES = int(os.environ.get("SEARCHER_HYPOTHESIS_EXAMPLES", "300"))


def test_the_sorted_file_is_jiebas_dictionary():
    source = Path(jieba.__file__).parent / "dict.txt"
    theirs = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        word, freq = line.split()[:2]
        theirs[word] = int(freq)
    words = SortedWords(WORDS_FILE)
    assert words.total == sum(theirs.values())
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()[1:]
    ours = {word: int(freq) for word, freq in (line.split(" ") for line in lines)}
    assert ours == theirs
    keys = [line.split(" ")[0].encode("utf-8") for line in lines]
    assert keys == sorted(keys)
    for word in list(theirs)[::997] + ["C#", "c#", "B超"]:
        assert words.frequency(word) == (theirs[word], True)
    assert words.frequency("停火協議書之") == (None, False)


@functools.cache  # a full segmenter loads the dictionary: once per settings
def _segmenters(settings):
    full = RJiebaSegmenter(settings.userwords)
    narrow = QuerySegmenter(settings.userwords, settings.dictionary_total)
    return full, narrow


def _stretches() -> list[str]:
    """Every line of the corpus, folded, whole and in windows of 1 to 40 characters."""
    found = []
    for text in corpus_texts().values():
        for line in fold(text).splitlines():
            found.append(line)
            for size in (1, 2, 3, 5, 8, 13, 21, 40):
                found += [line[i:i + size] for i in range(0, len(line), max(1, size // 2 + 3))]
    return found


def test_query_segmentation_equals_the_indexers_on_the_corpus(settings):
    assert settings.dictionary_total > 0
    full, narrow = _segmenters(settings)
    stretches = _stretches()
    assert len(stretches) > 5000
    for text in stretches:
        assert narrow.tokenize(text) == full.tokenize(text), text


@hypothesis_settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.sampled_from(sorted({c for t in corpus_texts().values() for c in fold(t)})
                                + ["特朗普", "泽连斯基", "俄罗斯", "停火", "人工智能", "B超",
                                   "c++", " ", "2025"]),
                min_size=1, max_size=25))
def test_query_segmentation_equals_the_indexers_on_any_mix(settings, pieces):
    full, narrow = _segmenters(settings)
    text = "".join(pieces)
    assert narrow.tokenize(text) == full.tokenize(text)


def test_a_query_holding_the_filler_uses_the_full_dictionary(settings):
    chain = AnalysisChain(settings)
    assert QuerySegmenter(settings.userwords, settings.dictionary_total).tokenize(
        "停火" + FILLER) is None
    assert chain.query_words("停火" + FILLER)[0] == "停火"


def test_a_query_does_not_load_the_dictionary(corpus_index_dir):
    """In a fresh process, a search leaves rjieba's package (and its full dictionary)
    unloaded; importing it afterwards still works."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from searcher.store import open_index\n"
        "from searcher.querying import search\n"
        f"result = search(open_index(Path({str(corpus_index_dir)!r})), '俄罗斯 停火')\n"
        "assert result.total > 0\n"
        "print('rjieba' in sys.modules)\n"
        "import rjieba\n"
        "print(rjieba.Jieba().cut('停火協議') == rjieba.cut('停火協議'))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "True"]


def test_an_older_index_learns_the_total_on_its_next_run(tmp_path, settings):
    """An index written before settings carried the total still searches (with the full
    segmenter); its next incremental run records the total."""
    import json

    from searcher.indexing import update_index
    from searcher.querying import search
    from searcher.store import current_generation, open_index
    from tests.conftest import CORPUS

    update_index(tmp_path / "idx", [CORPUS], settings)
    meta_file = current_generation(tmp_path / "idx") / "searcher.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    del meta["settings"]["dictionary_total"]
    meta_file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    older = open_index(tmp_path / "idx")
    assert older.chain.settings.dictionary_total == 0
    assert search(older, "俄罗斯 停火").total > 0
    assert update_index(tmp_path / "idx", [CORPUS], settings).unchanged == 5
    assert open_index(tmp_path / "idx").chain.settings.dictionary_total == \
        settings.dictionary_total
