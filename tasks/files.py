"""Read a task from one table: the generic CSV/TSV loader and the GENEB release layout.

The GENEB release layout is one CSV per task with columns ``text``, ``label``, ``split``
(``train``/``test``), file stem = official task id.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geneb.catalog.tasks import TaskSpec
from geneb.core.errors import InputError
from geneb.core.provenance import sha256_file
from geneb.tasks.assemble import assemble_task
from geneb.tasks.data import TaskData
from geneb.tasks.options import LoadOptions
from geneb.tasks.specs import user_spec
from geneb.tasks.tables import pick_column, read_table

SEQUENCE_COLUMNS = ("sequence", "text", "seq")
LABEL_COLUMNS = ("label", "labels", "class", "y")
SPLIT_COLUMNS = ("split",)


def frame_task(df: pd.DataFrame, spec: TaskSpec, where: str, checksum: str, *,
               sequence_column: str | None = None, label_column: str | None = None,
               split_column: str | None = None, require_split: bool = False,
               train_values: tuple[str, ...] = ("train",),
               test_values: tuple[str, ...] = ("test",),
               options: LoadOptions = LoadOptions(), prep: dict | None = None,
               header: bool = True) -> TaskData:
    """Turn a table into a task, choosing columns by name.

    Parameters
    ----------
    df : pandas.DataFrame, n rows
    sequence_column, label_column, split_column : str, optional
        Column names; by default the first of ``sequence|text|seq``, ``label|labels|class|y``
        and ``split`` present. Without a split column the rows get a seeded stratified
        split (unless ``require_split``).
    train_values, test_values : tuple of str
        Split-column values (case-insensitive) meaning train and test; other values are an
        error naming the row.
    header : bool
        Whether the file had a header line (row numbers in messages count it).
    """
    first = 2 if header else 1
    seq_col = pick_column(df, sequence_column, SEQUENCE_COLUMNS, "sequences", where,
                          "--sequence-column")
    lab_col = pick_column(df, label_column, LABEL_COLUMNS, "labels", where, "--label-column")
    spl_col = pick_column(df, split_column, SPLIT_COLUMNS, "split", where, "--split-column")
    missing = [name for name, col in (("sequence (or text)", seq_col), ("label", lab_col)) if col is None]
    if require_split and spl_col is None:
        missing.append("split")
    if missing:
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}; found "
                         f"{', '.join(map(str, df.columns))}. Expected columns sequence,label,split")
    if len(df) == 0:
        raise InputError(f"{where}: the file has no rows")
    split = None
    if spl_col is not None:
        text = df[spl_col].astype(str).str.strip().str.lower()
        train = {v.lower() for v in train_values}
        test = {v.lower() for v in test_values}
        bad = ~text.isin(train | test)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{where}: row {i + first} has split {df[spl_col].iloc[i]!r}; use "
                             f"{' or '.join(repr(v) for v in (*train_values, *test_values))}")
        split = text.isin(test).to_numpy().astype(np.int8)
    prep = {**(prep or {}), "columns": {"sequence": seq_col, "label": lab_col, "split": spl_col}}
    return assemble_task(df[seq_col].tolist(), df[lab_col].tolist(), split, spec, where, checksum,
                         options=options, prep=prep, locate=lambda i: f"row {i + first}")


def frame_to_task(df: pd.DataFrame, spec: TaskSpec, where: str, checksum: str,
                  options: LoadOptions = LoadOptions()) -> TaskData:
    """Validate a ``sequence, label, split`` frame (the release layout) into :class:`TaskData`."""
    return frame_task(df, spec, where, checksum, require_split=True, options=options,
                      prep={"format": "table"})


def load_table_task(path: str | Path, *, task_id: str | None = None, category: str = "other",
                    sequence_column: str | None = None, label_column: str | None = None,
                    split_column: str | None = None, train_values: tuple[str, ...] = ("train",),
                    test_values: tuple[str, ...] = ("test",), sep: str | None = None,
                    column_names: tuple[str, ...] | None = None,
                    options: LoadOptions = LoadOptions()) -> TaskData:
    """Load a user's task from a CSV/TSV/Parquet table (gzip accepted).

    Parameters
    ----------
    path : path-like
    task_id : str, optional
        Defaults to the file name without extensions.
    category : str
        One of the 13 GENEB categories, or "other".
    sequence_column, label_column, split_column, train_values, test_values
        See :func:`frame_task`; no split column means a seeded stratified split.
    sep : str, optional
        Field separator of a text table (default by file name).
    column_names : tuple of str, optional
        For a file without a header line: its column names (e.g. UCI splice:
        ``("label", "id", "sequence")``).
    """
    path = Path(path)
    df = read_table(path, sep=sep, column_names=column_names)
    name = task_id or path.name.split(".")[0]
    spec = user_spec(name, category, str(path))
    return frame_task(df, spec, str(path), sha256_file(path), sequence_column=sequence_column,
                      label_column=label_column, split_column=split_column,
                      train_values=train_values, test_values=test_values, options=options,
                      prep={"format": "table", "files": [str(path)]}, header=not column_names)


def load_task_file(path: str | Path, *, task_id: str | None = None, category: str = "other",
                   options: LoadOptions = LoadOptions()) -> TaskData:
    """Load a user's task from a CSV or TSV file with ``sequence``, ``label``, ``split``.

    The split column is required here (``--task-file``); use :func:`load_table_task` for
    other column names or a seeded split.
    """
    path = Path(path)
    df = read_table(path)
    name = task_id or path.name.split(".")[0]
    spec = user_spec(name, category, str(path))
    return frame_task(df, spec, str(path), sha256_file(path), require_split=True, options=options,
                      prep={"format": "table", "files": [str(path)]})
