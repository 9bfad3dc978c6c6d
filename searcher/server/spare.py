"""The spare worker: forked ahead of the next connection, it warms itself while nobody waits,
then takes that connection.

Warming: a reader opened on each held index, for this process alone (the server itself never
keeps an index file open: forked processes would share its offsets), and a search rehearsed
on the most recently held one, its output thrown away. A forked process pays for every page
of the server's memory it writes to (copy-on-write) and for every reader and column it loads:
about half of what a search costs in a fresh fork (measured on the bundled corpus: 1,900 page
faults and 13 ms of CPU for ``searcher search 停火``; 180 and 7.5 ms in a warmed spare, whose
warming took 15 ms while nobody waited). Then it tells the server it is ready, waits for a
connection (or the server's end) and tells the server it took one; the server forks the next
spare once it has answered.

``rehearse`` also serves the server's own start-up, where it loads what commands load on
first use.
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import sys
import traceback
from pathlib import Path
from typing import NoReturn

from searcher.server.state import READY, TAKEN, ServerState, accept, note
from searcher.server.worker import serve

REHEARSAL_QUERY = "的 中国"  # words in nearly every Chinese article; two, so an AND
# A terminal's search: it runs nearly all a pipe's does, and the styling (measured on the
# bundled corpus, a plain search then costs 7.5 ms CPU after it, 7.4 after both, 13.4 cold).
SPARE_REHEARSALS = (["--color", "always"],)


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
    """Warm up, take the next connection and answer it; exit (never return into the
    server's loop)."""
    try:
        _warm_up()
        note(server.notes, READY, str(os.getpid()))
        conn = _next_connection(server)
    except BaseException:  # a bug of ours: the server forks no more spares after a few
        with contextlib.suppress(BaseException):
            traceback.print_exc(file=sys.__stderr__)
        os._exit(1)
    if conn is None:
        os._exit(0)
    note(server.notes, TAKEN, str(os.getpid()))
    serve(conn, server)


def _warm_up() -> None:
    from searcher.engine import held

    held.open_readers()
    indexes = held.held()
    if indexes:
        rehearse(indexes[-1].index_dir, SPARE_REHEARSALS)


def _next_connection(server: ServerState):
    """The next connection from this user; None once the server is gone."""
    while True:
        ready, _, _ = select.select([server.listener, server.alive], [], [])
        if server.alive in ready:
            return None
        conn = accept(server.listener, server.status)
        if conn is not None:
            return conn
