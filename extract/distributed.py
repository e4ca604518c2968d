"""Spread extraction over Dask distributed workers that all write into one store.

The client plans; workers compute. For each model one worker loads it and reports its
outputs and width (the client never loads weights); the client creates the arrays; then
(model, task, chunk range) units go to the workers, each of which loads the model once
(cached per worker process), embeds its chunks and writes them into the shared store.
Chunks are whole Zarr chunks and completion flags are one file each, so workers never
write the same file. The client finalizes each array when all its units are done.

With GPUs, start one worker per GPU (``dask-cuda-worker`` or ``LocalCUDACluster`` set
``CUDA_VISIBLE_DEVICES`` per worker); each worker then picks ``cuda`` automatically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from geneb.catalog.models import ModelSpec
from geneb.core import cluster
from geneb.core.errors import InputError
from geneb.store import EmbeddingStore
from geneb.tasks.data import TaskData

from ._writing import (ExtractResult, WriteSettings, finalize, missing_chunks, open_writers,
                       pending_tasks, reset_counters, write_chunks)
from .featurizer import Featurizer, build_featurizer
from .options import ExtractOptions

__all__ = ["extract_distributed"]

#: Featurizers loaded in this worker process, by (model spec, options).
_CACHE: dict[Any, Featurizer] = {}


def _featurizer(spec: ModelSpec, options: ExtractOptions | None) -> Featurizer:
    key = (spec, options)
    if key not in _CACHE:
        _CACHE.clear()  # one model in memory per worker
        _CACHE[key] = build_featurizer(spec, options)
    return _CACHE[key]


def _plan_model(spec: ModelSpec, options: ExtractOptions | None) -> tuple[list, int]:
    """(outputs, dim) of a model, computed on a worker."""
    f = _featurizer(spec, options)
    return f.outputs(), f.dim


@dataclass(frozen=True)
class _Unit:
    """Chunks of one task for one model: what a worker is sent."""

    store_path: str
    spec: ModelSpec
    settings: WriteSettings
    outputs: list
    dim: int


def _run_unit(unit: _Unit, task: TaskData, chunks: list[int]) -> dict[str, Any]:
    """Embed ``chunks`` of ``task`` into the shared store (runs on a worker)."""
    f = _featurizer(unit.spec, unit.settings.options)
    store = EmbeddingStore(unit.store_path, mode="a")
    writers = open_writers(store, unit.outputs, task, unit.dim, unit.settings,
                           lock=False)  # the client holds the array locks
    reset_counters(f)
    n = write_chunks(writers, f, task, chunks)
    prov = f.provenance()
    return {"n": n, "n_truncated": int(getattr(f, "n_truncated", 0)),
            "n_windowed": int(getattr(f, "n_windowed", 0)),
            "n_tokens": int(getattr(f, "n_tokens", 0)),
            "n_padded_tokens": int(getattr(f, "n_padded_tokens", 0)),
            "device": prov.get("device")}


@dataclass
class _Job:
    """One (model, task) the workers fill; the client holds its writers (and locks)."""

    task: TaskData
    writers: list
    resumed: bool
    stats: list = field(default_factory=list)

    def extra(self) -> dict[str, Any]:
        """Provenance summed over the job's work units."""
        st = self.stats
        tokens = sum(s["n_tokens"] for s in st)
        padded = sum(s["n_padded_tokens"] for s in st)
        return {"device": ", ".join(sorted({str(s["device"]) for s in st})),
                "n_truncated": sum(s["n_truncated"] for s in st),
                "n_windowed": sum(s["n_windowed"] for s in st),
                "padding_waste": round(padded / max(tokens + padded, 1), 4),
                "scheduler": "dask",
                "n_work_units": len(st)}


def extract_distributed(store: EmbeddingStore, models: list[ModelSpec], tasks: list[TaskData],
                        settings: WriteSettings, *, scheduler: Any, chunks_per_unit: int = 1,
                        show_progress: bool = True) -> list[ExtractResult]:
    """Like :func:`geneb.extract.extract`, with the work done by Dask workers.

    Parameters
    ----------
    settings : WriteSettings
        dtype, chunk rows and extraction options.
    scheduler : str or distributed.Client
        Scheduler address (``tcp://host:8786``) or a connected client.
    chunks_per_unit : int
        Store chunks per work unit.
    """
    if not store.path or "://" in store.path and not store.path.startswith("file://"):
        raise InputError(f"store {store.path!r}: workers need a path they can all reach")
    client, owned = cluster.client_for(scheduler, 1)
    t0 = time.perf_counter()
    jobs: list[_Job] = []
    try:
        results, futures = _submit(client, store, models, tasks, settings, chunks_per_unit, jobs)
        _collect(futures, sum(j.task.n for j in jobs), show_progress)
        for job in jobs:
            finalize(job.writers, job.extra(), job.resumed)
            n = sum(s["n"] for s in job.stats)
            status = "resumed" if job.resumed else "written"
            results += [ExtractResult(vid, job.task.task_id, status, n, time.perf_counter() - t0)
                        for vid, _ in job.writers]
        return results
    finally:  # the client holds the array locks: release them whatever happened
        for job in jobs:
            for _, w in job.writers:
                w.close()
        if owned:
            cluster.close(client)


def _submit(client, store: EmbeddingStore, models: list[ModelSpec], tasks: list[TaskData],
            settings: WriteSettings, chunks_per_unit: int,
            jobs: list[_Job]) -> tuple[list[ExtractResult], dict]:
    """Skip complete arrays, open the writers of the others (appended to ``jobs``) and
    submit their work units. Returns the "skipped" results and ``{future: job}``."""
    where = str(Path(store.path).resolve())  # workers may run in another folder
    skipped, futures = [], {}
    for spec in models:
        todo, done = pending_tasks(store, spec, tasks, settings.options)
        skipped += done
        if not todo:
            continue
        outputs, dim = client.submit(_plan_model, spec, settings.options, pure=False).result()
        unit = _Unit(where, spec, settings, outputs, dim)
        for task in todo:
            writers = open_writers(store, outputs, task, dim, settings)
            missing = missing_chunks(writers)
            job = _Job(task, writers, resumed=len(missing) < writers[0][1].n_chunks)
            jobs.append(job)
            task_f = client.scatter(task, broadcast=False)
            for i in range(0, len(missing), chunks_per_unit):
                fut = client.submit(_run_unit, unit, task_f, missing[i:i + chunks_per_unit],
                                    pure=False)
                futures[fut] = job
    return skipped, futures


def _collect(futures: dict, total: int, show_progress: bool) -> None:
    """Wait for every unit, adding its stats to its job (a worker's error is raised here)."""
    from distributed import as_completed
    with tqdm(total=total, desc="extract (dask)", unit="seq", disable=not show_progress,
              leave=False) as bar:
        for fut in as_completed(list(futures)):
            stats = fut.result()
            futures[fut].stats.append(stats)
            bar.update(stats["n"])
