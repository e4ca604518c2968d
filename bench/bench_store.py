"""Store throughput and size on a 100k x 1024 embedding array, against np.save/np.load.

Everything is measured in one run (the machine is shared: compare the ratios, not the
seconds). The array is embedding-like (low rank plus noise, per-feature offsets), not
white noise, since compression depends on it. Targets (issue 3): full read >= 0.5x the
speed of np.load; on-disk size <= 0.55x raw float32 as float16, <= 0.95x as float32.

Usage: python bench/bench_store.py [--rows 100000] [--dim 1024]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from geneb.store import EmbeddingStore
from geneb.store.tools import _folder_bytes


def embedding_like(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rank = 64
    basis = rng.normal(size=(rank, d)).astype(np.float32) / np.sqrt(rank)
    out = np.empty((n, d), np.float32)
    offset = rng.normal(scale=0.5, size=d).astype(np.float32)
    for s in range(0, n, 8192):
        z = rng.normal(size=(min(8192, n - s), rank)).astype(np.float32)
        noise = 0.1 * rng.normal(size=(len(z), d)).astype(np.float32)
        out[s:s + len(z)] = z @ basis + offset + noise
    return out


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def write_store(path: Path, X: np.ndarray, dtype: str) -> EmbeddingStore:
    store = EmbeddingStore(path, mode="a")
    w = store.begin_embedding("bench", "bench", n=X.shape[0], dim=X.shape[1], dtype=dtype,
                              provenance={"config": {"dtype": dtype}})
    for i in w.missing_chunks():
        w.write_chunk(i, X[w.chunk_slice(i)])
    w.finalize()
    return store


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=1024)
    args = ap.parse_args()
    X = embedding_like(args.rows, args.dim)
    raw = X.nbytes
    rows = np.sort(np.random.default_rng(1).choice(args.rows, 1000, replace=False))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _, t_save = timed(lambda: np.save(tmp / "X.npy", X))
        _, t_load = timed(lambda: np.load(tmp / "X.npy"))
        _, t_npgather = timed(lambda: np.load(tmp / "X.npy", mmap_mode="r")[rows].copy())
        res = {}
        for dtype in ("float32", "float16"):
            path = tmp / f"{dtype}.zarr"
            _, t_w = timed(lambda: write_store(path, X, dtype))
            store = EmbeddingStore(path)
            arr = store.open_embedding("bench", "bench")
            Y, t_r = timed(lambda: arr[:])
            _, t_g = timed(lambda: arr.get_orthogonal_selection((rows, slice(None))))
            size = _folder_bytes(path / "embeddings")
            if dtype == "float32":
                assert np.array_equal(Y, X)
            res[dtype] = (t_w, t_r, t_g, size)
    gb = raw / 1e9
    print(f"array {args.rows:,} x {args.dim} float32 = {raw / 1e6:.0f} MB raw "
          f"(times noisy: shared cores; compare ratios)")
    print(f"np.save {t_save:6.2f} s ({gb / t_save:5.2f} GB/s)   np.load {t_load:6.2f} s "
          f"({gb / t_load:5.2f} GB/s)   np.load(mmap) gather 1000 rows {t_npgather * 1e3:6.1f} ms")
    print(f"{'store':8s} {'write s':>8s} {'vs save':>8s} {'read s':>7s} "
          f"{'read speed vs load':>19s} "
          f"{'gather ms':>10s} {'size/raw f32':>13s}")
    ok = True
    for dtype, (t_w, t_r, t_g, size) in res.items():
        speed = t_load / t_r
        ratio = size / raw
        target = 0.95 if dtype == "float32" else 0.55
        ok &= speed >= 0.5 and ratio <= target
        print(f"{dtype:8s} {t_w:8.2f} {t_save / t_w:7.2f}x {t_r:7.2f} {speed:18.2f}x "
              f"{t_g * 1e3:10.1f} {ratio:12.3f}  (target <= {target})")
    print(f"targets (read >= 0.5x np.load, size): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
