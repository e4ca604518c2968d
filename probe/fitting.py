"""Fit the cells of one (model, task): the full regime once, the few-shot draws together."""

from __future__ import annotations

import numpy as np

from geneb.store import TaskTable

from .backends.base import ProbeBackend
from .cube import Cell
from .metrics import score
from .protocol import ProbeProtocol
from .sampling import few_shot_indices

__all__ = ["probe_task", "probe_split"]


def probe_task(X: np.ndarray, table: TaskTable, protocol: ProbeProtocol,
               backend: ProbeBackend,
               todo: list[tuple[str, int]] | None = None) -> list[Cell]:
    """Fit every regime and seed of one (model, task), or only the ``todo`` cells.

    Few-shot problems go to the backend together (``fit_predict_many``: one batched solve
    for the torch backend); the full regime is fitted once for all its seeds.

    Parameters
    ----------
    X : ndarray, shape (n_sequences, dim)
        The task's embeddings, rows aligned with ``table``.
    table : TaskTable
        Labels and splits.
    todo : list of (regime, seed), optional
        Cells to fill (default all).

    Returns
    -------
    list of Cell
        One per fit: the full regime once (covering its seeds), few-shot per seed.
    """
    return probe_split(X[table.train_index], X[table.test_index], table, protocol, backend,
                       todo)


def probe_split(X_train: np.ndarray, X_test: np.ndarray, table: TaskTable,
                protocol: ProbeProtocol, backend: ProbeBackend,
                todo: list[tuple[str, int]] | None = None) -> list[Cell]:
    """:func:`probe_task` on the train and test rows already split out.

    Lets a caller drop the whole slice before fitting (peak memory: the slice once, not twice).

    Parameters
    ----------
    X_train : ndarray, shape (len(table.train_index), dim)
    X_test : ndarray, shape (len(table.test_index), dim)
    """
    cells = full_cells(X_train, X_test, table, protocol, backend, todo)
    few = few_shot_problems(table, protocol, todo)
    if few:
        y_train = table.label[table.train_index]
        fits = backend.fit_predict_many([(X_train[pos], y_train[pos]) for _, _, pos in few],
                                        X_test)
        cells += few_shot_cells(table, few, fits, backend)
    return cells


def cells_to_do(protocol: ProbeProtocol, todo) -> set[tuple[str, int]]:
    """``todo`` as a set of (regime, seed), or every cell of the protocol when None."""
    return set(todo) if todo is not None else {(r, s) for r in protocol.regime_names
                                               for s in protocol.seeds}


def full_cells(X_train, X_test, table: TaskTable, protocol: ProbeProtocol,
               backend: ProbeBackend, todo) -> list[Cell]:
    """The full regime(s), fitted once for all their seeds still to do."""
    todo = cells_to_do(protocol, todo)
    train, test, y = table.train_index, table.test_index, table.label
    cells = []
    for regime, k in protocol.regimes:
        seeds = tuple(s for s in protocol.seeds if (regime, s) in todo)
        if k is None and seeds:
            fit = backend.fit_predict(X_train, y[train], X_test)
            cells.append(Cell(regime, seeds, score(y[test], fit.y_pred), len(train),
                              fit.n_iter, fit.converged, fit.seconds, None, backend.name))
    return cells


def few_shot_problems(table: TaskTable, protocol: ProbeProtocol,
                      todo) -> list[tuple[str, int, np.ndarray]]:
    """``(regime, seed, positions in the train split)`` of every few-shot cell to do."""
    todo = cells_to_do(protocol, todo)
    y_train = table.label[table.train_index]
    return [(regime, seed, few_shot_indices(y_train, k, seed))
            for regime, k in protocol.regimes if k is not None
            for seed in protocol.seeds if (regime, seed) in todo]


def few_shot_cells(table: TaskTable, few, fits, backend: ProbeBackend) -> list[Cell]:
    """The cells of the few-shot ``fits``, in the order of ``few``."""
    test, y = table.test_index, table.label
    return [Cell(regime, (seed,), score(y[test], fit.y_pred), len(pos), fit.n_iter,
                 fit.converged, fit.seconds, table.train_index[pos], backend.name)
            for (regime, seed, pos), fit in zip(few, fits)]
