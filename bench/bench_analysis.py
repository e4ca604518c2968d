"""Analysis speed on the published release (41 models x 100 tasks x 3 regimes).

Each vectorised routine is timed against a straightforward reference written here, in the same
run (the machine is shared, so only the ratios are meaningful), and checked to give the same
numbers:

* ``task_frame`` (per model, task, regime rows) vs a loop of ``.sel`` calls;
* ``bootstrap_scores`` (all replicates at once) vs one replicate at a time;
* the whole ``write_report`` (HTML + Markdown), for scale.
"""

from __future__ import annotations

import sys
import tempfile
import time

import numpy as np
import pandas as pd

from geneb.analysis import bootstrap_scores, load_official_cube, task_frame, task_scores
from geneb.analysis.report import write_report


def _best(fn, repeat=3):
    out, best = None, float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def task_frame_loop(cube) -> pd.DataFrame:
    means = task_scores(cube, "mcc")
    rows = []
    for m in cube["model"].values:
        for t in cube["task"].values:
            for r in cube["regime"].values:
                rows.append({"model": str(m), "task": str(t), "regime": str(r),
                             "mcc": float(means.sel(model=m, task=t, regime=r))})
    return pd.DataFrame(rows)


def bootstrap_loop(cube, n_boot, seed=0) -> np.ndarray:
    """Reference: one replicate at a time (tasks within categories; one published seed)."""
    x = cube["mcc"].sel(regime="full").mean("seed").transpose("model", "task").values
    cats = np.asarray([str(c) for c in cube["category"].values])
    rng = np.random.default_rng(seed)
    reps = np.empty((x.shape[0], n_boot))
    groups = [np.flatnonzero(cats == c) for c in dict.fromkeys(cats)]
    for b in range(n_boot):
        reps[:, b] = np.mean([x[:, rng.choice(g, size=g.size)].mean(axis=1) for g in groups], axis=0)
    return reps


def main() -> int:
    cube = load_official_cube()
    fast, t_fast = _best(lambda: task_frame(cube))
    slow, t_slow = _best(lambda: task_frame_loop(cube), repeat=1)
    same = np.allclose(fast["mcc"].to_numpy(), slow["mcc"].to_numpy())
    print(f"task_frame: {len(fast)} rows, vectorised {t_fast * 1e3:.0f} ms vs .sel loop "
          f"{t_slow * 1e3:.0f} ms -> {t_slow / t_fast:.0f}x (same values: {same})")

    n_boot = 1000
    boot, t_vec = _best(lambda: bootstrap_scores(cube, "full", n_boot=n_boot))
    reps, t_loop = _best(lambda: bootstrap_loop(cube, n_boot), repeat=1)
    lo = np.quantile(reps, 0.025, axis=1)
    models = [str(m) for m in cube["model"].values]
    gap = float(np.max(np.abs(boot.loc[models, "ci_low"].to_numpy() - lo)))
    print(f"bootstrap_scores: {n_boot} replicates, vectorised {t_vec:.2f} s vs one-at-a-time "
          f"{t_loop:.2f} s -> {t_loop / t_vec:.1f}x (CI lower bounds differ by at most {gap:.3f}: "
          f"different random draws)")

    with tempfile.TemporaryDirectory() as tmp:
        _, t_rep = _best(lambda: write_report(cube, tmp, n_boot=500), repeat=1)
    print(f"write_report (41 models, 100 tasks, 500 bootstrap replicates): {t_rep:.1f} s")
    return 0 if same and gap < 0.02 else 1


if __name__ == "__main__":
    sys.exit(main())
