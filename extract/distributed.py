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
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from geneb.catalog.models import ModelSpec
from geneb.core.errors import InputError
from geneb.extract.featurizer import Featurizer, build_featurizer
from geneb.extract.options import ExtractOptions
from geneb.extract.runner import (RUN_COUNTERS, ExtractResult, missing_chunks, open_writers, planned_ids,
                                  reset_counters, write_chunks)
from geneb.store import EmbeddingStore
from geneb.tasks.data import TaskData

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


def _run_unit(store_path: str, spec: ModelSpec, options: ExtractOptions | None,
              task: TaskData, chunks: list[int], dtype: str, chunk_rows: int,
              outputs: list, dim: int) -> dict[str, Any]:
    """Embed chunks of one task with one model into the shared store (runs on a worker)."""
    f = _featurizer(spec, options)
    store = EmbeddingStore(store_path, mode="a")
    writers = open_writers(store, f, task, dtype=dtype, chunk_rows=chunk_rows, dim=dim,
                           outputs=outputs, lock=False)  # the client holds the array locks
    reset_counters(f)
    n = write_chunks(writers, f, task, chunks)
    prov = f.provenance()
    return {"n": n, "n_truncated": int(getattr(f, "n_truncated", 0)),
            "n_windowed": int(getattr(f, "n_windowed", 0)),
            "n_tokens": int(getattr(f, "n_tokens", 0)),
            "n_padded_tokens": int(getattr(f, "n_padded_tokens", 0)),
            "device": prov.get("device")}


def extract_distributed(store: EmbeddingStore, models: list[ModelSpec], tasks: list[TaskData],
                        *, scheduler: Any, dtype: str = "float32", chunk_rows: int = 1024,
                        options: ExtractOptions | None = None, chunks_per_unit: int = 1,
                        show_progress: bool = True) -> list[ExtractResult]:
    """Like :func:`geneb.extract.extract`, with the work done by Dask workers.

    Parameters
    ----------
    scheduler : str or distributed.Client
        Scheduler address (``tcp://host:8786``) or a connected client.
    chunks_per_unit : int
        Store chunks per work unit.
    """

    from distributed import Client, as_completed

    if not store.path or "://" in store.path and not store.path.startswith("file://"):
        raise InputError(f"store {store.path!r}: workers need a path they can all reach")
    own = not isinstance(scheduler, Client)
    try:
        client = Client(scheduler, timeout="10s") if own else scheduler
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); start one "
                         f"with `dask scheduler` and workers with `dask worker ADDRESS`") from None
    try:
        return _run(client, store, models, tasks, dtype, chunk_rows, options,
                    chunks_per_unit, show_progress, as_completed, time)
    finally:
        if own:
            client.close()


def _run(client, store, models, tasks, dtype, chunk_rows, options, chunks_per_unit,
         show_progress, as_completed, time) -> list[ExtractResult]:
    t0 = time.perf_counter()
    results: list[ExtractResult] = []
    jobs = []  # (spec, task, writers, units)
    futures = {}
    where = str(Path(store.path).resolve())  # workers may run in another folder
    try:
        return _submit_and_finish(client, store, models, tasks, dtype, chunk_rows, options,
                                  chunks_per_unit, show_progress, as_completed, t0, results,
                                  jobs, futures, where)
    finally:  # the client holds the array locks: release them whatever happened
        for job in jobs:
            for _, w in job["writers"]:
                w.close()


def _submit_and_finish(client, store, models, tasks, dtype, chunk_rows, options,
                       chunks_per_unit, show_progress, as_completed, t0, results, jobs,
                       futures, where) -> list[ExtractResult]:
    for spec in models:
        ids = planned_ids(spec, options)
        todo = [t for t in tasks
                if not all(store.embedding_status(v, t.task_id) == "complete" for v in ids)]
        results += [ExtractResult(v, t.task_id, "skipped", 0, 0.0)
                    for t in tasks if t not in todo for v in ids]
        if not todo:
            continue
        outputs, dim = client.submit(_plan_model, spec, options, pure=False).result()
        for task in todo:
            # a stub featurizer is not needed: the writers only need outputs and dim
            writers = open_writers(store, None, task, dtype=dtype, chunk_rows=chunk_rows,
                                   dim=dim, outputs=outputs)
            missing = missing_chunks(writers)
            resumed = len(missing) < writers[0][1].n_chunks
            task_f = client.scatter(task, broadcast=False)
            units = [missing[i:i + chunks_per_unit]
                     for i in range(0, len(missing), chunks_per_unit)]
            job = {"spec": spec, "task": task, "writers": writers, "resumed": resumed,
                   "stats": []}
            jobs.append(job)
            for unit in units:
                fut = client.submit(_run_unit, where, spec, options, task_f, unit, dtype,
                                    chunk_rows, outputs, dim, pure=False)
                futures[fut] = job
    total = sum(j["task"].n for j in jobs)
    with tqdm(total=total, desc="extract (dask)", unit="seq", disable=not show_progress,
              leave=False) as bar:
        for fut in as_completed(list(futures)):
            stats = fut.result()  # re-raises a worker's error here
            futures[fut]["stats"].append(stats)
            bar.update(stats["n"])
    for job in jobs:
        st = job["stats"]
        tokens = sum(s["n_tokens"] for s in st)
        padded = sum(s["n_padded_tokens"] for s in st)
        n = sum(s["n"] for s in st)
        extra = {"device": ", ".join(sorted({str(s["device"]) for s in st})),
                 "n_truncated": sum(s["n_truncated"] for s in st),
                 "n_windowed": sum(s["n_windowed"] for s in st),
                 "padding_waste": round(padded / max(tokens + padded, 1), 4),
                 "scheduler": "dask",
                 "n_work_units": len(st)}
        if job["resumed"]:  # as in the single-process path: per-run counters are not kept
            for key in RUN_COUNTERS:
                extra.pop(key, None)
        for vid, w in job["writers"]:
            w.finalize(**extra)
            results.append(ExtractResult(vid, job["task"].task_id,
                                         "resumed" if job["resumed"] else "written", n,
                                         time.perf_counter() - t0))
    return results
