import numpy as np
import pytest
import xarray as xr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import matthews_corrcoef

from geneb.catalog import benchmark_tasks, get_model
from geneb.extract import extract
from geneb.probe import ProbeProtocol, few_shot_indices, open_cube, probe_task, run_probes, save_cube
from geneb.probe.backends import BACKENDS
from geneb.probe.backends.sklearn_backend import SklearnBackend
from geneb.store import EmbeddingStore
from geneb.tasks import load_task


def test_few_shot_draws_k_per_class_in_sorted_order_from_randomstate():
    y = np.array([2, 0, 1, 0, 2, 1, 0, 2, 1, 1])
    got = few_shot_indices(y, 2, 42)
    rs = np.random.RandomState(42)
    want = np.concatenate([rs.choice(np.flatnonzero(y == c), 2, replace=False) for c in (0, 1, 2)])
    np.testing.assert_array_equal(got, want)
    assert list(y[got]) == [0, 0, 1, 1, 2, 2]
    # fewer examples than k: take them all
    assert sorted(few_shot_indices(np.array([0, 0, 0, 1]), 10, 13)) == [0, 1, 2, 3]


class CountingBackend(SklearnBackend):
    calls = 0

    def fit_predict(self, X_train, y_train, X_test):
        type(self).calls += 1
        return super().fit_predict(X_train, y_train, X_test)


def test_cells_match_a_direct_sklearn_fit_and_full_regime_is_fitted_once(store2, monkeypatch):
    store, _, _, tasks = store2
    monkeypatch.setitem(BACKENDS._items, "counting", CountingBackend)
    CountingBackend.calls = 0
    protocol = ProbeProtocol()
    cube = run_probes(store, ["kmer-3", "kmer-4"], [t.task_id for t in tasks], backend="counting",
                      show_progress=False, n_workers=1)
    # per (model, task): 1 full fit + 2 few-shot regimes x 5 seeds
    assert CountingBackend.calls == 4 * (1 + 2 * len(protocol.seeds))
    full = cube.sel(regime="full")
    assert int(full["fitted"].sum()) == 4 and bool((full["mcc"].max("seed") == full["mcc"].min("seed")).all())
    assert int(cube.sel(regime="10shot")["fitted"].sum()) == 4 * 5

    task = tasks[1]
    X = store.open_embedding("kmer-4", task.task_id)[:].astype(np.float64)
    tr, te = task.train_index, task.test_index
    ref = LogisticRegression(C=1.0, solver="lbfgs", max_iter=1000).fit(X[tr], task.labels[tr])
    want = matthews_corrcoef(task.labels[te], ref.predict(X[te]))
    got = float(cube["mcc"].sel(model="kmer-4", task=task.task_id, regime="full", seed=997))
    assert got == pytest.approx(want, abs=1e-12)

    rows = cube["train_rows"].sel(task=task.task_id, regime="10shot", seed=42).values
    rows = rows[rows >= 0]
    np.testing.assert_array_equal(rows, tr[few_shot_indices(task.labels[tr], 10, 42)])
    ref10 = LogisticRegression(C=1.0, max_iter=1000).fit(X[rows], task.labels[rows])
    assert float(cube["mcc"].sel(model="kmer-4", task=task.task_id, regime="10shot", seed=42)) == \
        pytest.approx(matthews_corrcoef(task.labels[te], ref10.predict(X[te])), abs=1e-12)


def test_cube_reopens_with_plain_xarray(store2, tmp_path):
    store, _, _, tasks = store2
    cube = run_probes(store, ["kmer-3"], [t.task_id for t in tasks], show_progress=False)
    save_cube(cube, tmp_path / "cube.zarr")
    plain = xr.open_zarr(tmp_path / "cube.zarr", consolidated=False)
    assert plain["mcc"].dims == ("model", "task", "regime", "seed")
    assert list(plain["regime"].values) == ["1shot", "10shot", "full"]
    assert list(plain["seed"].values) == [13, 17, 42, 123, 997]
    assert [str(c) for c in plain["category"].values] == ["Promoters", "Splice Sites"]
    assert open_cube(tmp_path / "cube.zarr")["mcc"].shape == (1, 2, 3, 5)
    assert [p.name for p in tmp_path.glob(".cube.zarr.*")] == [".cube.zarr.lock"]  # no temporary


def test_kmer_probe_finds_real_signal_on_a_geneb_mini_promoter_task(tmp_path):
    spec = [t for t in benchmark_tasks("geneb-mini") if t.task_id.startswith("mini.gue_prom_core")][0]
    task = load_task(spec)
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    extract(store, [get_model("kmer-3")], [task], show_progress=False)
    X = store.open_embedding("kmer-3", task.task_id)[:]
    table = store.read_task_table(task.task_id)
    protocol = ProbeProtocol(regimes=(("full", None),), seeds=(13,))
    cells = probe_task(X, table, protocol, SklearnBackend(protocol))
    assert cells[0].scores["mcc"] > 0.3
