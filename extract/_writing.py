"""What one process and Dask workers share when they fill arrays: task tables, writers,
chunks, counters and results."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from geneb.catalog.models import ModelSpec
from geneb.core.provenance import geneb_version, library_versions, sequence_hashes
from geneb.store import EmbeddingStore, EmbeddingWriter
from geneb.store.writer import DEFAULT_CHUNK_ROWS
from geneb.tasks.data import TaskData

from .featurizer import Featurizer
from .options import ExtractOptions

#: Provenance counters of one run; left out after a resume so a resumed array records
#: the same metadata as an uninterrupted one (truncations are counted per chunk instead).
RUN_COUNTERS = ("n_windowed", "padding_waste", "final_batch_size")


@dataclass(frozen=True)
class ExtractResult:
    """What happened to one (model, task) array."""

    model_id: str
    task_id: str
    status: str  #: "written", "resumed" or "skipped" (already complete)
    n_embedded: int
    seconds: float


@dataclass(frozen=True)
class WriteSettings:
    """How the arrays of one extraction are written: the same in every process.

    Attributes
    ----------
    dtype : {"float32", "float16"}
        On-disk dtype.
    chunk_rows : int
        Rows per stored chunk. The unit of resumption and of distributed work is the
        chunk in a format 1 (chunked) store and the shard (whole chunks, about 64 MB) in
        the default sharded layout.
    options : ExtractOptions or None
        Layers, pooling, long sequences, strand, precision, device.
    """

    dtype: str = "float32"
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    options: ExtractOptions | None = None


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


def pending_tasks(store: EmbeddingStore, spec: ModelSpec, tasks: list[TaskData],
                  options: ExtractOptions | None) -> tuple[list[TaskData], list[ExtractResult]]:
    """``(tasks still to do, "skipped" results of those complete)`` for one model."""
    ids = planned_ids(spec, options)
    done = [t for t in tasks
            if all(store.embedding_status(v, t.task_id) == "complete" for v in ids)]
    skipped = [ExtractResult(v, t.task_id, "skipped", 0, 0.0) for t in done for v in ids]
    return [t for t in tasks if t not in done], skipped


def open_writers(store: EmbeddingStore, outputs: list, task: TaskData, dim: int,
                 settings: WriteSettings, *, lock: bool = True) -> list[tuple[str, EmbeddingWriter]]:
    """Create (or reopen to resume) the array of every featurizer output on a task.

    Parameters
    ----------
    outputs : list of (variant id, identity config)
        :meth:`Featurizer.outputs`.
    dim : int
        Width of every array.
    lock : bool
        False for Dask workers writing chunks of arrays that the coordinating process
        created and holds locked (see :meth:`EmbeddingStore.begin_embedding`).
    """
    write_task_table(store, task)
    writers = []
    for vid, cfg in outputs:
        config = {**cfg, "dtype": settings.dtype, "task_source_checksum": task.source_checksum}
        writers.append((vid, store.begin_embedding(
            vid, task.task_id, n=task.n, dim=dim, dtype=settings.dtype,
            chunk_rows=settings.chunk_rows,
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


def reset_counters(featurizer: Featurizer) -> None:
    """Zero the per-task counters (truncations, windows, padding) of a featurizer."""
    for name in ("n_truncated", "n_windowed", "n_tokens", "n_padded_tokens"):
        if hasattr(featurizer, name):
            setattr(featurizer, name, 0)


def finalize(writers: list[tuple[str, EmbeddingWriter]], extra: dict, resumed: bool) -> None:
    """Mark every array complete with ``extra`` provenance (less the per-run counters
    after a resume: they would cover only the rows embedded in this run)."""
    if resumed:
        extra = {k: v for k, v in extra.items() if k not in RUN_COUNTERS}
    for _, w in writers:
        w.finalize(**extra)
