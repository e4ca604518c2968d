"""The GENEB probing protocol as a frozen spec."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Regime name → shots per class (None = the full train split).
GENEB_REGIMES: tuple[tuple[str, int | None], ...] = (("1shot", 1), ("10shot", 10), ("full", None))
GENEB_SEEDS: tuple[int, ...] = (13, 17, 42, 123, 997)


@dataclass(frozen=True)
class ProbeProtocol:
    """How each (model, task) is probed.

    Attributes
    ----------
    regimes : tuple of (name, k)
        ``k`` training examples per class drawn from the train split, or all of it
        when ``k`` is None.
    seeds : tuple of int
        One few-shot draw per seed. The full regime does not depend on the seed (lbfgs
        starts from zeros on the same data), so it is fitted once and shared.
    C, max_iter, tol : float, int, float
        scikit-learn ``LogisticRegression(penalty="l2", solver="lbfgs")`` settings.
    """

    regimes: tuple[tuple[str, int | None], ...] = GENEB_REGIMES
    seeds: tuple[int, ...] = GENEB_SEEDS
    C: float = 1.0
    max_iter: int = 1000
    tol: float = 1e-4
    metrics: tuple[str, ...] = field(default=("mcc", "accuracy", "f1_macro"))

    @property
    def regime_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.regimes)

    def shots(self, regime: str) -> int | None:
        return dict(self.regimes)[regime]

    def as_attrs(self) -> dict:
        return {"regimes": {n: (k if k is not None else "all") for n, k in self.regimes},
                "seeds": list(self.seeds), "C": self.C, "max_iter": self.max_iter,
                "tol": self.tol, "penalty": "l2", "solver": "lbfgs", "fit_intercept": True,
                "feature_scaling": "none (raw embeddings)",
                "multiclass": "multinomial (softmax) for more than 2 classes"}
