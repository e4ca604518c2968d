"""`geneb probe` options: backend, settings into the cube's attrs, incremental --out, errors."""

import pytest

from geneb.catalog import get_model
from geneb.cli.main import main
from geneb.extract import extract
from geneb.probe import open_cube
from geneb.store import EmbeddingStore
from geneb.tasks import load_task_file


@pytest.fixture
def store_path(tmp_path, task_csv):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    extract(store, [get_model("kmer-3")], [load_task_file(task_csv, category="Promoters")],
            show_progress=False)
    return tmp_path / "emb.zarr"


def test_probe_settings_reach_the_cube_and_a_changed_setting_is_refused(store_path, tmp_path, capsys):
    out = tmp_path / "cube.zarr"
    argv = ["probe", "--store", str(store_path), "--out", str(out), "--quiet", "--backend", "torch",
            "--shots", "2", "--seeds", "1", "2", "--C", "0.5", "--max-iter", "50", "--workers", "1"]
    assert main(argv) == 0
    cube = open_cube(out)
    assert list(cube["regime"].values) == ["2shot", "full"] and list(cube["seed"].values) == [1, 2]
    assert cube.attrs["probe_config"] == {"C": 0.5, "max_iter": 50, "tol": 1e-4, "standardize": False}
    assert cube.attrs["backend"] == "torch:cpu"
    assert int(cube["n_iter"].max()) <= 50
    assert main(argv[:-4] + ["--C", "2", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geneb: error:") and "C=0.5" in err and "new --out" in err


def test_exact_reference_and_bad_options_fail_cleanly(store_path, tmp_path, capsys):
    out = tmp_path / "ref.zarr"
    assert main(["probe", "--store", str(store_path), "--out", str(out), "--quiet",
                 "--exact-reference", "--seeds", "13", "--workers", "1"]) == 0
    assert open_cube(out).attrs["backend"] == "sklearn"
    assert main(["probe", "--store", str(store_path), "--out", str(tmp_path / "x.zarr"),
                 "--backend", "sklearn", "--device", "cuda"]) == 2
    assert "--device applies to the torch backend" in capsys.readouterr().err
    assert main(["probe", "--store", str(store_path), "--out", str(tmp_path / "x.zarr"),
                 "--tol", "0"]) == 2
    assert "tol must be > 0" in capsys.readouterr().err
    assert not (tmp_path / "x.zarr").exists()
