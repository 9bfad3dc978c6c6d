"""Queries are segmented with only the dictionary words inside them (``query_dictionary``):
the result must be the full rjieba segmenter's, which the indexer uses."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import jieba
from hypothesis import given, settings as hypothesis_settings, strategies as st

from searcher.analysis.fold import fold
from searcher.analysis.segmenters import RJiebaSegmenter
from searcher.analysis.query_dictionary import (
    FILLER, QUERY_WORDS, QuerySegmenter, SortedWords, write_query_words)
from searcher.engine.store import open_index
from tests.conftest import corpus_texts

EXAMPLES = int(os.environ.get("SEARCHER_HYPOTHESIS_EXAMPLES", "300"))


def test_the_sorted_file_is_jiebas_dictionary_with_the_user_words(tmp_path, settings):
    """Every word at the frequency rjieba ends with once the user words are added (a repeated
    line: the last one wins; a user word replaces the dictionary's), and their total."""
    theirs = {}
    for line in (Path(jieba.__file__).parent / "dict.txt").read_text("utf-8").splitlines():
        word, freq = line.split()[:2]
        theirs[word] = int(freq)
    user_frequencies = _segmenters(settings)[0].user_frequencies
    theirs.update(user_frequencies)
    write_query_words(tmp_path / QUERY_WORDS, user_frequencies)
    words = SortedWords(tmp_path / QUERY_WORDS)
    assert words.total == sum(theirs.values())
    lines = (tmp_path / QUERY_WORDS).read_text(encoding="utf-8").splitlines()[1:]
    ours = {line.split(" ")[0]: int(line.split(" ")[1]) for line in lines}
    assert ours == theirs and len(lines) == len(theirs)
    keys = [line.split(" ")[0].encode("utf-8") for line in lines]
    assert keys == sorted(keys)
    for word in list(theirs)[::997] + ["C#", "c#", "B超", settings.userwords[0]]:
        assert words.frequency(word) == (theirs[word], True)
    assert words.frequency("停火協議書之") == (None, False)


@functools.cache  # a full segmenter loads the dictionary: once per settings
def _segmenters(settings):
    path = Path(tempfile.mkdtemp()) / QUERY_WORDS
    full = RJiebaSegmenter(settings.userwords)
    write_query_words(path, full.user_frequencies)
    return full, QuerySegmenter(SortedWords(path))


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


def test_a_query_holding_the_filler_uses_the_full_dictionary(settings, corpus_index_dir):
    chain = open_index(corpus_index_dir).chain
    assert chain.query_dictionary is not None
    assert QuerySegmenter(chain.query_dictionary).tokenize("停火" + FILLER) is None
    assert chain.query_words("停火" + FILLER)[0] == "停火"


def test_a_query_does_not_load_the_dictionary(corpus_index_dir):
    """In a fresh process, a search leaves rjieba's package (and its full dictionary)
    unloaded; importing it afterwards still works."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from searcher.engine.store import open_index\n"
        "from searcher.search.ranked import search\n"
        f"result = search(open_index(Path({str(corpus_index_dir)!r})), '俄罗斯 停火')\n"
        "assert result.total > 0\n"
        "print('rjieba' in sys.modules)\n"
        "import rjieba\n"
        "print(rjieba.Jieba().cut('停火協議') == rjieba.cut('停火協議'))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "True"]


def test_an_index_without_its_query_dictionary_still_searches(tmp_path, settings):
    """An index whose query dictionary is gone still searches, with the full segmenter (the
    same words), and its next incremental run changes nothing."""
    from searcher.indexing.update import update_index
    from searcher.search.ranked import search
    from searcher.engine.store import current_generation
    from tests.conftest import CORPUS

    update_index(tmp_path / "idx", [CORPUS], settings)
    current = open_index(tmp_path / "idx")
    (current_generation(tmp_path / "idx") / QUERY_WORDS).unlink()
    older = open_index(tmp_path / "idx")
    assert older.chain.query_dictionary is None
    assert search(older, "俄罗斯 停火").total == search(current, "俄罗斯 停火").total > 0
    assert update_index(tmp_path / "idx", [CORPUS], settings).unchanged == 5


def test_a_damaged_query_dictionary_is_not_used(tmp_path, settings):
    """A truncated copy would cut queries wrongly without a sound: it is refused, and
    queries use the full dictionary."""
    from searcher.indexing.update import update_index
    from searcher.search.ranked import search
    from searcher.engine.store import current_generation
    from tests.conftest import CORPUS

    update_index(tmp_path / "idx", [CORPUS], settings)
    expected = search(open_index(tmp_path / "idx"), "俄罗斯 停火").total
    path = current_generation(tmp_path / "idx") / QUERY_WORDS
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 3)
    damaged = open_index(tmp_path / "idx")
    assert damaged.chain.query_dictionary is None
    assert search(damaged, "俄罗斯 停火").total == expected > 0
