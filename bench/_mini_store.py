"""Shared by the probe benches: geneb-mini embedded by the built-in featurizers, cached."""

from __future__ import annotations

import os
from pathlib import Path

from geneb.catalog import benchmark_tasks
from geneb.catalog.models import builtin_models
from geneb.extract import extract
from geneb.store import EmbeddingStore
from geneb.tasks import load_tasks

CACHE = Path(os.environ.get("GENEB_BENCH_DIR", "runs/bench"))


def mini_store(model_ids: list[str] | None = None, task_ids: list[str] | None = None,
               path: Path | None = None) -> tuple[EmbeddingStore, list[str], list[str]]:
    """The cached store (built on first use: ~1-2 min), its model ids and task ids.

    Parameters
    ----------
    model_ids : list of str, optional
        Built-in models to embed (default all of them).
    task_ids : list of str, optional
        geneb-mini tasks to embed (default all 12).
    path : Path, optional
        The store (default ``$GENEB_BENCH_DIR/mini_emb.zarr``).
    """
    specs = [t for t in benchmark_tasks("geneb-mini") if task_ids is None or t.task_id in task_ids]
    tasks = load_tasks(specs)
    models = [m for m in builtin_models() if model_ids is None or m.model_id in model_ids]
    store = EmbeddingStore(path or CACHE / "mini_emb.zarr", mode="a")
    extract(store, models, tasks, show_progress=False)  # resumable: no work when cached
    return store, [m.model_id for m in models], [t.task_id for t in tasks]
