"""Nothing breaks it: property tests of the analysis chain, the query parser and highlighting
over arbitrary text, and fault injection through the real CLI."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from searcher.analysis.chain import AnalysisChain
from searcher.analysis.fold import fold
from searcher.analysis.units import units
from searcher.errors import QuerySyntaxError
from searcher.search.compiler import compile_query
from searcher.search.snippets import find_spans, make_snippets
from tests.conftest import grouped

# Any Unicode but lone surrogates: CJK of every plane, combining marks, emoji, full-width
# forms and control characters included, with CJK and full-width drawn often.
TEXT = st.text(st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.sampled_from("國體說川普普丁，。「」（）\n\t \u3000\u0301\U0001F600"),
), max_size=300)
QUERY = st.lists(st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=4),
    st.sampled_from(['"', "(", ")", "-", ":", "「", "」", "“", "”", " OR ", " NOT ", " AND ", " ",
                     "date:", "title:", "path:", "author:", "停火", "俄羅斯", "2025-09", "..",
                     ">=", "*"])), max_size=20).map("".join)
FAST = hypothesis_settings(max_examples=int(os.environ.get("SEARCHER_HYPOTHESIS_EXAMPLES", 300)),
                           deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])


@pytest.fixture(scope="module")
def chain(settings) -> AnalysisChain:
    return AnalysisChain(settings)


@FAST
@given(TEXT)
def test_folding_keeps_every_offset(text):
    folded = fold(text)
    assert len(folded) == len(text)
    for unit, start, end in units(folded):
        assert 0 <= start < end <= len(text)


@FAST
@given(TEXT)
def test_every_token_slices_the_original_text(chain, text):
    folded = fold(text)
    positions = []
    for term, position, start, end in chain.word_tokens(text):
        assert 0 <= start < end <= len(text)
        surface = folded[start:end]
        assert term == surface or term == chain.variants.canonical(surface)
        positions.append(position)
    assert positions == sorted(positions)
    for unit, position, start, end in chain.unit_tokens(text):
        assert 0 <= start < end <= len(text)
        assert unit == folded[start:end] or (unit == " " and folded[start:end].isspace())
    assert grouped(chain.unit_tokens(text)) == chain.unit_positions(text)
    assert grouped(chain.word_tokens(text)) == chain.word_positions(text)


@FAST
@given(TEXT)
def test_query_words_are_index_terms(chain, text):
    """What the query side makes of a text, the index side indexed (same chain)."""
    indexed = {term for term, *_ in chain.word_tokens(text)}
    for word in chain.query_words(text):
        assert chain.variants.canonical(word) in indexed


@FAST
@given(TEXT, st.lists(TEXT, max_size=4))
def test_highlighting_never_raises_and_stays_in_bounds(text, needles):
    spans = find_spans(fold(text), [fold(n) for n in needles])
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    for snippet in make_snippets(text, spans):
        for start, end in snippet.highlights:
            assert 0 <= start <= end <= len(snippet.text)


@FAST
@given(QUERY)
def test_any_query_compiles_or_fails_with_one_clear_message(chain, query):
    try:
        compile_query(query, chain)
    except QuerySyntaxError as error:
        message = str(error)
        assert message and "\n" not in message and len(message) < 300


# Queries that would cost the most without the parser's bounds, and what each gets: refused
# by a bound (length, words, nesting; nothing to search for) or searched.
PATHOLOGICAL = {
    "停火 " * 600: "refused",  # thousands of characters
    " ".join(f"詞{i}" for i in range(500)): "refused",  # hundreds of terms
    "(" * 200 + "停火" + ")" * 200: "refused",  # deep nesting
    "停*": "searched", "*": "refused", "?": "refused", "a" * 1999: "searched",
}
SEARCH_EACH = """
import json, sys
from pathlib import Path
from searcher.engine.store import open_index
from searcher.errors import QuerySyntaxError
from searcher.search.ranked import search
index = open_index(Path(sys.argv[1]))
for query in json.loads(sys.stdin.read()):
    try:
        search(index, query)
        print(json.dumps(["searched", ""]), flush=True)
    except QuerySyntaxError as error:
        print(json.dumps(["refused", str(error)]), flush=True)
"""
SECONDS = 120  # the most the queries may take, all together: a hang fails, not the suite
MEMORY_LIMIT = 2 << 30  # address space: a runaway allocation fails, not the machine


def test_pathological_queries_are_bounded(corpus_index_dir, cli_env):
    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    queries = list(PATHOLOGICAL)
    try:
        done = subprocess.run([sys.executable, "-c", SEARCH_EACH, str(corpus_index_dir)],
                              input=json.dumps(queries), env=cli_env, capture_output=True,
                              text=True, timeout=SECONDS, preexec_fn=bounded)
    except subprocess.TimeoutExpired as hung:
        answered = len((hung.stdout or "").splitlines())
        pytest.fail(f"no answer in {SECONDS} s to {queries[answered][:40]!r}…")
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = [json.loads(line) for line in done.stdout.splitlines()]
    assert [kind for kind, _ in outcomes] == list(PATHOLOGICAL.values())
    for _, message in outcomes:  # one clear line
        assert "\n" not in message and len(message) < 300
