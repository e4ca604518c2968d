"""Task specifications: the 100 official GENEB tasks and the geneb-mini tasks."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from importlib import resources

from geneb.core.errors import UnknownNameError
from geneb.core.registry import Registry

#: Name of the built-in offline benchmark.
MINI_BENCHMARK = "geneb-mini"
#: Name of the full official benchmark.
GENEB_BENCHMARK = "geneb"


@dataclass(frozen=True)
class TaskSpec:
    """What a task is, independent of where its data lives.

    Attributes
    ----------
    task_id : str
        Unique id. Official tasks use the GENEB release id; geneb-mini ids start
        with ``mini.`` and say how their splits differ from the official ones.
    category : str
        One of the 13 GENEB categories (or "other" for user tasks).
    benchmark : str
        "geneb" for the 100 official tasks, "geneb-mini" for the built-in ones.
    official_id : str or None
        The GENEB task this task is, or derives from; None when unrelated.
    n_classes : int or None
        Number of classes when known from the catalog.
    """

    task_id: str
    category: str
    benchmark: str
    label: str = ""
    official_id: str | None = None
    n_classes: int | None = None
    source_benchmark: str = ""
    organism: str = ""
    seq_len_bp: str = ""
    notes: str = ""
    split_note: str = ""
    data_file: str = ""  #: file inside the package (geneb-mini only)
    sources: tuple[dict, ...] = field(default=(), compare=False, hash=False)


TASKS: Registry[TaskSpec] = Registry("task", hint="geneb tasks list")


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _load_official() -> None:
    with resources.files("geneb.catalog").joinpath("data/geneb_tasks.csv").open() as fh:
        for row in csv.DictReader(fh):
            TASKS.register(row["task_id"], TaskSpec(
                task_id=row["task_id"],
                category=row["category"],
                benchmark=GENEB_BENCHMARK,
                label=row["label"],
                official_id=row["task_id"],
                n_classes=_int_or_none(row["n_classes"]),
                source_benchmark=row["source_benchmark"],
                organism=row["organism"],
                seq_len_bp=row["seq_len_bp"],
                notes=row["notes"],
            ))


def _load_mini() -> None:
    path = resources.files("geneb.catalog").joinpath("data/geneb_mini.json")
    if not path.is_file():
        return
    manifest = json.loads(path.read_text())
    for t in manifest["tasks"]:
        TASKS.register(t["task_id"], TaskSpec(
            task_id=t["task_id"],
            category=t["category"],
            benchmark=MINI_BENCHMARK,
            label=t["label"],
            official_id=t.get("official_id"),
            n_classes=t["n_classes"],
            source_benchmark=t["source_benchmark"],
            organism=t.get("organism", ""),
            seq_len_bp=t.get("seq_len_bp", ""),
            split_note=t["split_note"],
            data_file=t["data_file"],
            sources=tuple(t["sources"]),
        ))


_load_official()
_load_mini()


def get_task(task_id: str) -> TaskSpec:
    """Look up a task by id (raises :class:`UnknownNameError` with suggestions)."""
    return TASKS.get(task_id)


def benchmark_tasks(benchmark: str) -> list[TaskSpec]:
    """All tasks of one benchmark ("geneb" or "geneb-mini"), in catalog order."""
    specs = [t for t in TASKS.values() if t.benchmark == benchmark]
    if not specs:
        known = sorted({t.benchmark for t in TASKS.values()})
        raise UnknownNameError(f"unknown benchmark {benchmark!r}; known: {', '.join(known)}")
    return specs
