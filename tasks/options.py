"""How a task is read: one frozen set of options shared by every loader."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from geneb.core.errors import InputError
from geneb.tasks.normalize import AMBIGUITY_MODES

#: Train splits above this many sequences are subsampled (stratified, seeded) by default.
MAX_TRAIN = 100_000


@dataclass(frozen=True)
class LoadOptions:
    """Options every loader honours.

    Attributes
    ----------
    ambiguity : {"n", "reject", "keep"}
        IUPAC ambiguity letters become N (default), are an error, or are kept.
    max_train : int or None
        Train splits larger than this are reduced to this size by a stratified sample with
        ``subsample_seed`` (recorded in the task's provenance); None keeps every row.
    subsample_seed : int
    test_fraction : float
        For sources without a split: the stratified test share.
    split_seed : int
        Seed of that stratified split.
    """

    ambiguity: str = "n"
    max_train: int | None = MAX_TRAIN
    subsample_seed: int = 42
    test_fraction: float = 0.2
    split_seed: int = 42

    def __post_init__(self) -> None:
        if self.ambiguity not in AMBIGUITY_MODES:
            raise InputError(f"ambiguity {self.ambiguity!r} is unknown; use one of "
                             f"{', '.join(AMBIGUITY_MODES)}")
        if self.max_train is not None and self.max_train < 2:
            raise InputError(f"max_train must be at least 2 (got {self.max_train}); "
                             f"use none to keep every row")
        if not 0.0 < self.test_fraction < 1.0:
            raise InputError(f"test_fraction must be between 0 and 1 (got {self.test_fraction})")

    def to_dict(self) -> dict:
        return asdict(self)
