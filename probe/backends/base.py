"""The probe backend interface and its registry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from geneb.core.registry import Registry
from geneb.probe.protocol import ProbeProtocol


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
        Wall time of the fit and prediction.
    """

    y_pred: np.ndarray
    n_iter: int
    converged: bool
    seconds: float


class ProbeBackend(ABC):
    """Fits L2 logistic regression probes; one instance per protocol."""

    name: str = ""

    def __init__(self, protocol: ProbeProtocol) -> None:
        self.protocol = protocol

    @abstractmethod
    def fit_predict(self, X_train: np.ndarray, y_train: np.ndarray,
                    X_test: np.ndarray) -> FitResult:
        """Fit on (n_train, d) features and predict the (n_test, d) test rows."""


BACKENDS: Registry[type[ProbeBackend]] = Registry("probe backend", hint="geneb probe --help")


def get_backend(name: str, protocol: ProbeProtocol) -> ProbeBackend:
    return BACKENDS.get(name)(protocol)
