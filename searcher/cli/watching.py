"""``searcher watch``: the command, and what it prints as the watch goes on.

On stderr, a line when the watch starts and one per update (none with ``-q`` or ``--json``),
and, always, each problem: a file skipped, an update that failed, a root gone or back,
watching that failed. With
``--json``, one JSON object a line on stdout, flushed, by ``type``: ``watching`` (``roots``),
``update`` (``searcher index --json``'s report), ``failed`` (``error``, ``retry_seconds``),
``gone`` and ``back`` (``root``), ``rewatch`` (``error``: watching failed, and starts anew).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from searcher.cli.commands import analysis_settings
from searcher.cli.environment import corpus_roots
from searcher.cli.messages import error_message, json_line, one_line, warn_about
from searcher.cli.options import index_option, json_option


@click.command("watch")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--debounce", type=click.FloatRange(min=0), default=2.0, show_default=True,
              metavar="SECONDS", help="Quiet after a change before the index is updated.")
@click.option("-q", "--quiet", is_flag=True, help="No line per update; problems still.")
@json_option
@click.pass_obj
def watch_command(config, paths, index_dir, debounce, quiet, as_json):
    """Keep the index in line with its folders: update it whenever files there are saved,
    renamed or deleted, once they have been quiet for --debounce seconds, until Ctrl-C or
    SIGTERM. Each update is the one `searcher index` would make (PATHS as for it: default
    the index's roots, else ./corpus). A failed update (a full disk) is said and tried
    again; a root deleted keeps its documents until it is back. See docs/watch.md.

    \b
    Examples:
      searcher watch                      # ./index's roots
      searcher watch ~/評論 --index ~/評論索引 -q
      searcher watch --json | jq -c 'select(.type == "update") | .added'
    """
    from searcher.indexing.update import recorded_stemming
    from searcher.indexing.watch import watch

    limits = {"file_seconds": config.max_file_seconds} if config and config.max_file_seconds \
        else {}
    stemming = (config and config.stemming) or recorded_stemming(index_dir)
    watch(index_dir, list(paths), analysis_settings(stemming=stemming),
          WatchPrinter(index_dir, quiet, as_json),
          debounce=debounce, fallback=corpus_roots(config), **limits)


class WatchPrinter:
    """A ``WatchListener`` printing to the command's streams (see the module)."""

    def __init__(self, index_dir: Path, quiet: bool, as_json: bool) -> None:
        self.index_dir = index_dir
        self.routine = not (quiet or as_json)  # the lines that are not problems
        self.as_json = as_json

    def watching(self, roots: list[Path]) -> None:
        self._json(type="watching", roots=[str(root) for root in roots])
        if self.routine:
            self._say(f"watching {', '.join(map(str, roots))} for changes to "
                      f"{self.index_dir} (Ctrl-C stops)")

    def updated(self, report) -> None:
        warn_about(report)
        self._json(type="update", **report.to_json())
        if self.routine:
            rebuilt = " (rebuilt)" if report.rebuilt else ""
            self._say(f"updated {self.index_dir}{rebuilt}: {report.added} added, "
                      f"{report.updated} updated, {report.removed} removed, "
                      f"{report.unchanged} unchanged documents in {report.seconds:.1f} s")

    def failed(self, error: Exception, retry_seconds: float) -> None:
        if os.environ.get("SEARCHER_DEBUG", "") not in ("", "0"):
            traceback.print_exception(error)
        message = error_message(error)
        self._json(type="failed", error=message, retry_seconds=retry_seconds)
        self._say(f"update failed: {message}; trying again at the next change, or in "
                  f"{retry_seconds:g} s")

    def gone(self, root: Path) -> None:
        self._json(type="gone", root=str(root))
        self._say(f"{root} is gone: its documents stay in {self.index_dir}, which is not "
                  f"updated until it is back (`searcher index --remove {root}` drops them)")

    def back(self, root: Path) -> None:
        self._json(type="back", root=str(root))
        self._say(f"{root} is back")

    def rewatching(self, error: Exception) -> None:
        message = f"{type(error).__name__}: {error}"
        self._json(type="rewatch", error=message)
        self._say(f"watching the folders failed ({message}); watching them anew")

    def _json(self, **fields) -> None:
        if self.as_json:
            click.echo(json_line(fields))
            sys.stdout.flush()

    @staticmethod
    def _say(line: str) -> None:
        click.echo(f"searcher: {one_line(line)}", err=True)
