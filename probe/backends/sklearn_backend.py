"""scikit-learn reference backend: exactly the GENEB release's probe."""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from geneb.probe.backends.base import BACKENDS, FitResult, ProbeBackend


class SklearnBackend(ProbeBackend):
    """``LogisticRegression(C=1, solver="lbfgs", max_iter=1000)`` on raw float64 features."""

    name = "sklearn"

    def fit_predict(self, X_train: np.ndarray, y_train: np.ndarray,
                    X_test: np.ndarray) -> FitResult:
        t0 = time.perf_counter()
        clf = LogisticRegression(C=self.protocol.C, solver="lbfgs", max_iter=self.protocol.max_iter,
                                 tol=self.protocol.tol, fit_intercept=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(np.asarray(X_train, np.float64), y_train)
        y_pred = clf.predict(np.asarray(X_test, np.float64))
        n_iter = int(np.max(clf.n_iter_))
        return FitResult(y_pred=y_pred, n_iter=n_iter, converged=n_iter < self.protocol.max_iter,
                         seconds=time.perf_counter() - t0)


BACKENDS.register("sklearn", SklearnBackend)
