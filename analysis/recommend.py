"""Which model should I use? Rank models for a category or a task, with confidence intervals.

Rankings use the official rows only unless other sources are included (see
:mod:`geneb.analysis.provenance`); every row says where its results come from (``source``)
and the query says what the bootstrap resampled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from geneb.catalog import MODELS
from geneb.catalog.categories import resolve_category
from geneb.core.errors import InputError, MissingDataError
from geneb.probe import ProbeProtocol

from .provenance import OFFICIAL, row_sources, select_rows
from .rowboot import TaskPredictions, row_bootstrap, task_predictions
from .stability import bootstrap_scores

#: Quick protocol for ranking models on a user's task: 10-shot over 3 seeds, and the full
#: train split.
QUICK_REGIMES = (("10shot", 10), ("full", None))
QUICK_SEEDS = (13, 17, 42)

COLUMNS = ["rank", "model", "display", "params", "source", "score", "ci_low", "ci_high",
           "rank_low", "rank_high", "p_top", "no_interval"]


def _within_size(params: np.ndarray, max_params: float | None) -> np.ndarray:
    """Models with at most ``max_params`` parameters (weight-free featurizers count as 0)."""
    if max_params is None:
        return np.ones(len(params), bool)
    keep = np.nan_to_num(params.astype(float), nan=0.0) <= max_params
    if not keep.any():
        raise InputError(f"no model has at most {max_params:g} parameters")
    return keep


def _table(boot: pd.DataFrame, meta: pd.DataFrame, attrs: dict,
           top: int | None) -> pd.DataFrame:
    """The ranking table from bootstrap intervals and per-model display/params/source."""
    boot = boot[np.isfinite(boot["score"])]
    out = boot.reset_index()
    out["rank"] = np.arange(1, len(out) + 1)
    for col in ("display", "params", "source"):
        out[col] = out["model"].map(meta[col])
    out = out[COLUMNS]
    out.attrs = {**attrs, "resampled": boot.attrs.get("resampled", ""),
                 "n_boot": boot.attrs.get("n_boot"), "n_ranked": int(len(out))}
    return out.head(top) if top else out


def _meta(cube: xr.Dataset) -> pd.DataFrame:
    idx = pd.Index([str(m) for m in cube["model"].values], name="model")
    coord = lambda name, default: (cube[name].values if name in cube.coords  # noqa: E731
                                   else [default] * len(idx))
    return pd.DataFrame({"display": coord("display", ""),
                         "params": np.asarray(coord("params", np.nan), float),
                         "source": row_sources(cube)}, index=idx)


@dataclass(frozen=True)
class RankQuery:
    """What :func:`recommend` ranks.

    Attributes
    ----------
    category : str, optional
        One of the 13 categories (case and punctuation ignored).
    tasks : tuple of str, optional
        Task ids of the cube to rank on instead (e.g. the user's own task).
    regime, metric : str
    max_params : float, optional
        Keep models with at most this many parameters (weight-free featurizers count as 0).
    n_boot, seed : int
        Bootstrap replicates and random seed.
    top : int, optional
        Keep only the best ``top`` rows.
    include : tuple of str
        Sources besides ``official`` to rank (``submission``, ``computed``); a cube without
        official rows is ranked whole (:func:`geneb.analysis.provenance.select_rows`).
    keep : tuple of str
        Models always ranked (the user's own).
    """

    category: str | None = None
    tasks: tuple[str, ...] | None = None
    regime: str = "full"
    metric: str = "mcc"
    max_params: float | None = None
    n_boot: int = 1000
    seed: int = 0
    top: int | None = None
    include: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("tasks", "include", "keep"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))


def recommend(cube: xr.Dataset, query: RankQuery | None = None, **fields) -> pd.DataFrame:
    """Rank the cube's models for one category, some tasks, or the whole benchmark.

    The score is the category-balanced mean (one category: the mean of its tasks); the
    interval is a bootstrap over tasks (within categories) and seeds, so a model whose
    interval overlaps the leader's is a reasonable choice too. With one task and nothing
    to resample the interval is NaN (column ``no_interval`` says why).

    Parameters
    ----------
    query : RankQuery, optional
        Or its fields as keywords (``recommend(cube, category="Promoters", regime="10shot")``).

    Returns
    -------
    pandas.DataFrame
        rank, model, display, params, source, score, ci_low, ci_high, rank_low, rank_high,
        p_top, no_interval; ``attrs``: the query, ``rows`` (which sources were used and
        which rows were left out) and ``resampled`` (what the bootstrap resampled).
    """
    if query is not None and fields:
        raise TypeError("give a RankQuery or its fields, not both")
    q = query or RankQuery(**fields)
    regime, metric, category = q.regime, q.metric, q.category
    regimes = [str(r) for r in cube["regime"].values]
    if regime not in regimes:
        raise InputError(f"regime {regime!r} is not in the results; choose one of "
                         f"{', '.join(regimes)}")
    sub, selection = select_rows(cube, q.include, q.keep)
    cats = None
    if q.tasks:
        have = [str(t) for t in cube["task"].values]
        missing = [t for t in q.tasks if t not in have]
        if missing:
            raise InputError(f"task(s) {', '.join(missing)} not in the results")
        sub = sub.sel(task=list(q.tasks))
    if category:
        cat = resolve_category(category, allow_other=True)
        present = {str(c) for c in sub["category"].values}
        if cat not in present:
            raise InputError(f"no results for category {cat!r}; the results have "
                             f"{', '.join(sorted(present))}")
        cats = [cat]
    if q.max_params is not None:
        params = sub["params"].values if "params" in sub.coords else np.full(sub.sizes["model"],
                                                                             np.nan)
        sub = sub.isel(model=np.flatnonzero(_within_size(params, q.max_params)))
    boot = bootstrap_scores(sub, regime, metric, n_boot=q.n_boot, seed=q.seed, categories=cats)
    n_tasks = int(sub.sizes["task"] if not cats else
                  sum(str(c) == cats[0] for c in sub["category"].values))
    attrs = {"category": cats[0] if cats else None, "regime": regime, "metric": metric,
             "n_tasks": n_tasks, "max_params": q.max_params, "rows": selection.as_json()}
    return _table(boot, _meta(sub), attrs, q.top)


def recommend_task(pred: TaskPredictions, meta: pd.DataFrame, *, regime: str = "full",
                   max_params: float | None = None, n_boot: int = 1000, seed: int = 0,
                   top: int | None = None) -> pd.DataFrame:
    """Rank models on one task probed here, with intervals over its test rows and seeds.

    Parameters
    ----------
    pred : TaskPredictions
        From :func:`geneb.analysis.rowboot.task_predictions`.
    meta : pandas.DataFrame
        Indexed by model: ``display``, ``params`` (and ``source``, default ``computed``).

    Returns
    -------
    pandas.DataFrame
        As :func:`recommend`; ``attrs["resampled"]`` names the test rows.
    """
    meta = meta.reindex(list(pred.models))
    if "source" not in meta:
        meta = meta.assign(source="computed")
    keep = _within_size(meta["params"].to_numpy(float), max_params)
    idx = np.flatnonzero(keep)
    pred = TaskPredictions(pred.task_id, pred.y_true, tuple(pred.models[i] for i in idx),
                           pred.regimes, pred.seeds, pred.y_pred[idx])
    boot = row_bootstrap(pred, regime, n_boot=n_boot, seed=seed)
    attrs = {"category": None, "regime": regime, "metric": "mcc", "n_tasks": 1,
             "task": pred.task_id, "max_params": max_params,
             "rows": {"included": ["computed"], "counts": {"computed": len(idx)}, "kept": [],
                      "left_out": {}}}
    return _table(boot, meta, attrs, top)


def store_models(store) -> list[str]:
    """The catalog models with finished embeddings in ``store``, sorted.

    Raises
    ------
    MissingDataError
        When there is none (naming the unknown models found, if any).
    """
    models = sorted({m for m, _, status in store.embeddings() if status == "complete"})
    unknown = [m for m in models if m not in MODELS]
    models = [m for m in models if m in MODELS]
    if not models:
        raise MissingDataError(f"the store {store.path!r} has no finished embeddings of a "
                               f"known model{' (unknown: ' + ', '.join(unknown) + ')' if unknown else ''}")
    return models


def check_quick_regime(regime: str) -> None:
    """Refuse a regime the quick protocol does not probe."""
    if regime not in dict(QUICK_REGIMES):
        raise InputError(f"--regime {regime!r}: --task probes "
                         f"{', '.join(dict(QUICK_REGIMES))} only")


def recommend_from_store(store, models: list[str], task_id: str, query: RankQuery) -> pd.DataFrame:
    """Probe one task of ``store`` with the quick protocol and rank ``models`` on it.

    Parameters
    ----------
    store : geneb.store.EmbeddingStore
        Holding the task and each model's embeddings of it.
    models : list of str
        Catalog model ids (their display names and sizes come from the catalog).
    task_id : str
    query : RankQuery
        ``regime`` (one of :data:`QUICK_REGIMES`), ``max_params``, ``n_boot``, ``seed``,
        ``top``.

    Returns
    -------
    pandas.DataFrame
        As :func:`recommend_task`: intervals over the task's test rows and seeds.
    """
    check_quick_regime(query.regime)
    protocol = ProbeProtocol(regimes=QUICK_REGIMES, seeds=QUICK_SEEDS)
    pred = task_predictions(store, models, task_id, protocol)
    specs = [MODELS.get(m) for m in models]
    meta = pd.DataFrame({"display": [s.display or s.model_id for s in specs],
                         "params": [float(s.params) if s.params else float("nan") for s in specs],
                         "source": "computed"}, index=models)
    return recommend_task(pred, meta, regime=query.regime, max_params=query.max_params,
                          n_boot=query.n_boot, seed=query.seed, top=query.top)


def _plain(v):
    if v is pd.NA or v is None:
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if np.isfinite(v) else None
    return v


def recommendation_json(table: pd.DataFrame) -> dict:
    """The table of :func:`recommend` as a JSON-ready dict (for programs and agents).

    ``query`` holds the question, what the bootstrap resampled and which rows were used;
    each ranking row has its ``source``, and ``interval`` ("n/a (...)" without one).
    """
    rows = []
    for r in table.to_dict("records"):
        row = {k: _plain(v) for k, v in r.items() if k != "no_interval"}
        row["interval"] = f"n/a ({r['no_interval']})" if r.get("no_interval") else "95% CI"
        rows.append(row)
    return {"query": {k: _plain(v) for k, v in table.attrs.items()}, "ranking": rows}


def _interval_text(r) -> str:
    if r.no_interval:
        return f"n/a ({r.no_interval})"
    ranks = "" if r.rank_low is pd.NA else f"  rank {int(r.rank_low)}-{int(r.rank_high)}"
    return f"[{r.ci_low:6.3f}, {r.ci_high:6.3f}]{ranks}"


def format_recommendation(table: pd.DataFrame) -> str:
    """Readable text: a header saying what was resampled, then rank, model (marked when not
    official), score [95% CI] or n/a, rank interval, size."""
    q = table.attrs
    what = q.get("category") or q.get("task") or f"{q.get('n_tasks')} task(s)"
    rows = q.get("rows") or {}
    counts = ", ".join(f"{n} {s}" for s, n in (rows.get("counts") or {}).items())
    lines = [f"models ranked for {what} ({q.get('regime')}, {q.get('metric', 'mcc').upper()}); "
             f"95% bootstrap CI, {q.get('n_boot')} replicates, resampling "
             f"{q.get('resampled') or 'nothing'}",
             f"rows used: {counts or 'none'}" + (
                 f"; {q.get('n_ranked')} with at most {q['max_params']:g} parameters"
                 if q.get("max_params") is not None else "")]
    for src, models in (rows.get("left_out") or {}).items():
        word = "submissions" if src == "submission" else src
        lines.append(f"left out: {len(models)} {src} row(s) ({', '.join(models)}); add them "
                     f"with --include {word}")
    mixed = len(rows.get("counts") or {}) > 1 and OFFICIAL in (rows.get("counts") or {})
    for r in table.itertuples():
        size = f"{r.params:.3g}" if np.isfinite(r.params) else "-"
        name = f"{r.model} [{r.source}]" if mixed and r.source != OFFICIAL else r.model
        lines.append(f"{r.rank:>3}  {name:<50} {r.score:6.3f} {_interval_text(r)}  "
                     f"params {size}")
    return "\n".join(lines)
