"""The one value type of a task's data: :class:`Task` (its spec, sequences, labels, split)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from geneb.catalog.tasks import TaskSpec
from geneb.core.splits import SPLITS, SplitRows


@dataclass(frozen=True)
class Task(SplitRows):
    """One task's labelled sequences and splits, validated, with what it is (``spec``).

    Every loader returns one; the store keeps its per-sequence table
    (:class:`geneb.store.TaskTable`) and its spec's fields as attributes.

    Attributes
    ----------
    spec : TaskSpec
    sequences : tuple of str, length n
        Normalised (upper-case) DNA sequences.
    labels : numpy.ndarray of int64, shape (n,)
        Class codes ``0 .. n_classes-1``; code ``i`` means ``classes[i]``.
    split : numpy.ndarray of int8, shape (n,)
        0 for train rows, 1 for test rows (see :data:`SPLITS`).
    classes : tuple of str
        Original class labels in code order (sorted).
    source_checksum : str
        SHA-256 of the file the task was read from (mixed with the subsample recipe when
        rows were subsampled, so stores tell the two apart).
    source : str
        Where the task was read from.
    prep : dict
        JSON-able record of how the rows were prepared: loader, options, normalisation
        counts, split origin, subsampling, rows not used, and ``warnings`` (list of str).
    """

    spec: TaskSpec
    sequences: tuple[str, ...]
    labels: np.ndarray
    split: np.ndarray
    classes: tuple[str, ...]
    source_checksum: str
    source: str = ""
    prep: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def task_id(self) -> str:
        return self.spec.task_id

    @property
    def warnings(self) -> list[str]:
        """Things the loader noticed and the user should know (nothing was dropped silently)."""
        return list(self.prep.get("warnings", []))

    @property
    def n(self) -> int:
        return len(self.sequences)


#: Earlier name of :class:`Task`, still imported by extract/ and bench/ (follow-up: use Task).
TaskData = Task

__all__ = ["SPLITS", "Task", "TaskData"]
