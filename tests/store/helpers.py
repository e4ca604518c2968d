"""Helpers shared by the store tests: run `geneb` as a real process, compare stores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from synthetic import make_task_frame


def big_task_csv(folder: Path, n_per_class: int = 2100) -> Path:
    """A 2-class task of 4,200 rows: five 1,024-row chunks (the last one short)."""
    path = folder / "crash_task.csv"
    if not path.exists():
        make_task_frame(n_per_class=n_per_class, length=40, seed=3).to_csv(path, index=False)
    return path


FAULT_CHILD = Path(__file__).with_name("fault_child.py")


def geneb(*args: str, env: dict | None = None, wait: bool = True, timeout: float = 240,
          fault: str | None = None):
    """Run ``python -m geneb.cli.main ARGS`` as a separate process.

    ``fault`` (``kill:<point>:<chunk>`` or ``sleep:<seconds>``): run it through
    ``fault_child.py``, which installs that store-write fault in the process first.
    """
    full_env = {**os.environ, "TQDM_DISABLE": "1", "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    cmd = ([sys.executable, str(FAULT_CHILD), fault, *args] if fault
           else [sys.executable, "-m", "geneb.cli.main", *args])
    if not wait:
        return subprocess.Popen(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)


def data_files(store: Path) -> dict[str, bytes]:
    """Every chunk file of a store (metadata documents excluded), by relative path."""
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*"))
            if p.is_file() and p.name != "zarr.json"}


def metadata_without_times(store: Path) -> dict[str, dict]:
    """Every zarr.json, with the wall-clock timestamps removed."""
    def strip(obj):
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if k not in ("created", "completed")}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj
    return {str(p.relative_to(store)): strip(json.loads(p.read_text()))
            for p in sorted(store.rglob("zarr.json"))}


def assert_same_store(a: Path, b: Path) -> None:
    fa, fb = data_files(a), data_files(b)
    assert sorted(fa) == sorted(fb)
    for key in fa:
        assert fa[key] == fb[key], f"chunk file {key} differs"
    assert metadata_without_times(a) == metadata_without_times(b)
    from geneb.store import EmbeddingStore
    sa, sb = EmbeddingStore(a), EmbeddingStore(b)
    assert sa.embeddings() == sb.embeddings()
    for m, t, _ in sa.embeddings():
        np.testing.assert_array_equal(sa.open_embedding(m, t)[:], sb.open_embedding(m, t)[:])


from geneb.store.layout import StoreLayout  # noqa: E402

#: Store layouts the real-process (SIGKILL, concurrency) tests run on.
PROCESS_LAYOUTS = {"chunked": StoreLayout("chunked"),
                   "sharded": StoreLayout("sharded", shard_bytes=2 * 1024 * 64 * 4)}


def unit_word(layout: StoreLayout) -> str:
    """How errors name a unit of this layout: "chunk" or "shard"."""
    return "shard" if layout.kind == "sharded" else "chunk"
