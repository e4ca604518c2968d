"""Read a task from tables: the generic CSV/TSV/Parquet loader and the GENEB release layout.

The GENEB release layout is one CSV per task with columns ``text``, ``label``, ``split``
(``train``/``test``), file stem = official task id.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from geneb.catalog.tasks import TaskSpec
from geneb.core.errors import InputError
from geneb.core.provenance import sha256_file

from ._assemble import RawRows, assemble_task
from .data import Task
from .layout import TaskLayout
from .options import LoadOptions
from ._rows import Part, PartRows, build_task, gather, source_name, split_parts
from .specs import user_spec
from ._tables import pick_column, read_table, table_kind

SEQUENCE_COLUMNS = ("sequence", "text", "seq")
LABEL_COLUMNS = ("label", "labels", "class", "y")
SPLIT_COLUMNS = ("split",)
_DNA = re.compile(r"^[ACGTNacgtn]{8,}$")


def frame_to_task(df: pd.DataFrame, spec: TaskSpec, where: str, checksum: str,
                  options: LoadOptions = LoadOptions(), prep: dict | None = None) -> Task:
    """Validate a ``sequence|text, label, split`` frame (the release layout) into :class:`Task`.

    Parameters
    ----------
    df : pandas.DataFrame, n rows
        A table with a header line; the split column is required (``train``/``test``).
    spec : TaskSpec
    where, checksum : str
        The source's name for messages, and its SHA-256.
    options : LoadOptions
    prep : dict, optional
        Loader facts to record (default ``{"format": "table"}``).
    """
    seq_col = pick_column(df, None, SEQUENCE_COLUMNS, "sequences", where, "--sequence-column")
    lab_col = pick_column(df, None, LABEL_COLUMNS, "labels", where, "--label-column")
    spl_col = pick_column(df, None, SPLIT_COLUMNS, "split", where, "--split-column")
    missing = [name for name, col in (("sequence (or text)", seq_col), ("label", lab_col),
                                      ("split", spl_col)) if col is None]
    if missing:
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}; found "
                         f"{', '.join(map(str, df.columns))}. Expected columns sequence,label,split")
    if len(df) == 0:
        raise InputError(f"{where}: the file has no rows")
    prep = {**(prep or {"format": "table"}),
            "columns": {"sequence": seq_col, "label": lab_col, "split": spl_col}}
    rows = RawRows(df[seq_col].tolist(), df[lab_col].tolist(), df[spl_col].tolist())
    return assemble_task(rows, spec, where, checksum, options=options, prep=prep)


def _task_filter(df: pd.DataFrame, layout: TaskLayout, where: str,
                 fixed: bool) -> tuple[np.ndarray | None, set]:
    """Rows kept by ``task_column == task`` (None: all), and the task values met."""
    column = layout.task_column or ("task" if "task" in df.columns else None)
    if layout.task_column is not None and column not in df.columns:
        pick_column(df, column, (), "task filter", where, "--task-column")
    if column is None:  # NT files saved one task each have no task column: task names it
        if layout.task is not None and not fixed:
            raise InputError(f"{where}: no column 'task' to keep the rows of task {layout.task!r} "
                             f"(found {', '.join(map(str, df.columns))}); name it with --task-column")
        return None, set()
    values = df[column].astype(str).str.strip()
    seen = set(values.unique())
    if layout.task is None:
        if len(seen) > 1:
            opt = "--task" if fixed or layout.task_column is None else f"--task (column {column!r})"
            raise InputError(f"{where}: holds several tasks in column {column!r} "
                             f"({', '.join(sorted(seen)[:8])}{', ...' if len(seen) > 8 else ''}); "
                             f"choose one with {opt} VALUE")
        return None, seen
    return (values == layout.task).to_numpy(), seen


def read_table_part(part: Part, layout: TaskLayout, fixed: bool = False) -> PartRows:
    """Read one table file of a task: the row filter, then the sequence, label and split columns.

    Parameters
    ----------
    part : Part
    layout : TaskLayout
        ``sep``, ``column_names``, ``task_column``/``task``, ``sequence_column``,
        ``label_column`` and (for a part without a role) ``split_column``.
    fixed : bool
        The columns are fixed by the format (NT): a missing one says so.
    """
    where = str(part.file)
    if table_kind(part.file) in ("parquet", "arrow") and (layout.sep or layout.column_names):
        raise InputError(f"{where}: --sep and --column-names are for text tables, not "
                         f"{table_kind(part.file)} files; drop them")
    df = read_table(part.file, sep=layout.sep, column_names=layout.column_names)
    first = 1 if layout.column_names else 2
    if layout.column_names and len(df) and any(
            str(df[c].iloc[0]).strip().lower() == str(c).lower() for c in df.columns):
        raise InputError(f"{where}: row 1 looks like a header line ({', '.join(map(str, df.iloc[0]))}); "
                         f"the file has one: drop --column-names (--sequence-column and "
                         f"--label-column choose columns)")
    numbers = np.arange(len(df)) + first
    keep, seen = _task_filter(df, layout, where, fixed)
    if keep is not None:
        df, numbers = df[keep], numbers[keep]
    try:
        seq = pick_column(df, layout.sequence_column, SEQUENCE_COLUMNS, "sequences", where,
                          "--sequence-column")
        lab = pick_column(df, layout.label_column, LABEL_COLUMNS, "labels", where, "--label-column")
    except InputError:
        if fixed:
            raise InputError(f"{where}: expected columns sequence, name, label (and task); found "
                             f"{', '.join(map(str, df.columns))}; --format table reads other "
                             f"columns") from None
        raise
    spl = None
    if part.role is None:
        spl = pick_column(df, layout.split_column, SPLIT_COLUMNS, "split", where, "--split-column")
    elif layout.split_column is not None:
        raise InputError(f"{where}: --split-column is not used when --train/--test files give "
                         f"the split; drop it")
    missing = [name for name, col in (("sequence (or text)", seq), ("label", lab)) if col is None]
    if missing:
        found = ", ".join(str(c)[:30] for c in df.columns)
        if not layout.column_names and any(_DNA.match(str(c).strip()) for c in df.columns):
            raise InputError(f"{where}: the first line looks like data, not a header ({found}); "
                             f"name the columns with --column-names, e.g. label,id,sequence")
        raise InputError(f"{where}: missing column(s) {', '.join(missing)}; found {found}. Name "
                         f"them with --sequence-column and --label-column"
                         f"{'' if layout.column_names else ', or --column-names for a file without a header line'}")

    return PartRows(df[seq].tolist(), df[lab].tolist(), None if spl is None else df[spl].tolist(),
                    place=lambda i: f"row {numbers[i]}", seen={"task_values": seen,
                                                                 "columns": {(seq, lab, spl)}})


def default_task_id(layout: TaskLayout) -> str:
    """The file name without extensions (a split name such as ``train`` gives the folder's),
    with ``.<task>`` added when a row filter picks one task."""
    first = Path(layout.first_file())
    stem = first.name.split(".")[0]
    if stem.lower() in ("train", "training", "test", "testing", "dev", "valid", "validation"):
        stem = first.parent.name or stem
    else:
        stem = re.sub(r"[._-](train|training)$", "", stem, flags=re.IGNORECASE) or stem
    return f"{stem}.{layout.task}" if layout.task is not None else stem


def load_table_layout(layout: TaskLayout) -> Task:
    """Load a task from table files (CSV/TSV/Parquet/Arrow, gzip accepted) as a layout says."""
    parts = split_parts(layout)
    spec = user_spec(layout.task_id or default_task_id(layout), layout.category or "other",
                     layout.first_file())
    g = gather(parts, lambda part: read_table_part(part, layout), layout)
    seq, lab, spl = next(iter(g.seen.get("columns", {(None, None, None)})))
    where = source_name(layout)
    prep = {"format": "table", "columns": {"sequence": seq, "label": lab, "split": spl}}
    return build_task(g, layout, spec, where, prep)


def load_table_task(path: str | Path, *, options: LoadOptions = LoadOptions(),
                    **layout: object) -> Task:
    """Load a user's task from a CSV/TSV/Parquet table (gzip accepted).

    Parameters
    ----------
    path : path-like
    options : LoadOptions
    **layout
        Any :class:`~geneb.tasks.layout.TaskLayout` field: ``task_id`` (default: the file
        name without extensions), ``category`` (default "other"), ``sequence_column``,
        ``label_column``, ``split_column``, ``train_values``, ``test_values``, ``sep``,
        ``column_names`` (a file without a header line, e.g. UCI splice:
        ``("label", "id", "sequence")``), ``task_column``/``task``, ``label_map``,
        ``sequence_format``. No split column means a seeded stratified split.
    """
    return load_table_layout(TaskLayout(path=str(path), format="table",
                                        **options.as_kwargs(), **layout))


def load_task_file(path: str | Path, *, task_id: str | None = None, category: str = "other",
                   options: LoadOptions = LoadOptions()) -> Task:
    """Load a user's task from a CSV or TSV file with ``sequence``, ``label``, ``split``.

    The split column is required here; :func:`load_table_task` (and the command line's
    ``--task-file``, through :func:`~geneb.tasks.loaders.load_layout`) read other layouts.
    """
    path = Path(path)
    df = read_table(path)
    name = task_id or path.name.split(".")[0]
    spec = user_spec(name, category, str(path))
    return frame_to_task(df, spec, str(path), sha256_file(path), options=options,
                         prep={"format": "table", "files": [str(path)]})
