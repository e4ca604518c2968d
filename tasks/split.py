"""Seeded stratified splits and subsamples (classes in sorted code order)."""

from __future__ import annotations

import numpy as np


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> np.ndarray:
    """Assign rows to train (0) or test (1), the same share of every class.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (n,)
    test_fraction : float
    seed : int
        ``numpy.random.RandomState(seed)``; classes are visited in increasing code order.

    Returns
    -------
    numpy.ndarray of int8, shape (n,)
        Each class with at least two rows gets at least one train and one test row.
    """
    rng = np.random.RandomState(seed)
    split = np.zeros(len(labels), dtype=np.int8)
    for c in np.unique(labels):
        rows = np.flatnonzero(labels == c)
        n_test = int(round(len(rows) * test_fraction))
        if len(rows) >= 2:
            n_test = min(max(n_test, 1), len(rows) - 1)
        split[rng.permutation(rows)[:n_test]] = 1
    return split


def stratified_subsample(rows: np.ndarray, labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Choose ``n`` of ``rows`` keeping class proportions (largest-remainder rounding).

    Parameters
    ----------
    rows : numpy.ndarray of int, shape (m,)
        Candidate row positions.
    labels : numpy.ndarray of int, shape (m,)
        Their class codes.
    n : int
        How many to keep (< m).
    seed : int

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Sorted row positions.
    """
    rng = np.random.RandomState(seed)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n / counts.sum()
    take = np.floor(exact).astype(int)
    short = n - take.sum()
    take[np.argsort(-(exact - take), kind="stable")[:short]] += 1
    take = np.maximum(take, np.minimum(counts, 1))  # keep every class present
    while take.sum() > n and (take > 1).any():  # pay for those from the largest classes
        take[np.argmax(take)] -= 1
    chosen = [rng.choice(rows[labels == c], size=k, replace=False)
              for c, k in zip(classes, take)]
    return np.sort(np.concatenate(chosen))
