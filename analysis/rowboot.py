"""Intervals for one task: probe it here, keep the test predictions, resample test rows.

A result cube keeps scores, not predictions, so a bootstrap over a cube can only resample
tasks and seeds, and for one task there is nothing to resample (published means, or the
full regime's single fit). When the probes are run here (``geneb recommend --task``) the
test predictions are at hand: :func:`task_predictions` fits the quick protocol and keeps
them, :func:`row_bootstrap` resamples the test rows (the same draw for every model, so the
comparison is paired) and the seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geneb.core.errors import InputError
from geneb.probe import ProbeProtocol, few_shot_indices, get_backend
from geneb.store import EmbeddingStore

from .stability import interval_table

#: Most bootstrap weights held at once (replicates × test rows), to bound memory (~32 MB).
_CHUNK_CELLS = 1 << 22


@dataclass(frozen=True)
class TaskPredictions:
    """Test predictions of every model, regime and seed on one task.

    Attributes
    ----------
    task_id : str
    y_true : ndarray of int, shape (n_test,)
    models : tuple of str
    regimes : tuple of str
    seeds : tuple of int
    y_pred : ndarray of int, shape (model, regime, seed, n_test)
        The full regime's one fit is repeated for every seed.
    """

    task_id: str
    y_true: np.ndarray
    models: tuple[str, ...]
    regimes: tuple[str, ...]
    seeds: tuple[int, ...]
    y_pred: np.ndarray


def task_predictions(store: EmbeddingStore, model_ids: Sequence[str], task_id: str,
                     protocol: ProbeProtocol, backend: str = "sklearn") -> TaskPredictions:
    """Fit the protocol's probes for each model on one task and keep the test predictions.

    The same fits as :func:`geneb.probe.run_probes` (few-shot rows from
    :func:`geneb.probe.few_shot_indices`, the full regime once), so the scores computed
    from the predictions are the cube's scores.
    """
    table = store.read_task_table(task_id)
    engine = get_backend(backend, protocol)
    y_train = table.label[table.train_index]
    n_test = len(table.test_index)
    out = np.zeros((len(model_ids), len(protocol.regimes), len(protocol.seeds), n_test),
                   np.int64)
    for mi, model in enumerate(model_ids):
        X_train, X_test = store.read_embedding(model, task_id,
                                               rows=(table.train_index, table.test_index))
        few = [(ri, si, few_shot_indices(y_train, k, seed))
               for ri, (_, k) in enumerate(protocol.regimes) if k is not None
               for si, seed in enumerate(protocol.seeds)]
        for ri, (_, k) in enumerate(protocol.regimes):
            if k is None:
                out[mi, ri, :] = engine.fit_predict(X_train, y_train, X_test).y_pred
        fits = engine.fit_predict_many([(X_train[pos], y_train[pos]) for *_, pos in few],
                                       X_test) if few else []
        for (ri, si, _), fit in zip(few, fits):
            out[mi, ri, si] = fit.y_pred
    return TaskPredictions(task_id, table.label[table.test_index].astype(np.int64),
                           tuple(model_ids), protocol.regime_names, tuple(protocol.seeds), out)


def weighted_mcc(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """MCC (scikit-learn's multiclass definition) of predictions under row weights.

    Parameters
    ----------
    y_true : ndarray of int, shape (n,)
    y_pred : ndarray of int, shape (..., n)
    weights : ndarray, shape (B, n)
        Row counts of each bootstrap replicate (all ones: the plain MCC).

    Returns
    -------
    ndarray, shape (B, ...)
    """
    n_cls = int(max(y_true.max(), y_pred.max())) + 1
    codes = y_true * n_cls + y_pred                                   # (..., n)
    lead, n = codes.shape[:-1], codes.shape[-1]
    flat = codes.reshape(-1, n).T                                      # (n, K)
    onehot = np.zeros((n, flat.shape[1], n_cls * n_cls))
    np.put_along_axis(onehot, flat[:, :, None], 1.0, axis=2)
    cm = (weights @ onehot.reshape(n, -1)).reshape((len(weights), *lead, n_cls, n_cls))
    t_sum, p_sum = cm.sum(-1), cm.sum(-2)
    correct = np.trace(cm, axis1=-2, axis2=-1)
    total = cm.sum((-2, -1))
    cov_tp = correct * total - (t_sum * p_sum).sum(-1)
    cov_pp = total ** 2 - (p_sum ** 2).sum(-1)
    cov_tt = total ** 2 - (t_sum ** 2).sum(-1)
    denom = cov_tt * cov_pp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, cov_tp / np.sqrt(np.where(denom > 0, denom, 1.0)), 0.0)


def row_bootstrap(pred: TaskPredictions, regime: str, n_boot: int = 1000, seed: int = 0,
                  level: float = 0.95) -> pd.DataFrame:
    """Bootstrap intervals of each model's MCC on one task, resampling test rows and seeds.

    Each replicate draws the test rows with replacement (one draw shared by all models)
    and the seeds with replacement; a model's replicate score is the mean over the drawn
    seeds of its MCC on the drawn rows.

    Returns
    -------
    pandas.DataFrame indexed by model, sorted by score
        As :func:`geneb.analysis.stability.bootstrap_scores` (score = mean MCC over seeds on
        all test rows); ``attrs["resampled"]`` says what was resampled.
    """
    if regime not in pred.regimes:
        raise InputError(f"regime {regime!r} was not probed; choose one of "
                         f"{', '.join(pred.regimes)}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise InputError(f"n_boot={n_boot!r}: the bootstrap needs at least 1 replicate "
                         f"(--bootstrap N with N >= 1)")
    y = pred.y_pred[:, pred.regimes.index(regime)]                   # (M, S, n)
    n_model, n_seed, n = y.shape
    one_fit = bool((y == y[:, :1]).all())                             # full regime
    rng = np.random.default_rng(seed)
    point = weighted_mcc(pred.y_true, y, np.ones((1, n)))[0].mean(axis=1)
    reps = np.empty((n_model, n_boot))
    step = max(1, _CHUNK_CELLS // max(n, 1))
    for start in range(0, n_boot, step):
        b = min(step, n_boot - start)
        rows = rng.multinomial(n, np.full(n, 1 / n), size=b).astype(float)       # (b, n)
        seeds = rng.multinomial(n_seed, np.full(n_seed, 1 / n_seed), size=b)     # (b, S)
        mcc = weighted_mcc(pred.y_true, y, rows)                                 # (b, M, S)
        reps[:, start:start + b] = (np.einsum("bms,bs->mb", mcc, seeds) / n_seed)
    df = interval_table(point, reps, pred.models, level)
    what = "test rows" if one_fit or n_seed == 1 else "test rows and seeds"
    df.attrs = {"resampled": f"{what} (1 task, {n} test rows; one row draw for all models)",
                "n_boot": int(n_boot)}
    return df
