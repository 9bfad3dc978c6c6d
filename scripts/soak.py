"""The heavy versions of the robustness tests, for a machine with time to spare.

    python3 scripts/soak.py                       # defaults: a few minutes
    python3 scripts/soak.py --kills 50 --rounds 20 --examples 5000

1. kill -9: ``searcher index --rebuild`` of a corpus of --docs articles is killed at a random
   moment, --kills times; after each, the live index must give the same results as before
   and the next writer must not be blocked.
2. load: --rounds rounds of 8 concurrent ``searcher search`` processes while a rebuild runs;
   every search must succeed with the same results.
3. crash points: --crash-points runs of ``searcher index`` (rebuilds and incremental runs that
   change some files), each killed with SIGKILL by an audit hook at the Nth file it opens for
   writing, renames or removes, in the main process or in a writer process; after each, the
   live index must hold the old or the new documents, never fewer, and the next plain run
   must converge: every article and every changed version found (no loss).
4. byte flips: --flips copies of the index, each with one random byte of one of its files
   flipped; a search must give the same results or a clean error (exit 2, one line, no
   traceback), ``searcher check`` must name the damage, and the next ``searcher index`` must
   repair it (the same results as before). A different result with exit 0 or 1 is a
   "silently wrong result". ``--flip-large`` flips bytes of the postings, terms and stored
   fields only (the files no search verifies whole).
5. hostile files: the corpus files reported to fill memory or run for minutes (issue 32), at
   their reported sizes (``tests/bombs.py``), amid --docs articles: a DOCX inflating to
   300 MB, one of two million tags, a zip of 100,000 parts, an EPUB whose spine lists one
   10 MB chapter 50 times, pages with 40,000 and 500,000 attributes on one element, a JSON
   Lines file that is one line of --line-mb MB, a PDF of 50,000 pages, lone surrogates (in
   JSON Lines, front matter, a PDF's font), an external entity. One ``searcher index`` run,
   bounded in memory, must skip or cut each with its reason and index every article; then a
   Word file within every bound but slow must be skipped by a 2-second --max-file-seconds.
   Prints each file's outcome, the run's time and peak memory.
6. properties: the analysis and query-parser property tests with --examples examples each.
7. full disk: --full-disk runs of ``searcher index`` (incremental runs that add and change
   articles, and rebuilds; one or two writer processes) on a disk left with a random amount of
   room. A run that fills it must fail in one line naming the index and leave the live
   generation exactly as it was (every file, every byte); with the room back, the next run
   must succeed and hold every article and every change, and ``searcher check`` pass. The
   disk is a small tmpfs in a mount namespace of its own when run as root (``unshare``), else
   ENOSPC is injected at a random byte of the writes (main or writer process).

Prints the counts and timings, and exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import math
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
sys.path.insert(0, str(ROOT))
from tests import bombs  # noqa: E402  (the hostile files, made at any size)

ENV = {**os.environ, "LANG": "C", "LC_ALL": "C"}
HOSTILE_MEMORY = 4 << 30  # address space of each process of a hostile-file run


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
    # Sorted: the corpus repeats five articles, so scores tie, and a kill that lands after
    # the publishing rename leaves a new generation that may number tied documents otherwise.
    expected = sorted(searcher("search", "停火", "-l", "--index", str(index)).stdout.split("\n"))
    for n in range(kills):
        writer = subprocess.Popen([sys.executable, "-m", "searcher", "index", "--rebuild",
                                   "--index", str(index)], cwd=ROOT, env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.05, 0.95) * build_seconds)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        got = searcher("search", "停火", "-l", "--index", str(index))
        if got.returncode != 0 or sorted(got.stdout.split("\n")) != expected:
            failures.append(f"kill {n}: search gave {got.returncode} {got.stderr.strip()}")
    if searcher("index", "--index", str(index), "--wait", "30").returncode != 0:
        failures.append("the writer after the kills failed")
    return failures


# Runs the CLI with an audit hook that SIGKILLs the process (the main one, or else a writer
# process it forked) at its Nth open-for-writing, rename or removal: the moments where a
# crash can tear what is on disk. Audit hooks see what Whoosh and searcher do alike.
CRASH_LAUNCHER = """
import os, signal, sys
role, nth = sys.argv[1], int(sys.argv[2])
del sys.argv[1:3]
main_pid = os.getpid()
seen = [0]
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
def hook(event, args):
    if event == "open":
        mode, flags = args[1], args[2]
        if not ((isinstance(mode, str) and any(c in mode for c in "wax+"))
                or (isinstance(flags, int) and flags & WRITE)):
            return
    elif event not in ("os.rename", "os.remove", "os.rmdir", "shutil.rmtree", "os.truncate"):
        return
    if (os.getpid() == main_pid) != (role == "main"):
        return
    seen[0] += 1
    if seen[0] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
sys.addaudithook(hook)
sys.argv[0] = "searcher"
from searcher.cli import main
main()
"""


def count_of(index: Path, word: str) -> int:
    got = searcher("search", word, "-c", "--index", str(index))
    return int(got.stdout) if got.returncode in (0, 1) and got.stdout.strip() else -1


def soak_crash_points(corpus: Path, index: Path, docs: int, runs: int) -> list[str]:
    """Kill runs of ``searcher index`` at their Nth write, rename or removal."""
    failures = []
    for n in range(runs):
        role = "main" if n % 2 == 0 else "writer"
        nth = random.randint(1, 120 if role == "main" else 40)
        rebuild = n % 4 < 2
        changed = [] if rebuild else random.sample(range(docs), max(1, docs // 20))
        version = f"修訂{n:03d}號"  # in this run's changed versions only
        mark = f'"{version}"'  # quoted: an exact substring
        before_marker = count_of(index, mark)
        for i in changed:
            with open(corpus / f"{i:05d}.txt", "a", encoding="utf-8") as handle:
                handle.write(f"\n{version}。")
        args = ["index", str(corpus), "--index", str(index), "--procs", "2"]
        args += ["--rebuild"] if rebuild else []
        killed = subprocess.run([sys.executable, "-c", CRASH_LAUNCHER, role, str(nth), *args],
                                cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
        what = f"crash point {n} ({role} at op {nth}, {'rebuild' if rebuild else 'update'})"
        if killed.returncode not in (0, -signal.SIGKILL, 2):
            failures.append(f"{what}: exit {killed.returncode}: {killed.stderr.strip()[-200:]}")
        if "Traceback" in killed.stderr:
            failures.append(f"{what}: traceback: {killed.stderr.strip()[-300:]}")
        live = count_of(index, "編號")
        marker = count_of(index, mark)
        if live != docs or marker not in (before_marker, len(changed)):
            failures.append(f"{what}: the live index holds {live} of {docs} articles and "
                            f"{marker} of {len(changed)} changed versions")
        after = searcher("index", str(corpus), "--index", str(index), "--wait", "30")
        if after.returncode != 0 or count_of(index, "編號") != docs \
                or count_of(index, mark) != len(changed):
            failures.append(f"{what}: the next run did not converge (exit {after.returncode}, "
                            f"{count_of(index, '編號')} articles, "
                            f"{count_of(index, mark)} of {len(changed)} changed): "
                            f"{after.stderr.strip()[-200:]}")
    return failures


FLIP_QUERIES = (["停火"], ["俄羅斯", "--since", "2025-10"], ["編號7"], ["title:伊朗"])


def results_of(index: Path) -> list[tuple[int, list, str]]:
    """Each query's exit status, hits and stderr. Hits as a sorted list without their ranks:
    the corpus repeats five articles, so scores tie, and a rebuild by several writer
    processes may number tied documents in another order."""
    runs = (searcher("search", *query, "--json", "-n", "500", "--index", str(index))
            for query in FLIP_QUERIES)
    return [(got.returncode, sorted(json.dumps({k: v for k, v in json.loads(line).items()
                                                if k != "rank"}, sort_keys=True)
                                     for line in got.stdout.splitlines()), got.stderr)
            for got in runs]


# The files no search verifies whole on opening (too large): each of their records carries a
# checksum of its own, checked when read (``engine.format``).
LARGE_FILES = (".terms", ".postings", "._stored.col")


def soak_flips(corpus: Path, index: Path, flips: int, work: Path,
               large_only: bool = False) -> tuple[list[str], dict]:
    """Flip one byte of one index file (of one of the large files only, if asked), then
    search, check and repair."""
    failures: list[str] = []
    outcomes = {"same results": 0, "clean error": 0, "silently wrong": 0, "check named it": 0,
                "repaired": 0}
    # A fresh build: scores of an index that incremental runs changed count the documents
    # they deleted (until a merge), so a repaired copy could not score the same.
    if searcher("index", str(corpus), "--index", str(index), "--rebuild").returncode != 0:
        return ["the rebuild before the flips failed"], outcomes
    expected = results_of(index)
    files = [p for p in index.rglob("*") if p.is_file() and p.name != ".lock" and p.stat().st_size
             and (not large_only or p.name.endswith(LARGE_FILES))]
    for n in range(flips):
        scratch = work / f"flip-{n}"
        shutil.copytree(index, scratch, symlinks=True)
        target = scratch / random.choice(files).relative_to(index)
        data = bytearray(target.read_bytes())
        at = random.randrange(len(data))
        data[at] ^= random.randint(1, 255)
        target.write_bytes(bytes(data))
        what = f"flip {n} ({target.relative_to(scratch)} byte {at})"
        for (code, stdout, stderr), want in zip(results_of(scratch), expected):
            if (code, stdout) == want[:2] and not stderr:
                outcomes["same results"] += 1
            elif code == 2 and not stdout and len(stderr.strip().splitlines()) == 1 \
                    and "Traceback" not in stderr:
                outcomes["clean error"] += 1
            else:
                outcomes["silently wrong"] += 1
                failures.append(f"{what}: exit {code}, {stderr.strip()[-200:]}")
        check = searcher("check", "--index", str(scratch))
        outcomes["check named it"] += check.returncode == 2
        repair = searcher("index", str(corpus), "--index", str(scratch))
        if repair.returncode == 0 and results_of(scratch) == expected:
            outcomes["repaired"] += 1
        else:
            failures.append(f"{what}: not repaired (exit {repair.returncode}: "
                            f"{repair.stderr.strip()[-200:]})")
        shutil.rmtree(scratch, ignore_errors=True)
    return failures, outcomes


# Injects ENOSPC after a number of bytes written through Whoosh's files, in the main process
# or in a writer process: the full disk of a machine where no tmpfs can be mounted.
ENOSPC_LAUNCHER = """
import errno, multiprocessing, sys
import whoosh.filedb.structfile as structfile
role, room = sys.argv[1], int(sys.argv[2])
del sys.argv[1:3]
written = [0]
original = structfile.StructFile.write
def write(self, data):
    if (multiprocessing.parent_process() is not None) == (role == "writer"):
        written[0] += len(data)
        if written[0] > room:
            raise OSError(errno.ENOSPC, "No space left on device")
    return original(self, data)
structfile.StructFile.write = write
sys.argv[0] = "searcher"
from searcher.cli import main
main()
"""


def generation_state(index: Path) -> dict[str, bytes | None]:
    """The index folder's entries and its live generation's, with their bytes."""
    live = index / (index / "CURRENT").read_text().strip()
    return {str(path.relative_to(index)): path.read_bytes() if path.is_file() else None
            for path in [*index.iterdir(), *live.iterdir()] if path.name != ".lock"}


def soak_full_disk(docs: int, runs: int, work: Path) -> tuple[list[str], dict]:
    """Runs of ``searcher index`` that the disk may fill part way through: on a tmpfs of a
    mount namespace of its own (this script again, under ``unshare``) when root, else with
    ENOSPC injected."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        inside = subprocess.run(["unshare", "--mount", sys.executable, __file__,
                                 "--full-disk-inside", str(work), "--full-disk", str(runs),
                                 "--docs", str(docs)], cwd=ROOT, env=ENV, capture_output=True,
                                text=True)
        if inside.returncode == 0:
            report = json.loads(inside.stdout.splitlines()[-1])
            return report["failures"], report["outcomes"]
        print(f"(no tmpfs in a mount namespace: {inside.stderr.strip()[-200:]}; injecting)")
    return full_disk_runs(docs, runs, work, mount=False)


def full_disk_runs(docs: int, runs: int, work: Path, mount: bool) -> tuple[list[str], dict]:
    """The runs of ``soak_full_disk``, on a tmpfs mounted here (``mount``) or injected."""
    work = work / ("full-disk-tmpfs" if mount else "full-disk-injected")
    corpus, disk = work / "corpus", work / "disk"
    disk.mkdir(parents=True)
    make_corpus(corpus, docs)
    # The disk: room for the index three times over (a rebuild holds two generations).
    if searcher("index", str(corpus), "--index", str(work / "measure")).returncode != 0:
        return ["the first build failed"], {}
    size = sum(p.stat().st_size for p in (work / "measure").rglob("*") if p.is_file())
    if mount:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={3 * size + (8 << 20)}", "tmpfs",
                        str(disk)], check=True)
    index, filler = disk / "index", disk / "filler"
    if searcher("index", str(corpus), "--index", str(index)).returncode != 0:
        return ["the build on the small disk failed"], {}
    failures: list[str] = []
    outcomes = {"had room": 0, "disk full, undone": 0, "next run converged": 0}
    for n in range(runs):
        rebuild, procs = n % 4 == 3, random.choice(["1", "2"])
        version = f"滿盤{n:03d}號"
        changed = random.sample(range(docs), max(1, docs // 20))
        for i in changed:
            with open(corpus / f"{i:05d}.txt", "a", encoding="utf-8") as handle:
                handle.write(f"\n{version}。")
        room = int(math.exp(random.uniform(math.log(4096), math.log(size))))  # log-uniform
        what = f"full disk {n} ({'rebuild' if rebuild else 'update'}, {procs} processes, " \
               f"room {room:,} bytes)"
        before = generation_state(index)
        args = ["index", str(corpus), "--index", str(index), "--procs", procs]
        args += ["--rebuild"] if rebuild else []
        if mount:
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            with open(filler, "wb") as handle:
                os.posix_fallocate(handle.fileno(), 0, max(free - room, 1))
            run = searcher(*args)
        else:
            run = subprocess.run([sys.executable, "-c", ENOSPC_LAUNCHER,
                                  random.choice(["main", "writer"]), str(room), *args],
                                 cwd=ROOT, env=ENV, capture_output=True, text=True)
        filler.unlink(missing_ok=True)
        if run.returncode == 0:
            outcomes["had room"] += 1
        elif (run.returncode == 2 and run.stderr.count("\n") == 1
              and "no space left on device writing" in run.stderr and str(index) in run.stderr):
            if generation_state(index) == before:
                outcomes["disk full, undone"] += 1
            else:
                failures.append(f"{what}: the failed run changed the live generation")
        else:
            failures.append(f"{what}: exit {run.returncode}: {run.stderr.strip()[-300:]}")
        again = searcher("index", str(corpus), "--index", str(index))
        if (again.returncode == 0 and count_of(index, "編號") == docs
                and count_of(index, f'"{version}"') == len(changed)
                and searcher("check", "--index", str(index)).returncode == 0):
            outcomes["next run converged"] += 1
        else:
            failures.append(f"{what}: the next run did not converge (exit {again.returncode}: "
                            f"{again.stderr.strip()[-200:]})")
    return failures, outcomes


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


def hostile_files(folder: Path, line_mb: int) -> dict[str, tuple[str, str]]:
    """Write the hostile files into ``folder``; each name's expected outcome (skipped, or
    indexed with a warning, or without) and a part of the reason or warning."""
    writes = {
        "inflated.docx": lambda: bombs.inflating_docx(300_000_000),
        "tags.docx": lambda: bombs.tags_docx(3_000_000),
        "parts.epub": lambda: bombs.many_parts_zip(100_000),
        "spine.epub": lambda: bombs.repeated_spine_epub(10_000_000, 50),
        "wide.html": lambda: bombs.page(bombs.wide_element(40_000)).encode(),
        "wider.html": lambda: bombs.page(bombs.wide_element(500_000)).encode(),
        "pages.pdf": lambda: bombs.paged_pdf(50_000),  # within pypdf's 100,000 a list
        "xxe.docx": lambda: bombs.entity_docx(folder.parent / "secret.txt"),
        "surrogates.jsonl": lambda: "\n".join(bombs.SURROGATE_RECORDS).encode(),
        "surrogate.md": lambda: bombs.SURROGATE_YAML.encode(),
        "surrogate.pdf": bombs.surrogate_pdf,
    }
    for name, data in writes.items():
        (folder / name).write_bytes(data())
    (folder.parent / "secret.txt").write_text("機密", encoding="utf-8")
    bombs.write_long_line_jsonl(folder / "line.jsonl", line_mb * 1_000_000)
    return {"inflated.docx": ("skipped", "inflates to more than"),
            "tags.docx": ("skipped", "XML tags"),
            "parts.epub": ("skipped", "parts"),
            "spine.epub": ("warning", "characters; only the first"),
            "wide.html": ("warning", "too many to look for the article in"),
            "wider.html": ("warning", "too many to look for the article in"),
            "pages.pdf": ("warning", "pages; only the first"),
            "xxe.docx": ("indexed", ""),
            "surrogates.jsonl": ("warning", "lone surrogate"),
            "surrogate.md": ("warning", "lone surrogate"),
            "surrogate.pdf": ("warning", "lone surrogate"),
            "line.jsonl": ("warning", "line skipped")}


def bounded_index(*args: str) -> tuple[subprocess.CompletedProcess, float, int]:
    """``searcher index ARGS --json`` bounded in memory and time; the run, its seconds and the
    peak resident memory (MB) of its largest process (its readers and writers included)."""
    def bounded() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (HOSTILE_MEMORY, HOSTILE_MEMORY))

    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([sys.executable, "-m", "searcher", "index", *args, "--json"],
                                   cwd=ROOT, env=ENV, stdout=out, stderr=err, text=True,
                                   preexec_fn=bounded)
        timer = threading.Timer(1800, process.kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)  # not Popen's wait: it keeps no usage
        timer.cancel()
        out.seek(0)
        err.seek(0)
        run = subprocess.CompletedProcess(process.args, os.waitstatus_to_exitcode(status),
                                          out.read(), err.read())
    return run, time.monotonic() - started, usage.ru_maxrss // 1024


def soak_hostile(work: Path, docs: int, line_mb: int) -> tuple[list[str], list[str]]:
    """Index the hostile files amid ``docs`` articles, then a slow file under a short
    deadline: failures, and a line for each file's outcome."""
    failures, lines = [], []
    corpus, index = work / "hostile", work / "hostile-index"
    make_corpus(corpus, docs)
    expected = hostile_files(corpus, line_mb)
    run, seconds, peak = bounded_index(str(corpus), "--index", str(index))
    lines.append(f"{len(expected)} hostile files amid {docs} articles: exit {run.returncode} "
                 f"in {seconds:.1f} s, peak {peak:,} MB")
    if run.returncode != 2 or "Traceback" in run.stderr or not run.stdout.strip():
        return [f"hostile run: exit {run.returncode}: {run.stderr.strip()[-300:]}"], lines
    summary = json.loads(run.stdout)
    skipped = {Path(s["file"]).name: s["reason"] for s in summary["skipped_files"]}
    for name, (outcome, text) in expected.items():
        warnings = [w for w in summary["warnings"] if w.startswith(name)]
        got = (f"skipped: {skipped[name]}" if name in skipped
               else "; ".join(warnings) or "indexed")
        lines.append(f"  {name}: {got}")
        if (outcome == "skipped") != (name in skipped) or text not in got \
                or (outcome == "indexed" and warnings):
            failures.append(f"hostile {name}: expected {outcome} ({text!r}), got {got}")
    # the articles, and 12 documents of the hostile files: spine.epub, wide.html, wider.html,
    # pages.pdf, xxe.docx, surrogate.md, surrogate.pdf, three records of surrogates.jsonl,
    # two of line.jsonl
    if count_of(index, "編號") != docs or summary["added"] != docs + 12 \
            or count_of(index, "機密") != 0:
        failures.append(f"hostile run: {count_of(index, '編號')} of {docs} articles indexed, "
                        f"{summary['added']} documents, {count_of(index, '機密')} with the "
                        f"entity's target")
    slow = work / "slow"
    slow.mkdir()
    (slow / "slow.docx").write_bytes(bombs.slow_docx(1_990_000))
    (slow / "fine.txt").write_text("颱風過境。", encoding="utf-8")
    run, seconds, _ = bounded_index(str(slow), "--index", str(work / "slow-index"),
                                    "--max-file-seconds", "2")
    reasons = [s["reason"] for s in json.loads(run.stdout or "{}").get("skipped_files", [])]
    lines.append(f"a slow Word file under a 2-second deadline: exit {run.returncode} in "
                 f"{seconds:.1f} s: {'; '.join(reasons) or 'read'}")
    if run.returncode != 2 or reasons != ["took longer than 2 s to read, the most one file "
                                          "may take; not read"]:
        failures.append(f"deadline run: exit {run.returncode}, {reasons}: "
                        f"{run.stderr.strip()[-300:]}")
    return failures, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--crash-points", type=int, default=20)
    parser.add_argument("--flips", type=int, default=30)
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--flip-large", action="store_true",
                        help="flip bytes of the postings, terms and stored fields only")
    parser.add_argument("--line-mb", type=int, default=2000,
                        help="the length of the hostile JSON line, in MB")
    parser.add_argument("--full-disk", type=int, default=12)
    parser.add_argument("--full-disk-inside", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.full_disk_inside:  # this script under ``unshare``: mount, run, report as JSON
        failures, outcomes = full_disk_runs(args.docs, args.full_disk, args.full_disk_inside,
                                            mount=True)
        print(json.dumps({"failures": failures, "outcomes": outcomes}))
        return
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
              f"{len(latencies)} searches, {len(load_failures)} failures"
              + (f", median {latencies[len(latencies) // 2]:.2f} s, max {latencies[-1]:.2f} s"
                 if latencies else ""))
        crash_failures = soak_crash_points(corpus, index, args.docs, args.crash_points)
        print(f"kill -9 at the Nth write/rename/unlink of the main or a writer process: "
              f"{args.crash_points} runs, {len(crash_failures)} failures")
        flip_failures, outcomes = soak_flips(corpus, index, args.flips, Path(work),
                                             args.flip_large)
        print(f"byte flips{' (large files)' * args.flip_large}: {args.flips} runs, "
              f"{len(FLIP_QUERIES)} searches each: "
              + ", ".join(f"{count} {name}" for name, count in outcomes.items()))
        disk_failures, outcomes = soak_full_disk(args.docs, args.full_disk, Path(work))
        print(f"runs on a disk with random room: {args.full_disk} runs: "
              + ", ".join(f"{count} {name}" for name, count in outcomes.items())
              + f", {len(disk_failures)} failures")
        failures += kill_failures + load_failures + crash_failures + flip_failures
        failures += disk_failures
        shutil.rmtree(index, ignore_errors=True)
        hostile_failures, hostile_lines = soak_hostile(Path(work), args.docs, args.line_mb)
        print("hostile files:", *hostile_lines, sep="\n")
        failures += hostile_failures
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
