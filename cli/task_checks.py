"""Warnings about the rows of your own task files, printed when a command loads them.

``geneb tasks check`` reports duplicates in full (with the GC and length baselines); a
command that runs a task file says the counts at once, so a task that repeats rows, or
whose test rows also occur in train, is not probed without a word.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import numpy as np

from geneb.catalog.tasks import TASKS
from geneb.tasks.data import TaskData


def duplicate_notes(task: TaskData) -> list[str]:
    """The duplicate counts of one task, worded as ``geneb tasks check`` words them.

    Returns
    -------
    list of str
        Empty when no sequence repeats.
    """
    seqs = task.sequences
    train = [seqs[i] for i in np.flatnonzero(task.split == 0)]
    test = [seqs[i] for i in np.flatnonzero(task.split == 1)]
    notes = []
    in_train = set(train)
    leaked = sum(s in in_train for s in test)
    if leaked:
        notes.append(f"{leaked} of {len(test)} test sequences also occur in train "
                     f"(exact duplicates)")
    for name, rows in (("train", train), ("test", test)):
        if len(rows) > len(set(rows)):
            notes.append(f"{len(rows) - len(set(rows))} duplicate rows within {name}")
    labels: dict[str, set] = {}
    for s, y in zip(seqs, task.labels.tolist()):
        labels.setdefault(s, set()).add(y)
    conflicting = sum(len(v) > 1 for v in labels.values())
    if conflicting:
        notes.append(f"{conflicting} sequences occur with different labels")
    return notes


def warn_duplicates(tasks: Iterable[TaskData]) -> None:
    """Print the duplicate counts of every task that is not a catalog task (one line each)."""
    for task in tasks:
        if task.task_id in TASKS:
            continue  # catalog tasks are checked when they are built
        notes = duplicate_notes(task)
        if notes:
            print(f"geneb: warning: {task.task_id}: {'; '.join(notes)} (details: `geneb tasks "
                  f"check`)", file=sys.stderr)
