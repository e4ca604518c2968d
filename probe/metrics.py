"""Scores of a probe on the test split."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef


def score(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MCC (scikit-learn's multiclass definition), accuracy and macro-F1."""
    return {
        "mcc": float(matthews_corrcoef(y_true, y_pred)),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "f1_macro": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }
