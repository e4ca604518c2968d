"""float16 or float32 on disk? Probe MCC of geneb-mini stored both ways, cell by cell.

Embeds geneb-mini with the built-in featurizers in float32, writes a float16 copy of every
array (exactly what ``geneb extract --dtype float16`` stores: the float32 block cast to
float16), probes both stores with the reference protocol and prints, per model, the largest
|MCC(float16) - MCC(float32)| over tasks x regimes x seeds. The store default is float16
only if every cell stays within 0.002 (issue 3).
"""

from __future__ import annotations

import sys
import tempfile
import time

import numpy as np

from geneb.catalog import benchmark_tasks
from geneb.catalog.models import builtin_models
from geneb.extract import extract
from geneb.probe import run_probes
from geneb.store import EmbeddingStore
from geneb.tasks import load_tasks

TOLERANCE = 0.002


def main() -> int:
    tasks = load_tasks(benchmark_tasks("geneb-mini"))
    models = builtin_models()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        s32 = EmbeddingStore(f"{tmp}/f32.zarr", mode="a")
        extract(s32, models, tasks, dtype="float32", show_progress=False)
        s16 = EmbeddingStore(f"{tmp}/f16.zarr", mode="a")
        for model_id, task_id, _ in s32.embeddings():
            table = s32.read_task_table(task_id)
            if not s16.has_task(task_id):
                s16.write_task_table(task_id, seq_hash=table.seq_hash, label=table.label,
                                     split=table.split, length=table.length, attrs=table.attrs)
            X = s32.open_embedding(model_id, task_id)[:]
            w = s16.begin_embedding(model_id, task_id, n=X.shape[0], dim=X.shape[1],
                                    dtype="float16", provenance={"config": {"dtype": "float16"}})
            for i in w.missing_chunks():
                w.write_chunk(i, X[w.chunk_slice(i)])
            w.finalize()
        ids_m = [m.model_id for m in models]
        ids_t = [t.task_id for t in tasks]
        c32 = run_probes(s32, ids_m, ids_t, show_progress=False)
        c16 = run_probes(s16, ids_m, ids_t, show_progress=False)
    diff = np.abs(c16.mcc - c32.mcc)
    print(f"{'model':12s} {'cells':>6s} {'max|dMCC|':>10s} {'mean|dMCC|':>11s} "
          f"{'cells>0.002':>12s}")
    for m in ids_m:
        d = diff.sel(model=m).values.ravel()
        print(f"{m:12s} {d.size:6d} {d.max():10.4f} {d.mean():11.5f} {(d > TOLERANCE).sum():12d}")
    d = diff.values.ravel()
    where = np.unravel_index(int(np.nanargmax(diff.values)), diff.shape)
    worst = {dim: str(diff[dim].values[i]) for dim, i in zip(diff.dims, where)}
    print(f"all          {d.size:6d} {d.max():10.4f} {d.mean():11.5f} {(d > TOLERANCE).sum():12d}")
    print(f"worst cell: {worst}")
    verdict = "float16" if d.max() <= TOLERANCE else "float32"
    print(f"default on-disk dtype from this evidence: {verdict} "
          f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
