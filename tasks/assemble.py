"""Turn raw sequences, labels and splits from any loader into a validated :class:`TaskData`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

import numpy as np

from geneb.catalog.tasks import TaskSpec
from geneb.core.errors import InputError
from geneb.tasks.data import SPLITS, TaskData
from geneb.tasks.normalize import csv_row, normalize
from geneb.tasks.options import LoadOptions
from geneb.tasks.split import stratified_split, stratified_subsample


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


def assemble_task(sequences: Sequence, labels: Sequence, split: Sequence | np.ndarray | None,
                  spec: TaskSpec, where: str, checksum: str, *,
                  options: LoadOptions = LoadOptions(),
                  locate: Callable[[int], str] = csv_row, prep: dict | None = None) -> TaskData:
    """Validate and normalise one task's rows.

    Parameters
    ----------
    sequences, labels : sequence of str, length n
        Raw sequences and labels (labels are stripped; codes follow sorted label order,
        numbers numerically).
    split : sequence of str ("train"/"test"), int8 array (0/1), or None
        None: a stratified split with ``options.test_fraction`` and ``options.split_seed``
        (defaults 0.2 and 42).
    spec : TaskSpec
    where : str
        Names the source in messages.
    checksum : str
        SHA-256 of the source bytes.
    options : LoadOptions
    locate : callable
        Maps a 0-based row position to a place the user can find.
    prep : dict, optional
        Loader facts to record (format, files, rows not used, warnings).

    Raises
    ------
    InputError
        Empty or invalid sequence, missing label, bad split value, fewer than two classes
        (overall or in the train split), or a split with no rows; naming the place.
    """
    prep = {**(prep or {})}
    warnings = list(prep.pop("warnings", []))
    if len(sequences) == 0:
        raise InputError(f"{where}: no rows")
    if len(labels) != len(sequences):
        raise InputError(f"{where}: {len(sequences)} sequences but {len(labels)} labels")
    norm = normalize(sequences, where, ambiguity=options.ambiguity, locate=locate)
    labels_text = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
                   for v in labels]
    empty = [i for i, v in enumerate(labels_text) if v == ""]
    if empty:
        raise InputError(f"{where}: {locate(empty[0])} has no label")
    classes = tuple(sorted(set(labels_text), key=label_sort_key))
    if len(classes) < 2:
        raise InputError(f"{where}: only one class ({classes[0]!r}); a task needs at least two")
    code = {c: i for i, c in enumerate(classes)}
    y = np.fromiter((code[v] for v in labels_text), dtype=np.int64, count=len(labels_text))

    if split is None:
        split_codes = stratified_split(y, options.split_fraction, options.split_random_seed)
        prep["split"] = {"origin": "stratified", "test_fraction": options.split_fraction,
                         "seed": options.split_random_seed}
    elif isinstance(split, np.ndarray) and split.dtype.kind in "iu":
        split_codes = split.astype(np.int8)
    else:
        split_codes = _split_codes(list(split), where, locate)
    prep.setdefault("split", {"origin": "source"})
    for c, name in enumerate(SPLITS):
        if not (split_codes == c).any():
            raise InputError(f"{where}: no {name} rows; a task needs both train and test rows")
    train_classes = [classes[c] for c in np.unique(y[split_codes == 0])]
    if len(train_classes) < 2:
        missing = [c for c in classes if c not in train_classes]
        raise InputError(f"{where}: task {spec.task_id!r}: the train split holds only class {train_classes[0]!r} "
                         f"(no train rows of {', '.join(map(repr, missing))}); a probe needs at "
                         f"least two classes in train: move rows of another class to train")
    for c, name in enumerate(classes):
        for s, sname in enumerate(SPLITS):
            if not ((y == c) & (split_codes == s)).any():
                warnings.append(f"class {name!r} has no {sname} rows")

    seqs = norm.sequences
    prep["normalization"] = norm.summary(options.ambiguity)
    if norm.n_sequences_with_ambiguity and options.ambiguity != "reject":
        verb = "replaced by N" if options.ambiguity == "n" else "kept"
        warnings.append(f"{norm.n_sequences_with_ambiguity} sequences hold IUPAC ambiguity "
                        f"letters ({sum(norm.ambiguity_counts.values())} letters, {verb})")

    train = np.flatnonzero(split_codes == 0)
    if options.max_train is not None and len(train) > options.max_train:
        keep_train = stratified_subsample(train, y[train], options.max_train, options.subsample_seed)
        keep = np.sort(np.concatenate([keep_train, np.flatnonzero(split_codes == 1)]))
        prep["subsample"] = {"train_rows_before": int(len(train)), "train_rows_after": int(len(keep_train)),
                             "stratified": True, "seed": options.subsample_seed}
        warnings.append(f"train split subsampled from {len(train)} to {len(keep_train)} rows "
                        f"(stratified, seed {options.subsample_seed}); use --no-subsample to keep all")
        seqs = tuple(seqs[i] for i in keep)
        y, split_codes = y[keep], split_codes[keep]
        recipe = json.dumps(prep["subsample"], sort_keys=True)
        checksum = hashlib.sha256(f"{checksum}:{recipe}".encode()).hexdigest()
    if norm.n_sequences_with_ambiguity and options.ambiguity == "keep":
        checksum = hashlib.sha256(f"{checksum}:ambiguity=keep".encode()).hexdigest()
    prep["options"] = options.provenance()
    prep["warnings"] = warnings
    return TaskData(spec=spec, sequences=seqs, labels=y, split=split_codes, classes=classes,
                    source_checksum=checksum, source=where, prep=prep)
