"""Bad paths and options: one line, exit 2, checked before any work, nothing overwritten."""

import pytest

from geneb.catalog import get_model
from geneb.cli.main import main
from geneb.extract import extract
from geneb.store import EmbeddingStore
from geneb.tasks import load_task_file


@pytest.fixture
def partial_store(tmp_path, task_csv, task3_csv):
    """kmer-3 on both tasks, kmer-4 on one: not a full grid."""
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    a, b = load_task_file(task_csv), load_task_file(task3_csv)
    extract(store, [get_model("kmer-3")], [a, b], show_progress=False)
    extract(store, [get_model("kmer-4")], [a], show_progress=False)
    return tmp_path / "emb.zarr"


def _last_err(capsys):
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_probe_never_writes_a_cube_over_an_embedding_store(partial_store, capsys):
    before = sorted(p.name for p in partial_store.iterdir())
    assert main(["probe", "--store", str(partial_store), "--out", str(partial_store)]) == 2
    assert "is an embedding store" in _last_err(capsys)
    assert sorted(p.name for p in partial_store.iterdir()) == before


def test_probe_by_default_fits_exactly_the_complete_pairs(partial_store, tmp_path, capsys):
    out = tmp_path / "c.zarr"
    assert main(["probe", "--store", str(partial_store), "--out", str(out), "--quiet",
                 "--exact-reference"]) == 0
    from geneb.probe import open_cube
    cube = open_cube(out)
    have = cube["mcc"].sel(regime="full", seed=13).notnull().to_pandas()
    assert have.loc["kmer-3"].all() and have.loc["kmer-4"].sum() == 1


def test_probe_names_unknown_models_with_suggestions_and_ignores_duplicates(partial_store,
                                                                           tmp_path, capsys):
    assert main(["probe", "--store", str(partial_store), "--out", str(tmp_path / "c.zarr"),
                 "--models", "kmer3"]) == 2
    assert "'kmer-3'" in _last_err(capsys)
    assert main(["probe", "--store", str(partial_store), "--out", str(tmp_path / "c.zarr"),
                 "--models", "kmer-3", "kmer-3", "--quiet", "--exact-reference"]) == 0


def test_unreachable_scheduler_is_one_line_and_saves_nothing(partial_store, tmp_path, capsys):
    out = tmp_path / "c.zarr"
    assert main(["probe", "--store", str(partial_store), "--out", str(out),
                 "--scheduler", "tcp://127.0.0.1:9", "--quiet"]) == 2
    assert "cannot reach the Dask scheduler" in _last_err(capsys) and not out.exists()


def test_bad_numbers_and_file_paths_are_refused_up_front(tmp_path, task_csv, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    common = ["--task-file", str(task_csv), "--models", "kmer-3", "--quiet"]
    assert main(["run", *common, "--out", str(afile)]) == 2
    assert "is a file" in _last_err(capsys)
    assert main(["run", *common, "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    assert not (tmp_path / "o").exists()
    assert main(["extract", "--store", str(tmp_path / "e.zarr"), *common,
                 "--chunk-rows", "-5"]) == 2
    assert not (tmp_path / "e.zarr").exists()


def test_run_with_other_probe_settings_is_refused_before_extracting(tmp_path, task_csv, capsys):
    out = tmp_path / "run"
    common = ["--task-file", str(task_csv), "--quiet", "--no-html", "--out", str(out)]
    assert main(["run", *common, "--models", "kmer-3"]) == 0
    assert main(["run", *common, "--models", "kmer-4", "--C", "0.5"]) == 2
    assert "C=1.0" in _last_err(capsys)
    assert EmbeddingStore(out / "emb.zarr").embeddings() == [("kmer-3", "tiny_motif", "complete")]


def test_export_of_a_cube_without_the_official_tasks_says_how_many_and_where_to_look(
        partial_store, tmp_path, capsys):
    cube = tmp_path / "c.zarr"
    assert main(["probe", "--store", str(partial_store), "--out", str(cube), "--quiet",
                 "--exact-reference", "--models", "kmer-3"]) == 0
    capsys.readouterr()
    assert main(["export", "--cube", str(cube), "--submission", str(tmp_path / "s.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"geneb: error: cannot export 'kmer-3': a submission needs all 100 GENEB "
                   f"tasks; this cube has 2 tasks, with results for 0 of them (run `geneb "
                   f"tasks list --missing {cube}` to see which)")
    assert not (tmp_path / "s.json").exists()
    assert main(["tasks", "list", "--missing", str(cube)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("100 tasks") and "geneb-mini" not in out


def test_output_piped_into_a_closed_reader_ends_quietly():
    """`geneb tasks list | head -1`: the reader closes early; no traceback, no error line."""
    import fcntl
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: the listing (> 4 KB) cannot fit
    proc = subprocess.Popen([sys.executable, "-m", "geneb.cli.main", "tasks", "list"],
                            stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        reader.read(100)  # like `head -c 100`, then exit
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "error" not in err, err
