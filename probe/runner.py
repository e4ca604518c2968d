"""Fill a result cube from an embedding store: every (model, task) × regime × seed.

(model, task) blocks, or bundles of them for backends that batch across tasks
(:func:`bundle_jobs`), are mapped over a :mod:`dask.distributed` client: an in-process cluster
by default, or an existing one (``scheduler="tcp://host:8786"``). A worker reads one slice at a
time from the Zarr store, chunk by chunk straight into its train and test rows, fits the missing
cells and returns only scores. BLAS and torch threads per block are pinned to
``cores // worker threads`` (and ``OMP_NUM_THREADS``) so concurrent blocks do not oversubscribe
the cores.

With ``out`` the cube is incremental and resumable: an existing cube there is extended (new
models, tasks, regimes or seeds) and only its empty cells are fitted; progress is saved
atomically every ``checkpoint_seconds`` and when the run stops, even on an error or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from geneb.catalog.models import MODELS
from geneb.core.errors import InputError
from geneb.core.memory import return_large_frees_to_os
from geneb.probe.backends import BACKENDS, get_backend
from geneb.probe.backends.base import ProbeBackend
from geneb.probe.backends.torch_backend import batch_bytes
from geneb.probe.cube import (CELL_DIMS, check_compatible, cube_lock, filled, merge_into,
                              new_cube, open_cube, restore_cube, save_cube)
from geneb.probe.metrics import score
from geneb.probe.protocol import ProbeProtocol
from geneb.probe.sampling import few_shot_indices
from geneb.store import EmbeddingStore, TaskTable


@dataclass(frozen=True)
class Cell:
    """Result of one fit, with every (regime, seed) cell it fills."""

    regime: str
    seeds: tuple[int, ...]
    scores: dict
    n_train: int
    n_iter: int
    converged: bool
    seconds: float
    rows: np.ndarray | None  #: few-shot rows in the sequence table; None for full
    backend: str = ""


def probe_task(X: np.ndarray, table: TaskTable, protocol: ProbeProtocol,
               backend: ProbeBackend,
               todo: list[tuple[str, int]] | None = None) -> list[Cell]:
    """Fit every regime and seed of one (model, task), or only the ``todo`` cells.

    Few-shot problems go to the backend together (``fit_predict_many``: one batched solve
    for the torch backend); the full regime is fitted once for all its seeds.

    Parameters
    ----------
    X : ndarray, shape (n_sequences, dim)
        The task's embeddings, rows aligned with ``table``.
    table : TaskTable
        Labels and splits.
    todo : list of (regime, seed), optional
        Cells to fill (default all).

    Returns
    -------
    list of Cell
        One per fit: the full regime once (covering its seeds), few-shot per seed.
    """
    return probe_split(X[table.train_index], X[table.test_index], table, protocol, backend,
                       todo)


def probe_split(X_train: np.ndarray, X_test: np.ndarray, table: TaskTable,
                protocol: ProbeProtocol, backend: ProbeBackend,
                todo: list[tuple[str, int]] | None = None) -> list[Cell]:
    """:func:`probe_task` on the train and test rows already split out.

    Lets a caller drop the whole slice before fitting (peak memory: the slice once, not twice).

    Parameters
    ----------
    X_train : ndarray, shape (len(table.train_index), dim)
    X_test : ndarray, shape (len(table.test_index), dim)
    """
    cells = _full_cells(X_train, X_test, table, protocol, backend, todo)
    few = _few_shot_problems(table, protocol, todo)
    if few:
        y_train = table.label[table.train_index]
        fits = backend.fit_predict_many([(X_train[pos], y_train[pos]) for _, _, pos in few],
                                        X_test)
        cells += _few_shot_cells(table, few, fits, backend)
    return cells


def _todo_set(protocol: ProbeProtocol, todo) -> set[tuple[str, int]]:
    return set(todo) if todo is not None else {(r, s) for r in protocol.regime_names
                                               for s in protocol.seeds}


def _full_cells(X_train, X_test, table: TaskTable, protocol: ProbeProtocol,
                backend: ProbeBackend, todo) -> list[Cell]:
    """The full regime(s), fitted once for all their seeds still to do."""
    todo = _todo_set(protocol, todo)
    train, test, y = table.train_index, table.test_index, table.label
    cells = []
    for regime, k in protocol.regimes:
        seeds = tuple(s for s in protocol.seeds if (regime, s) in todo)
        if k is None and seeds:
            fit = backend.fit_predict(X_train, y[train], X_test)
            cells.append(Cell(regime, seeds, score(y[test], fit.y_pred), len(train),
                              fit.n_iter, fit.converged, fit.seconds, None, backend.name))
    return cells


def _few_shot_problems(table: TaskTable, protocol: ProbeProtocol,
                       todo) -> list[tuple[str, int, np.ndarray]]:
    """``(regime, seed, positions in the train split)`` of every few-shot cell to do."""
    todo = _todo_set(protocol, todo)
    y_train = table.label[table.train_index]
    return [(regime, seed, few_shot_indices(y_train, k, seed))
            for regime, k in protocol.regimes if k is not None
            for seed in protocol.seeds if (regime, seed) in todo]


def _few_shot_cells(table: TaskTable, few, fits, backend: ProbeBackend) -> list[Cell]:
    test, y = table.test_index, table.label
    return [Cell(regime, (seed,), score(y[test], fit.y_pred), len(pos), fit.n_iter,
                 fit.converged, fit.seconds, table.train_index[pos], backend.name)
            for (regime, seed, pos), fit in zip(few, fits)]


_ENGINES: dict = {}


def _engine(backend: str, protocol: ProbeProtocol, device: str | None,
            exact_reference: bool) -> ProbeBackend:
    """One backend instance per worker process and configuration."""
    cls = None if backend == "auto" else BACKENDS.get(backend)  # a re-registered name is new
    key = (backend, cls, protocol, device, exact_reference)
    if key not in _ENGINES:
        _ENGINES[key] = get_backend(backend, protocol, device=device,
                                    exact_reference=exact_reference)
    return _ENGINES[key]


def blas_threads_per_block(worker_threads: int, cores: int | None = None) -> int:
    """Threads each concurrently running block may use: ``cores // worker_threads`` (≥ 1).

    ``worker_threads`` counts every worker thread on the machine (several worker processes
    may share it: each sees all the cores).
    """
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, worker_threads))


def probe_block(store_path: str, model_id: str, task_id: str, protocol: ProbeProtocol,
                backend: str, device: str | None, exact_reference: bool,
                todo: list[tuple[str, int]],
                storage_options: dict | None = None) -> list[Cell]:
    """Worker side of one (model, task): read the slice, fit the ``todo`` cells."""
    return probe_bundle(store_path, [(model_id, task_id, todo)], protocol, backend, device,
                        exact_reference, storage_options)[model_id, task_id]


def probe_bundle(store_path: str, items: list[tuple], protocol: ProbeProtocol, backend: str,
                 device: str | None, exact_reference: bool,
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
    its few-shot solve (:func:`bundle_jobs` keeps that within the largest slice).

    ``threads_by_host`` (worker threads per host, from the client) sets the BLAS and torch
    threads: the host's cores divided by all the worker threads on it.

    Returns
    -------
    dict
        (model_id, task_id) -> list of Cell.
    """
    try:
        from urllib.parse import urlparse
        from distributed import get_worker
        worker = get_worker()
        nthreads = worker.state.nthreads
        host = urlparse(worker.address).hostname
    except (ImportError, ValueError, AttributeError):
        nthreads, host = 1, None
    threads = blas_threads_per_block((threads_by_host or {}).get(host) or nthreads)
    # catch_warnings() in a backend is not thread-safe; non-convergence is recorded per cell
    # (``converged``), so silence the warning for the whole worker process
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    return_large_frees_to_os()  # dead decode/convert buffers must not stay resident
    store = EmbeddingStore(store_path, mode="r", storage_options=storage_options)
    import torch
    torch.set_num_threads(threads)
    cells: dict[tuple[str, str], list[Cell]] = {}
    few_problems, few_where, X_tests = [], [], []
    with threadpool_limits(limits=threads):
        engine = _engine(backend, protocol, device, exact_reference)
        for model_id, task_id, todo, *known in items:
            table = known[0] if known else store.read_task_table(task_id)
            # train and test rows straight from the chunks (each checksum-checked): the
            # block holds its slice once, never the whole array next to its two parts
            X_train, X_test = store.read_embedding(model_id, task_id,
                                                   rows=(table.train_index, table.test_index))
            key = (model_id, task_id)
            cells[key] = _full_cells(X_train, X_test, table, protocol, engine, todo)
            few = _few_shot_problems(table, protocol, todo)
            if few:
                y_train = table.label[table.train_index]
                few_problems += [(X_train[pos], y_train[pos], len(X_tests)) for *_, pos in few]
                few_where.append((key, table, few))
                X_tests.append(X_test)
            del X_train, X_test
        fits = engine.fit_predict_sets(few_problems, X_tests) if few_problems else []
    at = 0
    for key, table, few in few_where:
        cells[key] += _few_shot_cells(table, few, fits[at:at + len(few)], engine)
        at += len(few)
    return cells


def _model_coords(model_ids: list[str]) -> dict[str, list]:
    out = {"params": [], "architecture": [], "arch_short": [], "tokenization": [],
           "pretraining_group": [], "display": []}
    for m in model_ids:
        spec = MODELS.get(m) if m in MODELS else None
        out["params"].append(float(spec.params) if spec and spec.params else np.nan)
        for key in ("architecture", "arch_short", "tokenization", "pretraining_group"):
            out[key].append(getattr(spec, key) if spec else "")
        out["display"].append((spec.display if spec else "") or m)
    return out


def _task_coords(tables: dict[str, TaskTable]) -> dict[str, list]:
    return {
        "category": [t.attrs.get("category", "other") for t in tables.values()],
        "n_classes": [int(t.attrs.get("n_classes", len(np.unique(t.label)))) for t in tables.values()],
        "official_id": [t.attrs.get("official_id") or "" for t in tables.values()],
        "benchmark": [t.attrs.get("benchmark", "") for t in tables.values()],
        "n_test": [int(len(t.test_index)) for t in tables.values()],
    }


def _write_cells(cube: xr.Dataset, model: str, task: str, cells: list[Cell]) -> None:
    mi = cube.indexes["model"].get_loc(model)
    ti = cube.indexes["task"].get_loc(task)
    names = {name for c in cells for name in c.scores}
    names |= {"n_train", "n_iter", "converged", "fit_seconds", "fitted", "backend"}
    arrays = {name: cube[name].values for name in names}  # views: writes land in the cube
    train_rows = cube["train_rows"].values
    for c in cells:
        ri = cube.indexes["regime"].get_loc(c.regime)
        for j, seed in enumerate(c.seeds):
            at = (mi, ti, ri, cube.indexes["seed"].get_loc(seed))
            for name, value in c.scores.items():
                arrays[name][at] = value
            arrays["n_train"][at] = c.n_train
            arrays["n_iter"][at] = c.n_iter
            arrays["converged"][at] = c.converged
            arrays["fit_seconds"][at] = c.seconds
            arrays["fitted"][at] = j == 0
            arrays["backend"][at] = c.backend
            if c.rows is not None:
                train_rows[at[1:] + (slice(0, len(c.rows)),)] = c.rows


def _share_full_fits(cube: xr.Dataset, protocol: ProbeProtocol) -> None:
    """Copy an existing full-regime fit to its (model, task)'s new seeds: no refit."""
    done = filled(cube).values
    for regime, k in protocol.regimes:
        if k is not None:
            continue
        ri = cube.indexes["regime"].get_loc(regime)
        for mi in range(cube.sizes["model"]):
            for ti in range(cube.sizes["task"]):
                have = np.flatnonzero(done[mi, ti, ri])
                if len(have) == 0 or len(have) == cube.sizes["seed"]:
                    continue
                src = (mi, ti, ri, have[0])
                for si in np.flatnonzero(~done[mi, ti, ri]):
                    for name in cube.data_vars:
                        if cube[name].dims == ("model", "task", "regime", "seed"):
                            cube[name].values[mi, ti, ri, si] = cube[name].values[src]
                    cube["fitted"].values[mi, ti, ri, si] = False


#: Cube attribute: "model\ttask" -> :meth:`EmbeddingStore.embedding_fingerprint` of the
#: embeddings and task table each (model, task)'s cells were fitted on.
FINGERPRINTS = "embedding_fingerprints"


def _pair_key(model_id: str, task_id: str) -> str:
    return f"{model_id}\t{task_id}"


def _forget_changed(cube: xr.Dataset, old: dict[str, str], new: dict[str, str]) -> None:
    """Empty the cells of (model, task) pairs whose embeddings or task changed since the
    cube was filled, so they are fitted again rather than reported from stale data."""
    for key, fp in new.items():
        if old.get(key) not in (None, fp):
            m, t = key.split("\t")
            mi, ti = cube.indexes["model"].get_loc(m), cube.indexes["task"].get_loc(t)
            for var in cube.data_vars.values():
                if var.dims == CELL_DIMS:
                    var.values[mi, ti] = {"f": np.nan, "i": -1, "b": False}.get(var.dtype.kind, "")
    cube.attrs[FINGERPRINTS] = {**old, **new}


def _portable(path: str) -> str:
    """A store location workers elsewhere can open: URLs as they are, paths made absolute."""
    return path if "://" in path else str(Path(path).resolve())


def _client(scheduler, n_workers: int):
    """``(client, owned)``: a Client to use and whether we must close it."""
    from distributed import Client, LocalCluster
    if scheduler is not None and not isinstance(scheduler, str):
        return scheduler, False  # an existing Client
    if scheduler:
        try:
            return Client(scheduler, set_as_default=False, timeout="10s"), True
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); start "
                             f"one with `dask scheduler` and workers with `dask worker ADDRESS`, "
                             f"or leave --scheduler out") from None
    cluster = LocalCluster(n_workers=1, threads_per_worker=n_workers, processes=False,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster, set_as_default=False), True


class _PendingClient:
    """The default in-process cluster, started in a thread while the run reads its inputs
    (about 0.3 s saved); an address or a Client is used as it is, when asked for."""

    def __init__(self, scheduler, n_workers: int) -> None:
        self._args = (scheduler, n_workers)
        self.n_workers = n_workers  #: threads the default cluster gets (plans the bundles)
        self._future = None
        if scheduler is None:
            from concurrent.futures import ThreadPoolExecutor
            pool = ThreadPoolExecutor(1, thread_name_prefix="geneb-cluster")
            self._future = pool.submit(_client, scheduler, n_workers)
            pool.shutdown(wait=False)

    def get(self):
        """``(client, owned)`` as :func:`_client` returns them; the caller closes it."""
        future, self._future = self._future, None
        return future.result() if future is not None else _client(*self._args)

    def discard(self) -> None:
        """Close a cluster started for a run that did not use it (no-op after :meth:`get`)."""
        future, self._future = self._future, None
        if future is not None:
            try:
                client, _ = future.result()
            except Exception:  # it failed to start: nothing to close
                return
            _close(client)


def _threads_by_host(client) -> dict[str, int]:
    """Worker threads per host of the cluster (several worker processes may share one)."""
    from urllib.parse import urlparse
    out: dict[str, int] = {}
    for address, info in client.scheduler_info().get("workers", {}).items():
        host = info.get("host") or urlparse(address).hostname or address
        out[host] = out.get(host, 0) + int(info.get("nthreads", 1))
    return out


def _close(client) -> None:
    client.close()
    if getattr(client, "cluster", None) is not None:
        client.cluster.close()


#: default cap on the pairs of one bundle (what a crash can lose is a bundle's work)
MAX_BUNDLE_PAIRS = 16


def bundle_jobs(jobs: list[tuple[str, str, list]], held_bytes: dict, budget: float,
                n_workers: int, max_pairs: int | None = None) -> list[list[tuple[str, str, list]]]:
    """Group (model, task, todo) jobs into bundles for one worker task each.

    A bundle's few-shot problems are solved in one batch (fewer, larger solves), while what
    each pair keeps until then (``held_bytes``: its test rows and its few-shot batch) is
    held together: a bundle is closed before that passes ``budget`` bytes (the largest
    slice, so a worker's peak stays about twice that), or at ``max_pairs`` pairs (default:
    enough bundles for 4 per worker, for load balance, and at most ``MAX_BUNDLE_PAIRS``:
    cells come back, and are checkpointed, a bundle at a time). Jobs keep their order (largest
    first); a bundle may mix models (the batch pads narrower ones with zero columns).

    Returns
    -------
    list of bundles, each a list of (model_id, task_id, todo)
    """
    if max_pairs is None:
        max_pairs = min(MAX_BUNDLE_PAIRS, max(1, -(-len(jobs) // (4 * max(1, n_workers)))))
    bundles: list[list] = []
    held = 0.0
    for m, t, todo in jobs:
        if not bundles or len(bundles[-1]) >= max_pairs or held + held_bytes[m, t] > budget:
            bundles.append([])
            held = 0.0
        bundles[-1].append((m, t, todo))
        held += held_bytes[m, t]
    return bundles


def _held_bytes(table: TaskTable, shape: tuple[int, int], itemsize: int, todo,
                protocol: ProbeProtocol) -> float:
    """What a pair holds in a bundle until the few-shot solve: its test rows and few-shot
    rows as stored, and its share of the batched solve (:func:`batch_bytes`; batches group
    problems of one shape, so the shares add up)."""
    d = shape[1]
    n_classes = len(np.unique(table.label))
    shots = dict(protocol.regimes)
    sizes = [shots[r] * n_classes for r, _ in _todo_set(protocol, todo) if shots[r] is not None]
    return (len(table.test_index) * d * itemsize
            + sum(n * d * itemsize + batch_bytes(n, d, n_classes) for n in sizes))


def run_probes(store: EmbeddingStore, model_ids: list[str], task_ids: list[str], *,
               protocol: ProbeProtocol = ProbeProtocol(), backend: str = "sklearn",
               device: str | None = None, exact_reference: bool = False,
               out: str | Path | None = None, scheduler=None, n_workers: int | None = None,
               checkpoint_seconds: float = 30.0, show_progress: bool = True,
               pairs: list[tuple[str, str]] | None = None,
               lock_timeout: float | None = None,
               bundle_max: int | None = None) -> xr.Dataset:
    """Probe every (model, task) in the store and return the result cube.

    Parameters
    ----------
    store : EmbeddingStore
    model_ids, task_ids : list of str
    protocol : ProbeProtocol
    backend : str
        ``auto``, ``torch``, ``cuml``, ``sklearn`` or another registered backend.
    device : str, optional
        torch device (``cpu``/``cuda``).
    exact_reference : bool
        Use scikit-learn whatever ``backend`` says.
    out : path, optional
        Cube to extend and save (incremental, resumable). Without it nothing is saved and
        every cell is fitted. The run holds the cube's inter-process lock
        (:func:`~geneb.probe.cube.cube_lock`) from reading the cube to its last save: a second
        run on the same ``out`` waits (saying so on stderr), then fits only what is still
        missing. A cube that an interrupted save set aside is restored first.
    scheduler : str or distributed.Client, optional
        Address of an existing dask scheduler, or a Client; default an in-process cluster
        with ``n_workers`` threads.
    n_workers : int, optional
        Threads of the in-process cluster (default ``min(model×task pairs, cores)``).
    checkpoint_seconds : float
        Save progress to ``out`` at most this often (0: after every block).
    pairs : list of (model_id, task_id), optional
        Probe only these pairs (the cube still spans all models and tasks; other cells
        stay empty). Default: every model on every task.
    lock_timeout : float, optional
        Seconds to wait for another run holding ``out`` before an ``InputError``; default
        wait until it finishes.
    bundle_max : int, optional
        Most (model, task) pairs probed by one worker task, their few-shot problems solved
        in one batch (:func:`bundle_jobs`; default: about 4 bundles per worker). Applies to
        backends that batch across tasks (torch); 1 turns it off.

    Returns
    -------
    xarray.Dataset
        The cube (with ``out``: the whole saved cube, old cells included).
    """
    engine = get_backend(backend, protocol, device=device, exact_reference=exact_reference)
    model_ids, task_ids = list(dict.fromkeys(model_ids)), list(dict.fromkeys(task_ids))
    wanted = list(dict.fromkeys(pairs)) if pairs is not None else \
        [(m, t) for m in model_ids for t in task_ids]
    pending = _PendingClient(scheduler, n_workers or min(len(wanted), os.cpu_count() or 1))
    try:
        return _run(store, model_ids, task_ids, wanted, protocol, engine, backend, device,
                    exact_reference, out, pending, checkpoint_seconds, show_progress,
                    lock_timeout, bundle_max)
    except BaseException:
        pending.discard()
        raise


def _run(store, model_ids, task_ids, wanted, protocol, engine, backend, device, exact_reference,
         out, pending: _PendingClient, checkpoint_seconds, show_progress, lock_timeout,
         bundle_max) -> xr.Dataset:
    """:func:`run_probes` once its inputs are named and its cluster is on its way."""
    tables = {t: store.read_task_table(t) for t in task_ids}
    size, shape, itemsize = {}, {}, {}  # fail before any work on a missing or incomplete array
    for m, t in wanted:
        arr = store.open_embedding(m, t)
        size[m, t], shape[m, t], itemsize[m, t] = arr.nbytes, arr.shape, arr.dtype.itemsize
    max_shots = max((max(k or 0 for _, k in protocol.regimes) * len(np.unique(tb.label))
                     for tb in tables.values()), default=1)
    cube = new_cube(model_ids, task_ids, protocol, _model_coords(model_ids), _task_coords(tables),
                    max_shots)
    cube.attrs.update({"backend": engine.name, "store": str(store.path)})
    prints = {_pair_key(m, t): store.embedding_fingerprint(m, t, tables[t]) for m, t in wanted}
    cube.attrs[FINGERPRINTS] = prints
    lock = cube_lock(out, lock_timeout) if out is not None else contextlib.nullcontext()
    with lock:  # one run at a time on a cube: a second waits, then finds its cells filled
        if out is not None:
            restore_cube(out)  # a cube that an interrupted save set aside
        if out is not None and Path(out).exists():
            existing = open_cube(out)
            check_compatible(existing, protocol, engine.name, out)
            cube = merge_into(existing, cube)
            cube.attrs["backend"] = engine.name
            _forget_changed(cube, dict(existing.attrs.get(FINGERPRINTS) or {}), prints)
            _share_full_fits(cube, protocol)
        done = filled(cube).transpose("model", "task", "regime", "seed").values
        idx = {dim: cube.indexes[dim] for dim in ("model", "task", "regime", "seed")}
        jobs = []
        for m, t in wanted:
            cell = done[idx["model"].get_loc(m), idx["task"].get_loc(t)]
            todo = [(r, int(s)) for r in protocol.regime_names for s in protocol.seeds
                    if not cell[idx["regime"].get_loc(r), idx["seed"].get_loc(s)]]
            if todo:
                jobs.append((m, t, todo))
        # largest slices first: the long blocks start early and small ones fill the tail
        jobs.sort(key=lambda job: -size[job[0], job[1]])
        if not jobs:
            if out is not None and not Path(out).exists():
                save_cube(cube, out)
            pending.discard()
            return cube

        held = {(m, t): _held_bytes(tables[t], shape[m, t], itemsize[m, t], todo, protocol)
                for m, t, todo in jobs}
        bundles = bundle_jobs(jobs, held, max(size[m, t] for m, t, _ in jobs), pending.n_workers,
                              max_pairs=1 if not engine.batches_across_tasks else bundle_max)
        client, owned = pending.get()  # an unreachable scheduler: nothing saved
        bar = None
        try:
            if out is not None:
                save_cube(cube, out)
            bar = tqdm(total=len(jobs), desc=f"probe ({engine.name})", unit="model×task",
                       disable=not show_progress, leave=False)
            last_save = time.monotonic()
            from distributed import as_completed
            threads_by_host = _threads_by_host(client)
            futures = [client.submit(probe_bundle, _portable(store.path),
                                     [(m, t, todo, tables[t]) for m, t, todo in bundle],
                                     protocol, backend, device, exact_reference,
                                     store.storage_options, threads_by_host, pure=False,
                                     priority=len(bundles) - i)
                       for i, bundle in enumerate(bundles)]
            with client.as_current():
                for fut in as_completed(futures):
                    for (m, t), cells in fut.result().items():
                        _write_cells(cube, m, t, cells)
                        bar.update(1)
                    if out is not None and time.monotonic() - last_save >= checkpoint_seconds:
                        save_cube(cube, out)
                        last_save = time.monotonic()
        finally:
            try:
                if bar is not None:
                    bar.close()
                    if out is not None:
                        save_cube(cube, out)  # what finished is kept, even on an error or Ctrl-C
            finally:
                if owned:
                    _close(client)
        return cube


__all__ = ["Cell", "probe_task", "probe_split", "probe_block", "probe_bundle", "bundle_jobs",
           "run_probes",
           "blas_threads_per_block"]
