"""High-variance tasks: where the choice of model matters most, and who wins them."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from .aggregate import task_scores

#: Across-model standard deviation of MCC above which a task counts as high-variance.
DEFAULT_SD_THRESHOLD = 0.12


def task_spread(cube: xr.Dataset, regime: str = "full", metric: str = "mcc",
                group_by: str = "pretraining_group") -> pd.DataFrame:
    """Per task: across-model mean, sd (ddof=1), range, best model and its group.

    Returns
    -------
    pandas.DataFrame indexed by task, sorted by sd (largest first)
    """
    scores = task_scores(cube, metric).sel(regime=regime).transpose("task", "model").values
    models = np.asarray([str(m) for m in cube["model"].values])
    groups = (np.asarray([str(g) or "unknown" for g in cube[group_by].values])
              if group_by in cube.coords else np.full(len(models), "unknown"))
    filled = np.where(np.isfinite(scores), scores, -np.inf)
    best = np.argmax(filled, axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sd of one model: NaN, by design
        df = pd.DataFrame({
            "category": [str(c) for c in cube["category"].values],
            "mean": np.nanmean(scores, axis=1), "sd": np.nanstd(scores, axis=1, ddof=1),
            "min": np.nanmin(scores, axis=1), "max": np.nanmax(scores, axis=1),
            "n_models": np.isfinite(scores).sum(axis=1),
            "winner": models[best], f"winner_{group_by}": groups[best],
        }, index=pd.Index([str(t) for t in cube["task"].values], name="task"))
    return df.sort_values("sd", ascending=False)


def high_variance_tasks(cube: xr.Dataset, regime: str = "full", metric: str = "mcc",
                        threshold: float = DEFAULT_SD_THRESHOLD,
                        group_by: str = "pretraining_group") -> tuple[pd.DataFrame, pd.Series]:
    """Tasks whose across-model sd exceeds ``threshold``, and win counts per model group.

    Returns
    -------
    (tasks, wins)
        tasks: the rows of :func:`task_spread` above the threshold; wins: number of those
        tasks won by each ``group_by`` value (descending).
    """
    spread = task_spread(cube, regime, metric, group_by)
    high = spread[spread["sd"] > threshold]
    wins = high[f"winner_{group_by}"].value_counts()
    wins.name = "tasks_won"
    return high, wins
