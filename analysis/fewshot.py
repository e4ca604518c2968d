"""Few-shot robustness: score drops full → 10-shot → 1-shot, winner changes, rank agreement."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from .aggregate import category_scores, macro_micro, present_categories

_ORDER = ("full", "10shot", "1shot")


def _regimes(cube: xr.Dataset) -> list[str]:
    have = [str(r) for r in cube["regime"].values]
    return [r for r in _ORDER if r in have] + [r for r in have if r not in _ORDER]


def fewshot_drops(cube: xr.Dataset, metric: str = "mcc") -> pd.DataFrame:
    """Macro score per regime and the drops between consecutive regimes, per model.

    Returns
    -------
    pandas.DataFrame indexed by model
        one column per regime (``full``, ``10shot``, ``1shot``), ``drop_full_10shot``,
        ``drop_10shot_1shot``, ``drop_full_1shot`` (positive = worse with fewer shots),
        and ``retained_1shot`` (1-shot / full).
    """
    macro = macro_micro(cube, metric)["macro"]
    df = pd.DataFrame({r: macro.sel(regime=r).values for r in _regimes(cube)},
                      index=pd.Index([str(m) for m in cube["model"].values], name="model"))
    for hi, lo in (("full", "10shot"), ("10shot", "1shot"), ("full", "1shot")):
        if hi in df and lo in df:
            df[f"drop_{hi}_{lo}"] = df[hi] - df[lo]
    if "full" in df and "1shot" in df:
        df["retained_1shot"] = df["1shot"] / df["full"]
    return df


def category_drops(cube: xr.Dataset, metric: str = "mcc") -> pd.DataFrame:
    """Per (model, category): score in each regime and the full → 1-shot drop (long table)."""
    cats = category_scores(cube, metric)
    regimes = _regimes(cube)
    rows = []
    for m in cats["model"].values:
        for c in cats["category"].values:
            row = {"model": str(m), "category": str(c)}
            row.update({r: float(cats.sel(model=m, category=c, regime=r)) for r in regimes})
            if "full" in row and "10shot" in row:
                row["drop_full_10shot"] = row["full"] - row["10shot"]
            if "10shot" in row and "1shot" in row:
                row["drop_10shot_1shot"] = row["10shot"] - row["1shot"]
            rows.append(row)
    return pd.DataFrame(rows)


def category_winners(cube: xr.Dataset, metric: str = "mcc") -> pd.DataFrame:
    """Best model of each category in each regime, and whether it changes.

    Returns
    -------
    pandas.DataFrame indexed by category
        one winner column per regime, plus ``changes`` (True when not all regimes agree).
    """
    cats = category_scores(cube, metric)
    regimes = _regimes(cube)
    df = pd.DataFrame(index=pd.Index(present_categories(cube), name="category"))
    for r in regimes:
        block = cats.sel(regime=r).transpose("category", "model").values
        block = np.where(np.isfinite(block), block, -np.inf)
        df[r] = [str(cats["model"].values[i]) for i in np.argmax(block, axis=1)]
    df["changes"] = df[regimes].nunique(axis=1) > 1
    return df


def winner_change_counts(cube: xr.Dataset, metric: str = "mcc") -> dict[str, int]:
    """Number of categories whose winner differs between each pair of regimes (and any)."""
    w = category_winners(cube, metric)
    regimes = _regimes(cube)
    out = {f"{a} vs {b}": int((w[a] != w[b]).sum()) for a, b in itertools.combinations(regimes, 2)}
    out["any"] = int(w["changes"].sum())
    out["n_categories"] = int(len(w))
    return out


def regime_rank_correlations(cube: xr.Dataset, metric: str = "mcc") -> pd.DataFrame:
    """Spearman ρ and Kendall τ between the macro rankings of each pair of regimes."""
    macro = macro_micro(cube, metric)["macro"]
    rows = []
    for a, b in itertools.combinations(_regimes(cube), 2):
        x, y = macro.sel(regime=a).values, macro.sel(regime=b).values
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3:
            rows.append({"regimes": f"{a} vs {b}", "n": int(ok.sum()), "spearman": np.nan,
                         "p": np.nan, "kendall": np.nan})
            continue
        rho = stats.spearmanr(x[ok], y[ok])
        tau = stats.kendalltau(x[ok], y[ok])
        rows.append({"regimes": f"{a} vs {b}", "n": int(ok.sum()),
                     "spearman": round(float(rho.statistic), 3), "p": round(float(rho.pvalue), 3),
                     "kendall": round(float(tau.statistic), 3)})
    return pd.DataFrame(rows)
