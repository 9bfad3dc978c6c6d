"""Search quality against Ctrl-F: recall and precision of searcher's results measured against
a substring search of the folded text (width + script folding, no variant table).

    python3 scripts/eval_queries.py                      # the sample corpus
    python3 scripts/eval_queries.py --bench --mb 4       # 4 MB of ../shared/bench
    python3 scripts/eval_queries.py --queries my.txt     # your own queries, one a line

Without ``--queries`` it draws query sets from the corpus itself (seeded, so runs compare):
dictionary words as jieba finds them, arbitrary 2–4 character strings, single characters, and
quoted phrases of 2–6 characters. Unquoted queries are judged on recall (every article with the
characters must come back; variant folding may add more, which lowers precision by design);
quoted phrases must equal the ground truth exactly.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import DEFAULT_BENCH, bench_documents  # noqa: E402

from searcher.analysis.fold import fold  # noqa: E402
from searcher.analysis.settings import AnalysisSettings  # noqa: E402
from searcher.engine.store import open_index  # noqa: E402
from searcher.indexing.update import index_documents  # noqa: E402
from searcher.ingest.formats import parse_file  # noqa: E402
from searcher.ingest.walk import corpus_files  # noqa: E402
from searcher.search.ranked import search  # noqa: E402

_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]{2,}")


def sample_queries(folded_texts: list[str], chain, per_class: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    runs = [run for text in folded_texts for run in _CJK_RUN_RE.findall(text)]
    words = sorted({w for run in rng.sample(runs, min(len(runs), 3000))
                    for w in chain.query_words(run) if len(w) >= 2 and _CJK_RUN_RE.fullmatch(w)})

    def substrings(low: int, high: int) -> list[str]:
        result = []
        long_runs = [r for r in runs if len(r) >= high]
        for _ in range(per_class):
            run = rng.choice(long_runs)
            size = rng.randint(low, high)
            start = rng.randrange(len(run) - size + 1)
            result.append(run[start:start + size])
        return result

    return {
        "dictionary words": rng.sample(words, min(per_class, len(words))),
        "2-4 char strings": substrings(2, 4),
        "single characters": substrings(1, 1),
        "quoted 2-6 char phrases": [f'"{p}"' for p in substrings(2, 6)],
    }


def evaluate(index, folded: dict[str, str], queries: list[str]) -> list[dict]:
    rows = []
    for query in queries:
        needle = fold(query.strip('"'))
        truth = {path for path, text in folded.items() if needle in text}
        found = {path for hit in search(index, query, limit=None).hits
                 for path in [hit.path, *(copy.path for copy in hit.copies)]}
        hit = len(found & truth)
        rows.append({"query": query, "truth": len(truth), "found": len(found),
                     "recall": hit / len(truth) if truth else 1.0,
                     "precision": hit / len(found) if found else 1.0,
                     "exact": found == truth})
    return rows


def summarize(name: str, rows: list[dict]) -> dict:
    return {"class": name, "queries": len(rows),
            "recall": sum(r["recall"] for r in rows) / len(rows),
            "min recall": min(r["recall"] for r in rows),
            "full recall": sum(r["recall"] == 1.0 for r in rows) / len(rows),
            "precision": sum(r["precision"] for r in rows) / len(rows),
            "exact": sum(r["exact"] for r in rows) / len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parent.parent / "corpus")
    parser.add_argument("--bench", nargs="?", const=DEFAULT_BENCH, type=Path,
                        help="use the benchmark corpus (default ../shared/bench)")
    parser.add_argument("--mb", type=float, default=4.0, help="benchmark slice size")
    parser.add_argument("--queries", type=Path, help="a file of queries, one a line")
    parser.add_argument("--per-class", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    if args.bench:
        documents = list(bench_documents(args.bench, args.mb))
    else:
        documents = [doc for file, root in corpus_files([args.corpus])
                     for doc in parse_file(file.read_bytes(), file.relative_to(root).as_posix(),
                                                 []).documents]
    folded = {doc.path: fold(doc.title + "\n" + doc.body) for doc in documents}
    settings = AnalysisSettings.default()
    with tempfile.TemporaryDirectory() as tmp:
        report = index_documents(Path(tmp) / "index", documents, settings)
        index = open_index(Path(tmp) / "index")
        if args.queries:
            lines = args.queries.read_text(encoding="utf-8").splitlines()
            classes = {"given": [q for q in lines if q.strip()]}
        else:
            classes = sample_queries(list(folded.values()), index.chain, args.per_class, args.seed)
        results = {name: evaluate(index, folded, queries) for name, queries in classes.items()}
    size = sum(len(d.body.encode()) for d in documents) / 1e6
    print(f"corpus: {len(documents)} documents, {size:.1f} MB of text, indexed in "
          f"{report.seconds:.1f} s")
    summary = [summarize(name, rows) for name, rows in results.items()]
    print(f"{'class':<26}{'queries':>8}{'recall':>9}{'min':>7}{'full':>7}{'precision':>11}{'exact':>8}")
    for row in summary:
        print(f"{row['class']:<26}{row['queries']:>8}{row['recall']:>9.2%}{row['min recall']:>7.0%}"
              f"{row['full recall']:>7.0%}{row['precision']:>11.2%}{row['exact']:>8.0%}")
    misses = [r for rows in results.values() for r in rows if r["recall"] < 1.0]
    for row in misses[:10]:
        print(f"  missed: {row['query']} ({row['found']} found, {row['truth']} true)")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": results}, ensure_ascii=False,
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
