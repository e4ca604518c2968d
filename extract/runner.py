"""Fill an embedding store: for each (model, task), embed the missing chunks."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from geneb.catalog.models import ModelSpec
from geneb.core.provenance import geneb_version, library_versions, sequence_hashes
from geneb.extract.featurizer import Featurizer, build_featurizer
from geneb.store import EmbeddingStore
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


def extract_task(store: EmbeddingStore, featurizer: Featurizer, task: TaskData, *,
                 dtype: str = "float32", chunk_rows: int = DEFAULT_CHUNK_ROWS,
                 progress: tqdm | None = None) -> ExtractResult:
    """Embed one task with one featurizer into ``store``, resuming missing chunks.

    The array's provenance records the featurizer config (its identity), the task
    source checksum, dtype, geneb and library versions and the device.
    """
    t0 = time.perf_counter()
    write_task_table(store, task)
    config = {**featurizer.config(), "dtype": dtype, "task_source_checksum": task.source_checksum}
    writer = store.begin_embedding(
        featurizer.spec.model_id, task.task_id, n=task.n, dim=featurizer.dim, dtype=dtype,
        chunk_rows=chunk_rows,
        provenance={"config": config, "geneb_version": geneb_version(),
                    "versions": library_versions()})
    missing = writer.missing_chunks()
    if store.embedding_status(featurizer.spec.model_id, task.task_id) == "complete":
        return ExtractResult(featurizer.spec.model_id, task.task_id, "skipped", 0, 0.0)
    resumed = len(missing) < writer.n_chunks
    featurizer.n_truncated = 0
    n_done = 0
    for i in missing:
        sl = writer.chunk_slice(i)
        before = featurizer.n_truncated
        block = featurizer.embed(task.sequences[sl])
        writer.write_chunk(i, block, n_truncated=featurizer.n_truncated - before)
        n_done += sl.stop - sl.start
        if progress is not None:
            progress.update(sl.stop - sl.start)
    writer.finalize(**{"device": "cpu", "model_revision": featurizer.spec.option("revision"),
                       **featurizer.provenance()})
    return ExtractResult(featurizer.spec.model_id, task.task_id, "resumed" if resumed else "written",
                         n_done, time.perf_counter() - t0)


def extract(store: EmbeddingStore, models: Iterable[ModelSpec], tasks: list[TaskData], *,
            dtype: str = "float32", chunk_rows: int = DEFAULT_CHUNK_ROWS,
            show_progress: bool = True) -> list[ExtractResult]:
    """Embed every task with every model; models are loaded only when work remains."""
    results = []
    for task in tasks:  # a changed task source is refused before anything is written
        write_task_table(store, task, check_only=True)
    for spec in models:
        todo = [t for t in tasks if store.embedding_status(spec.model_id, t.task_id) != "complete"]
        results += [ExtractResult(spec.model_id, t.task_id, "skipped", 0, 0.0)
                    for t in tasks if t not in todo]
        if not todo:
            continue
        featurizer = build_featurizer(spec)
        total = sum(t.n for t in todo)
        with tqdm(total=total, desc=f"extract {spec.model_id}", unit="seq",
                  disable=not show_progress, leave=False) as bar:
            for task in todo:
                bar.set_postfix_str(task.task_id[:40])
                results.append(extract_task(store, featurizer, task, dtype=dtype,
                                            chunk_rows=chunk_rows, progress=bar))
    return results
