"""What a probe run leaves and says: cells present, fitted and refitted; no cube and no lock
file when it wrote no cell; a lock file removed by its last holder is never shared."""

from __future__ import annotations

import subprocess
import sys

import pytest

from geneb.catalog import get_model
from geneb.cli.main import main
from geneb.core.errors import InputError
from geneb.extract import extract
from geneb.probe.cube import cube_lock
from geneb.store import EmbeddingStore
from geneb.tasks import load_task_file

CELLS = 3 * 5  # regimes x seeds of one (model, task)


def _store(path, task_csv, dtype="float32"):
    store = EmbeddingStore(path, mode="a")
    extract(store, [get_model("kmer-3")], [load_task_file(task_csv)], dtype=dtype,
            show_progress=False)
    return str(path)


def _probe(store, out, capsys, *extra):
    assert main(["probe", "--store", store, "--out", str(out), "--quiet", "--workers", "1",
                 "--exact-reference", *extra]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_a_second_probe_says_what_it_found_fitted_and_refitted(tmp_path, task_csv, capsys):
    a = _store(tmp_path / "a.zarr", task_csv)
    out = tmp_path / "cube.zarr"
    first = _probe(a, out, capsys)
    assert first.startswith(f"wrote {out}") and \
        f"0 cells already present, {CELLS} fitted, 0 refitted (changed embeddings)" in first
    again = _probe(a, out, capsys)
    assert again.startswith(f"nothing to fit in {out}") and \
        f"{CELLS} cells already present, 0 fitted, 0 refitted" in again
    more = _probe(a, out, capsys, "--seeds", "13", "17", "42", "123", "997", "1")
    # seed 1: the full fit is shared (present), 1-shot and 10-shot are fitted
    assert f"{CELLS + 1} cells already present, 2 fitted, 0 refitted" in more
    b = _store(tmp_path / "b.zarr", task_csv, dtype="float16")  # other embeddings, same task
    changed = _probe(b, out, capsys, "--seeds", "13", "17", "42", "123", "997", "1")
    assert f"0 cells already present, 0 fitted, {CELLS + 3} refitted" in changed


def test_a_run_that_writes_no_cell_leaves_no_cube_and_no_lock_file(tmp_path, task_csv, capsys):
    store = _store(tmp_path / "a.zarr", task_csv)
    out = tmp_path / "c.zarr"
    assert main(["probe", "--store", store, "--out", str(out), "--quiet",
                 "--scheduler", "tcp://127.0.0.1:9"]) == 2  # nobody there: fails before a fit
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zarr", "tiny_motif.csv"]
    _probe(store, out, capsys)
    assert (tmp_path / ".c.zarr.lock").exists()  # a cube exists: its lock file stays


def test_the_lock_file_goes_with_its_last_holder_and_a_waiter_takes_a_fresh_one(tmp_path):
    out = tmp_path / "c.zarr"
    with cube_lock(out):
        with cube_lock(out):  # re-entrant: the inner release keeps the file
            pass
        assert (tmp_path / ".c.zarr.lock").exists()
    assert not (tmp_path / ".c.zarr.lock").exists()  # no cube to protect: nothing left

    lock = cube_lock(out).acquire()  # held before the waiter starts
    waiter = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom geneb.probe.cube import cube_lock\n"
         "with cube_lock(sys.argv[1]):\n    print('held', flush=True)\n"
         "    sys.stdin.readline()\n", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "waiting" in waiter.stderr.readline()  # it waits on this lock file
        lock.release()  # no cube: the file goes, and the waiter must not keep the old one
        assert waiter.stdout.readline().strip() == "held"
        assert (tmp_path / ".c.zarr.lock").exists()
        with pytest.raises(InputError, match="another process"):
            cube_lock(out, timeout=0.3).acquire()  # its own, fresh lock file excludes us
    finally:
        lock.release()
        waiter.communicate("\n", timeout=60)
    assert waiter.returncode == 0
