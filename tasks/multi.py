"""Stack rows read from several files (one per split or class) into one task's columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RowStack:
    """Sequences, labels and split codes gathered part by part, remembering where each came from.

    ``locate(i)`` names the file and row (or file) of stacked row ``i`` for error messages.
    """

    sequences: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    split: list = field(default_factory=list)
    _parts: list = field(default_factory=list)  # (start, file name, per-row names or None)

    def add(self, sequences, labels, split_code: int, where: str, names=None) -> None:
        """Append the rows of one file (a table with a header line), or of many one-sequence
        files named by ``names``."""
        self._parts.append((len(self.sequences), where, names))
        self.sequences.extend(sequences)
        self.labels.extend(labels)
        self.split.extend([split_code] * len(sequences))

    def split_codes(self) -> np.ndarray:
        return np.asarray(self.split, dtype=np.int8)

    def locate(self, i: int) -> str:
        starts = [p[0] for p in self._parts]
        k = int(np.searchsorted(starts, i, side="right")) - 1
        start, where, names = self._parts[k]
        return f"{where} row {i - start + 2}" if names is None else f"file {names[i - start]}"
