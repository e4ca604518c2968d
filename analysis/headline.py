"""The paper's headline figures, computed from a cube, as one JSON-ready dict.

:func:`headline_figures` is what ``report.json`` holds under ``"headline"`` (stable keys,
unrounded values); :func:`headline_table` is the same as rows for the report page.
Regime pairs are keyed ``"<a>_vs_<b>"`` (e.g. ``full_vs_10shot``), drops ``"<a>_to_<b>"``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from .aggregate import category_scores, macro_micro
from .compare import PAPER_PAIRS, MatchedPair, matched_comparisons
from .fewshot import category_winners
from .scaling import DEFAULT_EXCLUDED_GROUPS, model_table

#: Default size limit of "best model under N parameters" (100M).
DEFAULT_MAX_PARAMS = 1e8
_ORDER = ("full", "10shot", "1shot")


def _num(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def _regimes(cube: xr.Dataset) -> list[str]:
    have = [str(r) for r in cube["regime"].values]
    return [r for r in _ORDER if r in have] + [r for r in have if r not in _ORDER]


def _rho(x: np.ndarray, y: np.ndarray) -> dict:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return {"rho": None, "p": None, "n": int(ok.sum())}
    res = stats.spearmanr(x[ok], y[ok])
    return {"rho": _num(res.statistic), "p": _num(res.pvalue), "n": int(ok.sum())}


def regime_figures(cube: xr.Dataset, metric: str = "mcc") -> dict:
    """Mean macro per regime, relative drops (%), mean |macro − micro| and the rank
    correlations (macro vs micro per regime; macro between regimes)."""
    mm = macro_micro(cube, metric)
    regimes = _regimes(cube)
    mean = {r: _num(mm["macro"].sel(regime=r).mean(skipna=True)) for r in regimes}
    drops = {}
    for a, b in itertools.combinations(regimes, 2):
        if mean[a] and mean[b] is not None:
            drops[f"{a}_to_{b}"] = 100.0 * (mean[a] - mean[b]) / mean[a]
    gap = {r: _num(abs(mm["macro"] - mm["micro"]).sel(regime=r).mean(skipna=True))
           for r in regimes}
    mm_rho = {r: _rho(mm["macro"].sel(regime=r).values, mm["micro"].sel(regime=r).values)["rho"]
              for r in regimes}
    reg_rho = {f"{a}_vs_{b}": _rho(mm["macro"].sel(regime=a).values,
                                   mm["macro"].sel(regime=b).values)["rho"]
               for a, b in itertools.combinations(regimes, 2)}
    return {"mean_macro": mean, "relative_drop_pct": drops,
            "mean_abs_macro_minus_micro": gap, "macro_micro_spearman": mm_rho,
            "regime_rank_spearman": reg_rho}


def scaling_figures(cube: xr.Dataset, regime: str = "full", metric: str = "mcc",
                    exclude_models: Sequence[str] = (),
                    exclude_groups: Sequence[str] = DEFAULT_EXCLUDED_GROUPS) -> dict:
    """Spearman(log10 params, macro): all models, without the excluded pretraining groups
    (default prokaryotic-only), and without ``exclude_models`` when given."""
    df = model_table(cube, regime, metric)
    params = df["params"].to_numpy(float) if "params" in df else np.full(len(df), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(params > 0, np.log10(np.where(params > 0, params, 1)), np.nan)
    macro = df["macro"].to_numpy(float)
    groups = df.get("pretraining_group", pd.Series("", index=df.index)).astype(str).to_numpy()
    names = df.index.to_numpy()
    subsets = {"all_models": np.ones(len(df), bool),
               "without_prokaryotic": ~np.isin(groups, list(exclude_groups))}
    if exclude_models:
        subsets["without_named"] = ~np.isin(names, list(exclude_models))
    out = {}
    for key, keep in subsets.items():
        out[key] = {**_rho(logp[keep], macro[keep]),
                    "excluded": sorted(str(m) for m in names[~keep])}
    return out


def winner_figures(cube: xr.Dataset, metric: str = "mcc") -> dict:
    """Best model per category and regime, and how many categories change winner."""
    w = category_winners(cube, metric)
    regimes = _regimes(cube)
    changes = {f"{a}_vs_{b}": int((w[a] != w[b]).sum())
               for a, b in itertools.combinations(regimes, 2)}
    return {"winner_changes": {**changes, "any": int(w["changes"].sum()),
                               "n_categories": int(len(w))},
            "category_winners": {r: {str(c): str(m) for c, m in w[r].items()} for r in regimes}}


def best_under(cube: xr.Dataset, max_params: float = DEFAULT_MAX_PARAMS, regime: str = "full",
               metric: str = "mcc") -> dict:
    """Best model with at most ``max_params`` parameters in each category.

    Models of unknown size are left out (listed under ``unknown_size``).
    """
    params = (cube["params"].values.astype(float) if "params" in cube.coords
              else np.full(cube.sizes["model"], np.nan))
    models = np.asarray([str(m) for m in cube["model"].values])
    ok = np.isfinite(params) & (params <= max_params)
    cats = category_scores(cube, metric).sel(regime=regime).transpose("category", "model")
    by_cat = {}
    for c, row in zip(cats["category"].values, cats.values):
        vals = np.where(ok & np.isfinite(row), row, -np.inf)
        if np.isfinite(vals).any():
            i = int(np.argmax(vals))
            by_cat[str(c)] = {"model": str(models[i]), "params": float(params[i]),
                              "score": float(row[i])}
    wins = Counter(v["model"] for v in by_cat.values())
    return {"max_params": float(max_params), "regime": regime, "by_category": by_cat,
            "wins": dict(wins.most_common()), "n_categories": int(cats.sizes["category"]),
            "n_models": int(ok.sum()), "unknown_size": sorted(models[~np.isfinite(params)])}


def pair_figures(cube: xr.Dataset, pairs: Sequence[MatchedPair] = PAPER_PAIRS,
                 regime: str = "full", metric: str = "mcc") -> list[dict]:
    """Δ macro (a − b) and category wins of each pair; pairs missing a model say so."""
    comp = matched_comparisons(cube, pairs, regime, metric).set_index(["a", "b"])
    out = []
    for p in pairs:
        row = {"a": p.a, "b": p.b, "axis": p.axis, "note": p.note}
        if (p.a, p.b) in comp.index:
            r = comp.loc[(p.a, p.b)]
            r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
            row.update(delta_macro=float(r["delta_macro"]), wins_a=int(r["wins_a"]),
                       wins_b=int(r["wins_b"]))
        else:
            row.update(delta_macro=None, missing=[m for m in (p.a, p.b)
                                                  if m not in set(map(str, cube["model"].values))])
        out.append(row)
    return out


def headline_figures(cube: xr.Dataset, *, pairs: Sequence[MatchedPair] = PAPER_PAIRS,
                     max_params: float = DEFAULT_MAX_PARAMS, metric: str = "mcc",
                     exclude_models: Sequence[str] = ()) -> dict:
    """Every headline figure of the GENEB paper, from ``cube`` (JSON-ready, unrounded).

    Returns
    -------
    dict
        ``n_models``, ``n_tasks``, ``n_categories``, ``regime`` (the main one), then
        ``mean_macro``, ``relative_drop_pct``, ``mean_abs_macro_minus_micro``,
        ``macro_micro_spearman``, ``regime_rank_spearman`` (:func:`regime_figures`),
        ``scaling_spearman`` (:func:`scaling_figures`), ``winner_changes`` and
        ``category_winners`` (:func:`winner_figures`), ``matched_pairs``
        (:func:`pair_figures`) and ``best_under_params`` (:func:`best_under`).
    """
    regime = "full" if "full" in _regimes(cube) else _regimes(cube)[0]
    out = {"metric": metric, "regime": regime, "n_models": int(cube.sizes["model"]),
           "n_tasks": int(cube.sizes["task"]),
           "n_categories": int(len(set(map(str, cube["category"].values))))}
    out.update(regime_figures(cube, metric))
    out["scaling_spearman"] = scaling_figures(cube, regime, metric, exclude_models)
    out.update(winner_figures(cube, metric))
    out["matched_pairs"] = pair_figures(cube, pairs, regime, metric)
    out["best_under_params"] = best_under(cube, max_params, regime, metric)
    return out


def _f(v, digits: int = 3, pct: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:.1f}%" if pct else f"{v:.{digits}f}"


def headline_table(h: dict) -> pd.DataFrame:
    """The headline figures as (figure, value, report.json key) rows, for the report page."""
    regimes = list(h["mean_macro"])
    rows = [("mean macro-MCC per regime", " / ".join(f"{r} {_f(h['mean_macro'][r])}"
                                                     for r in regimes), "mean_macro")]
    rows += [(f"relative drop {k.replace('_to_', ' → ')}", _f(v, pct=True),
              f"relative_drop_pct.{k}") for k, v in h["relative_drop_pct"].items()]
    rows.append(("mean |macro − micro|", " / ".join(
        f"{r} {_f(v, 4)}" for r, v in h["mean_abs_macro_minus_micro"].items()),
        "mean_abs_macro_minus_micro"))
    rows.append(("Spearman ρ, macro vs micro ranking", " / ".join(
        f"{r} {_f(v)}" for r, v in h["macro_micro_spearman"].items()), "macro_micro_spearman"))
    rows += [(f"Spearman ρ of macro ranks, {k.replace('_vs_', ' vs ')}", _f(v),
              f"regime_rank_spearman.{k}") for k, v in h["regime_rank_spearman"].items()]
    for key, s in h["scaling_spearman"].items():
        label = {"all_models": "all models", "without_prokaryotic": "without prokaryotic-only",
                 "without_named": "without " + ", ".join(s["excluded"])}[key]
        rows.append((f"Spearman ρ, log10(params) vs macro ({label}, n = {s['n']})",
                     f"{_f(s['rho'])} (p = {s['p']:.2g})" if s["p"] is not None else "n/a",
                     f"scaling_spearman.{key}"))
    wc = h["winner_changes"]
    rows += [(f"categories whose winner changes, {k.replace('_vs_', ' → ')}",
              f"{v} of {wc['n_categories']}", f"winner_changes.{k}")
             for k, v in wc.items() if k not in ("n_categories",)]
    for p in h["matched_pairs"]:
        value = (_f(p["delta_macro"]) if p["delta_macro"] is not None else
                 f"n/a (not in these results: {', '.join(p.get('missing', []))})")
        rows.append((f"Δ macro {p['a']} − {p['b']}", value, "matched_pairs"))
    bu = h["best_under_params"]
    top = next(iter(bu["wins"].items()), ("-", 0))
    rows.append((f"best model ≤ {bu['max_params']:.3g} params, most categories",
                 f"{top[0]} in {top[1]} of {bu['n_categories']}", "best_under_params.wins"))
    return pd.DataFrame(rows, columns=["figure", "value", "report.json key"])
