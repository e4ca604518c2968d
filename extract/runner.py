"""Fill an embedding store: for each (model, task), embed the missing chunks.

Work is done chunk by chunk (``chunk_rows`` sequences): each chunk is embedded, written and
marked done before the next starts, so memory stays flat whatever the task size and an
interrupted run resumes where it stopped. A featurizer may fill several arrays at once (one
per requested layer, see :meth:`Featurizer.outputs`). With a Dask scheduler the work goes
to :mod:`.distributed` instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from tqdm.auto import tqdm

from geneb.catalog.models import ModelSpec
from geneb.store import EmbeddingStore
from geneb.store.writer import DEFAULT_CHUNK_ROWS
from geneb.tasks.data import TaskData

from ._writing import (ExtractResult, WriteSettings, finalize, missing_chunks, open_writers,
                       pending_tasks, reset_counters, write_chunks, write_task_table)
from .featurizer import Featurizer, build_featurizer
from .options import ExtractOptions
from .preflight import check_request

__all__ = ["ExtractResult", "extract", "extract_task"]


def extract_task(store: EmbeddingStore, featurizer: Featurizer, task: TaskData, *,
                 dtype: str = "float32", chunk_rows: int = DEFAULT_CHUNK_ROWS,
                 progress: tqdm | None = None) -> list[ExtractResult]:
    """Embed one task with one featurizer into ``store``, resuming missing chunks.

    Each array's provenance records the featurizer config (its identity: layer, pooling,
    limits, long-sequence mode, strand, precision), the task source checksum, dtype,
    geneb and library versions, and at the end the device, truncation counts and padding.

    Returns
    -------
    list of ExtractResult, one per output array.
    """
    t0 = time.perf_counter()
    settings = WriteSettings(dtype, chunk_rows)
    writers = open_writers(store, featurizer.outputs(), task, featurizer.dim, settings)
    try:  # the writers hold inter-process locks: release them on every path
        if all(store.embedding_status(vid, task.task_id) == "complete" for vid, _ in writers):
            return [ExtractResult(vid, task.task_id, "skipped", 0, 0.0) for vid, _ in writers]
        missing = missing_chunks(writers)
        resumed = len(missing) < writers[0][1].n_chunks
        reset_counters(featurizer)
        n_done = write_chunks(writers, featurizer, task, missing, progress)
        finalize(writers, {"device": "cpu", "model_revision": featurizer.spec.option("revision"),
                           **featurizer.provenance()}, resumed)
    finally:
        for _, w in writers:
            w.close()
    seconds = time.perf_counter() - t0
    return [ExtractResult(vid, task.task_id, "resumed" if resumed else "written", n_done, seconds)
            for vid, _ in writers]


def extract(store: EmbeddingStore, models: Iterable[ModelSpec], tasks: list[TaskData], *,
            dtype: str = "float32", chunk_rows: int = DEFAULT_CHUNK_ROWS,
            show_progress: bool = True, options: ExtractOptions | None = None,
            scheduler: str | None = None) -> list[ExtractResult]:
    """Embed every task with every model; models are loaded only when work remains.

    Parameters
    ----------
    store : EmbeddingStore
    models : iterable of ModelSpec
    tasks : list of TaskData
    dtype : {"float32", "float16"}
        On-disk dtype.
    chunk_rows : int
        Rows per stored chunk. The unit of resumption and of distributed work is the
        chunk in a format 1 (chunked) store and the shard (whole chunks, about 64 MB) in
        the default sharded layout.
    options : ExtractOptions, optional
        Layers, pooling, long-sequence handling, strand, precision, device.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``): (model, task, chunk
        range) units are spread over its workers, which write into the same store.
    """
    models = list(models)
    # unused options, missing layers, unreachable models (on a cluster: the workers' models)
    check_request(models, options, locate_models=scheduler is None)
    for task in tasks:  # a changed task source is refused before anything is written
        write_task_table(store, task, check_only=True)
    settings = WriteSettings(dtype, chunk_rows, options)
    if scheduler is not None:
        from .distributed import extract_distributed
        return extract_distributed(store, models, tasks, settings, scheduler=scheduler,
                                   show_progress=show_progress)
    results = []
    for spec in models:
        todo, skipped = pending_tasks(store, spec, tasks, options)
        results += skipped
        if not todo:
            continue
        featurizer = build_featurizer(spec, options)
        total = sum(t.n for t in todo)
        with tqdm(total=total, desc=f"extract {spec.model_id}", unit="seq",
                  disable=not show_progress, leave=False) as bar:
            for task in todo:
                bar.set_postfix_str(task.task_id[:40])
                results += extract_task(store, featurizer, task, dtype=dtype,
                                        chunk_rows=chunk_rows, progress=bar)
    return results
