"""Reposts collapsed: do an article's copies in other scripts and regions make one group, and
do different articles stay apart?

    python3 scripts/eval_collapse.py                  # 3,000 news stories, every commentary
    python3 scripts/eval_collapse.py --stories 1000 --commentaries 0 --seed 2
    python3 scripts/eval_collapse.py --through-search                # end to end, 1,000 stories
    python3 scripts/eval_collapse.py --through-search --stories 3000 --seed 2

From ``../shared/bench`` (read in place, never copied), ``--stories`` news stories
(``news-xwlb.jsonl``) and ``--commentaries`` commentaries (``commentary-bedtimenews.jsonl``,
1,923 long enough) are drawn (seeded), each at least ``--min-chars`` characters long. Each
article (Simplified) gets two copies: its OpenCC ``s2twp`` conversion (Taiwan, with Taiwan's
words: 软件 → 軟體) and its ``s2hk`` conversion (Hong Kong). All three are folded by the
analysis chain's ``fold`` (the folding index and query use), fingerprinted
(``searcher.analysis.fingerprint``), and all of a corpus's copies are grouped at once by
``searcher.search.collapse``: stricter than a search, which groups only one query's hits.

Reported per corpus:

* **collapsed**: the share of articles whose three copies are in one group (target ≥ 98%);
* articles grouped with a different article, by how much the least alike of those resembles
  it (``fingerprint.resemblance``: the exact Jaccard resemblance of the folded texts' shingle
  sets): **repeat** (≥ ``REPEAT``: one text published twice, as the news corpus does),
  **template** (``OVERLAP`` to ``REPEAT``: stories written to one template, a daily bulletin
  or a state visit's welcome, or one quoting much of another) and **unrelated** (below
  ``OVERLAP``);
* **false-merge rate**: the share of articles grouped with a different article that is not
  a repeat (template and unrelated); **largest**: the most articles in one group;
* the fingerprint's cost: µs per article and per KB of folded UTF-8 text (folding not
  included: the index folds each text anyway).

Up to five articles not collapsed, least alike first, are listed under the table with their
Taiwan copy's resemblance.

**End to end** (``--through-search``): what a reader sees, one query at a time. ``--stories``
news stories (default 1,000 in this mode; drawn as above: one seed and count, one sample)
and their ``s2twp`` and ``s2hk`` copies (title and body converted) are indexed as three
documents each, ``hans/ID``, ``twp/ID`` and ``hk/ID``, with titles, into a fresh index in a
temporary directory (``searcher.indexing.update.index_documents``; ``--procs`` processes).
Each story is then searched for with a **known-item query**: up to three words of its title
(the first, in title order, as written in the Simplified title, separated by spaces, so all
required), each a word of two or more letters that the index's own chain cuts from the folded
title and that occurs in all three copies' folded bodies (so the query matches every copy:
folding makes scripts one, and a Taiwan word swap, 消息 → 訊息, is never picked). About one
story in eight has only one such word, a broad query that puts many other stories beside its
copies (a harder test of merging). A story with no such word is searched for by a quoted phrase: the first 8 letters and digits of its
folded Simplified body that all three folded bodies share. The search is
``searcher.search.ranked.search`` as the CLI runs it (collapse on), ``limit=None`` (every
match ranked and collapsed; no snippets, no match lists: not what is measured). A hit's group
is its path and its ``copies``. Per story:

* **collapsed**: its three copies are all in one hit's group (target ≥ 98%);
* **split**: its copies are in two or more hits;
* **partly found**: fewer than three of its copies among the matches (the query missed one);
  **not found**: none (both should be 0);
* **merged**: a group holding its copies also holds a copy of another story, by how much the
  least alike of those resembles it (Simplified bodies, ``fingerprint.resemblance``):
  **repeat** (≥ ``REPEAT``: a genuine repeat) or **different story** (below ``REPEAT``; of
  which **unrelated**, below ``OVERLAP``). The **false-merge rate** is the share of stories
  merged with a different story;
* time to index the ``3 × stories`` documents, and per query (median and mean).

Up to five stories not collapsed and five wrongly merged are listed under the table.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import opencc  # noqa: E402
from bench_corpus import DEFAULT_BENCH, bench_documents  # noqa: E402

from searcher.analysis.chain import AnalysisChain  # noqa: E402
from searcher.analysis.fingerprint import fingerprint, resemblance  # noqa: E402
from searcher.analysis.fold import fold  # noqa: E402
from searcher.analysis.settings import AnalysisSettings  # noqa: E402
from searcher.engine.store import open_index  # noqa: E402
from searcher.indexing.update import index_documents  # noqa: E402
from searcher.models import Document  # noqa: E402
from searcher.search.collapse import collapse  # noqa: E402
from searcher.search.ranked import search  # noqa: E402

CONVERSIONS = ("s2twp", "s2hk")
REPEAT = 0.5  # resemblance from which two articles count as one text published twice
OVERLAP = 0.2  # from it to REPEAT, two articles share much of their text (a template)
KINDS = ("repeat", "template", "unrelated")  # two grouped articles, from best to worst
COPY_NAMES = ("hans", "twp", "hk")  # path prefixes end to end: the original, then CONVERSIONS
QUERY_WORDS = 3  # the most title words in an end-to-end query
PHRASE = 8  # letters and digits in the fallback quoted phrase
_WORD_RE = re.compile(r"[\u4e00-\u9fff0-9a-z]+")  # a query word: CJK, digits, folded Latin


@dataclass
class CorpusResult:
    name: str
    articles: int
    collapsed: int
    grouped: dict[str, int]  # articles grouped with another article, by the worst kind
    largest: int  # the most articles in one group
    microseconds_per_article: float
    microseconds_per_kb: float
    # Up to five articles not collapsed, least alike first, with their s2twp copy's resemblance.
    worst_missed: list[tuple[str, float]]


def sample_documents(bench_dir: Path, file: str, count: int, min_chars: int, seed: int
                     ) -> list[Document]:
    """``count`` articles of ``file`` with at least ``min_chars`` characters, drawn at random
    (seeded)."""
    documents = [doc for doc in bench_documents(bench_dir, files=[file])
                 if len(doc.body) >= min_chars]
    return random.Random(seed).sample(documents, min(count, len(documents)))


def sample_articles(bench_dir: Path, file: str, count: int, min_chars: int, seed: int
                    ) -> list[tuple[str, str]]:
    """``count`` articles ``(path, body)`` of ``file`` with at least ``min_chars`` characters,
    drawn at random (seeded)."""
    return [(doc.path, doc.body)
            for doc in sample_documents(bench_dir, file, count, min_chars, seed)]


def evaluate(name: str, articles: list[tuple[str, str]], seed: int) -> CorpusResult:
    converters = [opencc.OpenCC(conversion) for conversion in CONVERSIONS]
    folded = []  # copy number -> folded text; copy c belongs to article c // copies
    for _, body in articles:
        folded.append(fold(body))
        folded.extend(fold(converter.convert(body)) for converter in converters)
    copies = 1 + len(converters)
    fingerprint("")  # builds the per-process code point table: no article's cost
    started = time.perf_counter()
    keys = [fingerprint(text) for text in folded]
    seconds = time.perf_counter() - started
    kb = sum(len(text.encode("utf-8")) for text in folded) / 1000

    ranked = list(range(len(folded)))
    random.Random(seed).shuffle(ranked)  # any order groups alike; rank order is collapse's
    groups = collapse(ranked, keys.__getitem__)
    group_of = {copy: number for number, group in enumerate(groups)
                for copy in (group.leader, *group.copies)}
    collapsed, missed = 0, []
    for article in range(len(articles)):
        first = article * copies
        if len({group_of[first + i] for i in range(copies)}) == 1:
            collapsed += 1
        else:
            missed.append((articles[article][0], resemblance(folded[first], folded[first + 1])))

    worst: dict[int, int] = {}  # article -> index in KINDS of its least alike partner
    largest = 1
    for group in groups:
        members = sorted({copy // copies for copy in (group.leader, *group.copies)})
        largest = max(largest, len(members))
        for a, b in itertools.combinations(members, 2):
            similarity = resemblance(folded[a * copies], folded[b * copies])
            kind = 0 if similarity >= REPEAT else 1 if similarity >= OVERLAP else 2
            for article in (a, b):
                worst[article] = max(worst.get(article, kind), kind)
    grouped = {name: sum(k == i for k in worst.values()) for i, name in enumerate(KINDS)}
    return CorpusResult(name, len(articles), collapsed, grouped, largest,
                        seconds / len(folded) * 1e6, seconds / kb * 1e6,
                        sorted(missed, key=lambda item: item[1])[:5])


def print_table(results: list[CorpusResult]) -> None:
    header = ("corpus", "articles", "collapsed", *KINDS, "false-merge rate", "largest",
              "µs/article", "µs/KB")
    rows = [header]
    for r in results:
        falsely = r.grouped["template"] + r.grouped["unrelated"]
        rows.append((r.name, f"{r.articles:,}", f"{r.collapsed / r.articles:.2%}",
                     *(str(r.grouped[kind]) for kind in KINDS), f"{falsely / r.articles:.2%}",
                     str(r.largest), f"{r.microseconds_per_article:.1f}",
                     f"{r.microseconds_per_kb:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(row, widths))))
    print(f"repeat, template, unrelated: articles grouped with another article, the least "
          f"alike of them resembling it by ≥ {REPEAT}, {OVERLAP}–{REPEAT}, < {OVERLAP}; "
          f"false-merge rate: template and unrelated; largest: the most articles in a group")
    for r in results:
        for path, similarity in r.worst_missed:
            print(f"not collapsed: {path} (its s2twp copy resembles it by {similarity:.2f})")


@dataclass
class StoryQuery:
    story: int
    text: str  # the query as searched
    phrase: bool  # the fallback quoted phrase, not title words


@dataclass
class SearchOutcome:
    stories: int
    documents: int
    query_words: dict[int, int]  # queries by their number of title words; 0: a quoted phrase
    collapsed: int
    split: int
    partly_found: int
    not_found: int
    merged: dict[str, int]  # "repeat", "different" (below REPEAT), "unrelated" (below OVERLAP)
    largest: int  # the most stories in one hit's group
    largest_query: str  # a query whose hits hold that group
    index_seconds: float
    query_ms: list[float]
    hits_per_query: float
    missed: list[tuple[str, str, int, str]]  # (story, query, hits holding copies, copies found)
    wrong: list[tuple[str, str, float]]  # (story, other story, resemblance), least alike first


def story_copies(documents: list[Document]) -> list[Document]:
    """Each story as three documents: ``hans/ID`` (as published), ``twp/ID`` and ``hk/ID``
    (title and body converted with OpenCC ``s2twp`` and ``s2hk``)."""
    converters = [opencc.OpenCC(conversion) for conversion in CONVERSIONS]
    copies = []
    for doc in documents:
        story = doc.path.partition("#")[2] or doc.path
        copies.append(Document(f"{COPY_NAMES[0]}/{story}", doc.body, doc.title, doc.date))
        for name, converter in zip(COPY_NAMES[1:], converters):
            copies.append(Document(f"{name}/{story}", converter.convert(doc.body),
                                   converter.convert(doc.title), doc.date))
    return copies


def story_query(chain: AnalysisChain, title: str, folded_bodies: list[str]) -> tuple[str, bool]:
    """A known-item query for a story: up to ``QUERY_WORDS`` words of its title that occur in
    every copy's folded body, as written in the title, in title order; else a quoted phrase of
    ``PHRASE`` letters and digits that every copy's folded body holds (the first of the
    Simplified body)."""
    words, seen = [], set()
    for word, start, end in chain.words(fold(title)):
        if len(word) >= 2 and _WORD_RE.fullmatch(word) and word not in seen \
                and all(word in body for body in folded_bodies):
            seen.add(word)
            words.append(title[start:end])  # as written (folding keeps offsets)
            if len(words) == QUERY_WORDS:
                break
    if words:
        return " ".join(words), False
    first = folded_bodies[0]
    for run in re.finditer(rf"[\u4e00-\u9fff0-9a-z]{{{PHRASE},}}", first):
        for i in range(run.start(), run.end() - PHRASE + 1):
            phrase = first[i:i + PHRASE]
            if all(phrase in body for body in folded_bodies[1:]):
                return f'"{phrase}"', True
    raise ValueError(f"no query for {title!r}")


def evaluate_through_search(stories: list[Document], procs: int) -> SearchOutcome:
    """Index the stories' three copies, search each story by its known-item query, and see
    which hits hold its copies."""
    settings = AnalysisSettings.default()
    documents = story_copies(stories)
    copies = len(COPY_NAMES)
    folded = [fold(doc.body) for doc in documents]  # document d is a copy of story d // copies
    story_of = {doc.path: d // copies for d, doc in enumerate(documents)}
    with tempfile.TemporaryDirectory(prefix="eval_collapse-") as tmp:
        report = index_documents(Path(tmp) / "index", documents, settings, procs=procs)
        print(f"indexed {len(documents):,} documents: {report.seconds:.1f} s", file=sys.stderr)
        index = open_index(Path(tmp) / "index")
        chain = index.chain
        queries = []
        for story, doc in enumerate(stories):
            text, phrase = story_query(chain, doc.title,
                                       folded[story * copies:(story + 1) * copies])
            queries.append(StoryQuery(story, text, phrase))
        search(index, queries[0].text, limit=None, snippets=0, find_matches=False)  # warm up
        counts = dict.fromkeys(("collapsed", "split", "partly", "none"), 0)
        merged = dict.fromkeys(("repeat", "different", "unrelated"), 0)
        largest, largest_query, query_ms, hits, missed, wrong = 1, "", [], 0, [], []
        similarity: dict[tuple[int, int], float] = {}
        for query in queries:
            started = time.perf_counter()
            result = search(index, query.text, limit=None, snippets=0, find_matches=False)
            query_ms.append((time.perf_counter() - started) * 1000)
            hits += len(result.hits)
            groups = []  # the stories of each hit's group that holds one of this story's copies
            found = set()
            for hit in result.hits:
                paths = (hit.path, *(copy.path for copy in hit.copies))
                mine = {path for path in paths if story_of[path] == query.story}
                if mine:
                    groups.append({story_of[path] for path in paths})
                    found |= mine
            if not found:
                counts["none"] += 1
            elif len(found) < copies:
                counts["partly"] += 1
            if len(groups) == 1 and len(found) == copies:
                counts["collapsed"] += 1
            elif len(groups) > 1:
                counts["split"] += 1
            if len(groups) != 1 or len(found) != copies:
                names = sorted(path.partition("/")[0] for path in found)
                missed.append((documents[query.story * copies].path, query.text, len(groups),
                               "+".join(names) or "none"))
            others = set().union(*groups) - {query.story} if groups else set()
            if others:
                if max(len(group) for group in groups) > largest:
                    largest, largest_query = max(len(group) for group in groups), query.text
                first = query.story * copies
                least, other = min(
                    (similarity.setdefault((min(query.story, o), max(query.story, o)),
                                           resemblance(folded[first], folded[o * copies])), o)
                    for o in others)
                if least >= REPEAT:
                    merged["repeat"] += 1
                else:
                    merged["different"] += 1
                    merged["unrelated"] += least < OVERLAP
                    wrong.append((documents[first].path,
                                  documents[other * copies].path, least))
    shapes = Counter(0 if q.phrase else len(q.text.split()) for q in queries)
    return SearchOutcome(len(stories), len(documents), dict(sorted(shapes.items())),
                         counts["collapsed"], counts["split"], counts["partly"], counts["none"],
                         merged, largest, largest_query, report.seconds, query_ms,
                         hits / len(queries), missed[:5],
                         sorted(wrong, key=lambda item: item[2])[:5])


def print_search_table(r: SearchOutcome) -> None:
    n = r.stories
    share = lambda count: f"{count:,} ({count / n:.2%})"  # noqa: E731
    shapes = ", ".join(f"{count:,} of {words} word{'s' * (words > 1)}" if words
                       else f"{count:,} quoted phrases"
                       for words, count in r.query_words.items())
    rows = [("stories", f"{n:,} ({r.documents:,} documents)"),
            ("queries", shapes),
            ("collapsed (one hit)", share(r.collapsed)),
            ("split (2+ hits)", share(r.split)),
            ("partly found", share(r.partly_found)),
            ("not found", share(r.not_found)),
            ("merged: repeat (≥ {})".format(REPEAT), share(r.merged["repeat"])),
            ("merged: different (< {})".format(REPEAT), share(r.merged["different"])),
            ("  of which unrelated (< {})".format(OVERLAP), share(r.merged["unrelated"])),
            ("false-merge rate", f"{r.merged['different'] / n:.2%}"),
            ("largest group (stories)", f"{r.largest}" + (f" (query {r.largest_query!r})"
                                                          if r.largest_query else "")),
            ("index time", f"{r.index_seconds:.1f} s "
                           f"({r.index_seconds / r.documents * 1000:.1f} ms/document)"),
            ("query time", f"median {statistics.median(r.query_ms):.1f} ms, mean "
                           f"{statistics.fmean(r.query_ms):.1f} ms, max {max(r.query_ms):.0f} ms"),
            ("hits per query", f"{r.hits_per_query:.1f} (collapsed, limit=None)")]
    width = max(len(label) for label, _ in rows)
    print("end to end: each story searched by its title words, collapse on")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    for story, query, groups, found in r.missed:
        print(f"not collapsed: {story}, query {query!r}: copies found {found}, "
              f"in {groups} hit(s)")
    for story, other, similarity in r.wrong:
        print(f"merged: {story} with {other} (resemblance {similarity:.2f})")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--stories", type=int, help="news stories (xwlb; default: 3,000, "
                        "end to end 1,000)")
    parser.add_argument("--commentaries", type=int, default=2000,
                        help="commentaries (bedtimenews; 0 to skip)")
    parser.add_argument("--min-chars", type=int, default=200,
                        help="an article's least length in characters")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--through-search", action="store_true",
                        help="end to end: index the news stories' copies, search each story by "
                             "its title words, check the hits (commentaries not used)")
    parser.add_argument("--procs", type=int, default=1,
                        help="indexing processes, end to end (default: 1)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.through_search:
        stories = sample_documents(args.bench_dir, "news-xwlb.jsonl", args.stories or 1000,
                                   args.min_chars, args.seed)
        print_search_table(evaluate_through_search(stories, args.procs))
        return
    if args.stories is None:
        args.stories = 3000
    results = []
    for name, file, count in (("news (xwlb)", "news-xwlb.jsonl", args.stories),
                              ("commentary (bedtimenews)", "commentary-bedtimenews.jsonl",
                               args.commentaries)):
        if count:
            articles = sample_articles(args.bench_dir, file, count, args.min_chars, args.seed)
            results.append(evaluate(name, articles, args.seed))
    print_table(results)


if __name__ == "__main__":
    main()
