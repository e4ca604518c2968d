"""Few-shot sampling exactly as the GENEB release draws it."""

from __future__ import annotations

import numpy as np


def few_shot_indices(y_train: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Draw ``min(k, n_c)`` training rows per class without replacement.

    ``numpy.random.RandomState(seed)`` is created once; classes are visited in sorted
    order and each draws with ``rs.choice(rows_of_class, min(k, n_c), replace=False)``.

    Parameters
    ----------
    y_train : ndarray of int, shape (n_train,)
    k : int
    seed : int

    Returns
    -------
    ndarray of int64, shape (sum_c min(k, n_c),)
        Positions into ``y_train``, class by class in sorted class order.
    """
    rs = np.random.RandomState(seed)
    picked = []
    for c in np.unique(y_train):  # np.unique returns the classes sorted
        rows = np.flatnonzero(y_train == c)
        picked.append(rs.choice(rows, min(k, len(rows)), replace=False))
    return np.concatenate(picked).astype(np.int64)
