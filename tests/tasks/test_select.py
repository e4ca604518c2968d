"""Selecting tasks as a library (no argparse): select_tasks, quality_targets, task_listing."""

import numpy as np
import pandas as pd
import pytest

from geneb.catalog import benchmark_tasks
from geneb.core import InputError, MissingDataError, UnknownNameError
from geneb.tasks import TaskLayout, select_tasks
from geneb.tasks.select import TaskCriteria, quality_targets, task_listing

PROM = "leannmlindsey_GUE_prom_300_tata"


def _release_csv(path, n=40):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(n)]
    pd.DataFrame({"text": seqs, "label": [i % 2 for i in range(n)],
                  "split": ["test" if i % 5 < 2 else "train" for i in range(n)]}
                 ).to_csv(path, index=False)


def test_default_is_geneb_mini_and_category_filters_it():
    mini = [s.task_id for s in benchmark_tasks("geneb-mini")]
    assert [t.task_id for t in select_tasks().tasks] == mini
    splice = select_tasks(category="splice")
    assert splice.tasks and {t.spec.category for t in splice.tasks} == {"Splice Sites"}
    assert splice.notes == ()


def test_ids_task_files_and_load_options(task_csv):
    layout = TaskLayout(path=str(task_csv), format="table", task_id="mine")
    sel = select_tasks(tasks=("mini.uci_splice.split70-30-train2k",), layouts=(layout,),
                       load={"ambiguity": "keep"})
    assert [t.task_id for t in sel.tasks] == ["mini.uci_splice.split70-30-train2k", "mine"]
    assert sel.tasks[0].prep["options"]["ambiguity"] == "keep"
    with pytest.raises(InputError, match="selected twice"):
        select_tasks(layouts=(layout, layout))
    with pytest.raises(UnknownNameError, match="Did you mean"):
        select_tasks(tasks=("mini.uci_splice",))
    with pytest.raises(TypeError):
        select_tasks(task_files=())  # not a criterion
    assert TaskCriteria().benchmark is None


def test_tasks_dir_missing_files_are_notes_not_prints(tmp_path, capsys):
    d = tmp_path / "geneb_tasks"
    d.mkdir()
    _release_csv(d / f"{PROM}.csv")
    (d / "not_a_task.csv").write_text("text,label,split\n")
    with pytest.raises(MissingDataError, match="99 of 100 tasks have no file"):
        select_tasks(tasks_dir=d)
    sel = select_tasks(tasks_dir=d, allow_missing=True)
    assert [t.task_id for t in sel.tasks] == [PROM]
    assert "99 of 100 tasks have no file" in sel.notes[0] and "running the other 1" in sel.notes[0]
    assert any("not_a_task.csv is not a selected GENEB task id" in n for n in sel.notes)
    targets, notes = quality_targets(tasks_dir=d)
    assert [(t.task_id, p.name) for t, p in targets] == [(PROM, f"{PROM}.quality.json")]
    assert "99 of 100" in notes[0] and "not checked" in notes[-1]
    assert capsys.readouterr() == ("", "")


def test_listing_filters_by_category_and_benchmark(tmp_path):
    rows = task_listing(category="splice", benchmark="geneb-mini", home=tmp_path)
    assert rows and {(r["category"], r["benchmark"]) for r in rows} == {("Splice Sites",
                                                                         "geneb-mini")}
    assert len(task_listing(home=tmp_path)) == len(task_listing(benchmark="geneb", home=tmp_path)) \
        + len(task_listing(benchmark="geneb-mini", home=tmp_path))
