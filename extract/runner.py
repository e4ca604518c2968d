"""Fill an embedding store: for each (model, task), embed the missing chunks.

Work is done chunk by chunk (``chunk_rows`` sequences): each chunk is embedded, written and
marked done before the next starts, so memory stays flat whatever the task size and an
interrupted run resumes where it stopped. A featurizer may fill several arrays at once (one
per requested layer, see :meth:`Featurizer.outputs`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from geneb.catalog.models import ModelSpec
from geneb.core.provenance import geneb_version, library_versions, sequence_hashes
from geneb.extract.featurizer import Featurizer, build_featurizer
from geneb.extract.options import ExtractOptions
from geneb.store import EmbeddingStore
from geneb.store.embedding_store import EmbeddingWriter
from geneb.store.embedding_store import DEFAULT_CHUNK_ROWS
from geneb.tasks.data import TaskData


@dataclass(frozen=True)
class ExtractResult:
    """What happened to one (model, task) array."""

    model_id: str
    task_id: str
    status: str  #: "written", "resumed" or "skipped" (already complete)
    n_embedded: int
    seconds: float


def write_task_table(store: EmbeddingStore, task: TaskData, check_only: bool = False) -> None:
    """Store a task's sequence table (content hashes, labels, splits, lengths).

    With ``check_only``, refuse a task whose source changed since extraction, writing nothing.
    """
    spec = task.spec
    (store.check_task_table if check_only else store.write_task_table)(
        task.task_id,
        seq_hash=sequence_hashes(task.sequences),
        label=task.labels,
        split=task.split,
        length=np.fromiter((len(s) for s in task.sequences), np.int32, task.n),
        attrs={"category": spec.category, "benchmark": spec.benchmark,
               "official_id": spec.official_id, "label": spec.label,
               "classes": list(task.classes), "n_classes": len(task.classes),
               "source": task.source, "source_checksum": task.source_checksum,
               "split_note": spec.split_note, "split_codes": {"train": 0, "test": 1}},
    )


def planned_ids(spec: ModelSpec, options: ExtractOptions | None) -> list[str]:
    """Store ids a model will fill under ``options`` (known before loading the model)."""
    if options is None or spec.family not in ("hf", "random-init"):
        return [spec.model_id]
    return [options.variant_id(spec, layer) for layer in options.layers]


def open_writers(store: EmbeddingStore, featurizer: Featurizer, task: TaskData, *,
                 dtype: str, chunk_rows: int, dim: int | None = None,
                 outputs: list | None = None,
                 lock: bool = True) -> list[tuple[str, EmbeddingWriter]]:
    """Create (or reopen to resume) the array of every output of a featurizer on a task.

    ``lock=False`` is for Dask workers writing chunks of arrays that the coordinating
    process created and holds locked (see :meth:`EmbeddingStore.begin_embedding`).
    """
    write_task_table(store, task)
    dim = featurizer.dim if dim is None else dim
    writers = []
    for vid, cfg in (outputs if outputs is not None else featurizer.outputs()):
        config = {**cfg, "dtype": dtype, "task_source_checksum": task.source_checksum}
        writers.append((vid, store.begin_embedding(
            vid, task.task_id, n=task.n, dim=dim, dtype=dtype, chunk_rows=chunk_rows,
            provenance={"config": config, "geneb_version": geneb_version(),
                        "versions": library_versions()}, lock=lock)))
    return writers


def missing_chunks(writers: list[tuple[str, EmbeddingWriter]]) -> list[int]:
    """Chunks not yet done in at least one of the arrays."""
    return sorted(set().union(*(w.missing_chunks() for _, w in writers)))


def write_chunks(writers: list[tuple[str, EmbeddingWriter]], featurizer: Featurizer,
                 task: TaskData, chunks: Iterable[int], progress: tqdm | None = None) -> int:
    """Embed and write the given chunks into every array; returns the rows embedded."""
    n_done = 0
    first = writers[0][1]
    for i in chunks:
        sl = first.chunk_slice(i)
        before = getattr(featurizer, "n_truncated", 0)
        blocks = featurizer.embed_all(task.sequences[sl])
        truncated = getattr(featurizer, "n_truncated", 0) - before
        for (_, w), block in zip(writers, blocks):
            if not w.done[i]:
                w.write_chunk(i, block, n_truncated=truncated)
        n_done += sl.stop - sl.start
        if progress is not None:
            progress.update(sl.stop - sl.start)
    return n_done


#: Provenance counters of one run; left out after a resume so a resumed array records
#: the same metadata as an uninterrupted one (truncations are counted per chunk instead).
RUN_COUNTERS = ("n_windowed", "padding_waste", "final_batch_size")


def reset_counters(featurizer: Featurizer) -> None:
    """Zero the per-task counters (truncations, windows, padding) of a featurizer."""
    for name in ("n_truncated", "n_windowed", "n_tokens", "n_padded_tokens"):
        if hasattr(featurizer, name):
            setattr(featurizer, name, 0)


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
    writers = open_writers(store, featurizer, task, dtype=dtype, chunk_rows=chunk_rows)
    try:  # the writers hold inter-process locks: release them on every path
        if all(store.embedding_status(vid, task.task_id) == "complete" for vid, _ in writers):
            return [ExtractResult(vid, task.task_id, "skipped", 0, 0.0) for vid, _ in writers]
        missing = missing_chunks(writers)
        resumed = len(missing) < writers[0][1].n_chunks
        reset_counters(featurizer)
        n_done = write_chunks(writers, featurizer, task, missing, progress)
        extra = {"device": "cpu", "model_revision": featurizer.spec.option("revision"),
                 **featurizer.provenance()}
        if resumed:  # these counters would cover only the rows embedded in this run
            for key in RUN_COUNTERS:
                extra.pop(key, None)
        for _, w in writers:
            w.finalize(**extra)
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
        Rows per stored chunk (the unit of resumption and of distributed work).
    options : ExtractOptions, optional
        Layers, pooling, long-sequence handling, strand, precision, device.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``): (model, task, chunk
        range) units are spread over its workers, which write into the same store.
    """
    models = list(models)
    for task in tasks:  # a changed task source is refused before anything is written
        write_task_table(store, task, check_only=True)
    if scheduler is not None:
        from geneb.extract.distributed import extract_distributed
        return extract_distributed(store, models, tasks, scheduler=scheduler, dtype=dtype,
                                   chunk_rows=chunk_rows, options=options,
                                   show_progress=show_progress)
    results = []
    for spec in models:
        ids = planned_ids(spec, options)
        done = [t for t in tasks
                if all(store.embedding_status(v, t.task_id) == "complete" for v in ids)]
        results += [ExtractResult(v, t.task_id, "skipped", 0, 0.0) for t in done for v in ids]
        todo = [t for t in tasks if t not in done]
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
