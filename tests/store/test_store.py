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


def test_roundtrip_and_plain_xarray_can_open_it(tmp_path, layout):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout=layout)
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


def test_incomplete_array_is_refused_and_resumes_missing_chunks(tmp_path, layout):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout=layout)
    store.write_task_table("t", **_table())
    w = _begin(store)
    w.write_chunk(0, np.ones((4, 4)))
    with pytest.raises(StoreFormatError, match="incomplete"):
        store.open_embedding("m", "t")
    assert store.open_embedding("m", "t", allow_incomplete=True).shape == (10, 4)
    w2 = _begin(EmbeddingStore(tmp_path / "emb.zarr", mode="a"))
    assert w2.missing_chunks() == [1, 2]


def test_other_settings_are_never_mixed_into_an_array(tmp_path, layout):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout=layout)
    _begin(store)
    with pytest.raises(StoreFormatError, match="pooling"):
        _begin(store, config={"pooling": "cls"})


def test_task_table_conflict_is_refused(tmp_path, layout):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout=layout)
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


def test_task_table_cut_short_by_a_crash_is_rewritten(tmp_path, layout):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout=layout)
    grp = store.root.require_group("tasks/t")  # arrays half there, attrs never written
    grp.create_array("label", data=np.zeros(3, np.int64))
    assert not store.has_task("t")
    store.write_task_table("t", **_table())
    assert store.read_task_table("t").label.tolist() == list(np.arange(10) % 2)


def test_read_only_store_refuses_writes(tmp_path, layout):
    from geneb.core import InputError
    EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout=layout).write_task_table("t", **_table())
    ro = EmbeddingStore(tmp_path / "emb.zarr")
    with pytest.raises(InputError, match="read-only"):
        ro.write_task_table("u", **_table())
    with pytest.raises(InputError, match="read-only"):
        _begin(ro)


def test_resumed_writer_records_truncation_of_every_chunk(tmp_path, layout):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout=layout)
    w = _begin(store)
    w.write_chunk(0, np.ones((4, 4)), n_truncated=2)
    w.close()
    w = _begin(EmbeddingStore(tmp_path / "emb.zarr", mode="a"))
    for i in w.missing_chunks():
        w.write_chunk(i, np.ones((w.chunk_slice(i).stop - w.chunk_slice(i).start, 4)),
                      n_truncated=1)
    w.finalize(n_truncated=2)  # what a featurizer counting only this run would say
    assert store.open_embedding("m", "t").attrs["provenance"]["n_truncated"] == 4


def test_resume_removes_temporary_files_of_a_killed_write(tmp_path, layout):
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout=layout)
    _begin(store).close()
    stray = tmp_path / "emb.zarr/embeddings/m/t/X/c/1/0.0123abcd.partial"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half a chunk")
    _begin(EmbeddingStore(tmp_path / "emb.zarr", mode="a")).close()
    assert not stray.exists()
