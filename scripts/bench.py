"""Benchmark searcher on a slice of ``../shared/bench``: indexing against the stock jieba +
Whoosh baseline, cold and warm query latency, and incremental ``searcher index`` runs.

    python3 scripts/bench.py                        # 8 MB slice, everything
    python3 scripts/bench.py --mb 2 --skip-cold     # quicker
    python3 scripts/bench.py --index index/ --skip-baseline --skip-incremental
    python3 scripts/bench.py --keep /tmp/bench-ix --out results.json
    python3 scripts/bench.py --mb 16 --skip-baseline --skip-incremental   # server, recollq
    python3 scripts/bench.py --mb 16 --cluster 4 --skip-baseline --skip-cold \
        --skip-incremental --skip-terminal           # a sharded index on 4 local workers
    python3 scripts/bench.py --mb 20 --procs 2 --tantivy --skip-baseline   # tantivy beside

What it measures, all on the same slice (text MB = UTF-8 bytes of titles and bodies):

1. indexing: ``searcher.indexing.update.index_documents`` (``--procs`` is passed through when the
   library accepts it) and the naive baseline, jieba's ``ChineseAnalyzer`` in a three-field
   Whoosh schema with the default writer; with ``--tantivy``, tantivy (Rust: a yardstick, not
   a dependency) indexing the terms searcher's chain makes of the slice, its time split into
   the chain's and tantivy's (``scripts/bench_tantivy.py``), with as many indexing threads as
   searcher has processes. Each build runs in its own fresh (spawned) process
   holding the slice in memory; it reports wall seconds (MB/s, docs/s), the index size on disk
   and memory (Linux ``/proc``): the process's RSS before the build and at its peak
   (``VmHWM``), the largest worker's peak RSS, and the peak PSS summed over the process and its
   workers ("tree PSS", sampled every 0.2 s: the figure to compare when ``procs`` > 1);
2. cold query latency: ``python -m searcher search --json QUERY... --index DIR`` as a new
   process per run over a fixed list of queries (1–4 words, Simplified and Traditional, some
   phrases, some date filters), end to end; plus ``searcher --version`` as the start-up floor;
3. warm latency: ``searcher.search.ranked.search`` in this process, snippets included, over the same
   queries for several rounds after one warm-up round (wall and CPU time); the warm-up round is
   reported too: each query's first time on the open index, before its reader keeps anything
   of it (``engine.cache``);
4. incremental indexing: the slice written as JSON Lines files of 20 documents, indexed once by
   ``searcher index --json`` (its own default ``--procs``), then re-indexed with nothing changed
   and after rewriting 1% of the files; wall seconds and the command's counts;
5. a search typed in a terminal: the slice written as one text file per document and indexed
   by ``searcher index``; then each query run by the ``searcher`` command
   (``scripts/searcher`` as pip installs it, in a virtual environment of its own where this
   checkout is installed as ``pip install`` leaves it: ``installed_client``) with stdout and
   stderr on a pseudo-terminal 100 columns wide, timed from spawn to exit, with a pause
   between runs as a person types (not timed): through the resident server (its own runtime
   folder, stopped at the end), the very first search (no server yet: it answers in-process
   and starts one), the first search after each of a few ``searcher index`` runs (the
   server's open generation changed), in-process (``SEARCHER_NO_SERVER=1``), ``python -c
   pass`` as the floor (in that environment, and in this one), and Recoll's ``recollq`` over
   the same files (when ``recollindex`` and ``recollq`` are installed: Debian's
   ``recollcmd``, a yardstick, not a dependency) with the time its ``recollindex`` took; and
   the server's resident memory;
6. a sharded index (``--cluster N``, docs/cluster.md): the slice written as JSON Lines files
   (as in 4), built by ``searcher.cluster.build.build_sharded`` on a Dask ``LocalCluster`` of
   N worker processes (one shard each), beside one index of the same files built by
   ``update_index`` (``--procs``, else its default), each in a fresh process: wall seconds
   (the cluster's start apart) and the peak tree PSS, workers included. Then warm latency of
   the same queries through ``ShardedIndex.search`` (a new local cluster of N workers, the
   shards held open by its actors) beside ``search`` on the one index, each with the same
   ``SearchRequest`` (10 hits, collapsed, snippets), as ``searcher search`` runs it; the top
   10 paths and scores of every query must be equal, else the run stops.

The cold CLI runs (2) set ``SEARCHER_NO_SERVER=1``: they measure the in-process start-up.

It prints a table and writes every figure, the machine and the parameters as JSON (``--out``,
default ``bench-results/bench-<timestamp>.json``). Built indexes live in a temporary folder
unless ``--keep DIR``; the corpus slice is only ever written to a temporary folder.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fcntl
import importlib.metadata
import inspect
import json
import logging
import multiprocessing
import os
import platform
import pty
import resource
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import DEFAULT_BENCH, bench_documents, scaled  # noqa: E402
from bench_tantivy import build_tantivy  # noqa: E402

from searcher.models import Document  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DOCS_PER_FILE = 20
CHANGED_FRACTION = 0.01
CHANGE_MARK = "\n（本文已修訂 bench）"
TYPING_PAUSE = 0.2  # seconds between terminal searches, as a person types them (not timed)
TERMINAL_COLUMNS = 100
REBUILDS = 3  # `searcher index` runs, each followed by a timed first search
FLOOR_RUNS = 30  # `python -c pass` runs


@dataclass(frozen=True)
class BenchQuery:
    """One query as typed on the command line."""

    words: tuple[str, ...]
    since: str | None = None
    until: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.words)  # what the CLI passes to search()

    @property
    def label(self) -> str:
        return " ".join(self.cli_args())

    def cli_args(self) -> list[str]:
        args = list(self.words)
        if self.since:
            args += ["--since", self.since]
        if self.until:
            args += ["--until", self.until]
        return args


QUERIES: tuple[BenchQuery, ...] = (
    BenchQuery(("停火",)),
    BenchQuery(("經濟",)),
    BenchQuery(("房地产",)),
    BenchQuery(("川普",)),
    BenchQuery(("俄罗斯", "乌克兰")),
    BenchQuery(("國家", "安全")),
    BenchQuery(("习近平", "总统"), since="2022-01-10"),
    BenchQuery(("疫情", "防控"), since="2022-01", until="2022-12"),
    BenchQuery(("美國", "關稅"), since="2025-01"),
    BenchQuery(("中華民國", "憲法", "修正")),
    BenchQuery(("人民", "法院", "判决"), until="2023"),
    BenchQuery(("人工智能", "发展", "科技", "创新")),
    BenchQuery(("環境", "保護", "污染", "罰鍰")),
    BenchQuery(('"新闻联播"',)),
    BenchQuery(('"行政院"',)),
    BenchQuery(('"一带一路"', "合作"), since="2021-07"),
)


# --- measurements in a fresh process ------------------------------------------------------

def _status_kib(field: str) -> int:
    """A ``/proc/self/status`` memory figure (``VmRSS``, ``VmHWM``) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _descendants(root: int) -> list[int]:
    """Every live process below ``root`` (worker pools), from ``/proc/*/stat``."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            parent = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    frontier = [root]
    while frontier:
        below = children.get(frontier.pop(), [])
        found += below
        frontier += below
    return found


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass  # gone meanwhile
    return 0


class TreeMemory(threading.Thread):
    """Samples the summed PSS of this process and its descendants; keeps the peak."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            pids = [os.getpid(), *_descendants(os.getpid())]
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in pids))
            if self.done.wait(self.interval):
                return

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak_kib


def _measure_build(build: Callable[[list[Document]], None], bench_dir: str, mb: float,
                   index_dir: str, copies: int = 1) -> dict:
    """Load the slice, run ``build`` on it and measure; runs in the child process."""
    docs = list(scaled(bench_documents(Path(bench_dir), mb), copies))
    rss_before = _status_kib("VmRSS")
    sampler = TreeMemory()
    sampler.start()
    started = time.perf_counter()
    build(docs)
    seconds = time.perf_counter() - started
    tree_pss = sampler.stop()
    return {"seconds": seconds, "docs": len(docs), "rss_before_mib": rss_before / 1024,
            "peak_rss_mib": _status_kib("VmHWM") / 1024,
            "largest_worker_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            / 1024,
            "peak_tree_pss_mib": tree_pss / 1024,
            "index_bytes": _tree_bytes(Path(index_dir)),
            "index_mib": _tree_bytes(Path(index_dir)) / 2**20}


def _build_ours(bench_dir: str, mb: float, index_dir: str, procs: int | None,
                copies: int = 1) -> dict:
    from searcher.analysis.settings import AnalysisSettings
    from searcher.indexing.update import index_documents

    extra = {} if procs is None else {"procs": procs}

    def build(docs: list[Document]) -> None:
        index_documents(Path(index_dir), docs, AnalysisSettings.default(), **extra)

    return _measure_build(build, bench_dir, mb, index_dir, copies)


def _build_baseline(bench_dir: str, mb: float, index_dir: str) -> dict:
    import jieba
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    jieba.setLogLevel(logging.WARNING)  # as searcher does: no dictionary-loading chatter

    def build(docs: list[Document]) -> None:
        schema = Schema(id=ID(stored=True, unique=True),
                        title=TEXT(stored=True, analyzer=ChineseAnalyzer()),
                        body=TEXT(stored=True, analyzer=ChineseAnalyzer()))
        Path(index_dir).mkdir(parents=True)
        writer = whoosh_index.create_in(index_dir, schema).writer()
        for doc in docs:
            writer.add_document(id=doc.path, title=doc.title, body=doc.body)
        writer.commit()

    return _measure_build(build, bench_dir, mb, index_dir)


def in_fresh_process(function: Callable[..., dict], *args: object) -> dict:
    """``function(*args)`` in a newly spawned interpreter, so builds share no memory."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def _tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# --- figures --------------------------------------------------------------------------------

def percentile(values: list[float], q: int) -> float:
    """The ``q``-th percentile, interpolated between samples."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def latency_summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"samples": len(ms), "p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms)}


def throughput(build: dict, text_bytes: int) -> dict:
    return {**build, "mb_per_s": text_bytes / 1e6 / build["seconds"],
            "docs_per_s": build["docs"] / build["seconds"]}


# --- queries --------------------------------------------------------------------------------

def searcher_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "searcher", *args]


def cold_queries(index_dir: Path, runs: int) -> dict:
    """Each query as a new ``searcher search`` process, ``runs`` times, timed end to end.
    The package's bytecode is compiled first, as ``pip install`` does: where
    ``PYTHONDONTWRITEBYTECODE`` is set (this machine sets it) an editable install would
    otherwise compile every module from source in every run, 50 ms that no user pays."""
    import compileall

    import searcher

    compileall.compile_dir(Path(searcher.__file__).parent, quiet=1)
    env = {**os.environ, "SEARCHER_NO_SERVER": "1"}  # the in-process start-up
    floor = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(searcher_cli("--version"), check=True, capture_output=True, env=env)
        floor.append(time.perf_counter() - started)
    per_query = []
    for query in QUERIES:
        command = searcher_cli("search", "--json", *query.cli_args(), "--index", str(index_dir))
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            times.append(time.perf_counter() - started)
            if done.returncode not in (0, 1):  # 1 is "no hits"
                raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
        per_query.append({"query": query.label, "hits": len(done.stdout.splitlines()),
                          "seconds": times})
    every = [s for q in per_query for s in q["seconds"]]
    return {"runs_per_query": runs, "startup_floor": latency_summary(floor),
            **latency_summary(every), "queries": per_query}


def warm_queries(index_dir: Path, rounds: int) -> dict:
    """``search()`` with snippets on one open index: a warm-up round, then ``rounds``."""
    from searcher.dates import DateRange, parse_bound
    from searcher.engine.store import open_index
    from searcher.search.ranked import search

    started = time.perf_counter()
    index = open_index(index_dir)
    open_seconds = time.perf_counter() - started
    dates = [DateRange(parse_bound(q.since) if q.since else None,
                       parse_bound(q.until, upper=True) if q.until else None) for q in QUERIES]
    times: dict[BenchQuery, list[float]] = {q: [] for q in QUERIES}
    cpu: list[float] = []  # this thread's CPU time: what a busy machine's load inflates least
    hits: dict[BenchQuery, int] = {}
    first_round = []
    for round_number in range(rounds + 1):
        for query, date_range in zip(QUERIES, dates):
            started, started_cpu = time.perf_counter(), time.thread_time()
            result = search(index, query.text, limit=10, dates=date_range)
            elapsed = time.perf_counter() - started
            if round_number:
                times[query].append(elapsed)
                cpu.append(time.thread_time() - started_cpu)
            else:
                first_round.append(elapsed)
                hits[query] = len(result.hits)
    every = [s for samples in times.values() for s in samples]
    reads = {q: postings_read_seconds(index, q, rounds) for q in QUERIES}
    return {"rounds": rounds, "open_index_s": open_seconds, "warmup_round_s": sum(first_round),
            "first_time": latency_summary(first_round),
            **latency_summary(every), "cpu": latency_summary(cpu),
            "postings_read": latency_summary([s for r in reads.values() for s in r]),
            "queries": [{"query": q.label, "hits": hits[q], "p50_ms": percentile(s, 50) * 1000,
                         "max_ms": max(s) * 1000,
                         "postings_read_p50_ms": percentile(reads[q], 50) * 1000}
                        for q, s in times.items()]}


def postings_read_seconds(index, query: BenchQuery, rounds: int) -> list[float]:
    """How long merely reading the postings a query's plan needs takes, ``rounds`` times:
    the floor under its latency that no evaluation strategy over these postings avoids.
    Their documents and frequencies: positions are read apart, where a search checks them."""
    from searcher.search.compiler import compile_query
    from searcher.search.plan import plan_terms

    terms = plan_terms(compile_query(query.text, index.chain).plan)
    reader = index.reader()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for field, text in terms:
            reader.postings(field, text)
        samples.append(time.perf_counter() - started)
    return samples


# --- incremental indexing -------------------------------------------------------------------

def write_corpus(docs: list[Document], folder: Path) -> list[Path]:
    """The slice as JSON Lines files of ``DOCS_PER_FILE`` documents each."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for start in range(0, len(docs), DOCS_PER_FILE):
        file = folder / f"part-{start // DOCS_PER_FILE:05d}.jsonl"
        write_part(file, docs[start:start + DOCS_PER_FILE])
        files.append(file)
    return files


def write_part(file: Path, docs: Iterable[Document], mark: str = "") -> None:
    lines = [json.dumps({"id": doc.path.partition("#")[2] or doc.path, "title": doc.title,
                         "date": doc.date, "text": doc.body + mark}, ensure_ascii=False)
             for doc in docs]
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def cli_index(folder: Path, index_dir: Path) -> dict:
    """One ``searcher index --json`` run: wall seconds and its summary."""
    command = searcher_cli("index", str(folder), "--index", str(index_dir), "--json")
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if not done.stdout.strip():
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    summary = json.loads(done.stdout.splitlines()[-1])
    return {"wall_s": wall, "exit": done.returncode,
            **{k: summary[k] for k in ("added", "updated", "removed", "unchanged", "skipped",
                                       "rebuilt", "seconds")}}


def incremental(docs: list[Document], folder: Path, index_dir: Path) -> dict:
    files = write_corpus(docs, folder)
    initial = cli_index(folder, index_dir)
    unchanged = cli_index(folder, index_dir)
    count = max(1, round(len(files) * CHANGED_FRACTION))
    step = len(files) / count
    changed = [int(i * step) for i in range(count)]
    for number in changed:
        start = number * DOCS_PER_FILE
        write_part(files[number], docs[start:start + DOCS_PER_FILE], CHANGE_MARK)
    after_change = cli_index(folder, index_dir)
    return {"files": len(files), "docs_per_file": DOCS_PER_FILE, "changed_files": count,
            "initial": initial, "nothing_changed": unchanged, "after_change": after_change}


# --- a search typed in a terminal ----------------------------------------------------------

def console_script(folder: Path, python: str = sys.executable) -> Path:
    """The ``searcher`` command as pip installs it from setup.cfg's ``scripts``: what a
    user's shell runs (the installed one may be older than this checkout)."""
    source = (REPO / "scripts" / "searcher").read_text(encoding="utf-8")
    script = folder / "searcher"
    script.write_text(source.replace("#!python", f"#!{python}", 1), encoding="utf-8")
    script.chmod(0o755)
    return script


def installed_client(folder: Path) -> Path:
    """A virtual environment in ``folder`` holding this checkout as ``pip install`` leaves it
    (a wheel unpacked, not an editable install), the other packages found in this
    environment's site-packages through a path line: so the interpreter starts as in a
    user's own environment, without this one's ``.pth`` import hooks (an editable install's
    finder, a sandbox's certificate bundle: 25-30 ms a start here). Its Python. pip builds
    the wheel in isolation, as a user's ``pip install`` does (setuptools from the index)."""
    import site
    import venv

    venv.create(folder, with_pip=False)
    python = folder / "bin" / "python"
    site_packages = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site_packages), str(REPO)], check=True, capture_output=True)
    (site_packages / "this-environment.pth").write_text(
        "".join(f"{path}\n" for path in site.getsitepackages()), encoding="utf-8")
    return python


def in_terminal(command: list[str], env: dict) -> tuple[float, int]:
    """Run ``command`` with stdout and stderr on a new pseudo-terminal ``TERMINAL_COLUMNS``
    wide (its output read and dropped meanwhile): seconds from spawn to exit, exit status."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, TERMINAL_COLUMNS, 0, 0))

    def drain() -> None:  # until every holder of the terminal (a server's worker too) is gone
        while select.select([leader], [], [], 120)[0]:
            try:
                if not os.read(leader, 1 << 16):
                    return
            except OSError:  # EIO: the last holder closed it
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=follower,
                               stderr=follower)
    code = process.wait()
    elapsed = time.perf_counter() - started
    os.close(follower)
    reader.join(120)
    os.close(leader)
    return elapsed, code


def write_text_files(docs: list[Document], folder: Path) -> None:
    """One UTF-8 text file a document: its title, a blank line, its body."""
    folder.mkdir(parents=True)
    for number, doc in enumerate(docs):
        (folder / f"{number:06d}.txt").write_text(f"{doc.title}\n\n{doc.body}\n",
                                                   encoding="utf-8")


def typed(command: list[str], env: dict, runs: int) -> list[float]:
    """``command`` run ``runs`` times in a terminal, a typing pause before each."""
    times = []
    for _ in range(runs):
        time.sleep(TYPING_PAUSE)
        elapsed, code = in_terminal(command, env)
        if code not in (0, 1):  # 1 is "no hits"
            raise SystemExit(f"{' '.join(command)} failed ({code})")
        times.append(elapsed)
    return times


def terminal_searches(docs: list[Document], work: Path, runs: int) -> dict:
    corpus, index = work / "terminal-corpus", work / "terminal-index"
    write_text_files(docs, corpus)
    runtime = work / "run"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k not in ("SEARCHER_NO_SERVER", "COLUMNS")}
    env["XDG_RUNTIME_DIR"] = str(runtime)  # a server of its own, whatever the user runs
    (work / "config.toml").write_text("server_idle_minutes = 1\n")  # if it is not stopped
    env["SEARCHER_CONFIG"] = str(work / "config.toml")
    alone = {**env, "SEARCHER_NO_SERVER": "1"}
    started = time.perf_counter()
    subprocess.run(searcher_cli("index", str(corpus), "--index", str(index)), env=alone,
                   check=True, capture_output=True)
    build_s = time.perf_counter() - started
    (work / "bin").mkdir()
    python = installed_client(work / "client-env")
    script = str(console_script(work / "bin", str(python)))

    def search(query: BenchQuery) -> list[str]:
        return [script, "search", *query.cli_args(), "--index", str(index)]

    results: dict = {"runs_per_query": runs, "pause_s": TYPING_PAUSE,
                     "columns": TERMINAL_COLUMNS, "searcher_index_s": build_s}
    results["floor"] = latency_summary(typed([str(python), "-c", "pass"], env, FLOOR_RUNS))
    results["floor_this_environment"] = latency_summary(
        typed([sys.executable, "-c", "pass"], env, FLOOR_RUNS))
    try:
        first, _ = in_terminal(search(QUERIES[0]), env)  # no server yet
        results["no_server_yet_ms"] = first * 1000
        subprocess.run([script, "server", "start"], env=env, check=True, capture_output=True)
        served = [s for query in QUERIES for s in typed(search(query), env, runs)]
        results["served"] = latency_summary(served)
        after_build = []
        for number in range(REBUILDS):
            with open(corpus / f"{number:06d}.txt", "a", encoding="utf-8") as file:
                file.write(CHANGE_MARK)
            subprocess.run(searcher_cli("index", "--index", str(index)), env=alone, check=True,
                           capture_output=True)
            after_build += typed(search(QUERIES[number % len(QUERIES)]), env, 1)
        results["first_after_index_run"] = latency_summary(after_build)
        status = subprocess.run([script, "server", "status", "--json"], env=env,
                                capture_output=True, text=True)
        if status.returncode == 0:
            results["server_rss_mib"] = json.loads(status.stdout)["rss_bytes"] / 2**20
    finally:
        subprocess.run([script, "server", "stop"], env=env, capture_output=True)
    results["in_process"] = latency_summary(
        [s for query in QUERIES for s in typed(search(query), alone, 1)])
    results["recollq"] = recoll_searches(corpus, work / "recoll", env, runs)
    return results


def recoll_searches(corpus: Path, config: Path, env: dict, runs: int) -> dict | None:
    """``recollq`` over the same files, each query's words as typed (no date filters: Recoll
    has no such fields here), the first 10 results; None without Recoll."""
    if not (shutil.which("recollindex") and shutil.which("recollq")):
        print("note: no recollindex/recollq (apt-get install recollcmd): no yardstick",
              file=sys.stderr)
        return None
    config.mkdir()
    (config / "recoll.conf").write_text(f"topdirs = {corpus}\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(["recollindex", "-c", str(config)], env=env, check=True,
                   capture_output=True)
    index_s = time.perf_counter() - started
    version = subprocess.run(["recollq", "-h"], capture_output=True, text=True)
    times = [s for query in QUERIES
             for s in typed(["recollq", "-c", str(config), "-n", "10", " ".join(query.words)],
                            env, runs)]
    return {"recollindex_s": index_s, "usage_line": (version.stdout or version.stderr)
            .splitlines()[:1], **latency_summary(times)}


# --- a sharded index on a local Dask cluster -------------------------------------------------

def _build_files(corpus: str, index_dir: str, procs: int | None) -> dict:
    """One index of the files under ``corpus``, measured; runs in a fresh process."""
    from searcher.analysis.settings import AnalysisSettings
    from searcher.indexing.update import update_index

    def build() -> dict:
        report = update_index(Path(index_dir), [Path(corpus)], AnalysisSettings.default(),
                              procs=procs)
        return {"docs": report.added}

    return _measure_tree(build, index_dir)


def _build_sharded(corpus: str, index_dir: str, workers: int) -> dict:
    """A sharded index of the files under ``corpus`` on a new ``LocalCluster`` of
    ``workers`` processes (one shard each), measured; runs in a fresh process."""
    from searcher.analysis.settings import AnalysisSettings
    from searcher.cluster.build import build_sharded
    from searcher.cluster.connect import connect

    started = time.perf_counter()
    with connect(f"local:{workers}") as client:
        start_s = time.perf_counter() - started

        def build() -> dict:
            report = build_sharded(Path(index_dir), [Path(corpus)], AnalysisSettings.default(),
                                   client, shards=workers)
            return {"docs": report.total("added")}

        return {"cluster_start_s": start_s, **_measure_tree(build, index_dir)}


def _measure_tree(build: Callable[[], dict], index_dir: str) -> dict:
    """``build()``'s wall seconds and the peak PSS of this process and its descendants
    (workers, reader and writer processes)."""
    sampler = TreeMemory()
    sampler.start()
    started = time.perf_counter()
    figures = build()
    seconds = time.perf_counter() - started
    return {**figures, "seconds": seconds, "peak_tree_pss_mib": sampler.stop() / 1024,
            "index_bytes": _tree_bytes(Path(index_dir)),
            "index_mib": _tree_bytes(Path(index_dir)) / 2**20}


def cluster_bench(docs: list[Document], work: Path, workers: int, procs: int | None,
                  rounds: int, text_bytes: int) -> dict:
    """Build (6): one index and a sharded one of the same files; then warm queries on both,
    their top 10 compared."""
    from searcher.cluster.connect import connect
    from searcher.cluster.searching import ShardedIndex
    from searcher.engine.store import open_index
    from searcher.search.ranked import search
    from searcher.search.request import SearchRequest

    corpus = work / "cluster-corpus"
    files = write_corpus(docs, corpus)
    single_dir, sharded_dir = work / "cluster-single", work / "cluster-sharded"
    print(f"one index of {len(files)} files ...", file=sys.stderr)
    single = in_fresh_process(_build_files, str(corpus), str(single_dir), procs)
    print(f"a sharded index on {workers} local workers ...", file=sys.stderr)
    sharded = in_fresh_process(_build_sharded, str(corpus), str(sharded_dir), workers)
    requests = [SearchRequest.typed(q.text, q.since, q.until) for q in QUERIES]
    index = open_index(single_dir)
    times: dict[str, list[float]] = {"single": [], "sharded": []}
    with connect(f"local:{workers}") as client:
        started = time.perf_counter()
        with ShardedIndex(sharded_dir, client) as shards:
            open_s = time.perf_counter() - started
            for round_number in range(rounds + 1):
                for query, request in zip(QUERIES, requests):
                    for name, run_one in (("single", lambda: search(index, request)),
                                          ("sharded", lambda: shards.search(request))):
                        started = time.perf_counter()
                        result = run_one()
                        elapsed = time.perf_counter() - started
                        if round_number:
                            times[name].append(elapsed)
                        else:  # the warm-up round: the answers compared
                            top = [(hit.path, hit.score) for hit in result.hits]
                            if name == "single":
                                expected = top
                            elif top != expected:
                                raise SystemExit(f"the sharded index answers {query.label!r} "
                                                 f"otherwise than one index:\n{top}\n"
                                                 f"{expected}")
    return {"workers": workers, "shards": workers, "files": len(files), "rounds": rounds,
            "single": {"procs": procs, **throughput(single, text_bytes),
                       "warm": latency_summary(times["single"])},
            "sharded": {**throughput(sharded, text_bytes), "open_s": open_s,
                        "warm": latency_summary(times["sharded"])}}


# --- report ---------------------------------------------------------------------------------

def machine() -> dict:
    def version(package: str) -> str | None:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return None

    git = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                         capture_output=True, text=True)
    return {"cpu_count": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "machine": platform.machine(),
            "searcher_git": git.stdout.strip() or None,
            "versions": {p: version(p) for p in ("searcher", "whoosh", "jieba", "opencc")}}


def table(results: dict) -> str:
    piece = results["slice"]
    lines = [f"searcher benchmark: {piece['text_mb']:.2f} MB, {piece['docs']} docs of "
             f"{results['parameters']['bench_dir']} | {results['machine']['cpu_count']} CPUs, "
             f"Python {results['machine']['python']}"]
    if results["parameters"]["index"]:
        lines.append(f"queries run against the existing index {results['parameters']['index']}")
    lines.append("")
    indexing = results.get("indexing", {})
    if indexing:
        lines.append(f"{'indexing':<26}{'MB/s':>7}{'docs/s':>8}{'seconds':>9}"
                     f"{'RSS before':>12}{'peak RSS':>10}{'tree PSS':>10}{'index MiB':>10}"
                     f"{'× text':>8}")
        for key, name in (("ours", "searcher"), ("baseline", "jieba ChineseAnalyzer")):
            if key in indexing:
                row = indexing[key]
                label = f"{name} (procs={row['procs']})" if key == "ours" else name
                lines.append(f"  {label:<24}{row['mb_per_s']:>7.3f}{row['docs_per_s']:>8.1f}"
                             f"{row['seconds']:>9.1f}{row['rss_before_mib']:>11.0f}M"
                             f"{row['peak_rss_mib']:>9.0f}M{row['peak_tree_pss_mib']:>9.0f}M"
                             f"{row['index_mib']:>10.1f}"
                             f"{row['index_bytes'] / (piece['text_mb'] * 1e6):>7.2f}x")
        if "ratio_mb_per_s" in indexing:
            lines.append(f"  {'ours / baseline (MB/s)':<24}{indexing['ratio_mb_per_s']:>7.2f}x")
        if "tantivy" in indexing:
            row = indexing["tantivy"]
            label = f"tantivy (threads={row['threads']})"
            lines.append(f"  {label:<24}{row['mb_per_s']:>7.3f}"
                         f"{row['docs_per_s']:>8.1f}{row['seconds']:>9.1f}{'':>32}"
                         f"{row['index_mib']:>10.1f}")
            lines.append(f"    (our chain {row['analysis_s']:.1f} s + tantivy indexing "
                         f"{row['index_s']:.1f} s; joining its input {row['convert_s']:.1f} s "
                         f"not counted)")
            if "searcher_over_tantivy_s" in indexing:
                lines.append(f"  {'searcher / tantivy (s)':<24}"
                             f"{indexing['searcher_over_tantivy_s']:>7.2f}x")
        elif "tantivy_missing" in indexing:
            lines.append(f"  (no tantivy row: {indexing['tantivy_missing']})")
        lines.append("")
    latency_rows = []
    if "cold_cli" in results:
        cold = results["cold_cli"]
        latency_rows.append((f"cold CLI ({cold['runs_per_query']} runs each)", cold))
        latency_rows.append(("  floor: searcher --version", cold["startup_floor"]))
    if "warm" in results:
        latency_rows.append((f"warm search() ({results['warm']['rounds']} rounds)",
                             results["warm"]))
        if "cpu" in results["warm"]:
            latency_rows.append(("  its CPU time", results["warm"]["cpu"]))
        if "first_time" in results["warm"]:
            latency_rows.append(("  each query's first time", results["warm"]["first_time"]))
        latency_rows.append(("  floor: reading its postings", results["warm"]["postings_read"]))
    if latency_rows:
        lines.append(f"{f'queries ({len(QUERIES)})':<34}{'p50 ms':>9}{'p90 ms':>9}"
                     f"{'p99 ms':>9}{'max ms':>9}")
        for name, row in latency_rows:
            lines.append(f"  {name:<32}{row['p50_ms']:>9.1f}{row['p90_ms']:>9.1f}"
                         f"{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}")
        lines.append("")
    if "terminal" in results:
        term = results["terminal"]
        lines.append(f"{'a search typed in a terminal':<34}{'p50 ms':>9}{'p90 ms':>9}"
                     f"{'p99 ms':>9}{'max ms':>9}")
        rows = [(f"through the server ({term['runs_per_query']} runs each)", term.get("served")),
                (f"first after a searcher index ({REBUILDS})", term.get("first_after_index_run")),
                ("in-process (SEARCHER_NO_SERVER=1)", term["in_process"]),
                ("floor: python -c pass", term["floor"]),
                ("  the same in this environment", term.get("floor_this_environment")),
                ("yardstick: Recoll's recollq", term["recollq"])]
        for name, row in rows:
            if row:
                lines.append(f"  {name:<32}{row['p50_ms']:>9.1f}{row['p90_ms']:>9.1f}"
                             f"{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}")
        if "no_server_yet_ms" in term:
            lines.append(f"  {'the very first (no server yet)':<32}"
                         f"{term['no_server_yet_ms']:>9.1f}")
        extra = [f"server RSS {term['server_rss_mib']:.0f} MiB"] * ("server_rss_mib" in term)
        extra.append(f"searcher index {term['searcher_index_s']:.1f} s")
        if term["recollq"]:
            extra.append(f"recollindex {term['recollq']['recollindex_s']:.1f} s")
        lines.append(f"  ({', '.join(extra)})")
        lines.append("")
    if "incremental" in results:
        inc = results["incremental"]
        heading = f"searcher index ({inc['files']} files x {inc['docs_per_file']} docs)"
        lines.append(f"{heading:<36}{'wall s':>8}{'added':>7}{'upd':>6}{'rem':>6}{'unch':>7}"
                     f"{'skip':>6}")
        for key, name in (("initial", "first run (build)"), ("nothing_changed", "nothing changed"),
                          ("after_change", f"{inc['changed_files']} file(s) rewritten (1%)")):
            row = inc[key]
            lines.append(f"  {name:<34}{row['wall_s']:>8.2f}{row['added']:>7}{row['updated']:>6}"
                         f"{row['removed']:>6}{row['unchanged']:>7}{row['skipped']:>6}")
        lines.append("")
    if "cluster" in results:
        lines += cluster_table(results["cluster"])
    return "\n".join(lines).rstrip()


def cluster_table(cluster: dict) -> list[str]:
    heading = f"sharded: {cluster['workers']} local workers, {cluster['files']} files"
    lines = [f"{heading:<34}"
             f"{'build s':>9}{'MB/s':>7}{'tree PSS':>10}{'index MiB':>10}"
             f"{'p50 ms':>9}{'p99 ms':>9}"]
    single, sharded = cluster["single"], cluster["sharded"]
    for name, row in ((f"one index (procs={single['procs'] or 'default'})", single),
                      (f"{cluster['shards']} shards on the cluster", sharded)):
        lines.append(f"  {name:<32}{row['seconds']:>9.1f}{row['mb_per_s']:>7.3f}"
                     f"{row['peak_tree_pss_mib']:>9.0f}M{row['index_mib']:>10.1f}"
                     f"{row['warm']['p50_ms']:>9.1f}{row['warm']['p99_ms']:>9.1f}")
    lines.append(f"  (cluster start {sharded['cluster_start_s']:.1f} s, shards opened "
                 f"{sharded['open_s']:.1f} s; warm: {cluster['rounds']} rounds, the top 10 "
                 f"of every query equal)")
    return lines


# --- main -------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH,
                        help="folder of benchmark *.jsonl files (default: %(default)s)")
    parser.add_argument("--mb", type=float, default=8.0, help="slice size in MB (default: 8)")
    parser.add_argument("--procs", type=int, help="indexing processes, if the library takes it")
    parser.add_argument("--skip-baseline", action="store_true", help="no jieba+Whoosh baseline")
    parser.add_argument("--tantivy", action="store_true",
                        help="also index the slice's terms (searcher's chain) in tantivy, "
                             "a yardstick (scripts/bench_tantivy.py)")
    parser.add_argument("--skip-cold", action="store_true", help="no cold CLI queries")
    parser.add_argument("--skip-incremental", action="store_true",
                        help="no incremental `searcher index` runs")
    parser.add_argument("--skip-terminal", action="store_true",
                        help="no searches typed in a terminal (server, recollq)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the indexes in DIR (must not hold them yet) and keep them")
    parser.add_argument("--index", type=Path, metavar="DIR",
                        help="query this existing index instead of building ours")
    parser.add_argument("--copies", type=int, default=1,
                        help="a scale run: the slice this many times over, each further copy "
                             "perturbed (bench_corpus.scaled; not with the baseline)")
    parser.add_argument("--runs", type=int, default=3, help="cold runs per query (default: 3)")
    parser.add_argument("--rounds", type=int, default=20,
                        help="warm rounds over the queries (default: 20)")
    parser.add_argument("--cluster", type=int, metavar="N",
                        help="also a sharded index on a local Dask cluster of N workers "
                             "beside one index of the same files (docs/cluster.md)")
    parser.add_argument("--out", type=Path, help="JSON results (default: "
                        "bench-results/bench-<timestamp>.json)")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, work: Path) -> dict:
    from searcher.indexing.update import index_documents

    stamp = datetime.now()
    docs = list(scaled(bench_documents(args.bench_dir, args.mb), args.copies))
    text_bytes = sum(len(d.title.encode("utf-8")) + len(d.body.encode("utf-8")) for d in docs)
    parameters = inspect.signature(index_documents).parameters
    if args.procs is not None and "procs" not in parameters:
        print(f"note: index_documents takes no procs; --procs {args.procs} ignored",
              file=sys.stderr)
    procs = args.procs if "procs" in parameters else None
    results: dict = {
        "started": stamp.isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": {"bench_dir": str(args.bench_dir), "mb": args.mb, "procs": args.procs,
                       "copies": args.copies,
                       "index_documents_takes_procs": "procs" in parameters,
                       "runs": args.runs, "rounds": args.rounds,
                       "index": str(args.index) if args.index else None,
                       "skip_baseline": args.skip_baseline, "tantivy": args.tantivy,
                       "skip_cold": args.skip_cold,
                       "skip_incremental": args.skip_incremental,
                       "skip_terminal": args.skip_terminal, "cluster": args.cluster,
                       "queries": [asdict(q) for q in QUERIES]},
        "slice": {"docs": len(docs), "text_mb": text_bytes / 1e6,
                  "body_mb": sum(len(d.body.encode("utf-8")) for d in docs) / 1e6},
    }
    indexing: dict = {}
    query_index = args.index
    if query_index is None:
        query_index = work / "searcher"
        print(f"indexing {len(docs)} docs with searcher ...", file=sys.stderr)
        ours = in_fresh_process(_build_ours, str(args.bench_dir), args.mb, str(query_index),
                                procs, args.copies)
        library_default = parameters["procs"].default if "procs" in parameters else 1
        indexing["ours"] = {"procs": procs or library_default, **throughput(ours, text_bytes)}
    if not args.skip_baseline:
        print("indexing with the jieba ChineseAnalyzer baseline ...", file=sys.stderr)
        baseline = in_fresh_process(_build_baseline, str(args.bench_dir), args.mb,
                                    str(work / "baseline"))
        indexing["baseline"] = {"procs": 1, **throughput(baseline, text_bytes)}
    if args.tantivy:
        threads = indexing["ours"]["procs"] if "ours" in indexing else procs or 1
        print(f"indexing the same terms with tantivy ({threads} threads) ...", file=sys.stderr)
        row = in_fresh_process(build_tantivy, str(args.bench_dir), args.mb,
                               str(work / "tantivy"), threads, args.copies)
        if "missing" in row:
            print(f"note: {row['missing']}; no tantivy row", file=sys.stderr)
            indexing["tantivy_missing"] = row["missing"]
        else:
            indexing["tantivy"] = throughput(row, text_bytes)
            if "ours" in indexing:
                indexing["searcher_over_tantivy_s"] = (indexing["ours"]["seconds"]
                                                       / row["seconds"])
    if "ours" in indexing and "baseline" in indexing:
        indexing["ratio_mb_per_s"] = (indexing["ours"]["mb_per_s"]
                                      / indexing["baseline"]["mb_per_s"])
    if indexing:
        results["indexing"] = indexing
    if not args.skip_cold:
        print("cold CLI queries ...", file=sys.stderr)
        results["cold_cli"] = cold_queries(query_index, args.runs)
    print("warm queries ...", file=sys.stderr)
    results["warm"] = warm_queries(query_index, args.rounds)
    if not args.skip_incremental:
        print("incremental searcher index ...", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="searcher-bench-corpus-") as corpus:
            results["incremental"] = incremental(docs, Path(corpus) / "corpus",
                                                 work / "incremental")
    if not args.skip_terminal:
        print("searches typed in a terminal (server, in-process, recollq) ...", file=sys.stderr)
        results["terminal"] = terminal_searches(docs, work, args.runs)
    if args.cluster:
        print(f"a sharded index on a local cluster of {args.cluster} workers ...",
              file=sys.stderr)
        results["cluster"] = cluster_bench(docs, work, args.cluster, args.procs, args.rounds,
                                           text_bytes)
    results["total_s"] = (datetime.now() - stamp).total_seconds()
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.copies > 1 and not args.skip_baseline:
        raise SystemExit("--copies goes with --skip-baseline (the baseline indexes one copy)")
    if args.keep:
        taken = [n for n in ("searcher", "baseline", "tantivy", "incremental")
                 if (args.keep / n).exists()]
        if taken:
            raise SystemExit(f"{args.keep} already holds {', '.join(taken)}: choose another "
                             f"--keep folder or remove them")
        args.keep.mkdir(parents=True, exist_ok=True)
        results = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="searcher-bench-") as work:
            results = run(args, Path(work))
    out = args.out or REPO / "bench-results" / f"bench-{results['started'].replace(':', '')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(results))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
