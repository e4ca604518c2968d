"""Shards of several chunks: the unit of writing, resuming and checked reading."""

import json

import numpy as np
import pytest
import zarr

from geneb.core import StoreFormatError
from geneb.store import EmbeddingStore, StoreLayout
from geneb.store._chunks import UnitReader
from geneb.store.tools import verify

N, DIM, CHUNK = 100, 8, 8           # 13 chunks of 8 rows (the last of 4)
LAYOUT = StoreLayout("sharded", shard_bytes=3 * CHUNK * DIM * 4)  # 3 chunks: 5 shards


def _values(n=N):
    return np.random.default_rng(7).normal(size=(n, DIM)).astype(np.float32)


def _store(path, n=N, finish=True):
    store = EmbeddingStore(path, mode="a", layout=LAYOUT)
    X = _values(n)
    w = store.begin_embedding("m", "t", n=n, dim=DIM, chunk_rows=CHUNK,
                              provenance={"config": {"k": 1}})
    for i in w.missing_chunks():
        w.write_chunk(i, X[w.chunk_slice(i)], n_truncated=i)
    if finish:
        w.finalize()
    else:
        w.close()
    return store, X


def test_a_shard_holds_whole_chunks_and_is_the_unit(tmp_path):
    store = EmbeddingStore(tmp_path / "s.zarr", mode="a", layout=LAYOUT)
    w = store.begin_embedding("m", "t", n=N, dim=DIM, chunk_rows=CHUNK,
                              provenance={"config": {}})
    assert w.array.chunks == (CHUNK, DIM) and w.array.shards == (3 * CHUNK, DIM)
    assert w.n_chunks == 5 and w.chunk_slice(4) == slice(96, 100)
    X = _values()
    w.write_chunk(0, X[:24])
    w.write_chunk(3, X[72:96])
    w.close()
    again = EmbeddingStore(tmp_path / "s.zarr", mode="a").begin_embedding(
        "m", "t", n=N, dim=DIM, chunk_rows=CHUNK, provenance={"config": {}})
    assert again.missing_chunks() == [1, 2, 4]
    shards = sorted(p.name for p in (tmp_path / "s.zarr/embeddings/m/t/X/c").iterdir())
    assert shards == ["0", "3"]  # one object per written shard, nothing else
    again.close()


def test_complete_array_keeps_its_checksums_as_attributes_and_drops_its_records(tmp_path):
    store, X = _store(tmp_path / "s.zarr")
    group = tmp_path / "s.zarr/embeddings/m/t"
    assert sorted(p.name for p in group.iterdir()) == ["X", "zarr.json"]
    attrs = json.loads((group / "X/zarr.json").read_text())["attributes"]
    assert attrs["status"] == "complete" and attrs["checksum"]["algorithm"] == "crc32c"
    assert len(attrs["checksum"]["values"]) == 5 and attrs["checksum"]["rows"] == 24
    assert attrs["provenance"]["n_truncated"] == sum(range(5))
    rec = store.unit_records("m", "t")
    assert rec.rows == 24 and rec.done.all() and rec.checksums.all()
    assert len(list((group / "X/c").iterdir())) == 5


def test_reads_whole_shards_and_matches_zarr_and_the_values(tmp_path):
    store, X = _store(tmp_path / "s.zarr")
    np.testing.assert_array_equal(store.read_embedding("m", "t"), X)
    rows = (np.array([99, 0, 50, 23, 24]), np.arange(90, 100), np.array([], int))
    for got, r in zip(store.read_embedding("m", "t", rows=rows), rows):
        np.testing.assert_array_equal(got, X[r])
    arr = store.open_embedding("m", "t")
    np.testing.assert_array_equal(arr[:], X)  # zarr's own reading agrees
    direct, through_zarr = UnitReader(arr), UnitReader(arr)
    through_zarr._plan = None  # the general path: zarr, the last shard through a padded view
    for i in range(direct.n_units):
        sl = direct.unit_slice(i)
        a = direct.read(i, np.empty((sl.stop - sl.start, DIM), np.float32))
        b = through_zarr.read(i, np.empty((sl.stop - sl.start, DIM), np.float32))
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, X[sl])


def test_a_damaged_or_missing_shard_is_named(tmp_path):
    store, _ = _store(tmp_path / "s.zarr")
    shard = tmp_path / "s.zarr/embeddings/m/t/X/c/2/0"
    raw = bytearray(shard.read_bytes())
    raw[-3] ^= 0xFF  # inside the shard index's CRC-32C
    shard.write_bytes(bytes(raw))
    rep = verify(EmbeddingStore(tmp_path / "s.zarr"))
    assert [(p.where, p.chunk, p.unit) for p in rep.problems] == [("embeddings/m/t/X", 2,
                                                                   "shard")]
    assert "damaged index" in rep.problems[0].message
    with pytest.raises(StoreFormatError, match="shard 2 cannot be decoded"):
        store.read_embedding("m", "t")
    shard.unlink()  # gone: reads as zeros, and the checksum says so
    with pytest.raises(StoreFormatError, match="shard 2 does not match its checksum"):
        EmbeddingStore(tmp_path / "s.zarr").read_embedding("m", "t", rows=(np.arange(3),))


def test_a_flipped_byte_in_a_chunk_of_a_shard_is_caught(tmp_path):
    store, _ = _store(tmp_path / "s.zarr")
    shard = tmp_path / "s.zarr/embeddings/m/t/X/c/1/0"
    raw = bytearray(shard.read_bytes())
    raw[40] ^= 0x01
    shard.write_bytes(bytes(raw))
    problems = verify(EmbeddingStore(tmp_path / "s.zarr")).problems
    assert [(p.chunk, p.unit) for p in problems] == [(1, "shard")]


def test_one_shard_arrays_are_read_whole_by_zarr_too(tmp_path):
    """A small array gets one shard no taller than its chunks: every read is whole-shard."""
    store, X = _store(tmp_path / "s.zarr", n=20)
    arr = store.open_embedding("m", "t")
    assert arr.shards == (24, DIM)  # 3 chunks cover the 20 rows
    np.testing.assert_array_equal(arr[:], X)


def test_incomplete_sharded_array_keeps_its_records_hidden_from_the_group_view(tmp_path):
    import xarray as xr
    store, _ = _store(tmp_path / "s.zarr", finish=False)
    ds = xr.open_zarr(tmp_path / "s.zarr", group="embeddings/m/t", consolidated=False)
    assert list(ds.data_vars) == ["X"]
    rec = zarr.open_group(tmp_path / "s.zarr/embeddings/m/t/_records", mode="r")
    assert sorted(rec.array_keys()) == ["checksum", "done", "truncated"]
    assert store.unit_records("m", "t").truncated.tolist() == [0, 1, 2, 3, 4]
