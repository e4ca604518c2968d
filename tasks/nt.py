"""Nucleotide Transformer downstream tasks as saved locally from Hugging Face.

Accepted: a Parquet/Arrow/CSV file or a folder of them (``save_to_disk`` writes
``train/data-*.arrow`` and ``test/data-*.arrow``; the hub has ``*/train-*.parquet``) with
columns ``sequence``, ``name``, ``label`` and, when several tasks share the files, ``task``.
The split comes from the file/folder name (train/test), a ``split`` column, or (for
train-only data) a seeded split with ``test_fraction``; ``--train``/``--test`` files work too.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from geneb.core.errors import MissingDataError

from .data import Task
from .files import read_table_part
from .layout import TaskLayout
from .options import LoadOptions
from ._rows import VALID_NAMES, Part, build_task, expand, gather, source_name, split_parts
from .specs import user_spec

_DATA_ENDINGS = (".parquet", ".arrow", ".csv", ".csv.gz", ".tsv", ".tsv.gz")
_UNUSED_SPLITS = VALID_NAMES


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


def nt_parts(layout: TaskLayout) -> list[Part]:
    """The files of an NT source with the split their name says (train, test, valid, or None)."""
    parts = split_parts(layout)  # checks path vs train/test; train/test/valid parts as given
    if not layout.path:
        return parts
    named = []
    for given in expand(layout.path, "path"):
        for path in nt_files(given):
            name = _split_of(path, given if given.is_dir() else path)
            named.append(Part(path, "valid" if name in _UNUSED_SPLITS else name))
    return named + [p for p in parts if p.role == "valid"]


def load_nt_layout(layout: TaskLayout) -> Task:
    """Load one Nucleotide Transformer downstream task (see the module docstring).

    The ``task`` column selects the task (required when the files hold several); the split
    comes from file or folder names (train/test; validation recorded, not used), a ``split``
    column, or a seeded split with ``test_fraction`` for train-only data.
    """
    root = Path(layout.first_file())
    name = layout.task or root.name.split(".")[0]
    revised = layout.revised if layout.revised is not None else "revised" in str(root).lower()
    base = "InstaDeepAI_nucleotide_transformer_downstream_tasks" + ("_revised" if revised else "")
    spec = user_spec(layout.task_id or f"nt.{name}", layout.category, f"Nucleotide Transformer {name}",
                     (f"{base}_{name}",))
    fixed = replace(layout, sequence_column="sequence", label_column="label")
    g = gather(nt_parts(layout), lambda part: read_table_part(part, fixed, fixed=True), layout,
               unused_values=_UNUSED_SPLITS)
    prep = {"format": "nucleotide-transformer", "task": layout.task}
    return build_task(g, layout, spec, source_name(layout), prep)


def load_nt_task(path: str | Path, task: str | None = None, *, task_id: str | None = None,
                 category: str | None = None, revised: bool | None = None,
                 options: LoadOptions = LoadOptions()) -> Task:
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
    options : LoadOptions
    """
    return load_nt_layout(TaskLayout(path=str(path), format="nt", task=task, task_id=task_id,
                                     category=category, revised=revised,
                                     **options.as_kwargs()))
