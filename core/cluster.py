"""Dask clusters for the probe and extraction runs: connect, start, size, close.

A run is given a scheduler address (``tcp://host:8786``), an existing
``distributed.Client``, or nothing: then an in-process cluster is started for it.
``distributed`` is imported only when a cluster is asked for.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from .errors import InputError

#: How to get a scheduler to connect to, said when one cannot be reached.
SCHEDULER_HINT = ("start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                  "or leave --scheduler out")


def connect(address: str) -> Any:
    """A ``distributed.Client`` on the scheduler at ``address``.

    Raises
    ------
    InputError
        Naming the address and how to start a scheduler, when it cannot be reached.
    """
    from distributed import Client
    try:
        return Client(address, set_as_default=False, timeout="10s")
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address!r} ({exc}); "
                         f"{SCHEDULER_HINT}") from None


def client_for(scheduler: Any, n_threads: int) -> tuple[Any, bool]:
    """``(client, owned)``: a Client to use, and whether the caller must :func:`close` it.

    Parameters
    ----------
    scheduler : str, distributed.Client or None
        An address to connect to, a Client to use as it is, or None for an in-process
        cluster (one worker with ``n_threads`` threads).
    n_threads : int
    """
    if scheduler is not None and not isinstance(scheduler, str):
        return scheduler, False  # an existing Client
    if scheduler:
        return connect(scheduler), True
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=1, threads_per_worker=n_threads, processes=False,
                           dashboard_address=":0", silence_logs=logging.CRITICAL)
    return Client(cluster, set_as_default=False), True


def close(client: Any) -> None:
    """Close a client and the cluster it started, if any."""
    client.close()
    if getattr(client, "cluster", None) is not None:
        client.cluster.close()


class PendingClient:
    """The default in-process cluster, started in a thread while the run reads its inputs
    (about 0.3 s saved); an address or a Client is used as it is, when asked for.

    Parameters
    ----------
    scheduler : str, distributed.Client or None
        As for :func:`client_for`.
    n_threads : int
        Threads the default cluster gets.
    """

    def __init__(self, scheduler: Any, n_threads: int) -> None:
        self._args = (scheduler, n_threads)
        self.n_threads = n_threads
        self._future = None
        if scheduler is None:
            from concurrent.futures import ThreadPoolExecutor
            pool = ThreadPoolExecutor(1, thread_name_prefix="geneb-cluster")
            self._future = pool.submit(client_for, scheduler, n_threads)
            pool.shutdown(wait=False)

    def get(self) -> tuple[Any, bool]:
        """``(client, owned)`` as :func:`client_for` returns them; the caller closes it."""
        future, self._future = self._future, None
        return future.result() if future is not None else client_for(*self._args)

    def discard(self) -> None:
        """Close a cluster started for a run that did not use it (no-op after :meth:`get`)."""
        future, self._future = self._future, None
        if future is not None:
            try:
                client, _ = future.result()
            except Exception:  # it failed to start: nothing to close
                return
            close(client)


def threads_by_host(client: Any) -> dict[str, int]:
    """Worker threads per host of the cluster (several worker processes may share one)."""
    from urllib.parse import urlparse
    out: dict[str, int] = {}
    for address, info in client.scheduler_info().get("workers", {}).items():
        host = info.get("host") or urlparse(address).hostname or address
        out[host] = out.get(host, 0) + int(info.get("nthreads", 1))
    return out


def blas_threads_per_block(worker_threads: int, cores: int | None = None) -> int:
    """Threads each concurrently running block may use: ``cores // worker_threads`` (≥ 1).

    ``worker_threads`` counts every worker thread on the machine (several worker processes
    may share it: each sees all the cores).
    """
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, worker_threads))
