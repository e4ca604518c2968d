"""Worker side of a probe run: read slices from the store and fit their missing cells.

Runs inside a Dask worker (or the in-process cluster's threads); returns only cells.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from geneb.core.cluster import blas_threads_per_block
from geneb.core.memory import return_large_frees_to_os
from geneb.store import EmbeddingStore

from .backends import BACKENDS, get_backend
from .backends.base import ProbeBackend
from .cube import Cell
from .fitting import few_shot_cells, few_shot_problems, full_cells
from .full_fit import reused_copy_buffer
from .protocol import ProbeProtocol


@dataclass(frozen=True)
class FitSpec:
    """How every cell of a run is fitted: the protocol and the backend configuration.

    Attributes
    ----------
    protocol : ProbeProtocol
    backend : str
        A registered backend or ``"auto"``.
    device : str, optional
        torch device.
    exact_reference : bool
        scikit-learn whatever ``backend`` says.
    """

    protocol: ProbeProtocol
    backend: str = "sklearn"
    device: str | None = None
    exact_reference: bool = False

    def make(self) -> ProbeBackend:
        """A new backend instance (raises on a bad backend or device)."""
        return get_backend(self.backend, self.protocol, device=self.device,
                           exact_reference=self.exact_reference)


_ENGINES: dict = {}


def _engine(fit: FitSpec) -> ProbeBackend:
    """One backend instance per worker process and configuration."""
    cls = None if fit.backend == "auto" else BACKENDS.get(fit.backend)  # a re-registered name is new
    key = (fit, cls)
    if key not in _ENGINES:
        _ENGINES[key] = fit.make()
    return _ENGINES[key]


def _worker_threads(threads_by_host: dict[str, int] | None) -> int:
    """BLAS and torch threads for one block on this worker: the host's cores divided by
    all the worker threads on it (this worker's own threads when the host is unknown)."""
    try:
        from urllib.parse import urlparse
        from distributed import get_worker
        worker = get_worker()
        nthreads = worker.state.nthreads
        host = urlparse(worker.address).hostname
    except (ImportError, ValueError, AttributeError):
        nthreads, host = 1, None
    return blas_threads_per_block((threads_by_host or {}).get(host) or nthreads)


def probe_block(store_path: str, model_id: str, task_id: str, fit: FitSpec,
                todo: list[tuple[str, int]],
                storage_options: dict | None = None) -> list[Cell]:
    """Worker side of one (model, task): read the slice, fit the ``todo`` cells."""
    return probe_bundle(store_path, [(model_id, task_id, todo)], fit,
                        storage_options)[model_id, task_id]


def probe_bundle(store_path: str, items: list[tuple], fit: FitSpec,
                 storage_options: dict | None = None,
                 threads_by_host: dict[str, int] | None = None,
                 ) -> dict[tuple[str, str], list[Cell]]:
    """Worker side of a bundle of (model, task) pairs: ``items`` is
    ``[(model_id, task_id, todo), ...]``, or ``[(model_id, task_id, todo, table), ...]`` with
    the task tables the caller has already read.

    Slices are read one at a time; each pair's full regime is fitted as soon as its slice
    is in, then its training rows are dropped and only its few-shot rows and test rows are
    kept. All the few-shot problems of the bundle, of several tasks and models, are then
    solved together (:meth:`ProbeBackend.fit_predict_sets`: one batched solve per class
    count for the torch backend). Peak memory: one slice plus what the bundle holds until
    its few-shot solve (:func:`~geneb.probe.bundles.bundle_jobs` keeps that within the
    largest slice).

    ``threads_by_host`` (worker threads per host, from the client) sets the BLAS and torch
    threads: the host's cores divided by all the worker threads on it.

    Returns
    -------
    dict
        (model_id, task_id) -> list of Cell.
    """
    threads = _worker_threads(threads_by_host)
    # catch_warnings() in a backend is not thread-safe; non-convergence is recorded per cell
    # (``converged``), so silence the warning for the whole worker process
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    return_large_frees_to_os()  # dead decode/convert buffers must not stay resident
    store = EmbeddingStore(store_path, mode="r", storage_options=storage_options)
    import torch
    torch.set_num_threads(threads)
    cells: dict[tuple[str, str], list[Cell]] = {}
    few_problems, few_where, X_tests = [], [], []
    with threadpool_limits(limits=threads), reused_copy_buffer():
        engine = _engine(fit)
        for model_id, task_id, todo, *known in items:
            table = known[0] if known else store.read_task_table(task_id)
            # train and test rows straight from the chunks (each checksum-checked): the
            # block holds its slice once, never the whole array next to its two parts
            X_train, X_test = store.read_embedding(model_id, task_id,
                                                   rows=(table.train_index, table.test_index))
            key = (model_id, task_id)
            cells[key] = full_cells(X_train, X_test, table, fit.protocol, engine, todo)
            few = few_shot_problems(table, fit.protocol, todo)
            if few:
                y_train = table.label[table.train_index]
                few_problems += [(X_train[pos], y_train[pos], len(X_tests)) for *_, pos in few]
                few_where.append((key, table, few))
                X_tests.append(X_test)
            del X_train, X_test
        fits = engine.fit_predict_sets(few_problems, X_tests) if few_problems else []
    at = 0
    for key, table, few in few_where:
        cells[key] += few_shot_cells(table, few, fits[at:at + len(few)], engine)
        at += len(few)
    return cells
