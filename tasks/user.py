"""A user's own tasks, added once (``geneb tasks add``) and then used by id.

Each task is ``<home>/tasks/<task_id>.yaml`` (its :class:`TaskLayout`) with its data-quality
report next to it as ``<task_id>.quality.json``. ``home`` is ``$GENEB_HOME`` or ``~/.geneb``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from geneb.catalog.tasks import TASKS
from geneb.core.errors import InputError, UnknownNameError
from geneb.core.registry import did_you_mean

from .config import read_task_config, write_task_config
from .layout import TaskLayout
from .loaders import load_layout
from .data import Task
from .quality import quality_report, write_quality
from .specs import validate_task_id


def tasks_home(home: str | Path | None = None) -> Path:
    """The folder holding user tasks: ``<home>/tasks`` (default ``$GENEB_HOME`` or ``~/.geneb``)."""
    base = Path(home) if home else Path(os.environ.get("GENEB_HOME", Path.home() / ".geneb"))
    return base.expanduser() / "tasks"


def user_task_ids(home: str | Path | None = None) -> list[str]:
    folder = tasks_home(home)
    return sorted(p.name[: -len(".yaml")] for p in folder.glob("*.yaml")) if folder.is_dir() else []


def user_source(task_id: str, home: str | Path | None = None) -> TaskLayout:
    """The stored source of a user task (an :class:`UnknownNameError` with suggestions if none)."""
    path = tasks_home(home) / f"{task_id}.yaml"
    if not path.is_file():
        known = user_task_ids(home)
        raise UnknownNameError(f"unknown task {task_id!r}.{did_you_mean(task_id, known + TASKS.names())} "
                               f"List them with `geneb tasks list`.")
    return read_task_config(path)


def add_user_task(src: TaskLayout, home: str | Path | None = None, *,
                  replace: bool = False) -> tuple[Task, dict, Path]:
    """Load a source (validating every row), compute its quality report, then store both.

    Nothing is written when loading fails.

    Returns
    -------
    (Task, report dict, path of the stored YAML)
    """
    task = load_layout(src)
    tid = validate_task_id(task.task_id)
    if tid in TASKS:
        raise InputError(f"task id {tid!r} is a catalog task; choose another task_id")
    folder = tasks_home(home)
    path = folder / f"{tid}.yaml"
    if path.exists() and not replace:
        raise InputError(f"user task {tid!r} exists ({path}); use --replace to overwrite it")
    report = quality_report(task)
    src = dataclasses.replace(src, task_id=tid, format=src.resolved_format())
    write_task_config(src, path)
    write_quality(report, folder / f"{tid}.quality.json")
    return task, report, path
