"""A save that crashes between its renames loses no cube; two runs on one cube never interleave."""

import os
import subprocess
import sys

import numpy as np
import pytest

import geneb.probe.cube as cube_module
from geneb.cli.guards import check_cube_out, is_result_cube
from geneb.probe import open_cube, save_cube
from geneb.probe.cube import cube_lock

from test_incremental import counting, run  # noqa: F401  (fixture and helper)


def crash_between_renames(monkeypatch, cube, out):
    """Save ``cube`` to ``out`` with a crash after the old cube was renamed aside.

    Zarr's own writes also use ``os.replace``; only save_cube's two renames of whole cubes
    are told apart: the first (``out`` aside) runs, the second (new cube to ``out``) raises.
    """
    real, renamed = os.replace, []

    def replace(src, dst):
        if os.fspath(dst) == os.fspath(out):
            assert renamed, "the old cube should have been set aside first"
            raise OSError("simulated crash between the renames")
        if os.fspath(src) == os.fspath(out):
            renamed.append(dst)
        real(src, dst)

    with monkeypatch.context() as m:
        m.setattr(cube_module.os, "replace", replace)
        with pytest.raises(OSError, match="simulated crash"):
            save_cube(cube, out)
    assert not out.exists() and len(list(out.parent.glob(f".{out.name}.old-*"))) == 1


def test_a_cube_set_aside_by_a_crashed_save_is_restored_with_all_its_cells(
        store2, counting, tmp_path, monkeypatch, capsys):
    store, _, tasks, _ = store2
    out = tmp_path / "cube.zarr"
    first = run(store, ["kmer-3"], tasks[:1], out)
    assert counting.calls == 11
    newer = first.copy(deep=True)
    newer["mcc"].values[:] = -9.0  # what the crashed save was writing

    crash_between_renames(monkeypatch, newer, out)
    restored = open_cube(out)
    assert "restored result cube" in capsys.readouterr().err
    np.testing.assert_array_equal(restored["mcc"].values, first["mcc"].values)
    assert bool((restored["n_train"] >= 0).all())
    assert not list(tmp_path.glob(".cube.zarr.old-*"))

    crash_between_renames(monkeypatch, newer, out)
    cube = run(store, ["kmer-3"], tasks[:1], out)  # run_probes finds the old cube: no fits
    assert counting.calls == 11
    np.testing.assert_array_equal(cube["mcc"].values, first["mcc"].values)

    crash_between_renames(monkeypatch, newer, out)
    assert is_result_cube(out)
    crash_between_renames(monkeypatch, newer, out)
    with pytest.raises(ValueError, match="already holds a result cube"):
        check_cube_out(out, force=False)  # never treated as a free path


def test_a_save_removes_the_leftovers_of_interrupted_saves(store2, counting, tmp_path):
    store, _, tasks, _ = store2
    out = tmp_path / "cube.zarr"
    cube = run(store, ["kmer-3"], tasks[:1], out)
    for name in (".cube.zarr.old-dead0001", ".cube.zarr.tmp-dead0002"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "zarr.json").write_text("{}")
    save_cube(cube, out)
    assert sorted(p.name for p in tmp_path.glob("*cube.zarr*")) == [".cube.zarr.lock",
                                                                   "cube.zarr"]


SECOND_RUN = """
import sys
from geneb.probe import run_probes
from geneb.probe.backends import BACKENDS
from geneb.probe.backends.sklearn_backend import SklearnBackend
from geneb.store import EmbeddingStore

fits = []

class Counting(SklearnBackend):
    name = "sklearn"
    def fit_predict(self, X_train, y_train, X_test):
        fits.append(1)
        return super().fit_predict(X_train, y_train, X_test)

BACKENDS._items["counting"] = Counting
store, task, out = sys.argv[1:]
run_probes(EmbeddingStore(store, mode="r"), ["kmer-3"], [task], backend="counting", out=out,
           show_progress=False, n_workers=1, checkpoint_seconds=0)
print("fits", len(fits))
"""


def test_a_second_run_on_the_same_cube_waits_then_fits_nothing(store2, counting, tmp_path):
    store, _, tasks, _ = store2
    out = tmp_path / "cube.zarr"
    with cube_lock(out):  # this process is the first run, holding the cube
        second = subprocess.Popen([sys.executable, "-c", SECOND_RUN, str(store.path), tasks[0],
                                   str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        err = []
        while not err or "waiting" not in err[-1]:
            line = second.stderr.readline()
            assert line, f"second run ended without waiting: {''.join(err)}"
            err.append(line)
        assert f"waiting for another process writing result cube {str(out)!r}" in err[-1]
        first = run(store, ["kmer-3"], tasks[:1], out)  # fills every cell meanwhile
        assert counting.calls == 11 and second.poll() is None
    stdout, rest = second.communicate(timeout=120)
    assert second.returncode == 0, rest
    assert stdout.split() == ["fits", "0"]
    np.testing.assert_array_equal(open_cube(out)["mcc"].values, first["mcc"].values)
