"""Sizes of the real GENEB grid: the 100 tasks' train/test sizes and class counts, the 40
models' embedding widths.

Class counts come from the catalog (``catalog/data/geneb_tasks.csv``, leading integer of
``n_classes``: ``20? (name)`` is 20). The catalog gives a train size for only 9 tasks
(``source_train_n``) and a test size for all 100 (``test_n_inferred_min``, a lower bound inferred
from the published scores), so ``bench/data/geneb_task_sizes.csv`` completes it, each row saying
on what basis (``basis`` column):

* ``catalog``: the catalog's train size (capped at 100,000, geneb's default subsample) and
  test size;
* ``shared-data-file``: rows of the task's files in the shared data (GUE copies);
* ``published-table-recalled``: the split tables of the GUE (DNABERT-2) and Nucleotide Transformer
  papers, recalled, not checked offline;
* ``estimate-Rx-test``: the catalog's test size times R, the source benchmark's usual
  train:test ratio (9 for the NT 90/10 splits, 8 for GUE's 80/10/10, 4 for 80/20, 1 for even
  splits).

Widths (``bench/data/geneb_model_widths.csv``) are the hidden size of the layer GENEB pools:
``published-config-recalled`` or ``assumed-from-size`` (no config at hand offline).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
#: geneb's default subsample of a train split above this many rows (README: Bringing task data)
MAX_TRAIN = 100_000


@dataclass(frozen=True)
class TaskSize:
    """One GENEB task's shape.

    Attributes
    ----------
    task_id : str
    n_train, n_test : int
        Rows of the train split (after geneb's 100,000 cap) and of the test split.
    n_classes : int
    basis : str
        Where ``n_train`` / ``n_test`` come from (module docstring).
    """

    task_id: str
    n_train: int
    n_test: int
    n_classes: int
    basis: str


def _catalog_rows(name: str) -> list[dict]:
    with resources.files("geneb.catalog").joinpath(f"data/{name}").open() as fh:
        return list(csv.DictReader(fh))


def _leading_int(text: str, what: str) -> int:
    m = re.match(r"\s*(\d+)", text or "")
    if not m:
        raise ValueError(f"{what}: no class count in {text!r}")
    return int(m.group(1))


def geneb_task_sizes() -> list[TaskSize]:
    """The 100 GENEB tasks in catalog order, with the sizes of ``data/geneb_task_sizes.csv``.

    Raises
    ------
    ValueError
        When the size table and the catalog do not list the same tasks.
    """
    catalog = _catalog_rows("geneb_tasks.csv")
    with open(DATA / "geneb_task_sizes.csv") as fh:
        sizes = {r["task_id"]: r for r in csv.DictReader(fh)}
    ids = [r["task_id"] for r in catalog]
    if set(ids) != set(sizes):
        raise ValueError(f"geneb_task_sizes.csv and the catalog differ: "
                         f"{sorted(set(ids) ^ set(sizes))[:3]}")
    out = []
    for row in catalog:
        s = sizes[row["task_id"]]
        if s["basis"] == "catalog" and int(s["n_train"]) != min(
                MAX_TRAIN, int(float(row["source_train_n"]))):
            raise ValueError(f"{row['task_id']}: n_train is not the catalog's")
        out.append(TaskSize(row["task_id"], min(int(s["n_train"]), MAX_TRAIN), int(s["n_test"]),
                            _leading_int(row["n_classes"], row["task_id"]), s["basis"]))
    return out


def geneb_model_widths() -> dict[str, int]:
    """model_id -> embedding width for the 40 GENEB models, in catalog order."""
    catalog = [r["model_id"] for r in _catalog_rows("geneb_models.csv")]
    with open(DATA / "geneb_model_widths.csv") as fh:
        widths = {r["model_id"]: int(r["width"]) for r in csv.DictReader(fh)}
    if set(catalog) != set(widths):
        raise ValueError(f"geneb_model_widths.csv and the catalog differ: "
                         f"{sorted(set(catalog) ^ set(widths))[:3]}")
    return {m: widths[m] for m in catalog}


def nearest_measured(width: int, measured: list[int]) -> int:
    """The measured width closest to ``width`` (the larger one on a tie: conservative)."""
    return min(measured, key=lambda w: (abs(w - width), -w))


def models_per_measured_width(measured: list[int],
                              widths: dict[str, int] | None = None) -> dict[int, int]:
    """How many of the 40 models each measured width stands for (nearest measured width)."""
    widths = geneb_model_widths() if widths is None else widths
    counts = {w: 0 for w in measured}
    for w in widths.values():
        counts[nearest_measured(w, measured)] += 1
    return counts


def small_task_sizes(n_tasks: int = 4) -> list[TaskSize]:
    """A few real GENEB task shapes scaled down ~50x (for ``--small`` runs and tests): the
    smallest binary task, a 3-class one, the 9-class one and a large binary one."""
    tasks = geneb_task_sizes()
    binary = sorted((t for t in tasks if t.n_classes == 2), key=lambda t: t.n_train)
    picks = [binary[0], next(t for t in tasks if t.n_classes == 3),
             next(t for t in tasks if t.n_classes == 9), binary[-1]][:n_tasks]
    return [TaskSize(t.task_id, max(20 * t.n_classes, t.n_train // 50),
                     max(4 * t.n_classes, t.n_test // 50), t.n_classes, f"{t.basis}, /50")
            for t in picks]
