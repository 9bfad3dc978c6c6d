"""Benchmark the analysis chain's index-time path alone: what the writers ask of it for each
document (``ChainAnalyzer.text_terms`` of the words and units fields of the title, body and
author, and of the path's characters: a words field's counts, the others' positions), on a
slice of each ``../shared/bench`` file.

    python3 scripts/bench_chain.py                  # 2 MB of each file, three runs
    python3 scripts/bench_chain.py --mb 4 --runs 3 --files news-xwlb.jsonl
    python3 scripts/bench_chain.py --warm 8         # after 8 MB, as well into a build
    python3 scripts/bench_chain.py --digest new.txt # no timing: what the chain gives

``--digest FILE`` writes, for every document of the slice, a SHA-256 of the terms and
positions of each of its fields (terms in sorted order; the words fields' positions too, from
``positions_by_term``, though the writers keep only their counts), one line each: run it under
two checkouts (``PYTHONPATH``) and compare the files to see that a change kept the chain's
output.

Each run is a fresh process (spawned), so per-process caches (the chain's table of words, its
tables by code point) start cold, as at the start of a build; ``--warm MB`` first analyses
that much of the text after the slice, off the clock, as a process well into a build would
have. The slice is read and the segmenter loaded before the clock starts. Time is CPU time
(``time.process_time``): the machine may be shared, and the chain runs on one core. MB = UTF-8
bytes of titles and bodies.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import DEFAULT_BENCH, bench_documents  # noqa: E402

FILES = ("news-xwlb.jsonl", "laws-tw.jsonl", "commentary-bedtimenews.jsonl")


def index_terms(analyzers, doc) -> int:
    """What the writers ask of the chain for one document (``text_terms`` of each analysed
    field, as ``ChainText.text_terms`` asks: positions but in a words field); the number of
    terms."""
    words, units, chars = analyzers
    found = len(chars.text_terms(doc.path, True).counts)
    for value in (doc.title, doc.body, doc.author):
        if value:
            found += (len(words.text_terms(value, False).counts)
                      + len(units.text_terms(value, True).counts))
    return found


def _digests(bench: str, name: str, mb: float) -> list[str]:
    from searcher.analysis.chain import AnalysisChain
    from searcher.analysis.settings import AnalysisSettings
    from searcher.engine.whoosh.schema import ChainAnalyzer

    chain = AnalysisChain(AnalysisSettings.default())
    words, units, chars = (ChainAnalyzer(s, chain) for s in ("words", "units", "chars"))
    lines = []
    for doc in bench_documents(Path(bench), mb, [name]):
        fields = [chars.positions_by_term(doc.path)]
        for value in (doc.title, doc.body, doc.author or ""):
            fields += [words.positions_by_term(value), units.positions_by_term(value)]
        payload = json.dumps([sorted(f.items()) for f in fields], ensure_ascii=False)
        digest = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()
        lines.append(f"{doc.path}\t{digest}")
    return lines


def _run(bench: str, name: str, mb: float, warm: float) -> tuple[float, float, int]:
    from searcher.analysis.chain import AnalysisChain
    from searcher.analysis.settings import AnalysisSettings
    from searcher.engine.whoosh.schema import ChainAnalyzer

    docs = list(bench_documents(Path(bench), mb, [name]))
    text_bytes = sum(len(d.title.encode()) + len(d.body.encode()) for d in docs)
    chain = AnalysisChain(AnalysisSettings.default())
    chain.word_counts("预热")  # loads the segmenter, off the clock
    analyzers = [ChainAnalyzer(stream, chain) for stream in ("words", "units", "chars")]
    if warm:  # the documents after the slice, off the clock
        for doc in list(bench_documents(Path(bench), mb + warm, [name]))[len(docs):]:
            index_terms(analyzers, doc)
    start = time.process_time()
    for doc in docs:
        index_terms(analyzers, doc)
    return text_bytes / 1e6, time.process_time() - start, len(docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=2.0, help="MB of text from each file")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", nargs="*", default=list(FILES))
    parser.add_argument("--bench", default=str(DEFAULT_BENCH))
    parser.add_argument("--warm", type=float, default=0.0,
                        help="MB of the following text analysed first, off the clock (a "
                             "process well into a build)")
    parser.add_argument("--digest", type=Path, help="write each document's digest, no timing")
    args = parser.parse_args()
    missing = [name for name in args.files if not (Path(args.bench) / name).is_file()]
    if missing:
        raise SystemExit(f"not in {args.bench}: {', '.join(missing)} (--bench DIR)")
    if args.digest:
        lines = [line for name in args.files for line in _digests(args.bench, name, args.mb)]
        args.digest.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        print(f"{len(lines)} documents' digests in {args.digest}")
        return
    context = multiprocessing.get_context("spawn")
    totals: list[tuple[float, float]] = []
    for name in args.files:
        rates = []
        for _ in range(args.runs):
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
                mb, seconds, count = pool.submit(_run, args.bench, name, args.mb,
                                                        args.warm).result()
            rates.append(mb / seconds)
            totals.append((mb, seconds))
        print(f"{name:32} {mb:5.1f} MB {count:6} docs  "
              + "  ".join(f"{r:5.2f}" for r in rates) + f"  MB/s per core "
              f"(median {statistics.median(rates):.2f})")
    print(f"{'all':32} {sum(m for m, _ in totals) / sum(s for _, s in totals):.2f} MB/s per core")


if __name__ == "__main__":
    main()
