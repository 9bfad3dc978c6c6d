"""Build or update a sharded index on a Dask cluster, publishing every shard's new generation
together or none.

Each shard is one task: on a worker, today's ``update_index`` (crash-safe as today, under
the shard's own lock) asks, without writing, whether the shard's files changed; if they did,
it writes the shard afresh into a new generation and seals it (checksums, fsync) without
making it live. Once every task has succeeded, ``SHARDS`` is replaced (the commit), then each
new generation becomes its shard's live one. A task that fails (a worker killed twice more
than Dask retries, a disk full) fails the run: the new generations already written are
removed and the index stays as it was.

A changed shard is written whole (a shard, not the index: its files are read again, the
others only stat'ed): a write into the live generation, as an unsharded incremental run does,
would be live at once, and could not wait for the other shards. A file of the shard that
cannot be read this time keeps its documents all the same: the new generation takes them
from the live one (``indexing.unread``), as an unsharded run keeps them.

Workers read the corpus and write the shards at the paths given, so on a real cluster both
are on a file system every worker mounts at the same place.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from distributed import Client, wait as wait_for

from searcher.analysis.settings import AnalysisSettings
from searcher.cluster.connect import refuse_daemonic_worker
from searcher.cluster.layout import (
    Layout, bring_forward, empty_layout, read_layout, write_layout)
from searcher.cluster.placement import ShardSelection
from searcher.engine.directory import discard, index_exists, publish, writer_lock
from searcher.errors import SearcherError
from searcher.indexing.update import IndexReport, update_index


class ShardBuildError(SearcherError):
    """A shard's task failed: nothing of the run was published."""


@dataclass
class ClusterReport:
    """What one run did: each shard's report, by shard folder (a shard left as it was has
    its trial run's report, with ``generation`` None; a shard written anew counts its
    documents against its live generation, as an unsharded run would)."""

    shards: dict[str, IndexReport] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def written(self) -> list[str]:
        """The shards that got a new generation."""
        return [name for name, report in self.shards.items() if report.generation]

    def total(self, outcome: str) -> int:
        """``added``, ``updated``, ``removed`` or ``unchanged`` documents, over the shards."""
        return sum(getattr(report, outcome) for report in self.shards.values())


def build_sharded(index_dir: Path, paths: Sequence[Path], settings: AnalysisSettings,
                  client: Client, shards: int | None = None, rebuild: bool = False,
                  wait: float = 0.0) -> ClusterReport:
    """Bring the sharded index at ``index_dir`` in line with the files under ``paths`` (else
    the roots it was built from), each shard written by a task on ``client``'s cluster.
    ``shards`` is fixed at the first build (default: one per worker); a later run that gives
    another count is refused. ``rebuild`` writes every shard afresh."""
    started = time.monotonic()
    report = ClusterReport()
    with writer_lock(index_dir, wait):
        layout = read_layout(index_dir)
        if layout is None and index_exists(index_dir):
            raise SearcherError(f"the index at {index_dir} is not sharded: build the sharded "
                                f"one in a new folder")
        if layout is None:
            layout = empty_layout(index_dir, shards or len(client.scheduler_info()["workers"]))
        elif shards is not None and shards != layout.shards:
            raise SearcherError(f"the index at {index_dir} has {layout.shards} shards, fixed "
                                f"at its first build; build {shards} shards in a new folder")
        bring_forward(layout)
        run = uuid.uuid4().hex[:12]
        tasks = [client.submit(_run_shard, layout.shard_dir(shard), list(paths), settings,
                               ShardSelection(shard, layout.shards), rebuild,
                               key=f"searcher-shard-{shard:02d}-{run}", pure=False)
                 for shard in range(layout.shards)]
        wait_for(tasks)
        outcomes = [(task.result() if task.status == "finished" else None, task)
                    for task in tasks]
        failed = [(shard, task) for shard, (done, task) in enumerate(outcomes) if done is None]
        if failed:
            for shard, (done, _) in enumerate(outcomes):
                if done is not None and done.generation:
                    discard(layout.shard_dir(shard) / done.generation)
            raise _failure(layout, *failed[0])
        new = {shard: done.generation for shard, (done, _) in enumerate(outcomes)
               if done.generation}
        report.shards = {layout.shard_dir(shard).name: done
                         for shard, (done, _) in enumerate(outcomes)}
        if new:
            _publish(layout.with_generations(new), new)
    report.seconds = time.monotonic() - started
    return report


def _run_shard(folder: Path, paths: list[Path], settings: AnalysisSettings,
               selection: ShardSelection, rebuild: bool) -> IndexReport:
    """One shard's task (on a worker): a trial run that writes nothing, then, if the shard's
    files changed, a new sealed generation that is not yet live. One process: the cluster's
    workers are the parallelism."""
    refuse_daemonic_worker()
    trial = None
    if not rebuild and index_exists(folder):
        trial = update_index(folder, paths, settings, select=selection, dry_run=True,
                             procs=1)
        if not (trial.rebuilt or trial.added or trial.updated or trial.removed):
            return trial
    written = update_index(folder, paths, settings, select=selection, procs=1,
                           publish_generation=False)
    if trial is None or trial.rebuilt:
        return written
    # What changed since the live generation, as an unsharded run would count it (the new
    # generation holds every document afresh).
    return replace(written, added=trial.added, updated=trial.updated, removed=trial.removed,
                   unchanged=trial.unchanged, rebuilt=False)


def _publish(layout: Layout, new: dict[int, str]) -> None:
    """The commit (``SHARDS`` replaced), then each new generation made its shard's live one:
    a build killed in between is finished by the next (``bring_forward``)."""
    write_layout(layout)
    for shard, name in new.items():
        folder = layout.shard_dir(shard)
        with writer_lock(folder):
            publish(folder, folder / name)


def _failure(layout: Layout, shard: int, task) -> SearcherError:
    error = task.exception()
    where = f"shard {layout.shard_dir(shard).name} of the index at {layout.index_dir}"
    if isinstance(error, SearcherError):
        return ShardBuildError(f"{where}: {error}; nothing of this run was published")
    return ShardBuildError(f"{where} failed on its worker ({type(error).__name__}: {error}); "
                           f"nothing of this run was published")
