"""The heavy versions of the robustness tests, for a machine with time to spare.

    python3 scripts/soak.py                       # defaults: a few minutes
    python3 scripts/soak.py --kills 50 --rounds 20 --examples 5000

1. kill -9: ``searcher index --rebuild`` of a corpus of --docs articles is killed at a random
   moment, --kills times; after each, the live index must give the same results as before
   and the next writer must not be blocked.
2. load: --rounds rounds of 8 concurrent ``searcher search`` processes while a rebuild runs;
   every search must succeed with the same results.
3. properties: the analysis and query-parser property tests with --examples examples each.

Prints the counts and timings, and exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "LANG": "C", "LC_ALL": "C"}


def searcher(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "searcher", *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, **kwargs)


def make_corpus(folder: Path, docs: int) -> None:
    samples = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    folder.mkdir()
    for i in range(docs):
        (folder / f"{i:05d}.txt").write_text(samples[i % len(samples)] + f"\n編號{i}。",
                                             encoding="utf-8")


def soak_kills(index: Path, kills: int, build_seconds: float) -> list[str]:
    failures = []
    expected = searcher("search", "停火", "-l", "--index", str(index)).stdout
    for n in range(kills):
        writer = subprocess.Popen([sys.executable, "-m", "searcher", "index", "--rebuild",
                                   "--index", str(index)], cwd=ROOT, env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.05, 0.95) * build_seconds)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        got = searcher("search", "停火", "-l", "--index", str(index))
        if got.returncode != 0 or got.stdout != expected:
            failures.append(f"kill {n}: search gave {got.returncode} {got.stderr.strip()}")
    if searcher("index", "--index", str(index), "--wait", "30").returncode != 0:
        failures.append("the writer after the kills failed")
    return failures


def soak_load(index: Path, rounds: int) -> tuple[list[str], list[float]]:
    failures: list[str] = []
    latencies: list[float] = []
    # As a set: the corpus repeats five articles, so scores tie, and a rebuild by several
    # writer processes may number tied documents in another order.
    expected = sorted(searcher("search", "俄羅斯", "-l", "--index", str(index)).stdout.split())
    for n in range(rounds):
        writer = subprocess.Popen([sys.executable, "-m", "searcher", "index", "--rebuild",
                                   "--index", str(index)], cwd=ROOT, env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def one() -> None:
            started = time.perf_counter()
            got = searcher("search", "俄羅斯", "-l", "--index", str(index))
            latencies.append(time.perf_counter() - started)
            if got.returncode != 0 or sorted(got.stdout.split()) != expected:
                failures.append(f"round {n}: exit {got.returncode}, "
                                f"{len(got.stdout.split())} paths {got.stderr.strip()}")

        threads = [threading.Thread(target=one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if writer.wait() != 0:
            failures.append(f"round {n}: the rebuild failed")
    return failures, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as work:
        corpus, index = Path(work) / "corpus", Path(work) / "index"
        make_corpus(corpus, args.docs)
        started = time.monotonic()
        if searcher("index", str(corpus), "--index", str(index)).returncode != 0:
            sys.exit("the first build failed")
        build_seconds = time.monotonic() - started
        print(f"corpus: {args.docs} articles, built in {build_seconds:.1f} s")
        kill_failures = soak_kills(index, args.kills, build_seconds)
        print(f"kill -9 of a rebuild at random moments: {args.kills} runs, "
              f"{len(kill_failures)} failures")
        load_failures, latencies = soak_load(index, args.rounds)
        latencies.sort()
        print(f"8 concurrent searches during a rebuild: {args.rounds} rounds, "
              f"{len(latencies)} searches, {len(load_failures)} failures, median "
              f"{latencies[len(latencies) // 2]:.2f} s, max {latencies[-1]:.2f} s")
        failures += kill_failures + load_failures
        shutil.rmtree(index, ignore_errors=True)
    properties = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/test_robustness.py", "-k",
         "folding or token or query_words or highlighting or compiles",
         f"--hypothesis-seed={random.randrange(1 << 30)}"],
        cwd=ROOT, env={**ENV, "SEARCHER_HYPOTHESIS_EXAMPLES": str(args.examples)},
        capture_output=True, text=True)
    print(f"property tests with {args.examples} examples each: "
          f"{properties.stdout.strip().splitlines()[-1]}")
    if properties.returncode != 0:
        failures.append("property tests failed")
    for failure in failures:
        print("FAILED:", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
