"""Aggregation exactly as the GENEB release does it.

category score = mean of its tasks; macro = mean of the category scores;
micro = mean of the tasks; each per regime. Few-shot scores are first averaged over
seeds (the full regime has one fit shared by all seeds).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from geneb.catalog.categories import CATEGORIES


def task_scores(cube: xr.Dataset, metric: str = "mcc") -> xr.DataArray:
    """Mean over seeds of one metric.

    Returns
    -------
    xarray.DataArray, dims (model, task, regime)
    """
    return cube[metric].mean("seed", skipna=True)


def sd_over_seeds(values: xr.DataArray) -> xr.DataArray:
    """Sample standard deviation over the ``seed`` dim (ddof=1), NaN with fewer than 2 seeds.

    The one sd convention of geneb's tables (``task_scores.csv``, ``seed_spread``).
    """
    n = values.notnull().sum("seed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # one seed: sd is NaN, masked below
        return values.std("seed", ddof=1, skipna=True).where(n > 1)


def task_sd(cube: xr.Dataset, metric: str = "mcc") -> xr.DataArray:
    """Sample sd over seeds of one metric (see :func:`sd_over_seeds`).

    Returns
    -------
    xarray.DataArray, dims (model, task, regime)
    """
    return sd_over_seeds(cube[metric])


def present_categories(cube: xr.Dataset) -> list[str]:
    """Categories of the cube's tasks: the 13 GENEB ones in release order, then others."""
    cats = [str(c) for c in cube["category"].values]
    ordered = [c for c in CATEGORIES if c in cats]
    return ordered + sorted(set(cats) - set(ordered))


def category_scores(cube: xr.Dataset, metric: str = "mcc") -> xr.DataArray:
    """Mean over each category's tasks.

    Returns
    -------
    xarray.DataArray, dims (model, category, regime)
    """
    per_task = task_scores(cube, metric)
    cats = np.asarray([str(c) for c in cube["category"].values])
    blocks = [per_task.isel(task=np.flatnonzero(cats == c)).mean("task", skipna=False)
              for c in present_categories(cube)]
    return xr.concat(blocks, dim=pd.Index(present_categories(cube), name="category"))


def macro_micro(cube: xr.Dataset, metric: str = "mcc") -> xr.Dataset:
    """Macro (mean of category means) and micro (mean of tasks) per model and regime."""
    return xr.Dataset({
        "macro": category_scores(cube, metric).mean("category", skipna=False),
        "micro": task_scores(cube, metric).mean("task", skipna=False),
    })


def macro_per_seed(cube: xr.Dataset, metric: str = "mcc") -> xr.DataArray:
    """Macro score of each seed separately (category means, then their mean).

    Returns
    -------
    xarray.DataArray, dims (model, regime, seed); NaN where a seed has no results.
    """
    cats = np.asarray([str(c) for c in cube["category"].values])
    blocks = [cube[metric].isel(task=np.flatnonzero(cats == c)).mean("task", skipna=False)
              for c in present_categories(cube)]
    return xr.concat(blocks, dim="category").mean("category", skipna=False)


def seed_spread(cube: xr.Dataset, metric: str = "mcc") -> pd.DataFrame:
    """Macro score per model and regime as mean ± sd over seeds (sample sd, ddof=1).

    The full regime shares one fit across seeds (sd 0); published results carry only the
    seed mean (one seed coordinate), so their sd is NaN.

    Returns
    -------
    pandas.DataFrame
        columns model, regime, macro_mean, macro_sd, n_seeds
    """
    per_seed = macro_per_seed(cube, metric)
    n = per_seed.notnull().sum("seed")
    sd = sd_over_seeds(per_seed)
    rows = []
    for m in per_seed["model"].values:
        for r in per_seed["regime"].values:
            rows.append({"model": str(m), "regime": str(r),
                         "macro_mean": float(per_seed.sel(model=m, regime=r).mean(skipna=True)),
                         "macro_sd": float(sd.sel(model=m, regime=r)),
                         "n_seeds": int(n.sel(model=m, regime=r))})
    return pd.DataFrame(rows)
