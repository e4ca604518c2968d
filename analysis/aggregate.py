"""Aggregation exactly as the GENEB release does it.

category score = mean of its tasks; macro = mean of the category scores;
micro = mean of the tasks; each per regime. Few-shot scores are first averaged over
seeds (the full regime has one fit shared by all seeds).
"""

from __future__ import annotations

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
