"""How a task's rows are prepared: the options every loader honours (catalog tasks included)."""

from __future__ import annotations

from dataclasses import dataclass

from geneb.core.errors import InputError

from .normalize import AMBIGUITY_MODES

#: Train splits above this many sequences are subsampled (stratified, seeded) by default.
MAX_TRAIN = 100_000
#: Test share and seed of the stratified split made for sources without a split.
DEFAULT_TEST_FRACTION = 0.2
DEFAULT_SPLIT_SEED = 42


@dataclass(frozen=True)
class LoadOptions:
    """Options every loader honours.

    :class:`geneb.tasks.layout.TaskLayout` extends this class with where the data is and
    how to read it; catalog tasks (geneb-mini, ``--tasks-dir``) take these alone.

    Attributes
    ----------
    ambiguity : {"n", "reject", "keep"}
        IUPAC ambiguity letters become N (default), are an error, or are kept.
    max_train : int or None
        Train splits larger than this are reduced to this size by a stratified sample with
        ``subsample_seed`` (recorded in the task's provenance); None keeps every row.
    subsample_seed : int
    test_fraction : float or None
        For sources without a split: the stratified test share (None: 0.2). A task-file
        loader refuses it when the data has its own split.
    split_seed : int or None
        Seed of that stratified split (None: 42).
    """

    ambiguity: str = "n"
    max_train: int | None = MAX_TRAIN
    subsample_seed: int = 42
    test_fraction: float | None = None
    split_seed: int | None = None

    def __post_init__(self) -> None:
        if self.ambiguity not in AMBIGUITY_MODES:
            raise InputError(f"ambiguity {self.ambiguity!r} is unknown; use one of "
                             f"{', '.join(AMBIGUITY_MODES)}")
        if self.max_train is not None and self.max_train < 2:
            raise InputError(f"max_train must be at least 2 (got {self.max_train}); "
                             f"use none to keep every row")
        if self.test_fraction is not None and not 0.0 < self.test_fraction < 1.0:
            raise InputError(f"test_fraction must be between 0 and 1 (got {self.test_fraction}), "
                             f"e.g. 0.2")

    @property
    def split_fraction(self) -> float:
        """The test share of a seeded split (``test_fraction``, default 0.2)."""
        return DEFAULT_TEST_FRACTION if self.test_fraction is None else float(self.test_fraction)

    @property
    def split_random_seed(self) -> int:
        """The seed of a seeded split (``split_seed``, default 42)."""
        return DEFAULT_SPLIT_SEED if self.split_seed is None else int(self.split_seed)

    def as_kwargs(self) -> dict:
        """These five options as given (None where not given), e.g. for a ``TaskLayout``."""
        return {"ambiguity": self.ambiguity, "max_train": self.max_train,
                "subsample_seed": self.subsample_seed, "test_fraction": self.test_fraction,
                "split_seed": self.split_seed}

    def load_options(self) -> LoadOptions:
        """These five options alone (a plain :class:`LoadOptions`)."""
        return LoadOptions(**self.as_kwargs())

    def provenance(self) -> dict:
        """The options in effect (defaults filled in), as recorded in a task's provenance."""
        return {"ambiguity": self.ambiguity, "max_train": self.max_train,
                "subsample_seed": self.subsample_seed, "test_fraction": self.split_fraction,
                "split_seed": self.split_random_seed}

    def to_dict(self) -> dict:
        return self.provenance()
