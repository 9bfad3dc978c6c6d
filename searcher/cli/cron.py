"""``searcher-cron``: the index update for cron, installed with searcher so that cron runs the
installed interpreter (cron's ``python3`` is the system one, which may not have searcher).

Quiet when all is well; when not, the problem on stderr and ``searcher index``'s exit status;
every run appends one JSON line (``time``, ``exit``, ``summary``) to a log. Files skipped as
the last run skipped them (same files, same reasons) are not news: such a run is quiet (its
exit status is still 1, and the log names them), so one broken file is reported once, not
by every run until someone excludes it.

    searcher-cron [searcher index options and paths...]
    crontab:  17 * * * *  cd /srv/searcher && /srv/searcher/.venv/bin/searcher-cron ~/articles

The index is ``--index DIR`` when given, else SEARCHER_INDEX, else ./index. Environment:
SEARCHER_LOG (default update.log in the index), SEARCHER_WAIT (seconds to wait for another
writer, default 600). ``-h``/``--help`` prints this and runs nothing.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path


def run(args: list[str]) -> int:
    """Update the index with ``args`` (``searcher index``'s), log the run; its exit status."""
    if {"-h", "--help"} & set(args[:args.index("--")] if "--" in args else args):
        sys.stdout.write(__doc__.split("\n\n", 1)[1])
        return 0
    given = _index_given(args)
    index = given or os.environ.get("SEARCHER_INDEX") or "index"
    log = Path(os.environ.get("SEARCHER_LOG") or Path(index) / "update.log")
    # This very interpreter: the one searcher is installed in, whatever cron's PATH says.
    done = subprocess.run(
        [sys.executable, "-m", "searcher", "index", *(() if given else ("--index", index)),
         "--json", "--wait", os.environ.get("SEARCHER_WAIT", "600"), *args],
        capture_output=True, text=True, encoding="utf-8", errors="replace")
    try:
        summary = json.loads(done.stdout) if done.stdout.strip() else {}
    except ValueError:
        summary = {}
    time = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    log.parent.mkdir(parents=True, exist_ok=True)
    known = done.returncode == INCOMPLETE and _skipped(summary) == _skipped(_last_entry(log))
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"time": time, "exit": done.returncode, "summary": summary},
                                ensure_ascii=False) + "\n")
    if done.returncode and not known:
        sys.stderr.write(done.stderr)
        sys.stderr.write(f"searcher-cron: searcher index exited {done.returncode} "
                         f"(log: {log})\n")
    return done.returncode


INCOMPLETE = 1  # searcher index: every file read but some skipped (ExitStatus.INCOMPLETE)


def _last_entry(log: Path) -> dict:
    """The summary of the log's last run (empty when there is none, or it cannot be read)."""
    try:
        with open(log, "rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 1_000_000))
            last = handle.read().splitlines()[-1]
        return json.loads(last).get("summary") or {}
    except (OSError, IndexError, ValueError, AttributeError):
        return {}


def _skipped(summary: dict) -> set[tuple[str, str]]:
    return {(entry.get("file"), entry.get("reason"))
            for entry in summary.get("skipped_files", ()) if isinstance(entry, dict)}


def _index_given(args: list[str]) -> str | None:
    """The last ``--index DIR`` (or ``--index=DIR``) among ``args``, as click would take it."""
    given = None
    for n, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--index" and n + 1 < len(args):
            given = args[n + 1]
        elif arg.startswith("--index="):
            given = arg.removeprefix("--index=")
    return given


def main() -> None:
    """Entry point of the ``searcher-cron`` console script."""
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":  # python -m searcher.cli.cron, as the console script does
    main()
