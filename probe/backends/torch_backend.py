"""torch backend: the Newton / L-BFGS solvers of :mod:`geneb.probe.torch_solver`, CPU or CUDA."""

from __future__ import annotations

import time

import numpy as np

from geneb.core.errors import InputError

from .base import BACKENDS, FitResult, ProbeBackend
from ..protocol import ProbeProtocol


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return bool(torch.cuda.is_available())


#: a batched few-shot solve is split so that its arrays stay under this many bytes
MAX_BATCH_BYTES = 1 << 28


def batch_bytes(n_rows: int, width: int, n_classes: int) -> float:
    """Bytes one problem adds to a batched solve: its float64 centred rows and span basis
    (2 × rows × width), and for Newton three copies of its Hessian (P² with
    P = (rows + 1) × outputs)."""
    outputs = 1 if n_classes == 2 else n_classes
    P = (min(n_rows, width) + 1) * outputs
    return 16.0 * n_rows * width + 24.0 * P * P


class TorchBackend(ProbeBackend):
    """scikit-learn's objective solved in torch (float64 by default): exact Newton or L-BFGS.

    Few-shot problems of a (model, task) are solved together, in the span of their centred
    training rows; the full regime is solved on centred features. Same optimum as
    scikit-learn (tested); a different stopping point at the GENEB tolerance.

    Parameters
    ----------
    protocol : ProbeProtocol
    device : str, optional
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``; default CUDA when available, else CPU.
    dtype : {"float64", "float32"}
    """

    name = "torch"
    batches_across_tasks = True

    def __init__(self, protocol: ProbeProtocol, *, device: str | None = None,
                 dtype: str = "float64") -> None:
        super().__init__(protocol)
        import torch
        device = device or ("cuda" if cuda_available() else "cpu")
        if device.startswith("cuda") and not cuda_available():
            raise InputError(f"probe device {device!r} asked for, but torch sees no CUDA GPU; "
                             f"use --device cpu")
        if dtype not in ("float64", "float32"):
            raise InputError(f"torch probe dtype must be float64 or float32, got {dtype!r}")
        self.device = device
        self.dtype = getattr(torch, dtype)
        self.name = f"torch:{device.split(':')[0]}"

    def _solve(self, problems, X_test, test_of=None):
        from ..torch_solver import solve_probes
        p = self.protocol
        return solve_probes([X for X, *_ in problems], [y for _, y, *_ in problems], X_test,
                            C=p.C, tol=p.tol, max_iter=p.max_iter, standardize=p.standardize,
                            device=self.device, dtype=self.dtype, test_of=test_of)

    def fit_predict(self, X_train: np.ndarray, y_train: np.ndarray,
                    X_test: np.ndarray) -> FitResult:
        return self.fit_predict_many([(X_train, y_train)], X_test)[0]

    def fit_predict_many(self, problems: list[tuple[np.ndarray, np.ndarray]],
                         X_test: np.ndarray) -> list[FitResult]:
        return self.fit_predict_sets([(X, y, 0) for X, y in problems], [X_test])

    def fit_predict_sets(self, problems: list[tuple[np.ndarray, np.ndarray, int]],
                         X_tests: list[np.ndarray]) -> list[FitResult]:
        """One batched solve per (classes, rows, width), across all the test sets.

        Problems of one shape batch without padding, so a problem is solved the same way
        (span or feature space, Newton or L-BFGS) whatever else shares its batch, and a
        batch holds only its own rows; batches are split at ``MAX_BATCH_BYTES``.
        """
        out: list[FitResult | None] = [None] * len(problems)
        groups: dict[tuple, list[int]] = {}
        for i, (X, y, _) in enumerate(problems):
            groups.setdefault((len(np.unique(y)), X.shape[0], X.shape[1]), []).append(i)
        batches = []
        for (k, n, d), idx in groups.items():
            per_problem = batch_bytes(n, d, k)
            step = max(1, int(MAX_BATCH_BYTES // max(per_problem, 1)))
            batches += [idx[i:i + step] for i in range(0, len(idx), step)]
        for idx in batches:
            t0 = time.perf_counter()
            solved = self._solve([problems[i] for i in idx], X_tests,
                                 test_of=[problems[i][2] for i in idx])
            seconds = (time.perf_counter() - t0) / len(idx)
            for i, s in zip(idx, solved):
                out[i] = FitResult(y_pred=s.y_pred, n_iter=s.n_iter, converged=s.converged,
                                   seconds=seconds)
        return out


BACKENDS.register("torch", TorchBackend)
