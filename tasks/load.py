"""Load task data for catalog tasks: geneb-mini (shipped) and official tasks (a local copy)."""

from __future__ import annotations

import gzip
import io
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from geneb.catalog.tasks import MINI_BENCHMARK, TaskSpec, get_task
from geneb.core.errors import MissingDataError
from geneb.core.provenance import sha256_bytes

from .data import Task
from .files import frame_to_task
from .options import LoadOptions
from .release import ReleaseScan, load_release_task, scan_release_dir


def _read_mini(spec: TaskSpec, options: LoadOptions) -> Task:
    blob = resources.files("geneb.tasks").joinpath(f"data/geneb_mini/{spec.data_file}").read_bytes()
    df = pd.read_csv(io.BytesIO(gzip.decompress(blob)), dtype=str, keep_default_na=False)
    task = frame_to_task(df, spec, f"geneb-mini:{spec.data_file}", sha256_bytes(blob), options=options)
    task.prep["format"] = MINI_BENCHMARK
    return task


@lru_cache(maxsize=64)
def _load_mini(task_id: str) -> Task:
    return _read_mini(get_task(task_id), LoadOptions())


def load_task(task: str | TaskSpec, *, tasks_dir: str | Path | None = None,
              options: LoadOptions = LoadOptions()) -> Task:
    """Load the labelled sequences of a catalog task.

    Parameters
    ----------
    task : str or TaskSpec
    tasks_dir : path-like, optional
        A local copy of the GENEB task data in the release layout (``<task_id>.csv`` with
        ``text,label,split``); needed for official tasks, which geneb does not ship.
    options : LoadOptions
    """
    spec = get_task(task) if isinstance(task, str) else task
    if spec.benchmark == MINI_BENCHMARK:
        return _load_mini(spec.task_id) if options == LoadOptions() else _read_mini(spec, options)
    if tasks_dir is not None:
        scan = scan_release_dir(tasks_dir, [spec])
        if spec.task_id in scan.found:
            return load_release_task(scan.found[spec.task_id], spec, options)
        raise MissingDataError(f"no file for task {spec.task_id!r} in {tasks_dir} "
                               f"(expected {spec.task_id}.csv with columns text,label,split)")
    raise MissingDataError(
        f"no data for task {spec.task_id!r}: geneb ships only the {MINI_BENCHMARK} tasks. "
        f"Point --tasks-dir at a local copy of the GENEB task files (<task_id>.csv), run "
        f"`geneb tasks list --benchmark {MINI_BENCHMARK}`, or pass your own file with --task-file"
    )


def load_tasks(tasks, *, tasks_dir: str | Path | None = None,
               options: LoadOptions = LoadOptions()) -> list[Task]:
    return [load_task(t, tasks_dir=tasks_dir, options=options) for t in tasks]


def load_tasks_dir(tasks_dir: str | Path, specs: list[TaskSpec], *, allow_missing: bool = False,
                   options: LoadOptions = LoadOptions()) -> tuple[list[Task], ReleaseScan]:
    """Load every task of ``specs`` from a release-layout folder.

    Raises
    ------
    MissingDataError
        Listing every task without a file, unless ``allow_missing`` (then the caller gets
        the list in the returned scan and must show it).
    """
    scan = scan_release_dir(tasks_dir, specs)
    if scan.missing and not allow_missing:
        raise MissingDataError(scan.missing_message(Path(tasks_dir), len(specs))
                               + "; add them, or pass --allow-missing-tasks to run the rest")
    if not scan.found:
        raise MissingDataError(f"no task files in {tasks_dir} match the selected tasks "
                               f"(expected <task_id>.csv)")
    tasks = [load_release_task(scan.found[s.task_id], s, options)
             for s in specs if s.task_id in scan.found]
    return tasks, scan
