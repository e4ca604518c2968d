"""gpu_check step 3: parity on the device, as ``bench/bench_probe.py`` measures it.

A geneb-mini grid (built-in featurizers) is probed with ``--exact-reference`` (scikit-learn,
the GENEB numbers), with scikit-learn on centred features (the reference's own sensitivity),
with ``--backend torch`` on the device and with ``--backend cuml``; each engine gets mean
|dMCC| against the reference (bound 0.005) and the per-cell bound of ``bench_probe.py``
(|d| <= the reference's sensitivity + one test row), from :func:`bench_probe.parity_stats`.
``--small``: 2 k-mer models x 3 tasks.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from _step import bench_dir, run_step, skipped, step_parser

bench_dir()
from _mini_store import mini_store  # noqa: E402
from bench_probe import CentredSklearn, parity_stats  # noqa: E402

from geneb.probe import run_probes  # noqa: E402
from geneb.probe.backends import BACKENDS  # noqa: E402

SMALL_MODELS = ["kmer-3", "kmer-4"]
SMALL_TASKS = ["mini.gue_prom_300_tata.train2k", "mini.gue_mouse_0.train2k",
               "mini.uci_splice.split70-30-train2k"]
MEAN_BOUND = 0.005


def timed_cube(store, models, tasks, **kw):
    t0 = time.perf_counter()
    cube = run_probes(store, models, tasks, show_progress=False, **kw)
    return cube, round(time.perf_counter() - t0, 2)


def engine_parity(store, models, tasks, ref, sens, **kw) -> dict:
    """Probe with one engine and compare it with the reference, cell by cell."""
    cube, sec = timed_cube(store, models, tasks, **kw)
    p = parity_stats(cube, ref, sens)
    return {"status": "ok", "backend": cube.attrs["backend"], "seconds": sec,
            "mean_abs_dmcc": round(p["mean"], 5), "max_abs_dmcc": round(p["max"], 5),
            "cells": p["n_cells"], "cells_within_per_cell_bound": p["n_within"],
            "mean_within_bound": p["mean"] <= MEAN_BOUND,
            "unconverged": int((~cube["converged"].values & cube["fitted"].values).sum())}


def parity(args) -> dict:
    from geneb.probe.backends.cuml_backend import cuml_available
    where = args.store or Path(os.environ.get("GENEB_BENCH_DIR", "runs/bench")) / "mini_emb.zarr"
    store, models, tasks = mini_store(SMALL_MODELS if args.small else None,
                                      SMALL_TASKS if args.small else None, where)
    BACKENDS.register("sklearn-centred", CentredSklearn, replace=True)
    ref, ref_s = timed_cube(store, models, tasks, backend="sklearn", exact_reference=True)
    sens, _ = timed_cube(store, models, tasks, backend="sklearn-centred")
    out = {"grid": {"models": models, "tasks": len(tasks), "cells": int(ref["mcc"].size)},
           "reference_seconds": ref_s,
           "bound": f"mean |dMCC| <= {MEAN_BOUND}; per cell |d| <= |sklearn centred - "
                    f"sklearn| + 2/n_test",
           "torch": engine_parity(store, models, tasks, ref, sens, backend="torch",
                                  device=args.device)}
    if args.device != "cuda":
        out["cuml"] = skipped(f"device {args.device}: cuML runs on a CUDA GPU only")
    elif not cuml_available():
        out["cuml"] = skipped("cuML does not import here (see the env step)")
    else:
        out["cuml"] = engine_parity(store, models, tasks, ref, sens, backend="cuml")
    bad = [n for n in ("torch", "cuml") if out[n].get("mean_within_bound") is False]
    if bad:
        out.update(status="failed", reason=f"mean |dMCC| over {MEAN_BOUND}: {', '.join(bad)}")
    return out


def main(argv=None) -> int:
    ap = step_parser("gpu_check parity")
    ap.add_argument("--store", type=Path, default=None,
                    help="geneb-mini store to build or reuse (default $GENEB_BENCH_DIR)")
    return run_step(parity, ap, argv)


if __name__ == "__main__":
    sys.exit(main())
