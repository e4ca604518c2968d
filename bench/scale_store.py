"""Synthetic embedding stores at real GENEB task sizes, written through geneb's own store.

Each task's rows are two or more Gaussian classes sharing one anisotropic covariance
(feature scales over three decades, like raw embeddings) on a large common offset. Labels are
balanced (every class has n/k rows, shuffled); the train rows come first, then the test rows.
Rows are generated chunk by chunk, so memory stays at one chunk whatever the task size.

How far apart the classes are (``signal``):

* ``calibrated`` (default): as hard as the real task. The class means are a Mahalanobis
  distance ``Δ = 2 Φ⁻¹((1 + m) / 2)`` apart, m being the task's mean full-regime MCC over the
  official models in the GENEB release (0.06-0.89, mean 0.49): two balanced Gaussian classes
  that far apart have a Bayes MCC of m. The means are drawn in whitened coordinates, so the
  signal is spread over high- and low-variance features alike.
* ``separable``: the design measured first (2026-12-04): class means of norm 1.5 added to the
  anisotropic noise, i.e. mostly along the low-variance features, which separates the classes
  almost perfectly (full-regime MCC 0.99 on average, nothing like real embeddings) and
  makes every fit a nearly separable one.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from geneb.store import EmbeddingStore

from scale_sizes import TaskSize

SIGNALS = ("calibrated", "separable")
#: a task missing from the release (a scaled-down test task keeps its id) gets the mean
RELEASE_MEAN_MCC = 0.488


@lru_cache(maxsize=1)
def release_full_mcc() -> dict[str, float]:
    """task_id -> mean full-regime MCC over the official models of the GENEB release."""
    raw = resources.files("geneb.analysis").joinpath(
        "data/geneb_release/leaderboard_tasks.json.gz").read_bytes()
    doc = json.loads(gzip.decompress(raw))
    rows = doc["data"]["full"]
    out = {}
    for task in doc["tasks"]:
        vals = [r["task_MCC"][task["id"]] for r in rows
                if r["task_MCC"].get(task["id"]) is not None]
        out[task["id"]] = float(np.mean(vals)) if vals else RELEASE_MEAN_MCC
    return out


def class_separation(task_id: str) -> float:
    """Δ of the ``calibrated`` signal: the Mahalanobis distance between two balanced
    Gaussian classes whose Bayes MCC is the task's mean release MCC (clipped to
    [0.05, 0.95])."""
    from scipy.special import ndtri
    m = min(max(release_full_mcc().get(task_id, RELEASE_MEAN_MCC), 0.05), 0.95)
    return float(2 * ndtri((1 + m) / 2))


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
               device: str = "cpu", signal: str = "calibrated") -> int:
    """Write ``task``'s table and its (n_train + n_test, width) synthetic embeddings.

    Returns
    -------
    int
        Bytes of embeddings written (uncompressed, in ``dtype``).
    """
    if signal not in SIGNALS:
        raise ValueError(f"signal must be one of {SIGNALS}, got {signal!r}")
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
    means = torch.randn(k, width, generator=g, device=device)
    offset = torch.randn(width, generator=g, device=device) * 3
    scales = torch.logspace(1, -2, width, device=device)
    if signal == "calibrated":  # whitened means, pairwise ~Δ apart
        means *= class_separation(task.task_id) / 2 ** 0.5 / means.norm(dim=1, keepdim=True)
    else:
        means *= 1.5 / width ** 0.5
    labels = torch.as_tensor(y, device=device)
    w = store.begin_embedding(model_id(width), task.task_id, n=n, dim=width, dtype=dtype,
                              provenance={"config": {"bench": "synthetic-geneb", "seed": seed,
                                                     "basis": task.basis, "signal": signal}})
    for i in w.missing_chunks():
        sl = w.chunk_slice(i)
        noise = torch.randn(sl.stop - sl.start, width, generator=g, device=device)
        if signal == "calibrated":
            block = (noise + means[labels[sl]]) * scales + offset
        else:
            block = noise * scales + means[labels[sl]] + offset
        w.write_chunk(i, block.to(getattr(torch, dtype)).cpu().numpy())
    w.finalize(device=device)
    return n * width * np.dtype(dtype).itemsize


def build_width_store(path: Path, width: int, tasks: list[TaskSize], *, dtype: str = "float16",
                      device: str = "cpu",
                      signal: str = "calibrated") -> tuple[EmbeddingStore, float, int]:
    """A store at ``path`` with every task's synthetic embeddings of one width.

    Returns
    -------
    (EmbeddingStore, seconds, bytes)
        The store (read-only), the time it took to build, the embedding bytes written.
    """
    t0 = time.perf_counter()
    store = EmbeddingStore(path, mode="a")
    nbytes = sum(write_task(store, t, width, dtype=dtype, device=device, signal=signal)
                 for t in tasks)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return EmbeddingStore(path, mode="r"), time.perf_counter() - t0, nbytes


__all__ = ["SIGNALS", "build_width_store", "class_separation", "model_id", "write_task"]
