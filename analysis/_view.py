"""Which models and tasks a leaderboard ranks, when own and published results share a cube.

The HTML/Markdown report, ``leaderboard.csv`` and the text leaderboard all use
:func:`analysis_view`, so they rank the same models on the same tasks.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .aggregate import macro_micro
from .release_schema import PUBLISHED_SEED


def has_published(cube: xr.Dataset) -> bool:
    """True when the cube holds published GENEB results (stored at seed -1)."""
    return PUBLISHED_SEED in [int(s) for s in cube["seed"].values]


def main_regime(cube: xr.Dataset) -> str:
    """The regime a leaderboard sorts by: ``full`` when present, else the last one."""
    regimes = [str(r) for r in cube["regime"].values]
    return "full" if "full" in regimes else regimes[-1]


def analysis_view(cube: xr.Dataset, metric: str = "mcc") -> tuple[xr.Dataset, list[str]]:
    """The part of a cube the rankings can use, and the models left out of it.

    With published results present, rankings use the tasks the published models have (the
    official ones); models without a complete macro score there (e.g. a run on geneb-mini or
    on your own task) are left out of the rankings and compared per category instead.

    Returns
    -------
    (xarray.Dataset, list of str)
        The ranked view (a subset of tasks and models) and the models left out.
    """
    view = cube
    if has_published(cube):
        published = cube["mcc"].sel(seed=PUBLISHED_SEED).notnull().any(["model", "regime"])
        view = cube.isel(task=np.flatnonzero(published.values))
    macro = macro_micro(view, metric)["macro"].sel(regime=main_regime(view)).values
    keep = np.isfinite(macro)
    dropped = [str(m) for m, k in zip(view["model"].values, keep) if not k]
    if keep.any() and not keep.all():
        view = view.isel(model=np.flatnonzero(keep))
    return view, dropped


def own_tasks_view(cube: xr.Dataset, models: list[str], metric: str = "mcc") -> xr.Dataset:
    """``models`` on the tasks where they have results (for the models a ranking left out).

    Returns
    -------
    xarray.Dataset
        ``cube`` restricted to ``models`` and to the tasks with at least one score of theirs.
    """
    mine = cube.sel(model=models)
    has = mine[metric].notnull().any(["model", "regime", "seed"]).values
    return mine.isel(task=np.flatnonzero(has))
