"""Synthetic embedding stores at real GENEB task sizes, written through geneb's own store.

Each task's rows have planted classes: class means on top of anisotropic noise (feature scales
over three decades, like raw embeddings, which is what makes lbfgs take many iterations) and a
large common offset. Labels are balanced (every class has n/k rows, shuffled); the train rows
come first, then the test rows. Rows are generated chunk by chunk, so memory stays at one chunk
whatever the task size.
"""

from __future__ import annotations

import time
import zlib
from pathlib import Path

import numpy as np
import torch

from geneb.store import EmbeddingStore

from scale_sizes import TaskSize

def model_id(width: int) -> str:
    """The model id a synthetic width is stored under."""
    return f"synthetic-d{width}"


def task_seed(task_id: str, width: int) -> int:
    """A stable seed per (task, width) (not Python's salted ``hash``)."""
    return zlib.crc32(f"{task_id}|{width}".encode())


def balanced_labels(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """(n,) int64 labels, every class ``n // k`` or ``n // k + 1`` times, shuffled."""
    return rng.permutation(np.arange(n) % k).astype(np.int64)


def write_task(store: EmbeddingStore, task: TaskSize, width: int, *, dtype: str = "float16",
               device: str = "cpu") -> int:
    """Write ``task``'s table and its (n_train + n_test, width) synthetic embeddings.

    Returns
    -------
    int
        Bytes of embeddings written (uncompressed, in ``dtype``).
    """
    seed = task_seed(task.task_id, width)
    rng = np.random.default_rng(seed)
    n, k = task.n_train + task.n_test, task.n_classes
    y = balanced_labels(n, k, rng)
    split = np.r_[np.zeros(task.n_train, np.int8), np.ones(task.n_test, np.int8)]
    store.write_task_table(task.task_id, seq_hash=np.arange(n, dtype=np.uint64) + (seed << 24),
                           label=y, split=split, length=np.full(n, 500, np.int32),
                           attrs={"category": "synthetic", "n_classes": k,
                                  "benchmark": "synthetic-geneb", "official_id": task.task_id})
    g = torch.Generator(device=device).manual_seed(seed)
    means = torch.randn(k, width, generator=g, device=device) * (1.5 / width ** 0.5)
    offset = torch.randn(width, generator=g, device=device) * 3
    scales = torch.logspace(1, -2, width, device=device)
    labels = torch.as_tensor(y, device=device)
    w = store.begin_embedding(model_id(width), task.task_id, n=n, dim=width, dtype=dtype,
                              provenance={"config": {"bench": "synthetic-geneb", "seed": seed,
                                                     "basis": task.basis}})
    for i in w.missing_chunks():
        sl = w.chunk_slice(i)
        block = torch.randn(sl.stop - sl.start, width, generator=g, device=device)
        block = block * scales + means[labels[sl]] + offset
        w.write_chunk(i, block.to(getattr(torch, dtype)).cpu().numpy())
    w.finalize(device=device)
    return n * width * np.dtype(dtype).itemsize


def build_width_store(path: Path, width: int, tasks: list[TaskSize], *, dtype: str = "float16",
                      device: str = "cpu") -> tuple[EmbeddingStore, float, int]:
    """A store at ``path`` with every task's synthetic embeddings of one width.

    Returns
    -------
    (EmbeddingStore, seconds, bytes)
        The store (read-only), the time it took to build, the embedding bytes written.
    """
    t0 = time.perf_counter()
    store = EmbeddingStore(path, mode="a")
    nbytes = sum(write_task(store, t, width, dtype=dtype, device=device) for t in tasks)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return EmbeddingStore(path, mode="r"), time.perf_counter() - t0, nbytes


__all__ = ["build_width_store", "model_id", "write_task"]
