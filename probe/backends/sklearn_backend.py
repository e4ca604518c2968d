"""scikit-learn reference backend: exactly the GENEB release's probe."""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from .base import BACKENDS, FitResult, ProbeBackend
from ..protocol import ProbeProtocol


class SklearnBackend(ProbeBackend):
    """``LogisticRegression(C=1, solver="lbfgs", max_iter=1000)`` on raw float64 features.

    Parameters
    ----------
    protocol : ProbeProtocol
    center : bool
        Subtract the training mean first (the same optimum, another stopping point). Used
        to measure the reference's own sensitivity; not a GENEB setting.
    """

    name = "sklearn"

    def __init__(self, protocol: ProbeProtocol, *, center: bool = False) -> None:
        super().__init__(protocol)
        self.center = center

    def fit_predict(self, X_train: np.ndarray, y_train: np.ndarray,
                    X_test: np.ndarray) -> FitResult:
        t0 = time.perf_counter()
        X_train = np.asarray(X_train, np.float64)
        X_test = np.asarray(X_test, np.float64)
        if self.center or self.protocol.standardize:
            mean = X_train.mean(0)
            X_train, X_test = X_train - mean, X_test - mean
        if self.protocol.standardize:
            sd = X_train.std(0)
            sd[sd == 0] = 1.0
            X_train, X_test = X_train / sd, X_test / sd
        clf = LogisticRegression(C=self.protocol.C, solver="lbfgs", max_iter=self.protocol.max_iter,
                                 tol=self.protocol.tol, fit_intercept=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train)
        y_pred = clf.predict(X_test)
        n_iter = int(np.max(clf.n_iter_))
        return FitResult(y_pred=y_pred, n_iter=n_iter, converged=n_iter < self.protocol.max_iter,
                         seconds=time.perf_counter() - t0)


BACKENDS.register("sklearn", SklearnBackend)
