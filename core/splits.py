"""Split codes shared by task data and the store's task tables."""

from __future__ import annotations

import numpy as np

#: Split names in code order: 0 = train, 1 = test.
SPLITS = ("train", "test")
TRAIN, TEST = 0, 1


class SplitRows:
    """Mixin for records with an int8 ``split`` array (0 = train, 1 = test)."""

    split: np.ndarray

    @property
    def train_index(self) -> np.ndarray:
        """Row positions of the train split, shape (n_train,)."""
        return np.flatnonzero(self.split == TRAIN)

    @property
    def test_index(self) -> np.ndarray:
        """Row positions of the test split, shape (n_test,)."""
        return np.flatnonzero(self.split == TEST)
