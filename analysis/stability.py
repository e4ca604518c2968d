"""Rank stability: category-vs-category and macro-vs-micro rankings; bootstrap intervals."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from geneb.core.errors import InputError

from .aggregate import category_scores, macro_micro, present_categories
from .release_schema import PUBLISHED_SEED


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


def interval_table(point: np.ndarray, reps: np.ndarray, models: Sequence[str],
                   level: float = 0.95, no_interval: Sequence[str] | None = None
                   ) -> pd.DataFrame:
    """Score and rank intervals from bootstrap replicates.

    Parameters
    ----------
    point : ndarray, shape (M,)
        Point estimates.
    reps : ndarray, shape (M, B)
        Replicate scores (NaN where a model has none).
    no_interval : sequence of str, shape (M,), optional
        Why a model has no interval (its replicates cannot vary: nothing to resample), or
        ``""``. Such a model's score interval is NaN; when no model has one, the rank
        intervals and p_top are NaN too.

    Returns
    -------
    pandas.DataFrame indexed by model, sorted by score
        score, ci_low, ci_high, rank, rank_low, rank_high (nullable ints), p_top,
        no_interval (the reason, or "").
    """
    notes = np.asarray([""] * len(point) if no_interval is None else list(no_interval),
                       dtype=object)
    no_interval = notes != ""
    ranks = stats.rankdata(-np.where(np.isfinite(reps), reps, -np.inf), axis=0, method="min")
    a = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a model without replicates
        low, high = np.nanquantile(reps, a, axis=1), np.nanquantile(reps, 1 - a, axis=1)
    df = pd.DataFrame({
        "score": point,
        "ci_low": np.where(no_interval, np.nan, low),
        "ci_high": np.where(no_interval, np.nan, high),
        "rank": stats.rankdata(-np.where(np.isfinite(point), point, -np.inf),
                               method="min").astype(int),
        "rank_low": pd.array(np.quantile(ranks, a, axis=1, method="lower"), dtype="Int64"),
        "rank_high": pd.array(np.quantile(ranks, 1 - a, axis=1, method="higher"), dtype="Int64"),
        "p_top": (ranks == 1).mean(axis=1), "no_interval": notes},
        index=pd.Index(list(models), name="model"))
    if no_interval.all():
        df["rank_low"] = df["rank_high"] = pd.NA
        df["p_top"] = np.nan
    return df.sort_values("score", ascending=False)


def _spread_over_seeds(x: np.ndarray) -> np.ndarray:
    """Per model (axis 0): True when some task's score differs between seeds.

    x: (model, task, seed). The full regime shares one fit across seeds and published
    results have one seed, so neither varies.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
        rng = np.nanmax(x, axis=2) - np.nanmin(x, axis=2)
    return (np.nan_to_num(rng) > 0).any(axis=1)


def resampling_note(tasks_vary: bool, seeds_vary: np.ndarray, published: bool) -> str:
    """What a bootstrap resampled, for a header: e.g. ``tasks within categories and seeds``."""
    if tasks_vary:
        what = "tasks within categories"
        if seeds_vary.any():
            what += " and seeds" + (" (published means: tasks only)" if published else "")
        return what
    if seeds_vary.all():
        return "seeds (1 task)"
    if seeds_vary.any():
        return "seeds (1 task; models with one fit have no interval)"
    return "nothing: 1 task, " + ("published means" if published else "one fit")


def _published_at(cube: xr.Dataset) -> list[int]:
    """Positions of the published seed (-1) on the cube's seed axis (empty or one)."""
    return [i for i, v in enumerate(cube["seed"].values) if int(v) == PUBLISHED_SEED]


def bootstrap_scores(cube: xr.Dataset, regime: str = "full", metric: str = "mcc",
                     n_boot: int = 1000, seed: int = 0, categories: list[str] | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """Bootstrap confidence intervals of each model's macro score and rank.

    Each replicate resamples the seeds (with replacement) and, within each category, its
    tasks (with replacement), then recomputes category means and their mean. Published
    results carry one seed (their mean), so only tasks are resampled for them.

    With a single task and nothing that varies between seeds (published means, or the
    full regime's one fit) there is nothing to resample: the interval is NaN, not a
    zero-width interval (column ``no_interval`` says why). Test rows cannot be resampled
    from a cube (it keeps scores, not predictions): see
    :func:`geneb.analysis.rowboot.row_bootstrap`.

    Parameters
    ----------
    categories : list of str, optional
        Restrict to these categories (the "macro" is then their mean; one category gives
        that category's score).

    Returns
    -------
    pandas.DataFrame indexed by model, sorted by score
        score (point estimate), ci_low, ci_high, rank, rank_low, rank_high, p_top
        (share of replicates where the model ranks first). ``attrs``: ``resampled`` (what
        was resampled, in words) and ``n_boot``; column ``no_interval`` says why a model
        has no interval (or is "").
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
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        point_task = np.nanmean(x, axis=2)
    reps, point, tasks_vary = [], [], False
    for c in cats:
        idx = np.flatnonzero(cats_all == c)
        if idx.size == 0:
            continue
        tasks_vary |= idx.size > 1
        draw = idx[rng.integers(0, idx.size, size=(n_boot, idx.size))]      # (B, n_c)
        resampled = _seed_weighted(x[:, idx, :], weights)                  # (M, B, n_c)
        pos = np.searchsorted(idx, draw)                                   # positions in idx
        reps.append(np.take_along_axis(resampled, pos[None, :, :], axis=2).mean(axis=2))
        point.append(point_task[:, idx].mean(axis=1))
    seeds_vary = _spread_over_seeds(x)
    published_only = ~np.isfinite(np.delete(x, _published_at(cube), axis=2)).any(axis=(1, 2))
    notes = ["" if tasks_vary or v else
             ("1 task, published means" if p else "1 task, one fit")
             for v, p in zip(seeds_vary, published_only)]
    df = interval_table(np.mean(point, axis=0), np.mean(reps, axis=0), models, level, notes)
    df.attrs = {"resampled": resampling_note(tasks_vary, seeds_vary, published_only.any()),
                "n_boot": int(n_boot)}
    return df
