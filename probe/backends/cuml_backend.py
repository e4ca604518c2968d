"""cuML backend (optional extra ``geneb[gpu]``): cuML's GPU ``LogisticRegression`` (qn solver).

cuML interprets ``C`` as scikit-learn does (rapidsai/cuml#2494). Its stopping rule differs, so
its cells are labelled ``cuml`` and its parity is not claimed here: no machine available to
this project could import it (see PROBE_NOTES.md); ``auto`` prefers the torch backend, whose
parity is measured.
"""

from __future__ import annotations

import time

import numpy as np

from geneb.core.errors import InputError

from .base import BACKENDS, FitResult, ProbeBackend
from ..protocol import ProbeProtocol


def cuml_available() -> bool:
    """True when cuML imports and a CUDA GPU is visible."""
    try:
        import cuml  # noqa: F401  # pyright: ignore[reportMissingImports] (optional extra)
    except Exception:  # ImportError, or a CUDA runtime error at import
        return False
    from .torch_backend import cuda_available
    return cuda_available()


class CumlBackend(ProbeBackend):
    """``cuml.linear_model.LogisticRegression`` with the protocol's C, tol and max_iter."""

    name = "cuml"

    def __init__(self, protocol: ProbeProtocol) -> None:
        super().__init__(protocol)
        if not cuml_available():
            raise InputError("the cuml probe backend needs cuML and a CUDA GPU: "
                             "pip install 'geneb[gpu]' on a GPU machine, or use --backend torch")
        from cuml.linear_model import LogisticRegression  # pyright: ignore[reportMissingImports]
        self._cls = LogisticRegression

    def fit_predict(self, X_train: np.ndarray, y_train: np.ndarray,
                    X_test: np.ndarray) -> FitResult:
        t0 = time.perf_counter()
        p = self.protocol
        X_train = np.asarray(X_train, np.float64)
        X_test = np.asarray(X_test, np.float64)
        mean = X_train.mean(0)  # exact with an unpenalised intercept; helps the solver
        X_train, X_test = X_train - mean, X_test - mean
        if p.standardize:
            sd = X_train.std(0)
            sd[sd == 0] = 1.0
            X_train, X_test = X_train / sd, X_test / sd
        clf = self._cls(penalty="l2", C=p.C, tol=p.tol, max_iter=p.max_iter, fit_intercept=True,
                        output_type="numpy")
        clf.fit(X_train, y_train)
        y_pred = np.asarray(clf.predict(X_test))
        n_iter = int(np.max(np.asarray(getattr(clf, "n_iter_", [p.max_iter]))))
        return FitResult(y_pred=y_pred, n_iter=n_iter, converged=n_iter < p.max_iter,
                         seconds=time.perf_counter() - t0)


BACKENDS.register("cuml", CumlBackend)
