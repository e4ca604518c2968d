"""Fill a result cube from an embedding store: every (model, task) × regime × seed."""

from __future__ import annotations

import os
from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np
import xarray as xr
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from geneb.catalog.models import MODELS
from geneb.probe.backends import get_backend
from geneb.probe.backends.base import ProbeBackend
from geneb.probe.cube import new_cube
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


def probe_task(X: np.ndarray, table: TaskTable, protocol: ProbeProtocol,
               backend: ProbeBackend) -> list[Cell]:
    """Fit every regime and seed of one (model, task).

    Parameters
    ----------
    X : ndarray, shape (n_sequences, dim)
        The task's embeddings, rows aligned with ``table``.
    table : TaskTable
        Labels and splits.

    Returns
    -------
    list of Cell
        One per fit: the full regime once (covering all seeds), few-shot per seed.
    """
    train, test = table.train_index, table.test_index
    y = table.label
    cells = []
    for regime, k in protocol.regimes:
        if k is None:
            fit = backend.fit_predict(X[train], y[train], X[test])
            cells.append(Cell(regime, protocol.seeds, score(y[test], fit.y_pred), len(train),
                              fit.n_iter, fit.converged, fit.seconds, None))
            continue
        for seed in protocol.seeds:
            rows = train[few_shot_indices(y[train], k, seed)]
            fit = backend.fit_predict(X[rows], y[rows], X[test])
            cells.append(Cell(regime, (seed,), score(y[test], fit.y_pred), len(rows),
                              fit.n_iter, fit.converged, fit.seconds, rows))
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


def run_probes(store: EmbeddingStore, model_ids: list[str], task_ids: list[str], *,
               protocol: ProbeProtocol = ProbeProtocol(), backend: str = "sklearn",
               n_workers: int | None = None, show_progress: bool = True) -> xr.Dataset:
    """Probe every (model, task) in the store and return the result cube.

    Embedding slices are read with :func:`dask.array.from_zarr`; (model, task) blocks
    run on dask's threaded scheduler with BLAS pinned to one thread per worker, so
    workers do not oversubscribe the cores.
    """
    tables = {t: store.read_task_table(t) for t in task_ids}
    arrays = {(m, t): store.open_embedding(m, t) for m in model_ids for t in task_ids}
    max_shots = max((max(k or 0 for _, k in protocol.regimes) * len(np.unique(tb.label))
                     for tb in tables.values()), default=1)
    cube = new_cube(model_ids, task_ids, protocol, _model_coords(model_ids), _task_coords(tables),
                    max_shots)
    engine = get_backend(backend, protocol)
    n_workers = n_workers or min(len(arrays), os.cpu_count() or 1)
    bar = tqdm(total=len(arrays), desc="probe", unit="model×task", disable=not show_progress,
               leave=False)

    def block(X: np.ndarray, table: TaskTable) -> list[Cell]:
        out = probe_task(X, table, protocol, engine)
        bar.update(1)
        return out

    jobs = [dask.delayed(block)(da.from_zarr(arr), tables[t]) for (m, t), arr in arrays.items()]
    with threadpool_limits(limits=1 if n_workers > 1 else None):
        results = dask.compute(*jobs, scheduler="threads", num_workers=n_workers)
    bar.close()
    regimes = list(protocol.regime_names)
    seeds = list(protocol.seeds)
    for (m, t), cells in zip(arrays, results):
        mi, ti = model_ids.index(m), task_ids.index(t)
        for c in cells:
            ri = regimes.index(c.regime)
            for j, seed in enumerate(c.seeds):
                si = seeds.index(seed)
                at = (mi, ti, ri, si)
                for name, value in c.scores.items():
                    cube[name].values[at] = value
                cube["n_train"].values[at] = c.n_train
                cube["n_iter"].values[at] = c.n_iter
                cube["converged"].values[at] = c.converged
                cube["fit_seconds"].values[at] = c.seconds
                cube["fitted"].values[at] = j == 0
                cube["backend"].values[at] = engine.name
                if c.rows is not None:
                    cube["train_rows"].values[ti, ri, si, :len(c.rows)] = c.rows
    cube.attrs.update({"backend": engine.name, "store": store.path})
    return cube
