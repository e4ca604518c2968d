"""Opening a store over HTTP: the store folder as written vs its packed snapshot.

Serves a store of 20 models x 10 tasks (200 small arrays) with ``python -m http.server`` on
127.0.0.1 and times listing every array and opening each one, for the store as written and
for its ``geneb store pack`` snapshot folder. Since store format 2 both carry consolidated
metadata (one request opens either); format 1 folders took 15-17 s here against 0.2 s for
the snapshot. At GENEB scale see bench_store_scale.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from geneb.store import EmbeddingStore
from geneb.store.tools import pack


def build(path: Path, n_models: int = 20, n_tasks: int = 10, n: int = 64, dim: int = 16) -> None:
    rng = np.random.default_rng(0)
    store = EmbeddingStore(path, mode="a")
    for t in range(n_tasks):
        store.write_task_table(f"task{t}", seq_hash=np.arange(n, dtype=np.uint64),
                               label=np.arange(n) % 2, split=np.arange(n) % 4 == 0,
                               length=np.full(n, 100), attrs={"source_checksum": "0" * 64})
    for m in range(n_models):
        for t in range(n_tasks):
            w = store.begin_embedding(f"model{m}", f"task{t}", n=n, dim=dim,
                                      provenance={"config": {"m": m}})
            for i in w.missing_chunks():
                w.write_chunk(i, rng.normal(size=(n, dim)))
            w.finalize()


def open_all(url: str) -> float:
    t0 = time.perf_counter()
    store = EmbeddingStore(url)
    for m, t, _ in store.embeddings():
        store.open_embedding(m, t)
    return time.perf_counter() - t0


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as sock:
        tmp = Path(tmp)
        build(tmp / "emb.zarr")
        pack(tmp / "emb.zarr", tmp / "snap.zarr")
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                                   "127.0.0.1", "--directory", str(tmp)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/emb.zarr/zarr.json", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            plain = min(open_all(f"{base}/emb.zarr") for _ in range(2))
            snap = min(open_all(f"{base}/snap.zarr") for _ in range(2))
        finally:
            server.terminate()
            server.wait()
    print(f"list + open 200 arrays over HTTP: store folder {plain:.2f} s, packed snapshot "
          f"{snap:.2f} s (ratio {plain / snap:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
