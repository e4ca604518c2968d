"""Which tasks a command uses, loaded and checked before any work starts.

:func:`select_tasks` picks the tasks of a run (catalog ids, a benchmark, the GENEB task
files in a folder, tasks added with ``geneb tasks add``, task files), :func:`quality_targets`
those whose data-quality report ``geneb tasks check`` computes, and :func:`task_listing`
lists the catalog and the added tasks. None of them prints: what the user should be told
comes back as notes (and each task's own ``warnings``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from geneb.catalog.categories import resolve_category
from geneb.catalog.tasks import GENEB_BENCHMARK, MINI_BENCHMARK, TASKS, benchmark_tasks, get_task
from geneb.core.errors import GenebError, InputError

from .data import Task
from .layout import TaskLayout
from .load import load_task, load_tasks_dir
from .loaders import load_layout
from .options import LoadOptions
from .specs import USER_BENCHMARK
from .user import tasks_home, user_source, user_task_ids


@dataclass(frozen=True)
class TaskCriteria:
    """What :func:`select_tasks` selects (every field optional).

    Attributes
    ----------
    benchmark : str, optional
        A built-in benchmark (default: geneb-mini, or geneb with ``tasks_dir``, unless
        ``tasks`` or ``layouts`` are given).
    tasks : tuple of str
        Catalog task ids, or ids of tasks added with ``geneb tasks add``.
    tasks_dir : path, optional
        A local copy of the GENEB task files (``<task_id>.csv``), for official tasks.
    allow_missing : bool
        With ``tasks_dir``: run the tasks that have files (the missing ones are noted).
    category : str, optional
        Keep only tasks of this category (short or full name).
    layouts : tuple of TaskLayout
        Task files, one task each.
    load : mapping of str to value
        Row-preparation options given (``ambiguity``, ``max_train``, ``subsample_seed``):
        for catalog tasks, and over the keys of added tasks' stored layouts.
    home : path, optional
        Where added tasks are (default ``$GENEB_HOME`` or ``~/.geneb``).
    """

    benchmark: str | None = None
    tasks: tuple[str, ...] = ()
    tasks_dir: Path | None = None
    allow_missing: bool = False
    category: str | None = None
    layouts: tuple[TaskLayout, ...] = ()
    load: Mapping[str, Any] = field(default_factory=dict)
    home: Path | None = None


@dataclass(frozen=True)
class Selection:
    """The selected tasks, loaded and validated, and what the user should be told.

    Attributes
    ----------
    tasks : tuple of Task
    notes : tuple of str
        Task files missing from ``tasks_dir``, files there that are no selected task.
    """

    tasks: tuple[Task, ...]
    notes: tuple[str, ...] = ()


def _split_ids(ids: Sequence[str], home: Path | None) -> tuple[list, list[str]]:
    """(catalog specs, ids of added tasks); an unknown id is an error with suggestions."""
    users = set(user_task_ids(home)) if ids else set()
    specs, added = [], []
    for t in ids:
        if t in TASKS or t not in users:
            specs.append(get_task(t))
        else:
            added.append(t)
    return specs, added


def _added(task_id: str, c: TaskCriteria) -> Task:
    """An added task, with the given row-preparation options over its stored keys."""
    layout = user_source(task_id, c.home)
    return load_layout(replace(layout, **c.load) if c.load else layout)


def _catalog(specs: list, c: TaskCriteria, notes: list[str]) -> list[Task]:
    options = LoadOptions(**c.load)
    official = [s for s in specs if s.benchmark != MINI_BENCHMARK]
    data = [load_task(s, options=options) for s in specs if s.benchmark == MINI_BENCHMARK]
    if not official or c.tasks_dir is None:
        return data + [load_task(s, options=options) for s in official]
    loaded, scan = load_tasks_dir(c.tasks_dir, official, allow_missing=c.allow_missing,
                                  options=options)
    if scan.missing:
        notes.append(f"{scan.missing_message(c.tasks_dir, len(official))}; running the other "
                     f"{len(loaded)}")
    notes += [f"{c.tasks_dir}: {name} is not a selected GENEB task id; not used"
              for name in scan.unknown]
    return data + loaded


def select_tasks(**criteria: Any) -> Selection:
    """Load the tasks a run uses; everything is validated before any work starts.

    Parameters
    ----------
    **criteria
        The fields of :class:`TaskCriteria`.

    Raises
    ------
    InputError
        An unknown task id or category (with suggestions), a task id selected twice, or
        nothing selected; and whatever a loader refuses.
    """
    c = TaskCriteria(**criteria)
    cat = resolve_category(c.category, allow_other=True) if c.category else None
    specs, added = _split_ids(c.tasks, c.home)
    if c.benchmark or not (c.tasks or c.layouts) or (c.tasks_dir is not None and not c.tasks):
        default = GENEB_BENCHMARK if c.tasks_dir is not None else MINI_BENCHMARK
        specs += benchmark_tasks(c.benchmark or default)
    specs = [s for s in dict.fromkeys(specs) if not cat or s.category == cat]
    notes: list[str] = []
    data = _catalog(specs, c, notes)
    data += [_added(t, c) for t in added]
    data += [load_layout(layout) for layout in c.layouts]
    if cat:
        data = [t for t in data if t.spec.category == cat]
    ids = [t.task_id for t in data]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"task id(s) {', '.join(dupes)} selected twice; rename a task file or "
                         f"set --task-id")
    if not data:
        raise InputError("no tasks selected; check --tasks/--category (see `geneb tasks list`)")
    return Selection(tuple(data), tuple(notes))


def quality_targets(*, tasks: Sequence[str] = (), tasks_dir: Path | None = None,
                    files: Sequence[tuple[Path, TaskLayout]] = (),
                    load: Mapping[str, Any] | None = None, home: Path | None = None
                    ) -> tuple[list[tuple[Task, Path | None]], list[str]]:
    """The tasks ``geneb tasks check`` reports on, each with where its report is stored.

    Parameters
    ----------
    tasks : sequence of str
        Catalog or added task ids (an added task's report goes beside its YAML).
    tasks_dir : path, optional
        GENEB task files: every official task there (or those of ``tasks``), the report
        beside each file; missing files are noted, not an error.
    files : sequence of (path, TaskLayout)
        Task files (or YAMLs) and their layouts; the report goes beside each.
    load, home
        As in :class:`TaskCriteria`.

    Returns
    -------
    (list of (Task, Path or None), list of str)
        The tasks with their report paths (None: not stored), and the notes.
    """
    c = TaskCriteria(load=dict(load or {}), home=home)
    options = LoadOptions(**c.load)
    specs, added = _split_ids(tasks, home)
    out = [(_added(t, c), tasks_home(home) / f"{t}.quality.json") for t in added]
    notes: list[str] = []
    if tasks_dir is not None:
        official = [s for s in specs if s.benchmark == GENEB_BENCHMARK] if tasks else \
            [s for s in TASKS.values() if s.benchmark == GENEB_BENCHMARK]
        loaded, scan = load_tasks_dir(tasks_dir, official, allow_missing=True, options=options)
        if scan.missing:
            notes.append(scan.missing_message(tasks_dir, len(official)))
        notes += [f"{tasks_dir}: {name} is not a GENEB task id; not checked" for name in scan.unknown]
        out += [(t, tasks_dir / f"{t.task_id}.quality.json") for t in loaded]
        specs = [s for s in specs if s.benchmark != GENEB_BENCHMARK]
    out += [(load_task(s, options=options), None) for s in specs]
    for origin, layout in files:
        data = load_layout(layout)
        stem = origin.name.split(".")[0] if origin.suffix in (".yaml", ".yml") else data.task_id
        out.append((data, origin.with_name(f"{stem}.quality.json")))
    return out, notes


def task_listing(*, category: str | None = None, benchmark: str | None = None,
                 home: Path | None = None) -> list[dict]:
    """One row per catalog task and added task: ``task_id``, ``category``, ``benchmark``,
    ``classes``, ``source`` (an added task that cannot be read says so there)."""
    rows = [{"task_id": s.task_id, "category": s.category, "benchmark": s.benchmark,
             "classes": s.n_classes, "source": s.source_benchmark[:40]} for s in TASKS.values()]
    for tid in user_task_ids(home):
        try:
            src = user_source(tid, home)
            cat = resolve_category(src.category, allow_other=True) if src.category else "?"
            rows.append({"task_id": tid, "category": cat, "benchmark": USER_BENCHMARK,
                         "classes": None, "source": f"{src.resolved_format()}: {src.path}"[-40:]})
        except GenebError as exc:
            rows.append({"task_id": tid, "category": "?", "benchmark": USER_BENCHMARK,
                         "classes": None, "source": f"unreadable: {exc}"[:40]})
    if category:
        cat = resolve_category(category, allow_other=True)
        rows = [r for r in rows if r["category"] == cat]
    if benchmark:
        rows = [r for r in rows if r["benchmark"] == benchmark]
    return rows


__all__ = ["Selection", "TaskCriteria", "quality_targets", "select_tasks", "task_listing"]
