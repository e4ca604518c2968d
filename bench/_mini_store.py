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


def mini_store() -> tuple[EmbeddingStore, list[str], list[str]]:
    """The cached store (built on first use: ~1-2 min), its model ids and task ids."""
    tasks = load_tasks(benchmark_tasks("geneb-mini"))
    models = builtin_models()
    store = EmbeddingStore(CACHE / "mini_emb.zarr", mode="a")
    extract(store, models, tasks, show_progress=False)  # resumable: no work when cached
    return store, [m.model_id for m in models], [t.task_id for t in tasks]
