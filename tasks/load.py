"""Load task data for catalog tasks (the built-in geneb-mini benchmark)."""

from __future__ import annotations

import gzip
import io
from functools import lru_cache
from importlib import resources

import pandas as pd

from geneb.catalog.tasks import MINI_BENCHMARK, TaskSpec, get_task
from geneb.core.errors import MissingDataError
from geneb.core.provenance import sha256_bytes
from geneb.tasks.data import TaskData
from geneb.tasks.files import frame_to_task


@lru_cache(maxsize=64)
def _load_mini(task_id: str) -> TaskData:
    spec = get_task(task_id)
    blob = resources.files("geneb.tasks").joinpath(f"data/geneb_mini/{spec.data_file}").read_bytes()
    df = pd.read_csv(io.BytesIO(gzip.decompress(blob)), dtype=str, keep_default_na=False)
    return frame_to_task(df, spec, f"geneb-mini:{spec.data_file}", sha256_bytes(blob))


def load_task(task: str | TaskSpec) -> TaskData:
    """Load the labelled sequences of a catalog task.

    Official GENEB tasks need their data files; geneb ships only geneb-mini.
    """
    spec = get_task(task) if isinstance(task, str) else task
    if spec.benchmark == MINI_BENCHMARK:
        return _load_mini(spec.task_id)
    raise MissingDataError(
        f"no data for task {spec.task_id!r}: geneb ships only the {MINI_BENCHMARK} tasks. "
        f"Run `geneb tasks list --benchmark {MINI_BENCHMARK}` for those, or pass your own file "
        f"with --task-file"
    )


def load_tasks(tasks) -> list[TaskData]:
    return [load_task(t) for t in tasks]
