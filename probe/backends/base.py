"""The probe backend interface and its registry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from geneb.core.registry import Registry

from ..protocol import ProbeProtocol


@dataclass(frozen=True)
class FitResult:
    """One fitted probe's test predictions and optimiser facts.

    Attributes
    ----------
    y_pred : ndarray of int, shape (n_test,)
    n_iter : int
        Optimiser iterations used.
    converged : bool
        False when the optimiser stopped at ``max_iter`` (never reported as converged).
    seconds : float
        Wall time of the fit and prediction (for a batched fit: the batch's time divided
        by the number of problems in it).
    """

    y_pred: np.ndarray
    n_iter: int
    converged: bool
    seconds: float


class ProbeBackend(ABC):
    """Fits L2 logistic regression probes; one instance per protocol.

    ``name`` is what the cube records per cell (``backend`` variable); a backend that
    runs on several devices records the device too (``torch:cuda``).
    """

    name: str = ""
    #: True when :meth:`fit_predict_sets` solves problems of several tasks in one batch
    #: (the runner then bundles a model's tasks into one worker task)
    batches_across_tasks: bool = False

    def __init__(self, protocol: ProbeProtocol) -> None:
        self.protocol = protocol

    @abstractmethod
    def fit_predict(self, X_train: np.ndarray, y_train: np.ndarray,
                    X_test: np.ndarray) -> FitResult:
        """Fit on (n_train, d) features and predict the (n_test, d) test rows."""

    def fit_predict_many(self, problems: list[tuple[np.ndarray, np.ndarray]],
                         X_test: np.ndarray) -> list[FitResult]:
        """Fit several problems sharing one test set (seeds × few-shot regimes of a task).

        The default loops over :meth:`fit_predict`; batched backends override it.

        Parameters
        ----------
        problems : list of (X_train (n_b, d), y_train (n_b,))
        X_test : ndarray, shape (n_test, d)
        """
        return [self.fit_predict(X, y, X_test) for X, y in problems]

    def fit_predict_sets(self, problems: list[tuple[np.ndarray, np.ndarray, int]],
                         X_tests: list[np.ndarray]) -> list[FitResult]:
        """Fit problems of several tasks (few-shot problems of a bundle of (model, task)
        pairs), problem ``(X, y, j)`` predicting ``X_tests[j]``.

        The default fits each test set's problems with :meth:`fit_predict_many`; batched
        backends override it to solve them all at once.
        """
        out: list[FitResult | None] = [None] * len(problems)
        for j, X_test in enumerate(X_tests):
            idx = [i for i, p in enumerate(problems) if p[2] == j]
            if idx:
                fits = self.fit_predict_many([problems[i][:2] for i in idx], X_test)
                for i, fit in zip(idx, fits):
                    out[i] = fit
        return out


BACKENDS: Registry[type[ProbeBackend]] = Registry("probe backend", hint="geneb probe --help")

