"""The GENEB release layout: a folder with one table per official task (stem = task id)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geneb.catalog.tasks import TaskSpec
from geneb.core.errors import MissingDataError
from geneb.core.provenance import sha256_file
from geneb.core.registry import did_you_mean

from .data import Task
from .files import frame_to_task
from .options import LoadOptions
from ._tables import read_table

#: File endings tried for ``<task_id>`` in a release folder, in this order.
RELEASE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet")


def _stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(RELEASE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class ReleaseScan:
    """What a release folder holds for a list of tasks.

    Attributes
    ----------
    found : dict of str to Path
        Task id → its file.
    missing : tuple of str
        Requested task ids with no file.
    unknown : tuple of str
        Table files whose stem is no requested task id, as ``"name.csv"`` or
        ``"name.csv (did you mean 'x'?)"``.
    """

    found: dict
    missing: tuple[str, ...]
    unknown: tuple[str, ...]

    def missing_message(self, tasks_dir: Path, total: int) -> str:
        shown = ", ".join(self.missing)
        return (f"{len(self.missing)} of {total} tasks have no file in {tasks_dir} "
                f"(expected <task_id>.csv): {shown}")


def scan_release_dir(tasks_dir: str | Path, specs: list[TaskSpec]) -> ReleaseScan:
    """Match a folder's files to task ids (``<task_id>.csv``, ``.csv.gz``, ``.tsv``, ``.parquet``)."""
    tasks_dir = Path(tasks_dir)
    if not tasks_dir.is_dir():
        raise MissingDataError(f"tasks folder {str(tasks_dir)!r} does not exist; it should hold "
                               f"one <task_id>.csv per task (columns text,label,split)")
    files = {}
    for p in sorted(tasks_dir.iterdir()):
        if p.is_file() and any(p.name.endswith(s) for s in RELEASE_SUFFIXES):
            files.setdefault(_stem(p), p)
    wanted = [s.task_id for s in specs]
    found = {t: files[t] for t in wanted if t in files}
    missing = tuple(t for t in wanted if t not in files)
    unknown = []
    for stem in files:
        if stem not in set(wanted):
            hint = did_you_mean(stem, wanted, n=1).strip().rstrip("?")
            unknown.append(f"{files[stem].name}" + (f" ({hint[0].lower()}{hint[1:]}?)" if hint else ""))
    unknown = tuple(unknown)
    return ReleaseScan(found, missing, unknown)


def load_release_task(path: str | Path, spec: TaskSpec,
                      options: LoadOptions = LoadOptions()) -> Task:
    """Load one release-layout table (``text,label,split``) for a catalog task."""
    path = Path(path)
    df = read_table(path)
    task = frame_to_task(df, spec, str(path), sha256_file(path), options=options)
    task.prep["format"] = "geneb-release"
    task.prep["files"] = [str(path)]
    if spec.n_classes is not None and len(task.classes) != spec.n_classes:
        task.prep["warnings"].append(f"{len(task.classes)} classes in the file but the GENEB "
                                     f"catalog says {spec.n_classes}")
    return task
