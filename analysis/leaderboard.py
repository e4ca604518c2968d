"""Leaderboard tables (pandas) from a result cube, and their plain-text rendering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from .aggregate import (category_scores, macro_micro, present_categories, task_scores,
                        task_sd)
from .provenance import is_mixed, row_sources

_METRIC_LABEL = {"mcc": "MCC", "accuracy": "Acc", "f1_macro": "F1"}


def leaderboard_frame(cube: xr.Dataset, metric: str = "mcc") -> pd.DataFrame:
    """One row per (model, regime): macro, micro, then each category's score.

    Columns: model, source (official / submission / computed), params, regime, then the
    GENEB release naming: ``macro_MCC``, ``micro_MCC`` and one column per category. Rows
    are sorted by regime, then by macro score (best first).
    """
    label = _METRIC_LABEL.get(metric, metric)
    mm = macro_micro(cube, metric)
    cats = category_scores(cube, metric)
    models = [str(m) for m in cube["model"].values]
    source = dict(zip(models, row_sources(cube)))
    params = dict(zip(models, cube["params"].values.astype(float) if "params" in cube.coords
                      else [np.nan] * len(models)))
    rows = []
    for regime in [str(r) for r in cube["regime"].values]:
        for model in models:
            row = {"model": model, "source": source[model], "params": params[model],
                   "regime": regime,
                   f"macro_{label}": float(mm["macro"].sel(model=model, regime=regime)),
                   f"micro_{label}": float(mm["micro"].sel(model=model, regime=regime)),
                   "n_tasks": int(cube.sizes["task"]),
                   "n_categories": len(present_categories(cube))}
            for cat in present_categories(cube):
                row[cat] = float(cats.sel(model=model, category=cat, regime=regime))
            rows.append(row)
    df = pd.DataFrame(rows)
    order = {r: i for i, r in enumerate(str(r) for r in cube["regime"].values)}
    df["_r"] = df["regime"].map(order)
    df = df.sort_values(["_r", f"macro_{label}"], ascending=[True, False]).drop(columns="_r")
    return df.reset_index(drop=True)


def task_frame(cube: xr.Dataset) -> pd.DataFrame:
    """Per (model, task, regime): seed mean and sd of MCC, accuracy and macro-F1.

    Columns model, task, category, regime, then ``mcc``, ``mcc_sd``, ``accuracy``,
    ``accuracy_sd``, ``f1_macro``, ``f1_macro_sd``. Each sd is the sample sd over seeds
    (ddof=1, as in :func:`seed_spread`), NaN where a cell has fewer than 2 seeds
    (published results carry only their seed mean).
    """
    cols = {}
    for metric in ("mcc", "accuracy", "f1_macro"):
        cols[metric] = task_scores(cube, metric)
        cols[f"{metric}_sd"] = task_sd(cube, metric)
    dims = ("model", "task", "regime")
    shape = tuple(cube.sizes[d] for d in dims)
    grid = np.indices(shape).reshape(3, -1)
    df = pd.DataFrame({
        "model": np.asarray([str(m) for m in cube["model"].values])[grid[0]],
        "task": np.asarray([str(t) for t in cube["task"].values])[grid[1]],
        "category": np.asarray([str(c) for c in cube["category"].values])[grid[1]],
        "regime": np.asarray([str(r) for r in cube["regime"].values])[grid[2]],
    })
    for name, arr in cols.items():
        df[name] = arr.transpose(*dims).values.reshape(-1).astype(float)
    return df


def _seed_words(cube: xr.Dataset) -> str:
    """How few-shot scores were averaged, in words (never "mean over 1 seeds")."""
    seeds = [int(x) for x in cube["seed"].values]
    own = [x for x in seeds if x >= 0]
    parts = []
    if len(own) > 1:
        parts.append(f"mean over {len(own)} seeds")
    elif own:
        parts.append(f"one seed ({own[0]})")
    if len(own) < len(seeds):  # the published seed, -1
        parts.append("published means over the release's 5 seeds")
    return "; ".join(parts)


def format_leaderboard(cube: xr.Dataset, metric: str = "mcc") -> str:
    """A readable text leaderboard: macro/micro per regime, then categories (full)."""
    label = _METRIC_LABEL.get(metric, metric)
    df = leaderboard_frame(cube, metric)
    regimes = [str(r) for r in cube["regime"].values]
    main_regime = "full" if "full" in regimes else regimes[-1]
    wide = df.pivot(index="model", columns="regime", values=[f"macro_{label}", f"micro_{label}"])
    table = pd.DataFrame(index=wide.index)
    for r in reversed(regimes):
        table[f"macro {r}"] = wide[(f"macro_{label}", r)]
    table[f"micro {main_regime}"] = wide[(f"micro_{label}", main_regime)]
    table = table.sort_values(f"macro {main_regime}", ascending=False)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    cats = present_categories(cube)
    per_cat = df[df["regime"] == main_regime].set_index("model")[cats].loc[table.index]
    if is_mixed(cube):  # official rows beside others: say which is which
        table.insert(1, "source", pd.Series(dict(zip(
            [str(m) for m in cube["model"].values], row_sources(cube)))).loc[table.index])
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        head = (f"{label} leaderboard: {cube.sizes['model']} models x {cube.sizes['task']} tasks "
                f"in {len(cats)} categories (macro = mean of category means, "
                f"micro = mean of tasks; few-shot = {_seed_words(cube)})\n")
        text = head + table.to_string(float_format=lambda v: f"{v:6.3f}") + "\n"
        text += f"\nper-category {label} ({main_regime}):\n"
        text += per_cat.to_string(float_format=lambda v: f"{v:6.3f}") + "\n"
    return text
