"""The probe never reports results from damaged or stale embeddings."""

import numpy as np
import pandas as pd
import pytest

from geneb.catalog import get_model
from geneb.cli.main import main
from geneb.extract import extract
from geneb.probe import run_probes
from geneb.store import EmbeddingStore
from geneb.tasks import load_task_file


@pytest.fixture
def store_dir(tmp_path, task_csv):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout="chunked")  # a file per chunk
    extract(store, [get_model("kmer-3")], [load_task_file(task_csv)], chunk_rows=16,
            show_progress=False)
    return tmp_path / "emb.zarr"


def _chunk_file(store_dir):
    files = sorted((store_dir / "embeddings/kmer-3/tiny_motif/X/c").rglob("*"))
    return [f for f in files if f.is_file()][1]


def test_a_deleted_chunk_is_refused_not_probed_as_zeros(store_dir, tmp_path, capsys):
    _chunk_file(store_dir).unlink()
    code = main(["probe", "--store", str(store_dir), "--out", str(tmp_path / "c.zarr"),
                 "--quiet", "--exact-reference"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2
    assert "chunk 1 does not match its checksum" in err and "geneb store verify" in err


def test_a_damaged_chunk_is_a_one_line_error(store_dir, tmp_path, capsys):
    f = _chunk_file(store_dir)
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    code = main(["probe", "--store", str(store_dir), "--out", str(tmp_path / "c.zarr"),
                 "--quiet", "--exact-reference"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and err.startswith("geneb: error: embeddings embeddings/kmer-3/tiny_motif/X")


def test_cells_of_changed_embeddings_are_refitted_when_a_cube_is_extended(tmp_path, task_csv):
    """Same task id, new labels, re-extracted into another store: extending the old cube
    must refit, giving exactly what a fresh cube gives."""
    first = EmbeddingStore(tmp_path / "a.zarr", mode="a")
    extract(first, [get_model("kmer-3")], [load_task_file(task_csv)], show_progress=False)
    cube = tmp_path / "cube.zarr"
    run_probes(first, ["kmer-3"], ["tiny_motif"], out=cube, show_progress=False)

    df = pd.read_csv(task_csv)
    df["label"] = np.random.default_rng(1).permutation(df["label"].to_numpy())
    shuffled = tmp_path / "b" / "tiny_motif.csv"
    shuffled.parent.mkdir()
    df.to_csv(shuffled, index=False)
    second = EmbeddingStore(tmp_path / "b.zarr", mode="a")
    extract(second, [get_model("kmer-3")], [load_task_file(shuffled)], show_progress=False)
    extended = run_probes(second, ["kmer-3"], ["tiny_motif"], out=cube, show_progress=False)
    fresh = run_probes(second, ["kmer-3"], ["tiny_motif"], show_progress=False)
    np.testing.assert_array_equal(extended["mcc"].values, fresh["mcc"].values)
    assert int(extended["fitted"].sum()) == int(fresh["fitted"].sum())
