"""Rank stability: category-vs-category and macro-vs-micro rankings; bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from geneb.analysis.aggregate import category_scores, macro_micro, present_categories
from geneb.core.errors import InputError


def category_rank_correlations(cube: xr.Dataset, regime: str = "full",
                               metric: str = "mcc") -> pd.DataFrame:
    """Spearman ρ between the model rankings of every pair of categories (and macro, micro).

    Returns
    -------
    pandas.DataFrame, shape (n_categories + 2, n_categories + 2)
    """
    cats = category_scores(cube, metric).sel(regime=regime)
    mm = macro_micro(cube, metric).sel(regime=regime)
    cols = {c: cats.sel(category=c).values for c in present_categories(cube)}
    cols["macro"], cols["micro"] = mm["macro"].values, mm["micro"].values
    df = pd.DataFrame(cols)
    return df.corr(method="spearman")


def macro_micro_agreement(cube: xr.Dataset, regime: str = "full", metric: str = "mcc") -> dict:
    """How far the macro (category-balanced) and micro (task-pooled) rankings agree.

    Returns
    -------
    dict
        spearman, kendall, same_winner, top5_overlap (0–5), mean_abs_rank_shift,
        max_abs_rank_shift and the model with the largest shift.
    """
    mm = macro_micro(cube, metric).sel(regime=regime)
    macro, micro = mm["macro"].values, mm["micro"].values
    ok = np.isfinite(macro) & np.isfinite(micro)
    names = np.asarray([str(m) for m in cube["model"].values])[ok]
    macro, micro = macro[ok], micro[ok]
    if ok.sum() < 3:
        return {"regime": regime, "n": int(ok.sum()), "spearman": np.nan, "kendall": np.nan,
                "same_winner": bool(len(names)) and names[np.argmax(macro)] == names[np.argmax(micro)],
                "top5_overlap": min(5, len(names)), "mean_abs_rank_shift": np.nan,
                "max_abs_rank_shift": 0, "most_shifted": ""}
    r_macro = stats.rankdata(-macro, method="min")
    r_micro = stats.rankdata(-micro, method="min")
    shift = np.abs(r_macro - r_micro)
    top = lambda s: set(names[np.argsort(-s)[:5]])  # noqa: E731
    return {"regime": regime, "n": int(ok.sum()),
            "spearman": round(float(stats.spearmanr(macro, micro).statistic), 3),
            "kendall": round(float(stats.kendalltau(macro, micro).statistic), 3),
            "same_winner": bool(names[np.argmax(macro)] == names[np.argmax(micro)]),
            "top5_overlap": len(top(macro) & top(micro)),
            "mean_abs_rank_shift": float(shift.mean()),
            "max_abs_rank_shift": int(shift.max()),
            "most_shifted": str(names[np.argmax(shift)])}


def _seed_weighted(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Seed-resampled task scores.

    x: (model, task, seed) with NaN for missing seeds; weights: (B, seed) resample counts.
    Returns (model, B, task); where a model's resampled seeds are all missing, its plain
    seed mean is used.
    """
    valid = np.isfinite(x)
    num = np.einsum("mts,bs->mbt", np.where(valid, x, 0.0), weights)
    den = np.einsum("mts,bs->mbt", valid.astype(float), weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = np.nanmean(np.where(valid, x, np.nan), axis=2)
        out = np.where(den > 0, num / np.where(den > 0, den, 1), plain[:, None, :])
    return out


def bootstrap_scores(cube: xr.Dataset, regime: str = "full", metric: str = "mcc",
                     n_boot: int = 1000, seed: int = 0, categories: list[str] | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """Bootstrap confidence intervals of each model's macro score and rank.

    Each replicate resamples the seeds (with replacement) and, within each category, its
    tasks (with replacement), then recomputes category means and their mean. Published
    results carry one seed (their mean), so only tasks are resampled for them.

    Parameters
    ----------
    categories : list of str, optional
        Restrict to these categories (the "macro" is then their mean; one category gives
        that category's score).

    Returns
    -------
    pandas.DataFrame indexed by model, sorted by score
        score (point estimate), ci_low, ci_high, rank, rank_low, rank_high, p_top
        (share of replicates where the model ranks first).
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise InputError(f"n_boot={n_boot!r}: the bootstrap needs at least 1 replicate "
                         f"(--bootstrap N with N >= 1)")
    cats_all = np.asarray([str(c) for c in cube["category"].values])
    cats = categories or present_categories(cube)
    x = cube[metric].sel(regime=regime).transpose("model", "task", "seed").values.astype(float)
    models = np.asarray([str(m) for m in cube["model"].values])
    keep = np.isfinite(x).any(axis=(1, 2))
    x, models = x[keep], models[keep]
    rng = np.random.default_rng(seed)
    n_seed = x.shape[2]
    weights = rng.multinomial(n_seed, np.full(n_seed, 1 / n_seed), size=n_boot).astype(float)
    with np.errstate(invalid="ignore"):
        point_task = np.nanmean(x, axis=2)
    reps, point = [], []
    for c in cats:
        idx = np.flatnonzero(cats_all == c)
        if idx.size == 0:
            continue
        draw = idx[rng.integers(0, idx.size, size=(n_boot, idx.size))]      # (B, n_c)
        resampled = _seed_weighted(x[:, idx, :], weights)                  # (M, B, n_c)
        pos = np.searchsorted(idx, draw)                                   # positions in idx
        reps.append(np.take_along_axis(resampled, pos[None, :, :], axis=2).mean(axis=2))
        point.append(point_task[:, idx].mean(axis=1))
    reps = np.mean(reps, axis=0)                                           # (M, B)
    point = np.mean(point, axis=0)
    ranks = stats.rankdata(-np.where(np.isfinite(reps), reps, -np.inf), axis=0, method="min")
    a = (1 - level) / 2
    df = pd.DataFrame({
        "score": point,
        "ci_low": np.nanquantile(reps, a, axis=1), "ci_high": np.nanquantile(reps, 1 - a, axis=1),
        "rank": stats.rankdata(-np.where(np.isfinite(point), point, -np.inf), method="min"),
        "rank_low": np.quantile(ranks, a, axis=1, method="lower").astype(int),
        "rank_high": np.quantile(ranks, 1 - a, axis=1, method="higher").astype(int),
        "p_top": (ranks == 1).mean(axis=1)}, index=pd.Index(models, name="model"))
    df["rank"] = df["rank"].astype(int)
    return df.sort_values("score", ascending=False)
