"""bench_probe_scale.py --full/--small: the real GENEB grid's sizes, the measurement, its line."""

from __future__ import annotations

import csv
import json
import re
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_probe_scale  # noqa: E402
from scale_full import engine_cell_seconds, grid_line, probe_width  # noqa: E402
from scale_sizes import (MAX_TRAIN, TaskSize, geneb_model_widths, geneb_task_sizes,  # noqa: E402
                         models_per_measured_width, nearest_measured, small_task_sizes)
from scale_store import (build_width_store, class_separation, model_id,  # noqa: E402
                         release_full_mcc)

LINE = re.compile(r"^grid: measured \d+\.\d\d min on \d+ cores \((\d+) widths x (\d+) tasks x 3 "
                  r"regimes x 5 seeds\), 40-model total \d+\.\d\d min, literal-loop sample ratio "
                  r"\d+\.\d x$")


def _catalog(name):
    with resources.files("geneb.catalog").joinpath(f"data/{name}").open() as fh:
        return list(csv.DictReader(fh))


def test_task_sizes_are_the_catalogs_100_tasks_with_their_class_counts():
    tasks, catalog = geneb_task_sizes(), _catalog("geneb_tasks.csv")
    assert [t.task_id for t in tasks] == [r["task_id"] for r in catalog]
    by_id = {r["task_id"]: r for r in catalog}
    for t in tasks:
        row = by_id[t.task_id]
        assert t.n_classes == int(re.match(r"\d+", row["n_classes"]).group())
        assert 0 < t.n_train <= MAX_TRAIN and t.n_test > 0
        if t.basis == "catalog":  # the catalog's numbers, train capped as geneb subsamples
            assert t.n_train == min(MAX_TRAIN, int(float(row["source_train_n"])))
            assert t.n_test == int(row["test_n_inferred_min"])
        elif t.basis.startswith("estimate-"):
            ratio = int(re.match(r"estimate-(\d+)x-test", t.basis).group(1))
            assert t.n_test == int(row["test_n_inferred_min"])
            assert t.n_train == min(MAX_TRAIN, ratio * t.n_test)
        else:
            assert t.basis in ("published-table-recalled", "shared-data-file")
    assert {t.n_classes for t in tasks} == {2, 3, 9, 20, 40}
    assert sum(t.basis == "catalog" for t in tasks) == 9


def test_widths_cover_the_40_models_and_weights_use_the_nearest_measured_width():
    widths = geneb_model_widths()
    assert list(widths) == [r["model_id"] for r in _catalog("geneb_models.csv")]
    assert nearest_measured(512, [256, 768]) == 768  # a tie goes to the larger width
    assert nearest_measured(1500, [256, 768, 1024, 2560]) == 1024
    counts = models_per_measured_width([256, 768, 1024, 2560, 4096], widths)
    assert sum(counts.values()) == 40
    assert counts[4096] == sum(w >= 3584 for w in widths.values())
    assert models_per_measured_width([768], widths) == {768: 40}


def test_engine_seconds_of_the_cells_add_up_to_the_wall_time(tmp_path):
    tasks = [TaskSize("t.two", 60, 20, 2, "test"), TaskSize("t.three", 90, 30, 3, "test")]
    store, _, nbytes = build_width_store(tmp_path / "s.zarr", 24, tasks)
    assert nbytes == (80 + 120) * 24 * 2  # float16
    table = store.read_task_table("t.three")
    assert np.bincount(table.label).tolist() == [40, 40, 40]
    assert (table.split[:90] == 0).all() and (table.split[90:] == 1).all()
    run, cube = probe_width(store, 24, ["t.two", "t.three"], device="cpu")
    assert run["cells"] == 30 and run["fits"] == 22 and run["backend"] == "torch:cpu"
    eng = engine_cell_seconds(cube, wall=10.0)
    assert eng.shape == (2, 3, 5) and np.isclose(eng.sum(), 10.0)
    full = list(cube["regime"].values).index("full")
    assert np.allclose(eng[:, full, :], eng[:, full, :1])  # one fit, shared by its 5 seeds
    assert model_id(24) == "synthetic-d24"


def test_small_measures_end_to_end_and_ends_with_the_grid_line(tmp_path, capsys):
    out = tmp_path / "scale.json"
    assert bench_probe_scale.main(["--small", "--device", "cpu", "--json", str(out),
                                   "--workdir", str(tmp_path / "w")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    m = LINE.match(last)
    assert m, last
    assert m.groups() == ("2", "4")
    doc = json.loads(out.read_text())
    assert [w["width"] for w in doc["widths"]] == [32, 96]
    assert all(w["cells"] == 60 and w["fits"] == 44 for w in doc["widths"])
    assert len(doc["literal"]) == 2 * 3 * 3
    lit = doc["literal"]
    ratio = sum(c["literal_s"] for c in lit) / sum(c["engine_s"] for c in lit)
    assert doc["summary"]["literal_ratio"] == pytest.approx(ratio)
    assert doc["summary"]["total_40_models_minutes"] == pytest.approx(
        sum(w["probe_seconds"] * doc["summary"]["models_per_width"][str(w["width"])]
            for w in doc["widths"]) / 60)
    assert not (tmp_path / "w" / "w32.zarr").exists()  # stores are removed after each width
    assert [t["n_classes"] for t in doc["tasks"]] == [t.n_classes for t in small_task_sizes()]


def test_grid_line_format():
    s = {"measured_minutes": 34.567, "n_widths": 5, "n_tasks": 100,
         "total_40_models_minutes": 301.2, "literal_ratio": 41.26}
    assert grid_line(s, "2 cores") == (
        "grid: measured 34.57 min on 2 cores (5 widths x 100 tasks x 3 regimes x 5 seeds), "
        "40-model total 301.20 min, literal-loop sample ratio 41.3 x")


@pytest.mark.parametrize("argv", [["--widths", "256"], ["--json", "x.json"],
                                  ["--dtype", "float32"], ["--all", "--full"],
                                  ["--full", "--sample", "3"], ["--full", "--small"],
                                  ["--full", "--widths", "0"],
                                  ["--full", "--compare-width", "512"],
                                  ["--small", "--literal-per-regime", "-1"],
                                  ["--signal", "separable"], ["--full", "--signal", "easy"]])
def test_options_that_do_not_apply_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        bench_probe_scale.parse_args(argv)
    assert exc.value.code == 2


@pytest.mark.parametrize("signal", ["calibrated", "separable"])
def test_synthetic_classes_are_as_far_apart_as_the_signal_says(tmp_path, signal):
    """calibrated: the class means of a binary task are the Mahalanobis distance apart whose
    Bayes MCC is the task's mean MCC in the GENEB release; separable (the first design): far
    further, whatever the real task's difficulty."""
    from scipy.stats import norm
    mcc = release_full_mcc()
    assert len(mcc) == 100 and 0.4 < np.mean(list(mcc.values())) < 0.6
    task_id = min((t for t in geneb_task_sizes() if t.n_classes == 2),
                  key=lambda t: abs(mcc[t.task_id] - 0.5)).task_id
    delta = class_separation(task_id)
    assert 2 * norm.cdf(delta / 2) - 1 == pytest.approx(mcc[task_id], abs=1e-9)
    task = TaskSize(task_id, 8000, 3000, 2, "test")
    # wide enough that two random class-mean directions are nearly orthogonal (pairwise Δ)
    store, _, _ = build_width_store(tmp_path / "s.zarr", 512, [task], signal=signal)
    table = store.read_task_table(task_id)
    X = store.read_embedding(model_id(512), task_id).astype(np.float64)
    y = table.label
    a, b = X[y == 0], X[y == 1]
    pooled = np.sqrt((a.var(0) * len(a) + b.var(0) * len(b)) / len(X))
    d2 = (((a.mean(0) - b.mean(0)) / pooled) ** 2).sum() - 512 * (1 / len(a) + 1 / len(b))
    if signal == "calibrated":
        assert np.sqrt(max(d2, 0)) == pytest.approx(delta, rel=0.15)
    else:
        assert np.sqrt(d2) > 10 * delta
