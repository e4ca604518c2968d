"""A collaborator with plain xarray: the snippet in docs/store.md, and no warnings."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from geneb.cli.main import main
from geneb.store import EmbeddingStore, _consolidate
from geneb.store.tools import merge, pack

DOC = Path(__file__).parents[2] / "docs" / "store.md"


def _snippet() -> str:
    text = DOC.read_text()
    block = re.search(r"<!-- tested by tests/store/test_xarray_view.py -->\n```python\n(.*?)```",
                      text, re.S)
    assert block, "the plain-xarray snippet is missing from docs/store.md"
    return block.group(1)


def _store(path, layout):
    store = EmbeddingStore(path, mode="a", layout=layout)
    n = 30
    rng = np.random.default_rng(3)
    store.write_task_table("org/task", seq_hash=np.arange(n, dtype=np.uint64),
                           label=rng.integers(0, 3, n), split=(np.arange(n) % 4 == 0),
                           length=np.full(n, 80),
                           attrs={"classes": ["a", "b", "c"], "source_checksum": "0" * 64})
    X = rng.normal(size=(n, 5)).astype(np.float32)
    w = store.begin_embedding("org/model", "org/task", n=n, dim=5, chunk_rows=8,
                              provenance={"config": {}})
    for i in w.missing_chunks():
        w.write_chunk(i, X[w.chunk_slice(i)])
    w.finalize()
    return store


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "failed to open ... consolidated"
        yield


def test_the_documented_snippet_returns_x_y_and_split(tmp_path, layout):
    store = _store(tmp_path / "emb.zarr", layout)
    code = _snippet()
    setup = 'store, model, task = "emb.zarr", "kmer-4", "mini.uci_splice"'
    assert setup in code
    scope = {}
    exec(code.replace(setup, f'store, model, task = {str(tmp_path / "emb.zarr")!r}, '
                             f'"org/model", "org/task"'), scope)
    table = store.read_task_table("org/task")
    np.testing.assert_array_equal(scope["X"], store.read_embedding("org/model", "org/task"))
    np.testing.assert_array_equal(scope["y"], table.label)
    np.testing.assert_array_equal(scope["split"], table.split)
    assert scope["classes"] == ["a", "b", "c"]
    assert len(scope["X_train"]) == (table.split == 0).sum()


def test_plain_xarray_sees_only_x_and_no_warning(tmp_path, layout):
    _store(tmp_path / "emb.zarr", layout)
    xr.open_zarr(tmp_path / "emb.zarr")  # the root: nothing but no warning either
    ds = xr.open_zarr(tmp_path / "emb.zarr", group="embeddings/org__model/org__task")
    assert list(ds.data_vars) == ["X"] and ds["X"].dims == ("sequence", "feature")
    tab = xr.open_zarr(tmp_path / "emb.zarr", group="tasks/org__task")
    assert sorted(tab.data_vars) == ["label", "length", "seq_hash", "split"]
    snap = pack(tmp_path / "emb.zarr", tmp_path / "emb.zip")
    import zarr
    zipped = xr.open_zarr(zarr.storage.ZipStore(snap, mode="r"),
                          group="embeddings/org__model/org__task")
    np.testing.assert_array_equal(zipped["X"].values, ds["X"].values)


def test_writers_keep_the_consolidated_metadata_current(tmp_path, layout, task_csv):
    store = tmp_path / "emb.zarr"
    EmbeddingStore(store, mode="a", layout=layout)
    assert main(["extract", "--store", str(store), "--task-file", str(task_csv),
                 "--models", "kmer-3", "--quiet"]) == 0
    assert _consolidate.is_current(store)
    _store(tmp_path / "b.zarr", layout)
    merge(store, [tmp_path / "b.zarr"])
    assert _consolidate.is_current(store)
    remote_view = EmbeddingStore(store)  # as a URL would read it: from the root alone
    from geneb.store._index import StoreIndex
    index = StoreIndex(remote_view.index.store, remote_view.index.root, use_consolidated=True)
    assert index.consolidated
    assert index.children("embeddings") == ["kmer-3", "org__model"]
    assert index.attrs("embeddings/kmer-3/tiny_motif/X")["status"] == "complete"


def test_the_result_cube_opens_in_plain_xarray_without_a_warning(tmp_path, task_csv):
    store = tmp_path / "emb.zarr"
    assert main(["extract", "--store", str(store), "--task-file", str(task_csv),
                 "--models", "kmer-3", "--quiet"]) == 0
    assert main(["probe", "--store", str(store), "--out", str(tmp_path / "cube.zarr"),
                 "--quiet"]) == 0
    cube = xr.open_zarr(tmp_path / "cube.zarr")
    assert "mcc" in cube.data_vars
