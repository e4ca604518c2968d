"""Turn raw sequences, labels and splits from any loader into a validated :class:`Task`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from geneb.catalog.tasks import TaskSpec
from geneb.core.errors import InputError

from .data import SPLITS, Task
from .normalize import csv_row, normalize
from .options import LoadOptions
from .split import stratified_split, stratified_subsample


@dataclass(frozen=True)
class RawRows:
    """One task's rows as a loader read them, before validation.

    Attributes
    ----------
    sequences, labels : sequence of str, length n
        Raw sequences and labels (labels are stripped; codes follow sorted label order,
        numbers numerically).
    split : sequence of str ("train"/"test"), int8 array (0/1), or None
        None: a stratified split with ``options.test_fraction`` and ``options.split_seed``
        (defaults 0.2 and 42).
    locate : callable
        Maps a 0-based row position to a place the user can find ("row 7").
    """

    sequences: Sequence
    labels: Sequence
    split: Sequence | np.ndarray | None = None
    locate: Callable[[int], str] = csv_row


def label_sort_key(label: str):
    """Numeric labels in numeric order, then strings in alphabetical order."""
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)


def _split_codes(split_raw: Sequence, where: str, locate: Callable[[int], str]) -> np.ndarray:
    text = np.array([("" if s is None else str(s)).strip().lower() for s in split_raw], dtype=object)
    bad = ~np.isin(text, SPLITS)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{where}: {locate(i)} has split {split_raw[i]!r}; use 'train' or 'test'")
    return (text == "test").astype(np.int8)


def _code_labels(rows: RawRows, where: str) -> tuple[tuple[str, ...], np.ndarray]:
    """(classes in code order, codes of shape (n,)); an error for a missing label or one class."""
    text = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
            for v in rows.labels]
    empty = [i for i, v in enumerate(text) if v == ""]
    if empty:
        raise InputError(f"{where}: {rows.locate(empty[0])} has no label")
    classes = tuple(sorted(set(text), key=label_sort_key))
    if len(classes) < 2:
        raise InputError(f"{where}: only one class ({classes[0]!r}); a task needs at least two")
    code = {c: i for i, c in enumerate(classes)}
    return classes, np.fromiter((code[v] for v in text), dtype=np.int64, count=len(text))


def _resolve_split(rows: RawRows, y: np.ndarray, options: LoadOptions, where: str,
                   prep: dict) -> np.ndarray:
    """Split codes of shape (n,): the rows' own, or a seeded stratified split (recorded)."""
    if rows.split is None:
        codes = stratified_split(y, options.split_fraction, options.split_random_seed)
        prep["split"] = {"origin": "stratified", "test_fraction": options.split_fraction,
                         "seed": options.split_random_seed}
    elif isinstance(rows.split, np.ndarray) and rows.split.dtype.kind in "iu":
        codes = rows.split.astype(np.int8)
    else:
        codes = _split_codes(list(rows.split), where, rows.locate)
    prep.setdefault("split", {"origin": "source"})
    return codes


def _check_classes(classes: tuple[str, ...], y: np.ndarray, split: np.ndarray, task_id: str,
                   where: str) -> list[str]:
    """Refuse a split without rows or a train split with one class; warn about classes
    missing from a split."""
    for c, name in enumerate(SPLITS):
        if not (split == c).any():
            raise InputError(f"{where}: no {name} rows; a task needs both train and test rows")
    train_classes = [classes[c] for c in np.unique(y[split == 0])]
    if len(train_classes) < 2:
        missing = [c for c in classes if c not in train_classes]
        raise InputError(f"{where}: task {task_id!r}: the train split holds only class {train_classes[0]!r} "
                         f"(no train rows of {', '.join(map(repr, missing))}); a probe needs at "
                         f"least two classes in train: move rows of another class to train")
    return [f"class {name!r} has no {sname} rows"
            for c, name in enumerate(classes) for s, sname in enumerate(SPLITS)
            if not ((y == c) & (split == s)).any()]


def _subsample(y: np.ndarray, split: np.ndarray, options: LoadOptions,
               prep: dict) -> np.ndarray | None:
    """Rows kept when the train split is above ``options.max_train`` (None: all), recorded."""
    train = np.flatnonzero(split == 0)
    if options.max_train is None or len(train) <= options.max_train:
        return None
    keep_train = stratified_subsample(train, y[train], options.max_train, options.subsample_seed)
    prep["subsample"] = {"train_rows_before": int(len(train)), "train_rows_after": int(len(keep_train)),
                         "stratified": True, "seed": options.subsample_seed}
    prep["warnings"].append(f"train split subsampled from {len(train)} to {len(keep_train)} rows "
                            f"(stratified, seed {options.subsample_seed}); use --no-subsample to keep all")
    return np.sort(np.concatenate([keep_train, np.flatnonzero(split == 1)]))


def assemble_task(rows: RawRows, spec: TaskSpec, where: str, checksum: str, *,
                  options: LoadOptions = LoadOptions(), prep: dict | None = None) -> Task:
    """Validate and normalise one task's rows.

    Parameters
    ----------
    rows : RawRows
    spec : TaskSpec
    where : str
        Names the source in messages.
    checksum : str
        SHA-256 of the source bytes.
    options : LoadOptions
    prep : dict, optional
        Loader facts to record (format, files, rows not used, warnings).

    Raises
    ------
    InputError
        Empty or invalid sequence, missing label, bad split value, fewer than two classes
        (overall or in the train split), or a split with no rows; naming the place.
    """
    prep = {**(prep or {})}
    prep["warnings"] = list(prep.get("warnings", []))
    if len(rows.sequences) == 0:
        raise InputError(f"{where}: no rows")
    if len(rows.labels) != len(rows.sequences):
        raise InputError(f"{where}: {len(rows.sequences)} sequences but {len(rows.labels)} labels")
    norm = normalize(rows.sequences, where, ambiguity=options.ambiguity, locate=rows.locate)
    classes, y = _code_labels(rows, where)
    split = _resolve_split(rows, y, options, where, prep)
    missing = _check_classes(classes, y, split, spec.task_id, where)
    seqs = norm.sequences
    prep["normalization"] = norm.summary(options.ambiguity)
    prep["warnings"] += missing
    if norm.n_sequences_with_ambiguity and options.ambiguity != "reject":
        verb = "replaced by N" if options.ambiguity == "n" else "kept"
        prep["warnings"].append(f"{norm.n_sequences_with_ambiguity} sequences hold IUPAC ambiguity "
                                f"letters ({sum(norm.ambiguity_counts.values())} letters, {verb})")
    keep = _subsample(y, split, options, prep)
    if keep is not None:
        seqs = tuple(seqs[i] for i in keep)
        y, split = y[keep], split[keep]
        recipe = json.dumps(prep["subsample"], sort_keys=True)
        checksum = hashlib.sha256(f"{checksum}:{recipe}".encode()).hexdigest()
    if norm.n_sequences_with_ambiguity and options.ambiguity == "keep":
        checksum = hashlib.sha256(f"{checksum}:ambiguity=keep".encode()).hexdigest()
    prep["options"] = options.provenance()
    prep["warnings"] = prep.pop("warnings")  # last key, as before
    return Task(spec=spec, sequences=seqs, labels=y, split=split, classes=classes,
                source_checksum=checksum, source=where, prep=prep)
