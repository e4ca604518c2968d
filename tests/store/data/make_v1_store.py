"""How tests/store/data/v1_store.zarr was made: run with geneb at commit 93d0192 (store
format 1, before format 2 existed), `python make_v1_store.py tests/store/data`. Kept for the
record; with a newer geneb it writes the current format instead."""
import numpy as np, sys
from geneb.store import EmbeddingStore
out = sys.argv[1]
rng = np.random.default_rng(2024)
n, dim = 40, 6
store = EmbeddingStore(out + "/v1_store.zarr", mode="a")
store.write_task_table("t1", seq_hash=np.arange(n, dtype=np.uint64) * 7919, label=np.arange(n) % 2,
                       split=(np.arange(n) % 4 == 0).astype(np.int8), length=np.full(n, 50),
                       attrs={"category": "Promoters", "source_checksum": "ab" * 32,
                              "classes": ["a", "b"], "split_codes": {"train": 0, "test": 1}})
expected = {}
for m in ("m1", "org/m2", "m3"):
    X = rng.normal(size=(n, dim)).astype(np.float32)
    expected[m.replace("/", "__")] = X
    w = store.begin_embedding(m, "t1", n=n, dim=dim, chunk_rows=16,
                              provenance={"config": {"model_id": m, "pooling": "mean"}})
    for i in w.missing_chunks():
        if m == "m3" and i > 0:
            break
        sl = w.chunk_slice(i)
        w.write_chunk(i, X[sl], n_truncated=i)
    if m == "m3":
        w.close()
    else:
        w.finalize(device="cpu")
np.savez(out + "/v1_store_values.npz", **expected)
