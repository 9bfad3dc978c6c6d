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
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from searcher.analysis.fold import fold
from searcher.analysis.segmenters import RJiebaSegmenter
from searcher.analysis.query_dictionary import (
    FILLER, QUERY_USER_WORDS, QUERY_WORDS, QuerySegmenter, base_cache, open_query_words,
    write_query_words)
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
    write_query_words(tmp_path, user_frequencies)
    words = open_query_words(tmp_path)
    assert words.total == sum(theirs.values())
    ours = {}
    for layer in (*base_cache().glob("*.txt"), tmp_path / QUERY_USER_WORDS):  # user words last
        lines = layer.read_text(encoding="utf-8").splitlines()[1:]
        keys = [line.split(" ")[0].encode("utf-8") for line in lines]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        ours.update((line.split(" ")[0], int(line.split(" ")[1])) for line in lines)
    assert ours == theirs
    assert (tmp_path / QUERY_USER_WORDS).stat().st_size < 1_000_000  # the base is not in it
    for word in list(theirs)[::997] + ["C#", "c#", "B超", settings.userwords[0]]:
        assert words.frequency(word) == (theirs[word], True)
    assert words.frequency("停火協議書之") == (None, False)


@functools.cache  # a full segmenter loads the dictionary: once per settings
def _segmenters(settings):
    generation = Path(tempfile.mkdtemp())
    full = RJiebaSegmenter(settings.userwords)
    write_query_words(generation, full.user_frequencies)
    return full, QuerySegmenter(open_query_words(generation))


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
    (current_generation(tmp_path / "idx") / QUERY_USER_WORDS).unlink()
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
    path = current_generation(tmp_path / "idx") / QUERY_USER_WORDS
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 3)
    damaged = open_index(tmp_path / "idx")
    assert damaged.chain.query_dictionary is None
    assert search(damaged, "俄罗斯 停火").total == expected > 0


def _agrees_with_the_full_segmenter(chain, settings) -> None:
    full = _segmenters(settings)[0]
    for text in _stretches()[::50] + ["川普與普丁", settings.userwords[0] + "停火"]:
        assert QuerySegmenter(chain.query_dictionary).tokenize(text) == full.tokenize(text)


@pytest.fixture
def built(tmp_path, settings) -> Path:
    """An index of the corpus; its generation's user words, and the base in the cache."""
    from searcher.indexing.update import update_index
    from tests.conftest import CORPUS

    update_index(tmp_path / "idx", [CORPUS], settings)
    return tmp_path / "idx"


def _base_file() -> Path:
    [base] = base_cache().glob("*.txt")
    return base


def test_a_missing_base_is_built_again_into_the_cache(built, tmp_path, monkeypatch, settings):
    """An index opened where the cache holds no base (another user, a cache emptied)
    builds it again, the same bytes, and segments as the indexer did."""
    expected = _base_file().read_bytes()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    chain = open_index(built).chain
    assert chain.query_dictionary is not None
    assert _base_file().read_bytes() == expected
    _agrees_with_the_full_segmenter(chain, settings)


@pytest.mark.parametrize("plant", ["truncated", "flipped", "longer", "link", "folder"])
def test_a_planted_or_damaged_base_is_built_again(built, tmp_path, monkeypatch, settings,
                                                  plant):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    open_index(built)
    base = _base_file()
    expected = base.read_bytes()
    at = expected.index("\n停火 ".encode()) + len("\n停火 ".encode())
    base.unlink()
    if plant == "truncated":
        base.write_bytes(expected[:len(expected) // 3])
    elif plant == "flipped":  # the same size, a frequency changed: found by its CRC32
        digit = b"1" if expected[at:at + 1] != b"1" else b"2"
        base.write_bytes(expected[:at] + digit + expected[at + 1:])
    elif plant == "longer":
        base.write_bytes(expected + "停火 999999999 n\n".encode())
    elif plant == "link":
        base.symlink_to("/dev/zero")
    else:
        base.mkdir()
    chain = open_index(built).chain
    assert chain.query_dictionary is not None
    _agrees_with_the_full_segmenter(chain, settings)
    if plant != "folder":  # a folder is not replaced by a file; the next open builds again
        assert base.is_file() and not base.is_symlink() and base.read_bytes() == expected


@pytest.mark.parametrize("plant", ["base flipped", "note elsewhere", "note garbled"])
def test_a_build_records_the_true_base_whatever_the_cache_notes(built, tmp_path, settings,
                                                                plant):
    """A build finds the sorted base through a note named by ``dict.txt``'s SHA-256 instead
    of sorting it again; a note whose base is not as noted, or that names a path, or is not a
    note, is passed over: the build sorts, and records the base a query can trust."""
    from searcher.indexing.update import update_index
    from tests.conftest import CORPUS

    first = (built / "CURRENT").read_text().strip()
    recorded = (built / first / QUERY_USER_WORDS).read_bytes().split(b"\n")[0]
    base = _base_file()
    expected = base.read_bytes()
    [note] = base_cache().glob("from-*")
    if plant == "base flipped":
        at = expected.index("\n停火 ".encode()) + len("\n停火 ".encode())
        digit = b"1" if expected[at:at + 1] != b"1" else b"2"
        base.write_bytes(expected[:at] + digit + expected[at + 1:])
    elif plant == "note elsewhere":
        elsewhere = tmp_path / "elsewhere.txt"
        elsewhere.write_bytes(expected)
        note.write_text(f"../../{elsewhere.stem} {len(expected)} 0\n")
    else:
        note.write_bytes(b"\xff" * 300)
    update_index(built, [CORPUS], settings, rebuild=True)
    second = (built / "CURRENT").read_text().strip()
    assert second != first
    assert (built / second / QUERY_USER_WORDS).read_bytes().split(b"\n")[0] == recorded
    assert base.read_bytes() == expected
    assert note.read_text().split()[0] == base.stem
    _agrees_with_the_full_segmenter(open_index(built).chain, settings)


def test_a_fifo_in_place_of_the_base_is_not_waited_on(built, tmp_path, settings):
    """Opened without blocking, in a process bounded by the test: a FIFO with no writer
    would otherwise wait forever."""
    cache = tmp_path / "cache"
    script = ("import sys\n"
              "from pathlib import Path\n"
              "from searcher.engine.store import open_index\n"
              f"chain = open_index(Path({str(built)!r})).chain\n"
              "print(chain.query_dictionary is not None, chain.query_words('俄罗斯停火'))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120,
                   capture_output=True)
    base = next((cache / "searcher" / "query-words").glob("*.txt"))
    base.unlink()
    os.mkfifo(base)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=True, timeout=120)
    assert done.stdout == "True ['俄罗斯', '停火']\n"
    assert base.is_file()


def test_a_base_that_cannot_be_built_again_leaves_the_full_segmenter(built, settings):
    """A generation naming a base that ``dict.txt`` no longer gives (jieba changed since the
    index was built): queries load the full segmenter, the same words."""
    from searcher.engine import integrity
    from searcher.engine.store import current_generation
    from searcher.search.ranked import search

    expected = search(open_index(built), "俄罗斯 停火").total
    generation = current_generation(built)
    path = generation / QUERY_USER_WORDS
    header, _, rest = path.read_bytes().partition(b"\n")
    fields = header.split(b" ")
    fields[5] = b"0" * 64  # another base's SHA-256
    path.write_bytes(b" ".join(fields) + b"\n" + rest)
    integrity.record_checksums(generation, rewritten=[QUERY_USER_WORDS])
    index = open_index(built)
    assert index.chain.query_dictionary is None
    assert search(index, "俄罗斯 停火").total == expected > 0


def test_an_older_generation_with_the_whole_dictionary_is_read(built, settings):
    """A generation written before the base moved to the cache holds the whole dictionary
    (``QUERY_WORDS``): it is read as it is, and the next run leaves it."""
    from searcher.engine import integrity
    from searcher.engine.store import current_generation
    from searcher.indexing.update import update_index
    from tests.conftest import CORPUS

    generation = current_generation(built)
    user = (generation / QUERY_USER_WORDS).read_bytes().decode("utf-8").splitlines()
    words = {line.split(" ")[0]: line for line in _base_file().read_text("utf-8").splitlines()[1:]}
    words.update((line.split(" ")[0], line) for line in user[1:])
    body = "".join(words[word] + "\n" for word in sorted(words, key=str.encode)).encode()
    total = int(user[0].split(" ")[1])
    (generation / QUERY_WORDS).write_bytes(b"#total %d bytes %d\n" % (total, len(body)) + body)
    (generation / QUERY_USER_WORDS).unlink()
    integrity.record_checksums(generation, rewritten=[QUERY_WORDS])
    chain = open_index(built).chain
    assert chain.query_dictionary is not None
    _agrees_with_the_full_segmenter(chain, settings)
    assert update_index(built, [CORPUS], settings).unchanged == 5
    assert sorted(p.name for p in generation.glob("query-*")) == [QUERY_WORDS]
