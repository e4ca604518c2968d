"""Read a task from one CSV/TSV file with ``sequence``, ``label`` and ``split`` columns.

This is also the GENEB release layout (columns ``text``, ``label``, ``split``; one file
per task, file stem = task id).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geneb.catalog.categories import resolve_category
from geneb.catalog.tasks import TaskSpec
from geneb.core.errors import InputError, MissingDataError
from geneb.core.provenance import sha256_file
from geneb.tasks.data import SPLITS, TaskData
from geneb.tasks.normalize import normalize_sequences

_SEQUENCE_COLUMNS = ("sequence", "text", "seq")


def _sort_key(label: str):
    """Numeric labels in numeric order, then strings in alphabetical order."""
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)


def frame_to_task(df: pd.DataFrame, spec: TaskSpec, where: str, checksum: str) -> TaskData:
    """Validate a ``sequence, label, split`` frame and turn it into :class:`TaskData`."""
    seq_col = next((c for c in _SEQUENCE_COLUMNS if c in df.columns), None)
    missing = [name for name, col in (("sequence (or text)", seq_col),
                                      ("label", "label" if "label" in df.columns else None),
                                      ("split", "split" if "split" in df.columns else None))
               if col is None]
    if missing:
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}; found "
                         f"{', '.join(map(str, df.columns))}. Expected columns sequence,label,split")
    if len(df) == 0:
        raise InputError(f"{where}: the file has no rows")
    sequences = normalize_sequences(df[seq_col].tolist(), where)
    split_text = df["split"].astype(str).str.strip().str.lower()
    bad = ~split_text.isin(SPLITS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{where}: row {i + 2} has split {df['split'].iloc[i]!r}; "
                         f"use 'train' or 'test'")
    split = (split_text == "test").to_numpy().astype(np.int8)
    for code, name in enumerate(SPLITS):
        if not (split == code).any():
            raise InputError(f"{where}: no {name} rows; a task needs both train and test rows")
    labels_text = df["label"].astype(str).str.strip()
    if (labels_text == "").any() or df["label"].isna().any():
        i = int(np.flatnonzero(((labels_text == "") | df["label"].isna()).to_numpy())[0])
        raise InputError(f"{where}: row {i + 2} has no label")
    classes = tuple(sorted(set(labels_text), key=_sort_key))
    if len(classes) < 2:
        raise InputError(f"{where}: only one class ({classes[0]!r}); a task needs at least two")
    code = {c: i for i, c in enumerate(classes)}
    labels = labels_text.map(code).to_numpy().astype(np.int64)
    return TaskData(spec=spec, sequences=sequences, labels=labels, split=split,
                    classes=classes, source_checksum=checksum, source=where)


def load_task_file(path: str | Path, *, task_id: str | None = None,
                   category: str = "other") -> TaskData:
    """Load a user's task from a CSV or TSV file (gzip accepted).

    Parameters
    ----------
    path : path-like
        File with columns ``sequence`` (or ``text``), ``label`` and ``split``.
    task_id : str, optional
        Defaults to the file name without extensions.
    category : str
        One of the 13 GENEB categories, or "other".
    """
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"task file {str(path)!r} does not exist")
    sep = "\t" if ".tsv" in path.suffixes else ","
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot be read as {'TSV' if sep == chr(9) else 'CSV'} ({first})") from None
    name = task_id or path.name.split(".")[0]
    spec = TaskSpec(task_id=name, category=resolve_category(category, allow_other=True),
                    benchmark="user", label=name, source_benchmark=str(path))
    return frame_to_task(df, spec, str(path), sha256_file(path))
