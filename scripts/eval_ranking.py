"""Ranking quality on known-item queries: is the article a reader wants on top?

    python3 scripts/eval_ranking.py                       # 2,000 articles, 300 queries
    python3 scripts/eval_ranking.py --docs 1000 --queries 100 --recall-per-class 0

The articles are the first ``--docs`` of ``../shared/bench`` (its JSON Lines files read in
place, interleaved line by line as ``bench_corpus`` reads them, so a slice mixes the sources;
the corpus is never copied and never used by the tests). From them ``--queries`` articles are
drawn (seeded: runs compare), each with a title holding at least two words that also occur
in its body, and each gives a **known-item query**: two or three of those words (segmented by
the project's own analysis chain; in title order, as written in the title, separated by
spaces). The article is the one to find; an article with the very same folded body (a
repost) counts as found too.

Conditions:

* **same script**: the query as written;
* **cross script**: the query converted with OpenCC as a reader of the other script and region
  would type it: ``tw2sp`` for an article in Traditional characters, ``s2twp`` or ``s2hk``
  (alternately, seeded) for one in Simplified;
* **pasted title** (``--any``): the whole title as written, one query, searched with
  ``min_match=ANY`` (and, for contrast, as an ordinary query, every word required).

Each is run against two indexes of the slice: the articles **without titles** (body only: the
query's words are then found only where the body has them) and **with titles**.

Rows:

* **searcher**: ``searcher.search.ranked.search`` (BM25F over whole words and characters,
  variant groups, field boosts, the together bonus), the query as a user types it;
* **BM25**: the baseline, plain Okapi BM25 (k1 1.2, b 0.75, Lucene's idf
  ``ln(1 + (N - df + 0.5) / (df + 0.5))``) over one field (the body, or the title and the
  body as one text), computed here over the same words the chain cuts: the folded text
  (width and script folding), segmented by the index's segmenter (rjieba, precise mode), no
  variant groups, no sub-words, no characters; the query is the OR of its distinct folded
  words (as tantivy's query parser would run it over those tokens).

Reported: success@1, success@10 and MRR@10 (the reciprocal rank of the first right article
in the top ten, else 0), with the number of queries. Then the recall classes of
``eval_queries.py`` (dictionary words, 2–4 character strings, single characters, quoted
phrases, judged against a substring search of the folded text), run on the with-titles index
so that a ranking change can be checked to cost no recall (``--recall-per-class 0`` skips
them). A table is printed and the figures written as JSON to
``bench-results/eval_ranking-<timestamp>.json`` (``--out`` to choose).
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import itertools
import json
import math
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import opencc  # noqa: E402
from bench_corpus import DEFAULT_BENCH, bench_documents  # noqa: E402
import eval_queries  # noqa: E402

from searcher.analysis.chain import AnalysisChain  # noqa: E402
from searcher.analysis.fold import fold  # noqa: E402
from searcher.analysis.settings import AnalysisSettings  # noqa: E402
from searcher.analysis.units import is_gap  # noqa: E402
from searcher.engine.store import open_index  # noqa: E402
from searcher.errors import SearcherError  # noqa: E402
from searcher.indexing.update import index_documents  # noqa: E402
from searcher.models import Document  # noqa: E402
from searcher.search.query_syntax import ANY  # noqa: E402
from searcher.search.ranked import search  # noqa: E402

K1 = 1.2
B = 0.75
DEPTH = 10  # ranks looked at: success@10, MRR@10
_WORD_RE = re.compile(r"[\u4e00-\u9fff0-9a-z]+")


@dataclass
class KnownItem:
    target: str  # the article's path
    same: str  # the query as written in the title
    cross: str  # the query converted to the other script and region
    conversion: str  # the OpenCC configuration that made ``cross``
    title: str  # the whole title (the pasted-title condition)


def is_traditional(text: str, to_simplified: opencc.OpenCC, to_traditional: opencc.OpenCC
                   ) -> bool:
    """Whether ``text`` is written in Traditional characters: converting it to Simplified
    changes more characters than converting it to Traditional."""
    sample = text[:2000]
    changed = lambda converted: sum(a != b for a, b in zip(sample, converted))  # noqa: E731
    return changed(to_simplified.convert(sample)) > changed(to_traditional.convert(sample))


def known_items(documents: list[Document], chain: AnalysisChain, count: int, seed: int
                ) -> list[KnownItem]:
    """``count`` known-item queries from articles whose titles hold 2+ words of their body."""
    rng = random.Random(seed)
    converters = {name: opencc.OpenCC(name) for name in ("t2s", "s2t", "s2twp", "s2hk", "tw2sp")}
    order = list(range(len(documents)))
    rng.shuffle(order)
    items = []
    for i in order:
        if len(items) == count:
            break
        doc = documents[i]
        folded_title, folded_body = fold(doc.title), fold(doc.body)
        words, seen = [], set()
        for word, start, end in chain.words(folded_title):
            if len(word) >= 2 and _WORD_RE.fullmatch(word) and word not in seen \
                    and word in folded_body:
                seen.add(word)
                words.append(doc.title[start:end])  # as written (folding keeps offsets)
        if len(words) < 2:
            continue
        picked = sorted(rng.sample(range(len(words)), min(len(words), rng.choice((2, 3)))))
        same = " ".join(words[j] for j in picked)
        if is_traditional(doc.title + doc.body, converters["t2s"], converters["s2t"]):
            conversion = "tw2sp"
        else:
            conversion = rng.choice(("s2twp", "s2hk"))
        items.append(KnownItem(doc.path, same, converters[conversion].convert(same),
                               conversion, doc.title))
    return items


class BM25:
    """Plain Okapi BM25 over one text per document, the chain's folded words as terms."""

    def __init__(self, chain: AnalysisChain, texts: dict[str, str]) -> None:
        self.chain = chain
        self.paths = list(texts)
        self.postings: dict[str, tuple[list[int], list[int]]] = {}
        self.lengths: list[int] = []
        for docnum, text in enumerate(texts.values()):
            terms = [w for w, _, _ in chain.words(fold(text)) if not w.isspace() and not is_gap(w)]
            self.lengths.append(len(terms))
            for term, tf in Counter(terms).items():
                docs, tfs = self.postings.setdefault(term, ([], []))
                docs.append(docnum)
                tfs.append(tf)
        self.average = sum(self.lengths) / max(len(self.lengths), 1)

    def search(self, query: str, limit: int = DEPTH) -> list[str]:
        n = len(self.lengths)
        scores: dict[int, float] = {}
        for term in dict.fromkeys(self.chain.query_words(query)):
            if term not in self.postings:
                continue
            docs, tfs = self.postings[term]
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            for d, tf in zip(docs, tfs):
                norm = K1 * (1 - B + B * self.lengths[d] / self.average)
                scores[d] = scores.get(d, 0.0) + idf * tf * (K1 + 1) / (tf + norm)
        best = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
        return [self.paths[d] for d, _ in best]


def measure(ranked: list[list[str | frozenset[str]]], relevant: list[set[str]]) -> dict:
    """success@1, success@10 and MRR@10 of ranked paths against each query's right ones (a
    rank may hold a hit and its collapsed copies: right when any of them is)."""
    ranks = []
    for paths, right in zip(ranked, relevant):
        ranks.append(next((r for r, entry in enumerate(paths[:DEPTH], 1)
                           if right.intersection([entry] if isinstance(entry, str) else entry)),
                          None))
    n = len(ranks) or 1
    return {"queries": len(ranks),
            "success@1": sum(r == 1 for r in ranks) / n,
            "success@10": sum(r is not None for r in ranks) / n,
            "mrr@10": sum(1 / r for r in ranks if r is not None) / n}


def searcher_ranking(index, queries: list[str], min_match=None
                     ) -> tuple[list[list[frozenset[str]]], int]:
    """The top ten hits per query, each as its path and its copies' (reposts collapsed into
    it, as a reader sees them), and how many queries were refused (a syntax error)."""
    ranked, errors = [], 0
    for query in queries:
        try:
            result = search(index, query, limit=DEPTH, snippets=0, min_match=min_match)
        except SearcherError:
            errors += 1
            ranked.append([])
            continue
        ranked.append([frozenset([hit.path, *(copy.path for copy in hit.copies)])
                       for hit in result.hits])
    return ranked, errors


def evaluate_index(label: str, index, bm25: BM25, items: list[KnownItem],
                   relevant: list[set[str]], pasted: bool) -> list[dict]:
    rows = []
    conditions = [("same script", [item.same for item in items], None),
                  ("cross script", [item.cross for item in items], None)]
    if pasted:
        conditions += [("pasted title, --any", [item.title for item in items], ANY),
                       ("pasted title, all words", [item.title for item in items], None)]
    for condition, queries, min_match in conditions:
        started = time.monotonic()
        ranked, errors = searcher_ranking(index, queries, min_match)
        seconds = time.monotonic() - started
        rows.append({"index": label, "condition": condition, "ranking": "searcher",
                     **measure(ranked, relevant), "errors": errors,
                     "ms_per_query": 1000 * seconds / max(len(queries), 1)})
        if condition == "pasted title, all words":
            continue  # BM25 has no AND row: it is the same OR as --any
        started = time.monotonic()
        ranked = [bm25.search(query) for query in queries]
        seconds = time.monotonic() - started
        rows.append({"index": label, "condition": condition, "ranking": "BM25",
                     **measure(ranked, relevant), "errors": 0,
                     "ms_per_query": 1000 * seconds / max(len(queries), 1)})
    return rows


def recall_classes(index, documents: list[Document], chain: AnalysisChain, per_class: int,
                   seed: int) -> list[dict]:
    """``eval_queries.py``'s classes on the with-titles index, its own functions."""
    folded = {doc.path: fold(doc.title + "\n" + doc.body) for doc in documents}
    classes = eval_queries.sample_queries(list(folded.values()), chain, per_class, seed)
    return [eval_queries.summarize(name, eval_queries.evaluate(index, folded, queries))
            for name, queries in classes.items()]


def print_tables(results: dict) -> None:
    print(f"{results['documents']} articles ({results['mb']:.1f} MB of text), "
          f"{results['known_items']} known-item queries "
          f"({results['cross_changed']} changed by the cross-script conversion; "
          f"{results['traditional_targets']} targets in Traditional characters); seed "
          f"{results['seed']}")
    print(f"{'index':<16}{'condition':<26}{'ranking':<10}{'S@1':>7}{'S@10':>7}{'MRR@10':>8}"
          f"{'ms/q':>8}{'errors':>8}")
    for row in results["ranking"]:
        print(f"{row['index']:<16}{row['condition']:<26}{row['ranking']:<10}"
              f"{row['success@1']:>7.3f}{row['success@10']:>7.3f}{row['mrr@10']:>8.3f}"
              f"{row['ms_per_query']:>8.1f}{row['errors'] or '':>8}")
    if results["recall"]:
        print()
        print(f"{'recall class':<26}{'queries':>8}{'recall':>9}{'min':>7}{'full':>7}"
              f"{'precision':>11}{'exact':>8}")
        for row in results["recall"]:
            print(f"{row['class']:<26}{row['queries']:>8}{row['recall']:>9.2%}"
                  f"{row['min recall']:>7.0%}{row['full recall']:>7.0%}"
                  f"{row['precision']:>11.2%}{row['exact']:>8.0%}")
    print(f"\n{results['seconds']:.0f} s in all")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH,
                        help="the benchmark corpus (default: ../shared/bench)")
    parser.add_argument("--docs", type=int, default=2000,
                        help="articles indexed, from the start of the slice (default: 2000)")
    parser.add_argument("--queries", type=int, default=300,
                        help="known-item queries (default: 300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--recall-per-class", type=int, default=40,
                        help="queries per recall class of eval_queries.py; 0: none (default: 40)")
    parser.add_argument("--no-pasted", action="store_true",
                        help="leave out the pasted-title (--any) condition")
    parser.add_argument("--procs", type=int, default=1, help="indexing processes (default: 1)")
    parser.add_argument("--out", type=Path, help="JSON results (default: "
                        "bench-results/eval_ranking-<timestamp>.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.monotonic()
    stamp = time.strftime("%Y-%m-%dT%H%M%S")
    documents = list(itertools.islice(bench_documents(args.bench_dir), args.docs))
    settings = AnalysisSettings.default()
    chain = AnalysisChain(settings)
    items = known_items(documents, chain, args.queries, args.seed)
    by_body: dict[str, set[str]] = {}
    for doc in documents:
        by_body.setdefault(hashlib.sha1(fold(doc.body).encode()).hexdigest(), set()).add(doc.path)
    body_of = {doc.path: hashlib.sha1(fold(doc.body).encode()).hexdigest() for doc in documents}
    relevant = [by_body[body_of[item.target]] for item in items]
    rows, recall = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for label, with_titles in (("without titles", False), ("with titles", True)):
            docs = documents if with_titles else [replace(d, title="") for d in documents]
            index_dir = Path(tmp) / label.replace(" ", "-")
            report = index_documents(index_dir, docs, settings, procs=args.procs)
            print(f"indexed {label}: {report.seconds:.1f} s", file=sys.stderr)
            index = open_index(index_dir)
            bm25 = BM25(chain, {d.path: (d.title + "\n" + d.body if with_titles else d.body)
                                for d in documents})
            rows += evaluate_index(label, index, bm25, items, relevant, not args.no_pasted)
            if with_titles and args.recall_per_class:
                recall = recall_classes(index, documents, index.chain, args.recall_per_class,
                                        args.seed)
    results = {
        "started": stamp, "documents": len(documents), "seed": args.seed,
        "mb": sum(len(d.body.encode("utf-8")) for d in documents) / 1e6,
        "known_items": len(items),
        "cross_changed": sum(item.same != item.cross for item in items),
        "traditional_targets": sum(item.conversion == "tw2sp" for item in items),
        "ranking": rows, "recall": recall, "seconds": time.monotonic() - started,
        "queries": [vars(item) for item in items],
    }
    print_tables(results)
    out = args.out or REPO / "bench-results" / f"eval_ranking-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"results: {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
