"""``--cluster ADDRESS|local:N`` for ``index``, ``search``, ``show``, ``similar`` and
``stats``: the same commands on a sharded index, built and searched on a Dask cluster
(``searcher.cluster``, ``docs/cluster.md``). The configuration's ``cluster`` key is its
default, ``--no-cluster`` turns that off for one command (``cluster_address``). Only the
options listed in ``INDEX_OPTIONS`` go with it on ``index``; every option of ``search``
does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click

from searcher.errors import IndexMissingError, SearcherError

_cluster = click.option(
    "--cluster", metavar="ADDRESS|local:N", default=None,
    help="A sharded index on a Dask cluster: a scheduler's address, or local:N for N worker "
         "processes on this machine (needs the cluster extra) [default: the config's "
         "cluster, else none].")
_no_cluster = click.option("--no-cluster", is_flag=True,
                           help="This machine's index, not the cluster of the config.")


def cluster_option(command):
    """``--cluster ADDRESS`` (its default: the configuration's ``cluster``) and
    ``--no-cluster``; the command asks ``cluster_address`` which one applies."""
    return _cluster(_no_cluster(command))


_TYPED = (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)


def cluster_address(ctx: click.Context) -> str | None:
    """The cluster the command runs on: ``--cluster``, else the configuration's, unless
    ``--no-cluster``; None: the index on this machine."""
    if not ctx.params["no_cluster"]:
        return ctx.params["cluster"]
    if ctx.get_parameter_source("cluster") in _TYPED:
        raise click.UsageError("--cluster and --no-cluster are exclusive")
    return None


def _configured(ctx: click.Context) -> str:
    """Where the cluster's address came from when the configuration gave it, said after a
    message about it, with the way out; else nothing."""
    if ctx.get_parameter_source("cluster") != click.core.ParameterSource.DEFAULT_MAP:
        return ""
    return f" (the cluster key of {ctx.obj.source}; --no-cluster for this machine's index)"


@contextlib.contextmanager
def naming_the_config(ctx: click.Context, errors: type[Exception] | tuple = IndexMissingError
                      ) -> Iterator[None]:
    """``errors`` (no sharded index, by default) said with where the cluster came from, when
    the configuration named it: the user did not type ``--cluster``."""
    try:
        yield
    except errors as error:
        if not (note := _configured(ctx)):
            raise
        raise SearcherError(f"{error}{note}") from error


partial_option = click.option(
    "--partial", is_flag=True,
    help="With --cluster: a shard that does not answer is left out (named on stderr) "
         "instead of failing the search.")
shards_option = click.option(
    "--shards", type=click.IntRange(min=1, max=999), default=None,
    help="With --cluster: how many shards a new index has [default: one per worker].")
# The index options that have a meaning on a sharded index; any other is refused.
INDEX_OPTIONS = ("paths", "index_dir", "rebuild", "variant_files", "userdict_files", "wait",
                 "segmenter", "as_json", "cluster", "shards", "strict")


def client_for(ctx: click.Context, address: str):
    """A client of the cluster at ``address``, closed when the command ends."""
    try:
        from searcher.cluster.connect import connect
    except ImportError as error:  # dask is an extra
        raise click.UsageError(f"--cluster needs Dask: pip install 'searcher[cluster]' "
                               f"({error}){_configured(ctx)}") from error
    with naming_the_config(ctx, SearcherError):  # no scheduler answers
        return ctx.with_resource(connect(address))


def refuse_with_cluster(ctx: click.Context, refusal: str) -> None:
    """An option given that does not go with a cluster: ``refusal`` (``--x does not go``)
    ``with --cluster``."""
    raise click.UsageError(f"{refusal} with --cluster{_configured(ctx)}")


def index_on_cluster(ctx: click.Context, address: str, settings) -> None:
    """``searcher index ... --cluster ADDRESS``: build or update the sharded index; print
    what each shard did, and exit as ``index`` does when a file was skipped."""
    import sys

    from searcher.cli.commands import warn_about
    from searcher.cli.exit_status import ExitStatus
    from searcher.cli.printers import json_line
    from searcher.cluster.build import build_sharded

    given = [name for name in ctx.params if name not in INDEX_OPTIONS
             and ctx.get_parameter_source(name) in _TYPED]  # not the configuration's defaults
    if given:
        refuse_with_cluster(ctx, f"--{given[0].replace('_', '-')} does not go")
    params = ctx.params
    report = build_sharded(params["index_dir"], list(params["paths"]), settings,
                           client_for(ctx, address), shards=params["shards"],
                           rebuild=params["rebuild"], wait=params["wait"])
    for shard in report.shards.values():
        warn_about(shard)
    if params["as_json"]:
        click.echo(json_line({"shards": {name: shard.to_json()
                                         for name, shard in report.shards.items()},
                              "written": report.written, "seconds": round(report.seconds, 3)}))
    else:
        click.echo(
            f"indexed into {params['index_dir']} on the cluster: {report.total('added')} added, "
            f"{report.total('updated')} updated, {report.total('removed')} removed, "
            f"{report.total('unchanged')} unchanged documents; {len(report.written)} of "
            f"{len(report.shards)} shards written in {report.seconds:.1f} s", err=True)
    if not all(shard.complete(params["strict"]) for shard in report.shards.values()):
        sys.exit(ExitStatus.ERROR if params["strict"] else ExitStatus.INCOMPLETE)


def sharded_search(ctx: click.Context, address: str, index_dir: Path, partial: bool = False):
    """The sharded index at ``index_dir``, open on the cluster for the command (its
    ``search``, ``count`` and ``timeline`` take a request). With ``partial``, the shards left
    out are named on stderr when the command ends, after its output."""
    from searcher.cli.printers import one_line
    from searcher.cluster.searching import ShardedIndex

    client = client_for(ctx, address)
    with naming_the_config(ctx):
        index = ctx.with_resource(ShardedIndex(index_dir, client, partial))

    def name_the_missing() -> None:
        for why in index.unanswered.values():
            click.echo(f"searcher: warning: partial results: {one_line(why)}", err=True)

    ctx.call_on_close(name_the_missing)
    return index
