"""Nucleotide Transformer downstream tasks as saved locally from Hugging Face.

Accepted: a Parquet/Arrow/CSV file or a folder of them (``save_to_disk`` writes
``train/data-*.arrow`` and ``test/data-*.arrow``; the hub has ``*/train-*.parquet``) with
columns ``sequence``, ``name``, ``label`` and, when several tasks share the files, ``task``.
The split comes from a ``split`` column or from the file/folder name (train/test).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from geneb.core.errors import InputError, MissingDataError
from geneb.core.provenance import sha256_file
from geneb.core.registry import did_you_mean
from geneb.tasks.assemble import assemble_task
from geneb.tasks.data import TaskData
from geneb.tasks.multi import RowStack
from geneb.tasks.options import LoadOptions
from geneb.tasks.specs import user_spec
from geneb.tasks.tables import read_table

_DATA_ENDINGS = (".parquet", ".arrow", ".csv", ".csv.gz", ".tsv", ".tsv.gz")
_UNUSED_SPLITS = ("validation", "valid", "dev", "val")


def _split_of(path: Path, root: Path) -> str | None:
    """"train", "test", an unused split name ("validation", "dev", ...) or None, from the path."""
    parts = [p.lower() for p in path.relative_to(root).parts] if path != root else [path.name.lower()]
    for part in reversed(parts):
        for name in ("train", "test"):
            if part == name or part.startswith(name + "-") or part.startswith(name + ".") \
                    or part.startswith(name + "_"):
                return name
        for u in _UNUSED_SPLITS:
            if part == u or part.startswith(u + "-") or part.startswith(u + "."):
                return u
    return None


def nt_files(path: str | Path) -> list[Path]:
    """Data files of a saved dataset (one file, or every data file below a folder)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise MissingDataError(f"Nucleotide Transformer data {str(path)!r} does not exist")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_DATA_ENDINGS))
    if not files:
        raise MissingDataError(f"{path}: no .parquet, .arrow or .csv files")
    return files


def load_nt_task(path: str | Path, task: str | None = None, *, task_id: str | None = None,
                 category: str | None = None, revised: bool | None = None,
                 options: LoadOptions = LoadOptions()) -> TaskData:
    """Load one Nucleotide Transformer downstream task.

    Parameters
    ----------
    path : path-like
        A file or folder as saved locally (see module docstring).
    task : str, optional
        Value of the ``task`` column to keep (e.g. ``promoter_all``); required when the
        files hold several tasks.
    task_id : str, optional
        Default ``nt.<task>``.
    category : str, optional
        Default: the category of the matching GENEB task, else "other".
    revised : bool, optional
        Whether this is the revised release (matters only for the GENEB task it matches);
        default: "revised" appears in the path.
    """
    root = Path(path)
    stack, warnings, unused, files_used = RowStack(), [], {}, []
    digest = hashlib.sha256()
    tasks_seen: set[str] = set()
    for f in nt_files(root):
        df = read_table(f)
        where = str(f)
        if "sequence" not in df.columns or "label" not in df.columns:
            raise InputError(f"{where}: expected columns sequence, name, label (and task); found "
                             f"{', '.join(map(str, df.columns))}")
        if "task" in df.columns:
            tasks_seen.update(map(str, df["task"].unique()))
            if task is None:
                if df["task"].nunique() > 1:
                    raise InputError(f"{where}: holds several tasks "
                                     f"({', '.join(sorted(map(str, df['task'].unique()))[:8])}); "
                                     f"choose one with task")
            else:
                df = df[df["task"].astype(str) == task]
        if "split" in df.columns:
            groups = [(str(s).strip().lower(), g) for s, g in df.groupby("split", sort=False)]
        else:
            split = _split_of(f, root if root.is_dir() else f)
            if split is None:
                raise InputError(f"{where}: cannot tell train from test; name files or folders "
                                 f"train/test or add a split column")
            groups = [(split, df)]
        for split, g in groups:
            if split not in ("train", "test"):
                unused[f"{where}:{split}"] = len(g)
                if len(g):
                    warnings.append(f"{f.name}: {len(g)} {split} rows not used (GENEB trains on "
                                    f"train, scores on test)")
                continue
            if len(g) == 0:
                continue
            if where not in files_used:
                digest.update(sha256_file(f).encode())
                files_used.append(where)
            # row numbers of the filtered rows in the file (header = row 1)
            stack.add(g["sequence"].tolist(), g["label"].tolist(), 1 if split == "test" else 0, where,
                      names=[f"{f.name} row {int(i) + 2}" for i in g.index])
    if not stack.sequences:
        hint = did_you_mean(task or "", sorted(tasks_seen)) if tasks_seen else ""
        raise InputError(f"{root}: no rows for task {task!r}.{hint} Tasks in the files: "
                         f"{', '.join(sorted(tasks_seen)[:20]) or '(no task column)'}")
    name = task or root.name
    if revised is None:
        revised = "revised" in str(root).lower()
    base = "InstaDeepAI_nucleotide_transformer_downstream_tasks" + ("_revised" if revised else "")
    spec = user_spec(task_id or f"nt.{name}", category, f"Nucleotide Transformer {name}",
                     (f"{base}_{name}",))
    prep = {"format": "nucleotide-transformer", "task": task, "files": files_used,
            "rows_unused": unused, "warnings": warnings}
    return assemble_task(stack.sequences, stack.labels, stack.split_codes(), spec, str(root),
                         digest.hexdigest(), options=options, locate=stack.locate, prep=prep)
