import numpy as np
import pytest
import xarray as xr
import zarr

from geneb.core import MissingDataError, StoreFormatError
from geneb.store import EmbeddingStore


def _table(n=10):
    return dict(seq_hash=np.arange(n, dtype=np.uint64), label=np.arange(n) % 2,
                split=(np.arange(n) % 3 == 0).astype(np.int8), length=np.full(n, 50),
                attrs={"category": "Promoters", "source_checksum": "ab" * 32})


def _begin(store, n=10, config=None):
    return store.begin_embedding("m", "t", n=n, dim=4, chunk_rows=4,
                                 provenance={"config": config or {"pooling": "mean"}})


def test_roundtrip_and_plain_xarray_can_open_it(tmp_path):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    store.write_task_table("t", **_table())
    w = _begin(store)
    X = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
    for i in w.missing_chunks():
        w.write_chunk(i, X[w.chunk_slice(i)])
    w.finalize(device="cpu")
    reopened = EmbeddingStore(tmp_path / "emb.zarr")
    np.testing.assert_array_equal(reopened.open_embedding("m", "t")[:], X)
    assert reopened.embeddings() == [("m", "t", "complete")]
    ds = xr.open_zarr(tmp_path / "emb.zarr", group="embeddings/m/t", consolidated=False)
    assert ds["X"].dims == ("sequence", "feature")
    tasks = xr.open_zarr(tmp_path / "emb.zarr", group="tasks/t", consolidated=False)
    assert tasks["label"].dims == ("sequence",)
    arr = zarr.open_array(tmp_path / "emb.zarr" / "embeddings/m/t/X", mode="r")
    assert arr.metadata.zarr_format == 3 and arr.attrs["provenance"]["device"] == "cpu"


def test_incomplete_array_is_refused_and_resumes_missing_chunks(tmp_path):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    store.write_task_table("t", **_table())
    w = _begin(store)
    w.write_chunk(0, np.ones((4, 4)))
    with pytest.raises(StoreFormatError, match="incomplete"):
        store.open_embedding("m", "t")
    assert store.open_embedding("m", "t", allow_incomplete=True).shape == (10, 4)
    w2 = _begin(EmbeddingStore(tmp_path / "emb.zarr", mode="a"))
    assert w2.missing_chunks() == [1, 2]


def test_other_settings_are_never_mixed_into_an_array(tmp_path):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    _begin(store)
    with pytest.raises(StoreFormatError, match="pooling"):
        _begin(store, config={"pooling": "cls"})


def test_task_table_conflict_is_refused(tmp_path):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    store.write_task_table("t", **_table())
    store.write_task_table("t", **_table())  # identical: fine
    other = _table()
    other["label"] = 1 - other["label"]
    with pytest.raises(StoreFormatError, match="label"):
        store.write_task_table("t", **other)


def test_not_a_store(tmp_path):
    with pytest.raises(MissingDataError):
        EmbeddingStore(tmp_path / "nope.zarr")
    zarr.open_group(tmp_path / "plain.zarr", mode="w").create_group("x")
    with pytest.raises(StoreFormatError, match="not a geneb store"):
        EmbeddingStore(tmp_path / "plain.zarr")
    with pytest.raises(StoreFormatError, match="not a geneb store"):
        EmbeddingStore(tmp_path / "plain.zarr", mode="a")
