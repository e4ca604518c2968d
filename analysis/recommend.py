"""Which model should I use? Rank models for a category or a task, with confidence intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from geneb.analysis.stability import bootstrap_scores
from geneb.catalog.categories import resolve_category
from geneb.core.errors import InputError


def recommend(cube: xr.Dataset, *, category: str | None = None,
              tasks: Sequence[str] | None = None, regime: str = "full", metric: str = "mcc",
              max_params: float | None = None, n_boot: int = 1000, seed: int = 0,
              top: int | None = None) -> pd.DataFrame:
    """Rank the cube's models for one category, some tasks, or the whole benchmark.

    The score is the category-balanced mean (one category: the mean of its tasks); the
    interval is a bootstrap over tasks (within categories) and seeds, so a model whose
    interval overlaps the leader's is a reasonable choice too.

    Parameters
    ----------
    category : str, optional
        One of the 13 categories (case and punctuation ignored).
    tasks : sequence of str, optional
        Task ids of the cube to rank on instead (e.g. the user's own task).
    max_params : float, optional
        Keep models with at most this many parameters (weight-free featurizers count as 0).

    Returns
    -------
    pandas.DataFrame
        rank, model, display, params, score, ci_low, ci_high, rank_low, rank_high, p_top
    """
    regimes = [str(r) for r in cube["regime"].values]
    if regime not in regimes:
        raise InputError(f"regime {regime!r} is not in the results; choose one of "
                         f"{', '.join(regimes)}")
    sub = cube
    cats = None
    if tasks:
        have = [str(t) for t in cube["task"].values]
        missing = [t for t in tasks if t not in have]
        if missing:
            raise InputError(f"task(s) {', '.join(missing)} not in the results")
        sub = cube.sel(task=list(tasks))
    if category:
        cat = resolve_category(category, allow_other=True)
        present = {str(c) for c in sub["category"].values}
        if cat not in present:
            raise InputError(f"no results for category {cat!r}; the results have "
                             f"{', '.join(sorted(present))}")
        cats = [cat]
    if max_params is not None:
        params = np.nan_to_num(sub["params"].values.astype(float), nan=0.0)
        keep = params <= max_params
        if not keep.any():
            raise InputError(f"no model has at most {max_params:g} parameters")
        sub = sub.isel(model=np.flatnonzero(keep))
    boot = bootstrap_scores(sub, regime, metric, n_boot=n_boot, seed=seed, categories=cats)
    boot = boot[np.isfinite(boot["score"])]
    idx = [str(m) for m in sub["model"].values]
    coord = lambda name, default: {  # noqa: E731
        m: (sub[name].values[idx.index(m)] if name in sub.coords else default) for m in boot.index}
    out = boot.reset_index()
    out["rank"] = np.arange(1, len(out) + 1)
    out.insert(2, "display", out["model"].map(coord("display", "")))
    out.insert(3, "params", out["model"].map(coord("params", np.nan)).astype(float))
    out = out[["rank", "model", "display", "params", "score", "ci_low", "ci_high",
               "rank_low", "rank_high", "p_top"]]
    out.attrs = {"category": cats[0] if cats else None, "regime": regime, "metric": metric,
                 "n_tasks": int(sub.sizes["task"] if not cats else
                                sum(str(c) == cats[0] for c in sub["category"].values)),
                 "max_params": max_params, "n_boot": n_boot}
    return out.head(top) if top else out


def recommendation_json(table: pd.DataFrame) -> dict:
    """The table of :func:`recommend` as a JSON-ready dict (for programs and agents)."""
    rows = []
    for r in table.to_dict("records"):
        rows.append({k: (None if isinstance(v, float) and not np.isfinite(v) else
                         (int(v) if isinstance(v, (np.integer,)) else
                          float(v) if isinstance(v, (np.floating,)) else v))
                     for k, v in r.items()})
    return {"query": dict(table.attrs), "ranking": rows}


def format_recommendation(table: pd.DataFrame) -> str:
    """Readable text: rank, model, score [95% CI], rank interval, size."""
    q = table.attrs
    what = q.get("category") or f"{q.get('n_tasks')} task(s)"
    lines = [f"models ranked for {what} ({q.get('regime')}, {q.get('metric', 'mcc').upper()}; "
             f"95% bootstrap CI over tasks and seeds, {q.get('n_boot')} replicates)"]
    for r in table.itertuples():
        size = f"{r.params:.3g}" if np.isfinite(r.params) else "-"
        lines.append(f"{r.rank:>3}  {r.model:<50} {r.score:6.3f} [{r.ci_low:6.3f}, "
                     f"{r.ci_high:6.3f}]  rank {int(r.rank_low)}-{int(r.rank_high)}  "
                     f"params {size}")
    return "\n".join(lines)
