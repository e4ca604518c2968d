"""Scaling: does a bigger model probe better? Spearman ρ, Pareto frontier, smaller-wins pairs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from .aggregate import category_scores, macro_micro, present_categories

#: Pretraining groups left out by default in the "without" correlation: models pretrained
#: only on prokaryotic genomes, whose domain does not match most GENEB tasks.
DEFAULT_EXCLUDED_GROUPS: tuple[str, ...] = ("prokaryotic",)


def model_table(cube: xr.Dataset, regime: str = "full", metric: str = "mcc") -> pd.DataFrame:
    """Per model: params, group coords, macro and micro and each category's score.

    Returns
    -------
    pandas.DataFrame indexed by model
    """
    mm = macro_micro(cube, metric).sel(regime=regime)
    cats = category_scores(cube, metric).sel(regime=regime)
    df = pd.DataFrame({"macro": mm["macro"].values, "micro": mm["micro"].values},
                      index=pd.Index([str(m) for m in cube["model"].values], name="model"))
    for c in ("params", "display", "arch_short", "tokenization", "pretraining_group", "source"):
        if c in cube.coords:
            df[c] = cube[c].values
    for c in present_categories(cube):
        df[c] = cats.sel(category=c).values
    return df


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return np.nan, np.nan, int(ok.sum())
    res = stats.spearmanr(np.log10(x[ok]), y[ok])
    return float(res.statistic), float(res.pvalue), int(ok.sum())


def scaling_correlations(cube: xr.Dataset, regime: str = "full", metric: str = "mcc",
                         exclude_models: Sequence[str] = (),
                         exclude_groups: Sequence[str] = DEFAULT_EXCLUDED_GROUPS
                         ) -> pd.DataFrame:
    """Spearman ρ between log10(parameters) and score, overall and per category.

    Three model subsets: all models with a parameter count; without the named models;
    without the models of the excluded pretraining groups (default: prokaryotic-only).

    Returns
    -------
    pandas.DataFrame
        columns subset, scope (``macro`` or a category), n, rho, p (3 decimals), excluded
    """
    df = model_table(cube, regime, metric)
    groups = df.get("pretraining_group", pd.Series("", index=df.index)).astype(str)
    subsets = {"all models": df.index.tolist()}
    if exclude_models:
        subsets["without " + ", ".join(exclude_models)] = [m for m in df.index
                                                           if m not in set(exclude_models)]
    if exclude_groups:
        subsets["without " + "/".join(exclude_groups) + " models"] = [
            m for m in df.index if groups[m] not in set(exclude_groups)]
    rows = []
    for name, keep in subsets.items():
        sub = df.loc[keep]
        dropped = sorted(set(df.index) - set(keep))
        for scope in ["macro", *present_categories(cube)]:
            rho, p, n = _spearman(sub["params"].to_numpy(float), sub[scope].to_numpy(float))
            rows.append({"subset": name, "scope": scope, "n": n, "rho": round(rho, 3),
                         "p": round(p, 3), "excluded": ", ".join(dropped)})
    return pd.DataFrame(rows)


def pareto_frontier(cube: xr.Dataset, regime: str = "full", metric: str = "mcc") -> pd.DataFrame:
    """Models no smaller model beats: sorted by size, each scores above all smaller ones.

    Returns
    -------
    pandas.DataFrame
        columns model, params, macro (ascending params)
    """
    df = model_table(cube, regime, metric)
    df = df[np.isfinite(df["params"].astype(float)) & np.isfinite(df["macro"])]
    df = df.sort_values(["params", "macro"], ascending=[True, False])
    best, keep = -np.inf, []
    for m, row in df.iterrows():
        if row["macro"] > best:
            keep.append(m)
            best = row["macro"]
    out = df.loc[keep, ["params", "macro"]].reset_index()
    return out


def smaller_wins(cube: xr.Dataset, regime: str = "full", metric: str = "mcc",
                 factor: float = 5.0) -> dict:
    """Pairs where one model has at most 1/``factor`` of the other's parameters.

    Returns
    -------
    dict
        ``n_pairs`` (pairs with that size ratio), ``n_smaller_wins`` (the smaller one has the
        higher macro score), ``fraction`` and ``examples`` (the 5 largest margins).
    """
    df = model_table(cube, regime, metric)
    df = df[np.isfinite(df["params"].astype(float)) & np.isfinite(df["macro"])]
    p, s, names = df["params"].to_numpy(float), df["macro"].to_numpy(), df.index.to_numpy()
    small, big = np.nonzero(p[:, None] * factor <= p[None, :])
    wins = s[small] > s[big]
    margin = (s[small] - s[big])[wins]
    order = np.argsort(-margin)[:5]
    examples = [{"smaller": str(names[small[wins][i]]), "larger": str(names[big[wins][i]]),
                 "size_ratio": float(p[big[wins][i]] / p[small[wins][i]]),
                 "delta": float(margin[i])} for i in order]
    n = int(len(small))
    return {"factor": factor, "n_pairs": n, "n_smaller_wins": int(wins.sum()),
            "fraction": float(wins.mean()) if n else float("nan"), "examples": examples}
