"""The GENEB probing protocol as a frozen spec."""

from __future__ import annotations

from dataclasses import dataclass, field

from geneb.core.errors import InputError

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
    standardize : bool
        Scale each feature by its training standard deviation before fitting. Off in
        GENEB (raw embeddings); it changes the objective (the penalty acts on other units).
    """

    regimes: tuple[tuple[str, int | None], ...] = GENEB_REGIMES
    seeds: tuple[int, ...] = GENEB_SEEDS
    C: float = 1.0
    max_iter: int = 1000
    tol: float = 1e-4
    standardize: bool = False
    metrics: tuple[str, ...] = field(default=("mcc", "accuracy", "f1_macro"))

    def __post_init__(self) -> None:
        if not (self.C > 0):
            raise InputError(f"probe C must be > 0, got {self.C!r}")
        if int(self.max_iter) < 1:
            raise InputError(f"probe max_iter must be >= 1, got {self.max_iter!r}")
        if not (self.tol > 0):
            raise InputError(f"probe tol must be > 0, got {self.tol!r}")
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise InputError(f"probe seeds must be distinct and non-empty, got {self.seeds!r}")
        names = [n for n, _ in self.regimes]
        if not names or len(set(names)) != len(names):
            raise InputError(f"probe regimes must have distinct names, got {names!r}")
        for name, k in self.regimes:
            if k is not None and int(k) < 1:
                raise InputError(f"regime {name!r}: k must be >= 1 shots per class, got {k!r}")

    @property
    def regime_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.regimes)

    def shots(self, regime: str) -> int | None:
        return dict(self.regimes)[regime]

    def as_attrs(self) -> dict:
        return {"regimes": {n: (k if k is not None else "all") for n, k in self.regimes},
                "seeds": list(self.seeds), "C": self.C, "max_iter": self.max_iter,
                "tol": self.tol, "penalty": "l2", "solver": "lbfgs", "fit_intercept": True,
                "feature_scaling": ("standardised (train mean/sd)" if self.standardize
                                    else "none (raw embeddings)"),
                "multiclass": "multinomial (softmax) for more than 2 classes"}

    def config_key(self) -> dict:
        """Settings that change a cell's result (seeds and regimes only add cells)."""
        return {"C": float(self.C), "max_iter": int(self.max_iter), "tol": float(self.tol),
                "standardize": bool(self.standardize)}

    @classmethod
    def from_attrs(cls, attrs: dict) -> "ProbeProtocol":
        """Rebuild the protocol written by :meth:`as_attrs` (a cube's ``protocol`` attr)."""
        regimes = tuple((name, None if k == "all" else int(k))
                        for name, k in attrs["regimes"].items())
        return cls(regimes=regimes, seeds=tuple(int(s) for s in attrs["seeds"]),
                   C=float(attrs["C"]), max_iter=int(attrs["max_iter"]), tol=float(attrs["tol"]),
                   standardize=str(attrs.get("feature_scaling", "")).startswith("standardised"))
