"""The spare worker: forked ahead of the next connection, it warms itself while nobody waits,
then takes that connection, and the next, and so on, keeping what its readers read.

Warming: a reader opened on each held index, for this process alone (the server itself never
keeps an index file open: forked processes would share its offsets), and a search rehearsed
on the most recently held one, its output thrown away. A forked process pays for every page
of the server's memory it writes to (copy-on-write) and for every reader and column it loads:
about half of what a search costs in a fresh fork (measured on the bundled corpus: 1,900 page
faults and 13 ms of CPU for ``searcher search 停火``; 180 and 7.5 ms in a warmed spare, whose
warming took 15 ms while nobody waited). Then it tells the server it is ready, waits for a
connection (or the server's end) and tells the server it took one.

After each request it gives its own process state back (``worker.serve_again``) and is ready
again, so the next search finds the postings, stored fields and foldings the last ones read
(a search typed again costs about half of what it cost first). An index a command opened
that it did not hold (or that changed since) it holds from then on, reader open. While it
waits it looks four times a second for a held index that changed (a ``searcher index``) and
opens and warms the new generation then, so the first search after a build does not pay for
that (``_refresh``). It exits instead, and the server forks the next spare, when a request
leaves it unfit (interrupted, a bug of ours, a thread, child or client's descriptor left:
``process_state``), after ``ServerState.spare_requests`` requests (its caches are bounded;
the count bounds what they do not see, such as the allocator's fragmentation), and when the
server is gone.

``rehearse`` also serves the server's own start-up, where it loads what commands load on
first use.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import select
import sys
import time
import traceback
from pathlib import Path
from typing import NoReturn

from searcher.server.process_state import ProcessState
from searcher.server.state import HOLD, READY, TAKEN, ServerState, accept, note
from searcher.server.worker import serve_again, stop_for_tests

REHEARSAL_QUERY = "的 中国"  # words in nearly every Chinese article; two, so an AND
# A terminal's search: it runs nearly all a pipe's does, and the styling (measured on the
# bundled corpus, a plain search then costs 7.5 ms CPU after it, 7.4 after both, 13.4 cold).
SPARE_REHEARSALS = (["--color", "always"],)
# How often a spare waiting for a connection looks for a held index rebuilt under it: four
# stat calls an index each time (about 15 µs), so a search typed just after a build finds it
# open.
REFRESH_SECONDS = 0.25


def rehearse(index_dir: Path, rehearsals) -> None:
    """Search ``index_dir`` as a command would with each of ``rehearsals``' options,
    output thrown away."""
    from searcher.cli.main import cli

    for options in rehearsals:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit):
            cli.main(["search", REHEARSAL_QUERY, "--index", str(index_dir), *options],
                     prog_name="searcher")


def wait_for_connection(server: ServerState) -> NoReturn:
    """Warm up, then take connections and answer them one after another; exit (never
    return into the server's loop)."""
    try:
        _warm_up()
        state = ProcessState()
    except BaseException:  # a bug of ours: the server forks no more spares after a few
        with contextlib.suppress(BaseException):
            traceback.print_exc(file=sys.__stderr__)
        os._exit(1)
    pid = os.getpid()
    served = 0
    while served < server.spare_requests:
        _ready(server, served)
        conn = _next_connection(server, served)
        if conn is None:
            os._exit(0)
        note(server.notes, TAKEN, str(pid))
        answered = serve_again(conn, server, state)
        served += 1
        if answered.unfit:
            print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} spare worker {pid} exits after "
                  f"{served} requests: {answered.unfit}", flush=True)
            os._exit(0)
        _hold(answered.opened)
    os._exit(0)


def _warm_up() -> None:
    from searcher.engine import held

    held.open_readers()
    indexes = held.held()
    if indexes:
        rehearse(indexes[-1].index_dir, SPARE_REHEARSALS)


def _hold(folders: tuple[str, ...]) -> None:
    """Hold the index ``folders`` a command opened, readers open, for the next requests (as
    the server holds them for the next spare)."""
    from searcher.engine import held

    for folder in folders:
        held.hold(Path(folder))
    if folders:
        held.open_readers()


def _ready(server: ServerState, served: int) -> None:
    """Tell the server (and a test's gate) that this spare waits for a connection."""
    note(server.notes, READY, f"{os.getpid()} {served}")
    stop_for_tests("ready", wait=False)


def _next_connection(server: ServerState, served: int):
    """The next connection from this user; None once the server is gone. While none comes,
    an index rebuilt meanwhile is opened and warmed (``_refresh``)."""
    while True:
        ready, _, _ = select.select([server.listener, server.alive], [], [], REFRESH_SECONDS)
        if server.alive in ready:
            return None
        if not ready:
            if _refresh(server):
                _ready(server, served)
            continue
        conn = accept(server.listener, server.status)
        if conn is not None:
            return conn


def _refresh(server: ServerState) -> bool:
    """Open anew each held index that changed since it was held (a ``searcher index`` run,
    typically by cron) and rehearse a search on it, so that the first search after a build
    finds it open and warm rather than opening it itself; tell the server to hold it too (a
    spare forked later starts with it). Whether any was opened."""
    from searcher.engine import held

    opened = [index for folder in held.changed() if (index := held.hold(folder)) is not None]
    if not opened:
        return False
    held.open_readers()
    for index in opened:
        rehearse(index.index_dir, SPARE_REHEARSALS)
        note(server.notes, HOLD, str(index.index_dir))
    gc.collect()  # the replaced generations' files close now: a rebuild may have deleted them
    return True
