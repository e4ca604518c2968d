"""``bench_probe_scale.py --full``: the real probe on synthetic embeddings at GENEB's sizes.

For each width, a store with all the tasks' synthetic embeddings is written (geneb's own store,
float16 by default), :func:`geneb.probe.run_probes` (what ``geneb probe`` runs) probes it end to
end, and the wall time is measured. While the store is there, a random sample of its cells is
fitted the literal GENEB way (scikit-learn as published, one fit per cell, the full regime
refitted for every seed) for the ratio; then the store is deleted.

The ratio is a ratio of sums over the sampled cells: literal seconds / engine seconds of the
same cells, where a cell's engine seconds are its share of the measured wall time (its
``fit_seconds``, a full fit split over the seeds that share it, scaled so that the width's
cells add up to its wall time).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench_probe import literal_fit
from geneb.probe import ProbeProtocol, few_shot_indices, run_probes
from scale_sizes import TaskSize, models_per_measured_width
from scale_store import build_width_store, model_id


@dataclass(frozen=True)
class WidthRun:
    """One width probed on every task.

    Attributes
    ----------
    width, n_tasks : int
    build_seconds : float
        Writing the synthetic store (not part of the probe).
    embedding_gb : float
        Embeddings written, uncompressed.
    probe_seconds : float
        Wall time of :func:`run_probes`, end to end (reads, fits, scores, cube).
    cells, fits, unconverged : int
        Cells filled, fits made (the full regime once per task), fits stopped at max_iter.
    fit_seconds : dict
        Sum of the fits' seconds per regime.
    median_iter : dict
        Median optimiser iterations of the fits per regime.
    backend : str
    load : tuple of float
        1-minute load average before and after the probe (the machine may be shared: a load
        above the core count means the probe did not have the cores to itself).
    mean_mcc : dict
        Mean test MCC per regime (how hard the synthetic tasks were).
    """

    width: int
    n_tasks: int
    build_seconds: float
    embedding_gb: float
    probe_seconds: float
    cells: int
    fits: int
    unconverged: int
    fit_seconds: dict
    median_iter: dict
    backend: str
    load: tuple = ()
    mean_mcc: dict | None = None


def probe_width(store, width: int, task_ids: list[str], *, device: str | None,
                backend: str = "auto"):
    """Run the probe on one width's store; returns ``(WidthRun without build facts, cube)``."""
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    cube = run_probes(store, [model_id(width)], task_ids, backend=backend, device=device,
                      show_progress=False)
    wall = time.perf_counter() - t0
    fitted = cube["fitted"].values
    fit_s, med, mcc = {}, {}, {}
    for ri, regime in enumerate(cube["regime"].values):
        f = fitted[:, :, ri]
        mcc[str(regime)] = round(float(np.nanmean(cube["mcc"].values[:, :, ri])), 3)
        fit_s[str(regime)] = round(float(cube["fit_seconds"].values[:, :, ri][f].sum()), 3)
        med[str(regime)] = float(np.median(cube["n_iter"].values[:, :, ri][f]))
    run = dict(width=width, n_tasks=len(task_ids), probe_seconds=wall,
               cells=int(np.isfinite(cube["mcc"].values).sum()), fits=int(fitted.sum()),
               unconverged=int((~cube["converged"].values & fitted).sum()),
               fit_seconds=fit_s, median_iter=med, mean_mcc=mcc,
               backend=str(cube.attrs.get("backend")),
               load=(round(load, 2), round(os.getloadavg()[0], 2)))
    return run, cube


def engine_cell_seconds(cube, wall: float) -> np.ndarray:
    """Each cell's share of ``wall``: shape (task, regime, seed) for the cube's one model."""
    fs = cube["fit_seconds"].values[0].astype(float)
    fitted = cube["fitted"].values[0]
    protocol = ProbeProtocol.from_attrs(cube.attrs["protocol"])
    for ri, regime in enumerate(cube["regime"].values):
        if protocol.shots(str(regime)) is None:  # one fit shared by the seeds
            fs[:, ri, :] /= np.maximum(fitted[:, ri, :].sum(-1, keepdims=True), 1)
    return fs * (wall / fs.sum())


def literal_sample(store, cube, wall: float, per_regime: int,
                   rng: np.random.Generator) -> list[dict]:
    """Fit ``per_regime`` random cells of each regime the literal GENEB way.

    Returns
    -------
    list of dict
        ``task``, ``regime``, ``seed``, ``n_train``, ``width``, ``literal_iter`` (lbfgs
        iterations), ``literal_s``, ``engine_s``.
    """
    protocol = ProbeProtocol()
    engine = engine_cell_seconds(cube, wall)
    width = int(store.open_embedding(str(cube["model"].values[0]),
                                     str(cube["task"].values[0])).shape[1])
    out = []
    for ri, (regime, k) in enumerate(protocol.regimes):
        n_tasks, n_seeds = cube.sizes["task"], len(protocol.seeds)
        picks = rng.choice(n_tasks * n_seeds, min(per_regime, n_tasks * n_seeds), replace=False)
        if k is None:  # the full fit is the same for every seed: distinct tasks
            tasks = rng.choice(n_tasks, min(per_regime, n_tasks), replace=False)
            picks = tasks * n_seeds + rng.integers(0, n_seeds, len(tasks))
        for p in picks:
            ti, si = divmod(int(p), n_seeds)
            task = str(cube["task"].values[ti])
            table = store.read_task_table(task)
            X_tr, X_te = store.read_embedding(model_id(width), task,
                                              rows=(table.train_index, table.test_index))
            y_tr = table.label[table.train_index]
            rows = slice(None) if k is None else few_shot_indices(y_tr, k, protocol.seeds[si])
            X_tr, y_tr = X_tr[rows].astype(np.float64), y_tr[rows]
            X_te = X_te.astype(np.float64)
            t0 = time.perf_counter()
            _, n_iter = literal_fit(X_tr, y_tr, X_te)
            out.append({"task": task, "regime": regime, "seed": protocol.seeds[si],
                        "n_train": int(len(y_tr)), "width": width, "literal_iter": n_iter,
                        "literal_s": round(time.perf_counter() - t0, 4),
                        "engine_s": round(float(engine[ti, ri, si]), 5)})
    return out


def compare_backends(store, width: int, task_ids: list[str], device: str | None) -> dict:
    """Fits per second of the torch backend and of cuML on the same problems (one width)."""
    from geneb.probe.backends.cuml_backend import cuml_available
    if not cuml_available():
        why = _cuml_import_error() or "no CUDA GPU visible"
        return {"status": "skipped", "reason": f"cuML is not usable here ({why})"}
    out = {"status": "ok", "width": width, "n_tasks": len(task_ids)}
    for name, dev in (("torch", device), ("cuml", None)):
        t0 = time.perf_counter()
        cube = run_probes(store, [model_id(width)], task_ids, backend=name, device=dev,
                          show_progress=False)
        wall = time.perf_counter() - t0
        fits = int(cube["fitted"].values.sum())
        out[name] = {"fits": fits, "seconds": round(wall, 3),
                     "fits_per_second": round(fits / wall, 2), "backend": cube.attrs["backend"]}
    return out


def _cuml_import_error() -> str:
    try:
        import cuml  # noqa: F401
    except Exception as exc:  # ImportError or a CUDA error at import
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return ""


def summarise(result: dict) -> dict:
    """Measured minutes, the 40-model total and the literal-loop ratio of a (partial) run."""
    runs = result["widths"]
    measured = [r["width"] for r in runs]
    weights = models_per_measured_width(measured) if measured else {}
    lit = result["literal"]
    engine_s = sum(c["engine_s"] for c in lit)
    return {"measured_minutes": sum(r["probe_seconds"] for r in runs) / 60,
            "n_widths": len(runs), "n_tasks": runs[0]["n_tasks"] if runs else 0,
            "models_per_width": {str(w): n for w, n in weights.items()},
            "total_40_models_minutes": sum(r["probe_seconds"] * weights[r["width"]]
                                           for r in runs) / 60,
            "literal_cells": len(lit),
            "literal_ratio": sum(c["literal_s"] for c in lit) / engine_s if engine_s else None}


def grid_line(summary: dict, where: str) -> str:
    """The last line ``bench_probe_scale.py --full`` prints."""
    ratio = summary["literal_ratio"]
    return (f"grid: measured {summary['measured_minutes']:.2f} min on {where} "
            f"({summary['n_widths']} widths x {summary['n_tasks']} tasks x 3 regimes x 5 seeds), "
            f"40-model total {summary['total_40_models_minutes']:.2f} min, literal-loop sample "
            f"ratio {'n/a' if ratio is None else f'{ratio:.1f}'} x")


def _save(result: dict, path: Path | None) -> None:
    if path is None:
        return
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({**result, "summary": summarise(result)}, indent=1))
    os.replace(tmp, path)


@dataclass(frozen=True)
class FullOptions:
    """Settings of a ``--full`` run.

    Attributes
    ----------
    device : str
        Where the probe runs (and the synthetic rows are drawn).
    dtype : str
        Store dtype of the synthetic embeddings.
    signal : str
        How far apart the synthetic classes are (:mod:`scale_store`).
    per_regime : int
        Literal-loop cells sampled per regime and width (0: no sample).
    compare_width : int or None
        Width on which cuML and torch are timed on the same problems.
    json_path : Path or None
        Results file, rewritten after each width.
    seed : int
        Seed of the literal-loop sample.
    """

    device: str = "cpu"
    dtype: str = "float16"
    signal: str = "calibrated"
    per_regime: int = 3
    compare_width: int | None = None
    json_path: Path | None = None
    seed: int = 0


def run_full(widths: list[int], tasks: list[TaskSize], workdir: Path,
             opts: FullOptions = FullOptions(), log=print) -> dict:
    """Measure every width in turn (store, probe, literal sample, delete); see the module doc.

    The JSON at ``opts.json_path`` is rewritten after each width, so a run cut short keeps
    what it measured.
    """
    rng = np.random.default_rng(opts.seed)
    task_ids = [t.task_id for t in tasks]
    result = {"device": opts.device, "dtype": opts.dtype, "signal": opts.signal,
              "tasks": [asdict(t) for t in tasks],
              "widths": [], "literal": [], "cuml_vs_torch": {"status": "skipped",
                                                            "reason": "no --compare-width given"}}
    for width in widths:
        path = workdir / f"w{width}.zarr"
        store, build_s, nbytes = build_width_store(path, width, tasks, dtype=opts.dtype,
                                                   device=opts.device, signal=opts.signal)
        run, cube = probe_width(store, width, task_ids, device=opts.device)
        run = WidthRun(build_seconds=round(build_s, 2), embedding_gb=round(nbytes / 1e9, 3),
                       **{**run, "probe_seconds": round(run["probe_seconds"], 2)})
        result["widths"].append(asdict(run))
        log(f"width {width}: probe {run.probe_seconds:.1f} s ({run.fits} fits, "
            f"{run.unconverged} unconverged; fit seconds {run.fit_seconds}; mean MCC "
            f"{run.mean_mcc}), "
            f"store {run.embedding_gb:.2f} GB built in {run.build_seconds:.0f} s; load average "
            f"{run.load[0]:.1f} before, {run.load[1]:.1f} after")
        lit = literal_sample(store, cube, run.probe_seconds, opts.per_regime, rng)
        result["literal"] += lit
        log(f"width {width}: literal sample {len(lit)} cells, "
            f"{sum(c['literal_s'] for c in lit):.1f} s vs engine "
            f"{sum(c['engine_s'] for c in lit):.2f} s")
        if width == opts.compare_width:
            result["cuml_vs_torch"] = compare_backends(store, width, task_ids, opts.device)
        _save(result, opts.json_path)
        shutil.rmtree(path, ignore_errors=True)
    if opts.compare_width is not None and opts.compare_width not in widths:
        result["cuml_vs_torch"] = {"status": "failed", "reason": f"--compare-width "
                                   f"{opts.compare_width} is not among the measured widths"}
    _save(result, opts.json_path)
    return {**result, "summary": summarise(result)}
