"""The cube is incremental (only empty cells are fitted), resumable, and never mixes settings."""

import numpy as np
import pytest

from geneb.core.errors import InputError
from geneb.probe import ProbeProtocol, open_cube, run_probes
from geneb.probe.backends import BACKENDS
from geneb.probe.backends.sklearn_backend import SklearnBackend


class Counting(SklearnBackend):
    """The reference, counting its fits; ``fail_after`` simulates a crash mid-run."""

    name = "sklearn"
    calls = 0
    fail_after: int | None = None

    def fit_predict(self, X_train, y_train, X_test):
        if Counting.fail_after is not None and Counting.calls >= Counting.fail_after:
            raise RuntimeError("simulated crash")
        Counting.calls += 1
        return super().fit_predict(X_train, y_train, X_test)


@pytest.fixture
def counting(monkeypatch):
    monkeypatch.setitem(BACKENDS._items, "counting", Counting)
    Counting.calls, Counting.fail_after = 0, None
    return Counting


def run(store, models, tasks, out, **kw):
    return run_probes(store, models, tasks, backend="counting", out=out, show_progress=False,
                      n_workers=1, checkpoint_seconds=0, **kw)


def test_adding_a_model_or_task_fits_only_its_cells(store2, counting, tmp_path):
    store, _, tasks, _ = store2
    out = tmp_path / "cube.zarr"
    first = run(store, ["kmer-3"], tasks[:1], out)
    assert counting.calls == 11  # 1 full + 2 regimes x 5 seeds
    before = float(first["mcc"].sel(model="kmer-3", task=tasks[0], regime="10shot", seed=42))
    cube = run(store, ["kmer-3", "kmer-4"], tasks, out)
    assert counting.calls == 11 * 4  # three new (model, task) blocks, the old one untouched
    assert cube.sizes["model"] == 2 and cube.sizes["task"] == 2
    assert float(cube["mcc"].sel(model="kmer-3", task=tasks[0], regime="10shot", seed=42)) == before
    assert bool((cube["n_train"] >= 0).all()) and set(np.unique(cube["backend"].values)) == {"sklearn"}
    run(store, ["kmer-3", "kmer-4"], tasks, out)
    assert counting.calls == 44  # nothing left to do
    saved = open_cube(out)
    assert saved.attrs["probe_config"] == ProbeProtocol().config_key()
    assert list(saved["category"].values) == ["Promoters", "Splice Sites"]


def test_adding_a_seed_fits_only_its_few_shot_cells_and_shares_the_full_fit(store2, counting, tmp_path):
    store, _, tasks, _ = store2
    out = tmp_path / "cube.zarr"
    run(store, ["kmer-3"], tasks[:1], out, protocol=ProbeProtocol(seeds=(13, 17)))
    assert counting.calls == 5
    cube = run(store, ["kmer-3"], tasks[:1], out, protocol=ProbeProtocol(seeds=(13, 17, 42)))
    assert counting.calls == 7  # 1shot and 10shot at seed 42; the full fit is reused
    assert list(cube["seed"].values) == [13, 17, 42]
    full = cube.sel(model="kmer-3", task=tasks[0], regime="full")
    assert list(full["fitted"].values) == [True, False, False]
    assert len(set(full["mcc"].values)) == 1
    assert open_cube(out).attrs["protocol"]["seeds"] == [13, 17, 42]


def test_changed_settings_are_refused_not_mixed(store2, counting, tmp_path):
    store, _, tasks, _ = store2
    out = tmp_path / "cube.zarr"
    run(store, ["kmer-3"], tasks[:1], out, protocol=ProbeProtocol(seeds=(13,)))
    with pytest.raises(InputError, match="C=1.0.*new --out"):
        run(store, ["kmer-3"], tasks[:1], out, protocol=ProbeProtocol(seeds=(13,), C=0.5))
    with pytest.raises(InputError, match="standardize"):
        run(store, ["kmer-3"], tasks[:1], out, protocol=ProbeProtocol(seeds=(13,), standardize=True))
    with pytest.raises(InputError, match="'sklearn' probe backend"):
        run_probes(store, ["kmer-3"], tasks[:1], backend="torch", out=out, show_progress=False,
                   protocol=ProbeProtocol(seeds=(13,)))
    with pytest.raises(InputError, match="regime '10shot'"):
        run(store, ["kmer-3"], tasks[:1], out,
            protocol=ProbeProtocol(seeds=(13,), regimes=(("10shot", 5), ("full", None))))
    assert counting.calls == 3


def test_an_interrupted_run_keeps_its_progress_and_resumes(store2, counting, tmp_path):
    store, _, tasks, _ = store2
    out = tmp_path / "cube.zarr"
    counting.fail_after = 15  # dies inside the second (model, task) block
    with pytest.raises(RuntimeError, match="simulated crash"):
        run(store, ["kmer-3", "kmer-4"], tasks, out)
    saved = open_cube(out)
    n_done = int((saved["n_train"] >= 0).sum())
    assert n_done == 15  # one finished block: 3 regimes x 5 seeds
    counting.fail_after, counting.calls = None, 0
    cube = run(store, ["kmer-3", "kmer-4"], tasks, out)
    assert counting.calls == 3 * 11
    assert bool((cube["n_train"] >= 0).all())
    assert [p.name for p in tmp_path.glob(".cube.zarr.*")] == [".cube.zarr.lock"]  # no leftovers
