"""Probe engine speed and parity on geneb-mini (12 tasks x 5 built-in models x 3 regimes x 5 seeds).

Times, in one invocation on this machine, ``--repeats`` rounds (default 3) of:

(a) the scikit-learn loop exactly as the GENEB code runs it: 15 fits per (model, task) cell
    (the full regime refitted for every seed), default BLAS threading;
(b) a tuned scikit-learn loop: geneb's runner with ``--backend sklearn`` (full regime fitted
    once, blocks in parallel with BLAS pinned to cores // workers);
(c) geneb's default engine (``--backend auto``: batched torch on this CPU).

The speed ratios quoted on the last line are the medians of the rounds' ratios.

Parity (the issue's two senses, on the same cells): (b) is the reference at GENEB settings;
(s) scikit-learn on centred features is the reference's own sensitivity (same objective,
another stopping point). Prints mean/max |dMCC| of (c) vs (b), and per cell whether
|c - b| <= |s - b| (+ one test row's worth of MCC). Then "same optimum": torch and
scikit-learn both at tol=1e-10 on a sample of cells: relative coefficient error and
prediction agreement. Cells outside the per-cell bound are refitted and explained
(:func:`explain_outliers`: test rows tied at the optimum, or the reference's own stopping
error). Last, the peak memory of one worker block, on geneb-mini's largest slice and on a
dense GFM-size synthetic slice.

Embeddings are built once with the built-in featurizers and cached in runs/bench/
(GENEB_BENCH_DIR). ``--skip-a`` estimates (a) from (b)'s per-fit times instead of running it.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _mini_store import mini_store  # noqa: E402

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from geneb.probe import ProbeProtocol, few_shot_indices, run_probes  # noqa: E402
from geneb.probe.backends import BACKENDS  # noqa: E402
from geneb.probe.backends.sklearn_backend import SklearnBackend  # noqa: E402
from geneb.probe.metrics import score  # noqa: E402
from geneb.probe.torch_solver import solve_probes  # noqa: E402


class CentredSklearn(SklearnBackend):
    """The reference on centred features: its own sensitivity to the stopping point."""

    name = "sklearn-centred"

    def __init__(self, protocol):
        super().__init__(protocol, center=True)


def geneb_loop(store, models, tasks, protocol) -> float:
    """(a): 15 scikit-learn fits per cell, default threading, as the GENEB release does."""
    t0 = time.perf_counter()
    for m in models:
        for t in tasks:
            table = store.read_task_table(t)
            X = store.open_embedding(m, t)[:].astype(np.float64)
            tr, te, y = table.train_index, table.test_index, table.label
            for _, k in protocol.regimes:
                for seed in protocol.seeds:
                    rows = tr if k is None else tr[few_shot_indices(y[tr], k, seed)]
                    literal_fit(X[rows], y[rows], X[te])
    return time.perf_counter() - t0


def literal_fit(X_train: np.ndarray, y_train: np.ndarray,
                X_test: np.ndarray) -> tuple[np.ndarray, int]:
    """One cell as the GENEB release fits it: scikit-learn ``LogisticRegression(C=1,
    lbfgs, max_iter=1000, tol=1e-4)`` on the raw features in float64, default threading.

    Parameters
    ----------
    X_train : ndarray, shape (n_train, d)
    y_train : ndarray, shape (n_train,)
    X_test : ndarray, shape (n_test, d)

    Returns
    -------
    (ndarray, int)
        Test predictions, shape (n_test,), and lbfgs iterations (1000: stopped at max_iter).
    """
    X_train = np.asarray(X_train, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegression(C=1.0, max_iter=1000, tol=1e-4).fit(X_train, y_train)
    return clf.predict(np.asarray(X_test, np.float64)), int(np.max(clf.n_iter_))


def parity_stats(eng, ref, sens) -> dict:
    """Parity of an engine's cube against the reference's, as the bench reports it.

    ``d`` is |dMCC| engine vs reference per cell; ``s`` the reference's own sensitivity
    (|dMCC| of scikit-learn on centred vs raw features); a cell is within the per-cell bound
    when ``d <= s + 2 / n_test`` (one test row's worth of MCC).

    Parameters
    ----------
    eng, ref, sens : xarray.Dataset
        Result cubes over the same (model, task, regime, seed) cells.

    Returns
    -------
    dict
        ``d``, ``s``, ``within`` (flat arrays over the cells), ``mean``, ``max``,
        ``n_within``, ``n_cells``.
    """
    d = np.abs(eng["mcc"] - ref["mcc"]).values.ravel()
    s = np.abs(sens["mcc"] - ref["mcc"]).values.ravel()
    n_test = np.broadcast_to(ref["n_test"].values[None, :, None, None], ref["mcc"].shape).ravel()
    within = d <= s + 2.0 / n_test
    return {"d": d, "s": s, "within": within, "mean": float(d.mean()), "max": float(d.max()),
            "n_within": int(within.sum()), "n_cells": int(len(d))}


def same_optimum(store, models, tasks) -> dict:
    """Relative coefficient error and prediction agreement at tol=1e-10, by regime kind.

    Agreement is counted on rows whose decision value is not a tie: with k-mer counts and one
    example per class many test rows sit exactly on the boundary (decision 0 up to round-off).
    """
    out = {"few": [0.0, 1.0, 0, 0.0], "full": [0.0, 1.0, 0, 0.0]}
    for m in models[:2]:
        for t in tasks[::3]:
            table = store.read_task_table(t)
            X = store.open_embedding(m, t)[:].astype(np.float64)
            tr, te, y = table.train_index, table.test_index, table.label
            for k, seed in ((1, 13), (10, 42), (None, 13)):
                rows = tr if k is None else tr[few_shot_indices(y[tr], k, seed)]
                mean = X[rows].mean(0)  # centring: same optimum, lets sklearn reach 1e-10
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=20000).fit(
                        X[rows] - mean, y[rows])
                got = solve_probes([X[rows]], [y[rows]], X[te], tol=1e-10, max_iter=20000)[0]
                exact = LogisticRegression(C=1.0, tol=1e-12, max_iter=500,
                                           solver="newton-cholesky").fit(X[rows] - mean, y[rows])
                dec = ref.decision_function(X[te] - mean)
                dec = dec if dec.ndim == 1 else np.sort(dec, 1)[:, -1] - np.sort(dec, 1)[:, -2]
                untied = np.abs(dec) > 1e-9 * np.abs(dec).max()
                agree = float(np.mean((got.y_pred == ref.predict(X[te] - mean))[untied]))
                rc = ref.coef_.T
                o = out["full" if k is None else "few"]
                o[0] = max(o[0], np.linalg.norm(got.coef - rc) / np.linalg.norm(rc))
                o[1] = min(o[1], agree)
                o[2] += 1
                ec = exact.coef_.T
                o[3] = max(o[3], np.linalg.norm(got.coef - ec) / np.linalg.norm(ec))
    return out


def explain_outliers(store, eng, ref, sens, within) -> dict[str, int]:
    """Why cells fail the per-cell bound: each one is refitted, row by row.

    The exact optimum is scikit-learn on centred features at tol 1e-10 (``newton-cholesky``
    for full fits up to 1,024 features, else lbfgs; a fit that stops at ``max_iter`` counts
    as no optimum). Its test rows whose decision value is zero up to round-off (1e-8 of the
    largest) are *tied*: any solver predicts them by round-off. The engine's fit for the
    cell is recomputed alone (its bundle mates can flip only tied rows). A cell is

    * ``optimum``: the engine predicts every untied row as the optimum does (one exception
      allowed), and no tied row differently, while the reference is at least as far from the
      optimum's MCC: the gap is the reference's own stopping error;
    * ``ties``: the same on untied rows, but tied rows differ;
    * ``other``: anything else.
    """
    out = {"ties": 0, "optimum": 0, "other": 0}
    bad = np.argwhere(~within.reshape(ref["mcc"].shape))
    cache: dict = {}
    for mi, ti, ri, si in bad:
        m, t = str(ref.model.values[mi]), str(ref.task.values[ti])
        regime, seed = str(ref.regime.values[ri]), int(ref.seed.values[si])
        k = dict(ProbeProtocol().regimes)[regime]
        at = (mi, ti, ri, si)
        key = (m, t, k, None if k is None else seed)
        if key not in cache:
            table = store.read_task_table(t)
            X = store.open_embedding(m, t)[:].astype(np.float64)
            tr, te, y = table.train_index, table.test_index, table.label
            rows = tr if k is None else tr[few_shot_indices(y[tr], k, seed)]
            mean = X[rows].mean(0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                solver = "newton-cholesky" if k is None and X.shape[1] <= 1024 else "lbfgs"
                opt = LogisticRegression(C=1.0, tol=1e-10, max_iter=20000,
                                         solver=solver).fit(X[rows] - mean, y[rows])
            dec = opt.decision_function(X[te] - mean)
            if dec.ndim > 1:
                top = np.sort(dec, 1)
                dec = top[:, -1] - top[:, -2]
            tied = np.abs(dec) <= 1e-8 * np.abs(dec).max()
            opt_pred = opt.predict(X[te] - mean)
            eng_pred = solve_probes([X[rows]], [y[rows]], X[te])[0].y_pred
            differ = eng_pred != opt_pred
            cache[key] = (int(np.max(opt.n_iter_)) < 20000, int((differ & ~tied).sum()),
                          int((differ & tied).sum()), score(y[te], opt_pred)["mcc"])
        opt_ok, untied_diff, tied_diff, opt_mcc = cache[key]
        r_mcc, e_mcc = float(ref["mcc"].values[at]), float(eng["mcc"].values[at])
        if not opt_ok or untied_diff > 1:
            out["other"] += 1
        elif tied_diff:
            out["ties"] += 1
        elif abs(r_mcc - opt_mcc) >= abs(e_mcc - opt_mcc):
            out["optimum"] += 1
        else:
            out["other"] += 1
    return out


PEAK_SCRIPT = """
import sys
import numpy as np, scipy.sparse, torch, zarr  # noqa: F401  (imports are not the block's)
import geneb.probe.torch_solver  # noqa: F401
from geneb.probe import ProbeProtocol
from geneb.probe._worker import FitSpec, probe_block
from geneb.store import EmbeddingStore
store_path, model, task = sys.argv[1:4]


def hwm_mb():  # this process's own RSS high-water mark (ru_maxrss keeps the parent's over exec)
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


EmbeddingStore(store_path, mode="r").read_task_table(task)
p = ProbeProtocol()
todo = [(r, s) for r in p.regime_names for s in p.seeds]
base = hwm_mb()
probe_block(store_path, model, task, FitSpec(p, "auto"), todo)
print(hwm_mb() - base)
"""


RUN_PEAK_SCRIPT = """
import logging, sys
import numpy as np, scipy.sparse, torch, zarr  # noqa: F401
import geneb.probe.torch_solver  # noqa: F401
from distributed import Client, LocalCluster
from geneb.probe import run_probes
from geneb.store import EmbeddingStore
store = EmbeddingStore(sys.argv[1], mode="r")
models, tasks = sys.argv[2].split(","), sys.argv[3].split(",")


def status_mb(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field)) / 1024


if __name__ == "__main__":
    client = Client(LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                 dashboard_address=":0", silence_logs=logging.ERROR))
    run_probes(store, models[:1], tasks[:1], backend="auto", scheduler=client,
               show_progress=False)  # warm up: thread pools, allocator, codecs
    try:  # reset the high-water mark to the current resident size (Linux >= 4.0)
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    base = status_mb("VmRSS")
    run_probes(store, models, tasks, backend="auto", scheduler=client, show_progress=False)
    print(status_mb("VmHWM") - base)
"""


def run_peak_memory(store, models, tasks, repeats: int = 3) -> list[float]:
    """Peak resident memory (MB) a whole default run adds, its bundles (planned as for 2
    workers) probed one after another by one worker thread, in fresh processes."""
    import subprocess
    peaks = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", RUN_PEAK_SCRIPT, str(store.path),
                              ",".join(models), ",".join(tasks)],
                             capture_output=True, text=True, check=True)
        peaks.append(float(out.stdout.strip().splitlines()[-1]))
    return sorted(peaks)


def peak_memory(store, model: str, task: str, repeats: int = 3) -> list[float]:
    """Peak resident memory (MB) one worker adds to fit every cell of one (model, task).

    Run in a fresh process (VmHWM is a high-water mark) after its imports; includes
    one-time costs (thread pools, allocator arenas, zarr's decode buffers: it varies run to
    run, so ``repeats`` fresh processes).
    """
    import subprocess
    peaks = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(store.path), model, task],
                             capture_output=True, text=True, check=True)
        peaks.append(float(out.stdout.strip().splitlines()[-1]))
    return sorted(peaks)


def largest_slice(store, models, tasks) -> tuple[str, str, float]:
    """(model, task, MB as stored) of the largest embedding slice."""
    sizes = {(m, t): store.open_embedding(m, t).nbytes for m in models for t in tasks}
    (model, task), nbytes = max(sizes.items(), key=lambda kv: kv[1])
    return model, task, nbytes / 2**20


def dense_store(path: Path, n: int = 24_000, d: int = 2048, classes: int = 2):
    """A store with one dense float32 slice the size of a real GFM's (n x d): planted classes
    on a large common offset, 75% train. Built once, cached next to the geneb-mini store."""
    from geneb.store import EmbeddingStore
    store = EmbeddingStore(path, mode="a")
    task, model = "synthetic.dense", f"synthetic-d{d}"
    rng = np.random.default_rng(0)
    y = rng.integers(0, classes, n)
    store.write_task_table(task, seq_hash=np.arange(n, dtype=np.uint64), label=y,
                           split=(rng.random(n) < 0.25).astype(np.int8),
                           length=np.full(n, 500), attrs={"category": "synthetic"})
    means = rng.normal(size=(classes, d)) * 0.05
    w = store.begin_embedding(model, task, n=n, dim=d, provenance={"config": {"bench": 1}})
    for i in w.missing_chunks():
        sl = w.chunk_slice(i)
        rows = rng.normal(size=(sl.stop - sl.start, d)) + means[y[sl]] + 3.0
        w.write_chunk(i, rows.astype(np.float32))
    w.finalize(device="cpu")
    return store, model, task


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-a", action="store_true", help="estimate (a) instead of running it")
    ap.add_argument("--repeats", type=int, default=3,
                    help="rounds of (a), (b) and (c); the ratios quoted are their medians "
                         "(default 3)")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error(f"--repeats {args.repeats}: use 1 or more")
    store, models, tasks = mini_store()
    protocol = ProbeProtocol()
    BACKENDS.register("sklearn-centred", CentredSklearn, replace=True)
    n_cells = len(models) * len(tasks) * 15

    rounds = []  # (t_a, t_b, t_c) of each round, in one invocation: the same machine state
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        ref = run_probes(store, models, tasks, backend="sklearn", show_progress=False)
        t_b = time.perf_counter() - t0
        t0 = time.perf_counter()
        eng = run_probes(store, models, tasks, backend="auto", show_progress=False)
        t_c = time.perf_counter() - t0
        if args.skip_a:
            fits = ref["fit_seconds"].where(ref["fitted"]).sum().item()
            full = ref["fit_seconds"].sel(regime="full").isel(seed=0).sum().item()
            t_a = fits + 4 * full
            a_note = "estimated from (b)'s fit seconds: + 4 extra full fits per cell"
        else:
            t_a = geneb_loop(store, models, tasks, protocol)
            a_note = "measured"
        rounds.append((t_a, t_b, t_c))
        print(f"round {len(rounds)}: (a) {t_a:.1f} s, (b) {t_b:.1f} s, (c) {t_c:.1f} s -> "
              f"{t_a / t_c:.1f}x literal, {t_b / t_c:.1f}x tuned", flush=True)
    t_a, t_b, t_c = (float(np.median(col)) for col in zip(*rounds))
    lit = float(np.median([a / c for a, _, c in rounds]))
    tuned = float(np.median([b / c for _, b, c in rounds]))
    sens = run_probes(store, models, tasks, backend="sklearn-centred", show_progress=False)

    par = parity_stats(eng, ref, sens)
    d, s, within = par["d"], par["s"], par["within"]
    unconv_ref = int((~ref["converged"].values & ref["fitted"].values).sum())
    unconv_eng = int((~eng["converged"].values & eng["fitted"].values).sum())
    print(f"geneb-mini: {len(models)} models x {len(tasks)} tasks x 3 regimes x 5 seeds = {n_cells} cells")
    print(f"wall times: medians of {len(rounds)} rounds")
    print(f"(a) GENEB sklearn loop, 15 fits/cell, default threads: {t_a:8.1f} s  ({a_note})")
    print(f"(b) tuned sklearn (full once, pinned BLAS, 2 workers): {t_b:8.1f} s")
    print(f"(c) geneb default engine ({eng.attrs['backend']}):            {t_c:8.1f} s")
    for regime in ("1shot", "10shot", "full"):
        sel = dict(regime=regime)
        print(f"    {regime:>6}: fit seconds sklearn {float(ref['fit_seconds'].sel(sel).where(ref['fitted'].sel(sel)).sum()):7.1f}"
              f"  torch {float(eng['fit_seconds'].sel(sel).where(eng['fitted'].sel(sel)).sum()):7.1f};"
              f"  median n_iter sklearn {float(ref['n_iter'].sel(sel).median()):.0f}"
              f" torch {float(eng['n_iter'].sel(sel).median()):.0f}")
    print(f"unconverged fits (stopped at max_iter): sklearn {unconv_ref}, engine {unconv_eng}")
    print(f"parity vs (b): mean |dMCC| {d.mean():.4f} (bound 0.005), max {d.max():.4f}; "
          f"sklearn raw-vs-centred: mean {s.mean():.4f}, max {s.max():.4f}")
    print(f"per cell |d_engine| <= |d_sklearn_centred| + one test row: {int(within.sum())}/{len(d)}")
    why = explain_outliers(store, eng, ref, sens, within)
    print(f"    the {len(d) - int(within.sum())} other cells, refitted row by row: in {why['optimum']} "
          f"the engine predicts as the exact optimum (the reference stopped short of it), in "
          f"{why['ties']} it differs from the optimum only on rows tied at the boundary "
          f"(decision 0 up to round-off), {why['other']} unexplained")
    for regime in ("1shot", "10shot", "full"):
        dr = np.abs(eng["mcc"] - ref["mcc"]).sel(regime=regime).values
        sr = np.abs(sens["mcc"] - ref["mcc"]).sel(regime=regime).values
        print(f"    {regime:>6}: |dMCC| engine mean {dr.mean():.4f} p95 {np.percentile(dr, 95):.4f} "
              f"max {dr.max():.4f};  sklearn raw-vs-centred mean {sr.mean():.4f} p95 "
              f"{np.percentile(sr, 95):.4f} max {sr.max():.4f}")
    for kind, (coef, agree, n, exact) in same_optimum(store, models, tasks).items():
        print(f"same optimum at tol=1e-10, {kind:>4} ({n} fits): max relative coef error "
              f"{coef:.1e} vs sklearn lbfgs, {exact:.1e} vs sklearn newton-cholesky; "
              f"min agreement on untied test rows {agree:.4f}")
    _, _, big_mb = largest_slice(store, models, tasks)
    peaks = run_peak_memory(store, models, tasks)
    print(f"peak memory of a whole run in bundles (one worker thread), geneb-mini: "
          + ", ".join(f"{p:.0f}" for p in peaks) + f" MB above baseline = "
          f"{peaks[0] / big_mb:.2f}-{peaks[-1] / big_mb:.2f}x the largest slice")
    dense, dm, dt = dense_store(Path(store.path).parent / "dense_emb.zarr")
    for label, (st, m, t, mb) in (("geneb-mini's largest slice", (store, *largest_slice(
            store, models, tasks))), ("a dense GFM-size slice", (dense, dm, dt, largest_slice(
            dense, [dm], [dt])[2]))):
        peaks = peak_memory(st, m, t)
        print(f"peak memory of one block, {label} ({m}, {mb:.0f} MB as stored), "
              f"{len(peaks)} fresh processes: " + ", ".join(f"{p:.0f}" for p in peaks)
              + f" MB above baseline = {peaks[0] / mb:.2f}-{peaks[-1] / mb:.2f}x the slice")
    print(f"speedup: {lit:.1f}x, tuned: {tuned:.1f}x (medians of {len(rounds)} runs: "
          f"{' '.join(f'{a / c:.1f}' for a, _, c in rounds)} and "
          f"{' '.join(f'{b / c:.1f}' for _, b, c in rounds)}), max |dMCC| {d.max():.4f}, "
          f"mean |dMCC| {d.mean():.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
