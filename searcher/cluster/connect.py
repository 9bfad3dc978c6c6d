"""The Dask cluster a sharded index is built and searched on: a running scheduler's address,
or ``local:N``, a cluster of N worker processes on this machine (loopback only).

Workers must not be daemonic processes (Dask's default): searcher reads each file in a child
process it can stop at the file's deadline, and a daemonic process may start none. A local
cluster is started so; a real one needs ``DASK_DISTRIBUTED__WORKER__DAEMON=False`` in its
workers' environment (``distributed.worker.daemon: false``), else a build fails saying so.
"""

from __future__ import annotations

import multiprocessing

import dask
from distributed import Client

from searcher.config import cluster_address_problem, local_workers
from searcher.errors import SearcherError

CONNECT_SECONDS = 10


class ClusterError(SearcherError):
    """A scheduler that cannot be reached or an address that is not one."""


def connect(address: str) -> Client:
    """A client of the cluster at ``address`` (``tcp://HOST:PORT``, ``HOST:PORT`` or
    ``local:N``); close it when done (a local cluster ends with it)."""
    if problem := cluster_address_problem(address):
        raise ClusterError(f"--cluster {address!r} {problem}")
    workers = local_workers(address)
    if workers is not None:
        # Read by each nanny whenever it starts a worker, restarts included: set for good.
        dask.config.set({"distributed.worker.daemon": False})
        return Client(n_workers=workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None)
    try:
        return Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"no Dask scheduler answers at {address} ({error})") from error


def refuse_daemonic_worker() -> None:
    """On a worker: refuse to index in a daemonic process, naming the setting that fixes it."""
    if multiprocessing.current_process().daemon:
        raise ClusterError(
            "the Dask workers are daemonic processes, which cannot start searcher's reader "
            "processes: start them with DASK_DISTRIBUTED__WORKER__DAEMON=False")
