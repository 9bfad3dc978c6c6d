"""Reposts collapsed: do an article's copies in other scripts and regions make one group, and
do different articles stay apart?

    python3 scripts/eval_collapse.py                  # 3,000 news stories, every commentary
    python3 scripts/eval_collapse.py --stories 1000 --commentaries 0 --seed 2

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
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import opencc  # noqa: E402
from bench_corpus import DEFAULT_BENCH, bench_documents  # noqa: E402

from searcher.analysis.fingerprint import fingerprint, resemblance  # noqa: E402
from searcher.analysis.fold import fold  # noqa: E402
from searcher.search.collapse import collapse  # noqa: E402

CONVERSIONS = ("s2twp", "s2hk")
REPEAT = 0.5  # resemblance from which two articles count as one text published twice
OVERLAP = 0.2  # from it to REPEAT, two articles share much of their text (a template)
KINDS = ("repeat", "template", "unrelated")  # two grouped articles, from best to worst


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


def sample_articles(bench_dir: Path, file: str, count: int, min_chars: int, seed: int
                    ) -> list[tuple[str, str]]:
    """``count`` articles ``(path, body)`` of ``file`` with at least ``min_chars`` characters,
    drawn at random (seeded)."""
    articles = [(doc.path, doc.body) for doc in bench_documents(bench_dir, files=[file])
                if len(doc.body) >= min_chars]
    return random.Random(seed).sample(articles, min(count, len(articles)))


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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--stories", type=int, default=3000, help="news stories (xwlb)")
    parser.add_argument("--commentaries", type=int, default=2000,
                        help="commentaries (bedtimenews; 0 to skip)")
    parser.add_argument("--min-chars", type=int, default=200,
                        help="an article's least length in characters")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
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
