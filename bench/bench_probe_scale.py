"""GENEB-scale synthetic grid: 40 models x 100 tasks x (1-shot, 10-shot) x 5 seeds + full.

Tasks are drawn like the real ones: 1k-100k training sequences (log-uniform), a test split of a
quarter of that (at most 10k), 20% multi-class (3-10 classes); each model has one width among
256-4096. Classes are planted (class means + anisotropic noise + a large common offset, like raw embeddings).
Each (model, task) is probed exactly as geneb's torch backend does it: the 10 few-shot problems in
one batched solve, the full regime once.

On CPU (default) it probes a stratified sample of tasks for one model, fits
``seconds ~ a * n*d*classes + b`` and prints the estimated time per model for the 100 tasks, with a
tuned scikit-learn full fit on one mid-size task for a ratio measured in the same run. With
``--device cuda --all`` it runs the whole 60,000-cell grid on the GPU and prints its wall time.

``--full`` measures instead of projecting (:mod:`scale_full`): synthetic embeddings with the real
train/test sizes and class counts of the 100 GENEB tasks (:mod:`scale_sizes`) for several real
widths, each probed end to end by ``geneb.probe.run_probes`` (what ``geneb probe`` runs), plus
a literal-loop sample for the ratio. ``--small`` does the same on 4 task shapes scaled down 50x
and two small widths (seconds; for tests and ``bench/gpu_check.sh --small``). The last line is
``grid: measured M min on ... (W widths x N tasks x 3 regimes x 5 seeds), 40-model total T min,
literal-loop sample ratio R x``: T weights each measured width by how many of the 40 models have
that width, or the nearest measured one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from geneb.probe.sampling import few_shot_indices
from geneb.probe.torch_solver import solve_probes

WIDTHS = (256, 384, 512, 768, 1024, 1280, 1536, 2048, 2560, 3072, 4096)
SEEDS = (13, 17, 42, 123, 997)
#: widths measured by --full (the 40 models' widths run 72-4096) and by --small
FULL_WIDTHS = [256, 768, 1024, 2560, 4096]
SMALL_WIDTHS = [32, 96]


def grid(n_models: int = 40, n_tasks: int = 100, seed: int = 0):
    rng = np.random.default_rng(seed)
    widths = rng.choice(WIDTHS, n_models)
    n_train = np.exp(rng.uniform(np.log(1000), np.log(100_000), n_tasks)).astype(int)
    classes = np.where(rng.random(n_tasks) < 0.2, rng.integers(3, 11, n_tasks), 2)
    return [int(w) for w in widths], [(int(n), min(int(n) // 4, 10_000), int(k))
                                      for n, k in zip(n_train, classes)]


def make_task(n_train, n_test, d, k, device, seed):
    g = torch.Generator(device=device).manual_seed(seed)
    n = n_train + n_test
    y = torch.randint(0, k, (n,), generator=g, device=device)
    means = torch.randn(k, d, generator=g, device=device) * (1.5 / d ** 0.5)
    offset = torch.randn(d, generator=g, device=device) * 3
    # anisotropic like real embeddings (feature scales over 3 decades): many lbfgs iterations
    scales = torch.logspace(1, -2, d, device=device)
    X = torch.randn(n, d, generator=g, device=device) * scales + means[y] + offset
    return X[:n_train], y[:n_train].cpu().numpy(), X[n_train:], y[n_train:].cpu().numpy()


def probe_synthetic(Xtr, ytr, Xte, device) -> tuple[float, int]:
    """All 11 fits of one (model, task); returns (seconds, unconverged fits)."""
    t0 = time.perf_counter()
    problems = []
    for k in (1, 10):
        for s in SEEDS:
            rows = few_shot_indices(ytr, k, s)
            problems.append((Xtr[torch.as_tensor(rows, device=Xtr.device)], ytr[rows]))
    few = solve_probes([p[0] for p in problems], [p[1] for p in problems], Xte, device=device)
    full = solve_probes([Xtr], [ytr], Xte, device=device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0, sum(not s.converged for s in few + full)


def sklearn_full(Xtr, ytr, Xte) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits
    X, Xt = Xtr.cpu().numpy().astype(np.float64), Xte.cpu().numpy().astype(np.float64)
    t0 = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        LogisticRegression(C=1.0, max_iter=1000, tol=1e-4).fit(X, ytr).predict(Xt)
    return time.perf_counter() - t0


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--all", action="store_true", help="the whole grid (meant for a GPU)")
    ap.add_argument("--sample", type=int, default=None,
                    help="tasks probed on CPU for the estimate (default 5)")
    ap.add_argument("--full", action="store_true",
                    help="measure: real GENEB task sizes, several widths, the real probe")
    ap.add_argument("--small", action="store_true",
                    help="--full on 4 task shapes scaled down 50x and widths 32, 96 (seconds)")
    ap.add_argument("--widths", type=int, nargs="+", default=None,
                    help=f"widths for --full (default {' '.join(map(str, FULL_WIDTHS))})")
    ap.add_argument("--dtype", default=None, choices=("float16", "float32"),
                    help="store dtype of the synthetic embeddings (--full; default float16)")
    ap.add_argument("--signal", default=None, choices=("calibrated", "separable"),
                    help="how far apart the synthetic classes are (--full; default calibrated: "
                         "as hard as the real task in the GENEB release; separable: the first "
                         "design, nearly separable classes)")
    ap.add_argument("--literal-per-regime", type=int, default=None,
                    help="literal-loop cells sampled per regime and width (--full; default 3)")
    ap.add_argument("--compare-width", type=int, default=None,
                    help="also time cuML against torch on this measured width (--full)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where the temporary stores go (default a new folder in $TMPDIR)")
    ap.add_argument("--json", type=Path, default=None, help="write the results here (--full)")
    args = ap.parse_args(argv)
    full_only = [o for o, v in (("--widths", args.widths), ("--json", args.json),
                                ("--compare-width", args.compare_width),
                                ("--workdir", args.workdir), ("--dtype", args.dtype),
                                ("--signal", args.signal),
                                ("--literal-per-regime", args.literal_per_regime))
                 if v is not None]
    measure = args.full or args.small
    if full_only and not measure:
        ap.error(f"{full_only[0]} applies to --full or --small only")
    if args.full and args.small:
        ap.error("--small is --full at small sizes: give one of them")
    if measure and (args.all or args.sample is not None):
        ap.error(f"{'--all' if args.all else '--sample'} is for the projection; it does not go "
                 f"with --full/--small")
    args.sample = 5 if args.sample is None else args.sample
    args.dtype = args.dtype or "float16"
    args.signal = args.signal or "calibrated"
    args.literal_per_regime = 3 if args.literal_per_regime is None else args.literal_per_regime
    if args.widths is not None and min(args.widths) < 1:
        ap.error(f"--widths {args.widths}: widths must be positive")
    if args.literal_per_regime < 0:
        ap.error(f"--literal-per-regime {args.literal_per_regime}: use 0 or more")
    widths = args.widths or (SMALL_WIDTHS if args.small else FULL_WIDTHS)
    if args.compare_width is not None and args.compare_width not in widths:
        ap.error(f"--compare-width {args.compare_width} is not among the measured widths "
                 f"{widths}")
    args.widths = widths if (args.full or args.small) else None
    return args


def main_full(args: argparse.Namespace) -> int:
    """``--full`` / ``--small``: measure (see :mod:`scale_full`)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale_full import FullOptions, grid_line, run_full
    from scale_sizes import geneb_task_sizes, small_task_sizes
    tasks = small_task_sizes() if args.small else geneb_task_sizes()
    widths = args.widths
    torch.set_num_threads(torch.get_num_threads())
    own = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="geneb_scale_")) if own else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        print(f"{len(tasks)} tasks ({sum(t.n_train for t in tasks):,} train rows, "
              f"{sum(t.n_test for t in tasks):,} test rows), widths {widths}, store "
              f"{args.dtype} in {workdir}, device {args.device}, signal {args.signal}",
              flush=True)
        opts = FullOptions(device=args.device, dtype=args.dtype, signal=args.signal,
                           per_regime=args.literal_per_regime,
                           compare_width=args.compare_width, json_path=args.json)
        result = run_full(widths, tasks, workdir, opts, log=lambda m: print(m, flush=True))
    finally:
        if own:
            import shutil
            shutil.rmtree(workdir, ignore_errors=True)
    s = result["summary"]
    print(f"40-model total = sum over measured widths of (measured minutes x models of that "
          f"width or nearest): {s['models_per_width']}")
    cmp_ = result["cuml_vs_torch"]
    if cmp_["status"] == "ok":
        print(f"cuML vs torch: {cmp_['cuml']['fits_per_second']} vs "
              f"{cmp_['torch']['fits_per_second']} fits/s on the same problems")
    else:
        print(f"cuML vs torch: {cmp_['status']}: {cmp_['reason']}")
    where = (f"{os.cpu_count()} cores" if args.device == "cpu"
             else f"1 GPU ({torch.cuda.get_device_name(0)})")
    print(grid_line(s, where))
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.full or args.small:
        return main_full(args)
    widths, tasks = grid()
    if args.all:
        t0, cells, unconv = time.perf_counter(), 0, 0
        for mi, d in enumerate(widths):
            for ti, (n, nt, k) in enumerate(tasks):
                Xtr, ytr, Xte, _ = make_task(n, nt, d, k, args.device, 1000 * mi + ti)
                _, u = probe_synthetic(Xtr, ytr, Xte, args.device)
                cells, unconv = cells + 15, unconv + u
            print(f"model {mi + 1}/{len(widths)} (d={d}) done at {time.perf_counter() - t0:.0f} s",
                  flush=True)
        print(f"whole grid: {cells} cells on {args.device} in {time.perf_counter() - t0:.0f} s "
              f"({unconv} unconverged fits)")
        return 0

    torch.set_num_threads(torch.get_num_threads())
    d = 1024
    order = np.argsort([n * k for n, _, k in tasks])
    pick = order[np.linspace(0, len(order) - 1, args.sample).astype(int)]
    rows = []
    for ti in pick:
        n, nt, k = tasks[ti]
        Xtr, ytr, Xte, _ = make_task(n, nt, d, k, args.device, int(ti))
        sec, unconv = probe_synthetic(Xtr, ytr, Xte, args.device)
        rows.append((n * d * (1 if k == 2 else k), sec))
        print(f"task n_train={n:6d} n_test={nt:5d} classes={k:2d} d={d}: {sec:6.1f} s for 11 fits "
              f"({unconv} unconverged)", flush=True)
    x, y = np.array(rows, float).T
    a, b = np.polyfit(x, y, 1)
    per_model = [sum(max(a * n * w * (1 if k == 2 else k) + b, 0) for n, _, k in tasks)
                 for w in widths]
    print(f"estimated time per model (100 tasks, all regimes and seeds) on {args.device}: "
          f"median {np.median(per_model) / 60:.0f} min, range {min(per_model) / 60:.0f}-"
          f"{max(per_model) / 60:.0f} min; whole grid {sum(per_model) / 3600:.1f} h")
    n, nt, k = 10_000, 2_500, 2
    Xtr, ytr, Xte, _ = make_task(n, nt, d, k, args.device, 7)
    ref = sklearn_full(Xtr, ytr, Xte)
    t0 = time.perf_counter()
    solve_probes([Xtr], [ytr], Xte, device=args.device)
    mine = time.perf_counter() - t0
    print(f"one full fit n={n} d={d} binary: sklearn (pinned BLAS) {ref:.2f} s, torch {mine:.2f} s "
          f"({ref / mine:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
