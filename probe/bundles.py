"""Bundling (model, task) jobs for workers, within a memory budget.

Backends that batch across tasks (torch) solve the few-shot problems of several pairs in
one call; what each pair holds until then is planned here so a worker's peak memory stays
about twice the largest slice.
"""

from __future__ import annotations

import numpy as np

from geneb.store import TaskTable

from .backends.torch_backend import batch_bytes
from .fitting import cells_to_do
from .protocol import ProbeProtocol

__all__ = ["MAX_BUNDLE_PAIRS", "bundle_jobs", "held_bytes"]

#: default cap on the pairs of one bundle (what a crash can lose is a bundle's work)
MAX_BUNDLE_PAIRS = 16


def bundle_jobs(jobs: list[tuple[str, str, list]], held_bytes: dict, budget: float,
                n_workers: int, max_pairs: int | None = None) -> list[list[tuple[str, str, list]]]:
    """Group (model, task, todo) jobs into bundles for one worker task each.

    A bundle's few-shot problems are solved in one batch (fewer, larger solves), while what
    each pair keeps until then (``held_bytes``: its test rows and its few-shot batch) is
    held together: a bundle is closed before that passes ``budget`` bytes (the largest
    slice, so a worker's peak stays about twice that), or at ``max_pairs`` pairs (default:
    enough bundles for 4 per worker, for load balance, and at most ``MAX_BUNDLE_PAIRS``:
    cells come back, and are checkpointed, a bundle at a time). Jobs keep their order (largest
    first); a bundle may mix models (the batch pads narrower ones with zero columns).

    Returns
    -------
    list of bundles, each a list of (model_id, task_id, todo)
    """
    if max_pairs is None:
        max_pairs = min(MAX_BUNDLE_PAIRS, max(1, -(-len(jobs) // (4 * max(1, n_workers)))))
    bundles: list[list] = []
    held = 0.0
    for m, t, todo in jobs:
        if not bundles or len(bundles[-1]) >= max_pairs or held + held_bytes[m, t] > budget:
            bundles.append([])
            held = 0.0
        bundles[-1].append((m, t, todo))
        held += held_bytes[m, t]
    return bundles


def held_bytes(table: TaskTable, shape: tuple[int, int], itemsize: int, todo,
               protocol: ProbeProtocol) -> float:
    """What a pair holds in a bundle until the few-shot solve: its test rows and few-shot
    rows as stored, and its share of the batched solve (:func:`batch_bytes`; batches group
    problems of one shape, so the shares add up)."""
    d = shape[1]
    n_classes = len(np.unique(table.label))
    shots = dict(protocol.regimes)
    sizes = [shots[r] * n_classes for r, _ in cells_to_do(protocol, todo) if shots[r] is not None]
    return (len(table.test_index) * d * itemsize
            + sum(n * d * itemsize + batch_bytes(n, d, n_classes) for n in sizes))
