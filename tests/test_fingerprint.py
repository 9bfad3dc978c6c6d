"""Reposts collapsed: near-duplicate fingerprints of the sample articles and copies built from
them (OpenCC conversions to other scripts and regions, light edits), and their grouping in
rank order."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import opencc
import pytest
from hypothesis import given, strategies as st

from searcher.analysis.fingerprint import (
    BANDS, MIN_CHARACTERS, estimated_resemblance, fingerprint, resemblance, shared_bands)
from searcher.analysis.fold import fold
from searcher.search.collapse import Group, collapse, collapse_rows
from tests.conftest import ROOT, corpus_texts

ARTICLES = corpus_texts()  # five Traditional (Taiwan) commentaries
NAMES = sorted(ARTICLES)


def convert(config: str, text: str) -> str:
    return opencc.OpenCC(config).convert(text)


def copies(text: str) -> list[str]:
    """The article as written, and in Simplified, Taiwan and Hong Kong spellings (the last two
    converted from the Simplified, as a repost site would)."""
    simplified = convert("t2s", text)
    return [text, simplified, convert("s2twp", simplified), convert("s2hk", simplified)]


def keys_of(texts: list[str]) -> list[tuple[int, ...]]:
    return [fingerprint(fold(text)) for text in texts]


def members(group: Group) -> list[int]:
    return [group.leader, *group.copies]


@pytest.mark.parametrize("name", NAMES)
def test_an_article_in_three_scripts_and_regions_makes_one_group(name):
    texts = copies(ARTICLES[name])
    assert len(set(texts)) == 4  # each conversion changed the text
    keys = keys_of(texts)
    assert collapse(range(4), keys.__getitem__) == [Group(0, (1, 2, 3))]
    assert estimated_resemblance(keys[1], keys[2]) > 0.5


def test_different_articles_stay_apart_even_with_all_their_copies():
    texts = [copy for name in NAMES for copy in copies(ARTICLES[name])]
    keys = keys_of(texts)
    groups = collapse(range(len(texts)), keys.__getitem__)
    assert [members(group) for group in groups] == [
        [i, i + 1, i + 2, i + 3] for i in range(0, len(texts), 4)]
    for i, a in enumerate(NAMES):
        for b in NAMES[i + 1:]:
            first, second = fold(ARTICLES[a]), fold(ARTICLES[b])
            assert shared_bands(fingerprint(first), fingerprint(second)) == 0
            assert resemblance(first, second) < 0.1


def lightly_edited(text: str, replacement: str) -> str:
    """``text`` with its longest paragraph replaced by ``replacement`` and a line appended."""
    paragraphs = text.split("\n")
    longest = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i]))
    paragraphs[longest] = replacement
    return "\n".join(paragraphs) + "\n（本文轉載自《上報》，經作者授權刊登，標題為編輯所擬）\n"


@pytest.mark.parametrize("name", NAMES)
def test_a_lightly_edited_copy_in_another_script_collapses(name):
    other = ARTICLES[NAMES[(NAMES.index(name) + 1) % len(NAMES)]]
    replacement = max(other.split("\n"), key=len)  # a paragraph from another article
    edited = convert("s2hk", convert("t2s", lightly_edited(ARTICLES[name], replacement)))
    assert 0.8 < resemblance(fold(ARTICLES[name]), fold(edited)) < 0.95
    keys = keys_of([ARTICLES[name], edited, other])
    assert collapse([2, 0, 1], keys.__getitem__) == [Group(2, ()), Group(0, (1,))]


def test_texts_too_short_to_tell_have_no_fingerprint_and_never_collapse():
    headline = "川普與普丁通話，討論俄烏停火。"
    assert fingerprint(fold(headline)) == ()
    assert fingerprint("") == ()
    # Punctuation and white space do not count towards the length.
    letters = ARTICLES[NAMES[0]].replace("\n", "")[:MIN_CHARACTERS * 2]
    kept = "".join(c for c in letters if c.isalnum())[:MIN_CHARACTERS]
    padded = "，".join(kept[:-1]) + "。" * 100
    assert fingerprint(fold(padded)) == ()
    assert len(fingerprint(fold(kept))) == BANDS
    same = [headline, headline, convert("t2s", headline)]
    assert collapse(range(3), keys_of(same).__getitem__) == [
        Group(0, ()), Group(1, ()), Group(2, ())]


def test_a_fingerprint_is_a_fixed_number_of_signed_64_bit_keys_the_same_in_every_process():
    text = fold(ARTICLES[NAMES[3]])
    keys = fingerprint(text)
    assert len(keys) == len(set(keys)) == BANDS
    assert all(isinstance(key, int) and -2**63 <= key < 2**63 for key in keys)
    # Python's own str hash is salted per process; the fingerprint must not be.
    program = ("import sys; from searcher.analysis.fingerprint import fingerprint; "
               "print(list(fingerprint(sys.stdin.read())))")
    for seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", program], input=text, text=True,
                                capture_output=True, check=True, cwd=ROOT,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.stdout.strip() == str(list(keys))


def test_copies_of_copies_join_one_group_led_by_the_best_ranked():
    # 5 shares a key with 9, 9 with 2: 5 and 2 share none, yet are one group.
    keys = {2: (30, 40), 5: (10, 11), 7: (), 8: (50,), 9: (11, 40)}
    assert shared_bands(keys[5], keys[2]) == 0
    assert collapse([8, 2, 7, 9, 5], keys) == [Group(8, ()), Group(2, (9, 5)), Group(7, ())]
    assert collapse([5, 8, 9, 2, 7], keys.get) == [Group(5, (9, 2)), Group(8, ()), Group(7, ())]
    assert collapse([], keys) == []


@given(st.lists(st.frozensets(st.integers(0, 12), max_size=3), max_size=25),
       st.randoms(use_true_random=False))
def test_groups_are_the_connected_documents_in_rank_order(key_sets, random):
    docnums = list(range(100, 100 + len(key_sets)))
    random.shuffle(docnums)
    keys = dict(zip(docnums, key_sets))
    ranked = sorted(docnums, key=lambda _: random.random())
    groups = collapse(ranked, keys)
    # The same partition as a search over shared keys from each document.
    component = {}
    for start in ranked:
        if start in component:
            continue
        component[start], frontier = start, [start]
        while frontier:
            doc = frontier.pop()
            for other in ranked:
                if other not in component and keys[doc] & keys[other]:
                    component[other] = start
                    frontier.append(other)
    assert sorted(sorted(members(g)) for g in groups) == sorted(
        sorted(d for d in ranked if component[d] == leader) for leader in set(component.values()))
    # Leaders in rank order, each its group's best; copies in rank order.
    position = {doc: rank for rank, doc in enumerate(ranked)}
    assert [position[g.leader] for g in groups] == sorted(position[g.leader] for g in groups)
    for group in groups:
        ranks = [position[doc] for doc in members(group)]
        assert ranks == sorted(ranks)
    # The same groups from a table of fingerprints, a row a document (zeros: no key).
    table = np.zeros((200, 3), np.int64)
    for docnum, key_set in keys.items():
        table[docnum, :len(key_set)] = [key + 1 for key in key_set]
    assert collapse_rows(ranked, table) == groups
