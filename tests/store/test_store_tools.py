"""`geneb store ls|info|verify|du|pack|merge`, untrusted stores and bad input."""

import json
import zipfile

import numpy as np
import pytest
import xarray as xr
import zarr

from geneb.cli.main import main
from geneb.core import InputError, StoreFormatError
from geneb.store import EmbeddingStore
from geneb.store import tools

from helpers import unit_word


def _table(n):
    return dict(seq_hash=np.arange(n, dtype=np.uint64) * 7919, label=np.arange(n) % 2,
                split=(np.arange(n) % 4 == 0).astype(np.int8), length=np.full(n, 50),
                attrs={"category": "Promoters", "source_checksum": "ab" * 32})


def make_store(path, models=("m1", "m2"), tasks=("t1", "t2"), n=40, dim=6, seed=0,
               dtype="float32", layout=None):
    rng = np.random.default_rng(seed)
    store = EmbeddingStore(path, mode="a", layout=layout)
    for t in tasks:
        store.write_task_table(t, **_table(n))
    for m in models:
        for t in tasks:
            w = store.begin_embedding(m, t, n=n, dim=dim, dtype=dtype, chunk_rows=16,
                                      provenance={"config": {"model_id": m, "pooling": "mean"}})
            for i in w.missing_chunks():
                sl = w.chunk_slice(i)
                w.write_chunk(i, rng.normal(size=(sl.stop - sl.start, dim)), n_truncated=1)
            w.finalize(device="cpu")
    return store


def test_ls_info_du(tmp_path, layout, capsys):
    make_store(tmp_path / "s.zarr", layout=layout)
    assert main(["store", "ls", str(tmp_path / "s.zarr")]) == 0
    out = capsys.readouterr().out
    assert "2 tasks, 4 embedding arrays" in out and out.count("complete") == 4 and "40x6" in out
    assert main(["store", "info", str(tmp_path / "s.zarr"), "m1", "t2"]) == 0
    info = json.loads(capsys.readouterr().out)
    prov = info["provenance"]
    assert info["status"] == "complete" and info["chunks_done"] == "3/3"
    assert prov["n_truncated"] == 3 and prov["device"] == "cpu" and prov["dtype"] == "float32"
    assert main(["store", "du", str(tmp_path / "s.zarr")]) == 0
    assert "m1" in capsys.readouterr().out
    assert main(["store", "info", str(tmp_path / "s.zarr"), "m3", "t2"]) == 2
    assert "ls" in capsys.readouterr().err


def test_verify_names_array_and_chunk_of_a_flipped_byte(tmp_path, layout, capsys):
    make_store(tmp_path / "s.zarr", layout=layout)
    assert main(["store", "verify", str(tmp_path / "s.zarr"), "--quiet"]) == 0
    assert "OK" in capsys.readouterr().out
    chunk = tmp_path / "s.zarr/embeddings/m2/t1/X/c/1/0"
    raw = bytearray(chunk.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    chunk.write_bytes(bytes(raw))
    assert main(["store", "verify", str(tmp_path / "s.zarr"), "--quiet"]) == 1
    cap = capsys.readouterr()
    assert f"embeddings/m2/t1/X {unit_word(layout)} 1" in cap.out
    assert cap.out.count("CORRUPT") == 1
    assert cap.err.startswith("geneb: error:") and len(cap.err.strip().splitlines()) == 1
    # a chunk file that vanished reads back as fill values: the checksum catches it too
    (tmp_path / "s.zarr/embeddings/m1/t2/X/c/2/0").unlink()
    rep = tools.verify(EmbeddingStore(tmp_path / "s.zarr"))
    assert {(p.where, p.chunk) for p in rep.problems} == {("embeddings/m2/t1/X", 1),
                                                          ("embeddings/m1/t2/X", 2)}


def test_verify_catches_a_damaged_task_table(tmp_path, layout):
    make_store(tmp_path / "s.zarr", layout=layout)
    arr = zarr.open_array(tmp_path / "s.zarr/tasks/t1/label", mode="r+")
    arr[3] = 1 - arr[3]
    rep = tools.verify(EmbeddingStore(tmp_path / "s.zarr"))
    assert [p.where for p in rep.problems] == ["tasks/t1"]
    with pytest.raises(StoreFormatError, match="checksum"):
        EmbeddingStore(tmp_path / "s.zarr").read_task_table("t1")


def test_pack_zip_reads_in_geneb_zarr_and_xarray_without_unpacking(tmp_path, layout, capsys):
    src = make_store(tmp_path / "s.zarr", layout=layout)
    out = tmp_path / "s.zip"
    assert main(["store", "pack", str(tmp_path / "s.zarr"), str(out)]) == 0
    names = zipfile.ZipFile(out).namelist()
    assert len(names) == len(set(names))  # written once: no duplicate entries
    packed = EmbeddingStore(out)
    assert packed.embeddings() == src.embeddings()
    np.testing.assert_array_equal(packed.open_embedding("m2", "t2")[:],
                                  src.open_embedding("m2", "t2")[:])
    root = zarr.open_group(zarr.storage.ZipStore(out, mode="r"), mode="r")
    assert root.metadata.consolidated_metadata is not None
    ds = xr.open_zarr(zarr.storage.ZipStore(out, mode="r"), group="embeddings/m1/t1")
    np.testing.assert_array_equal(ds.X.values, src.open_embedding("m1", "t1")[:])
    assert main(["store", "verify", str(out), "--quiet"]) == 0
    assert main(["probe", "--store", str(out), "--out", str(tmp_path / "cube.zarr"),
                 "--quiet"]) == 0
    with pytest.raises(InputError, match="read-only"):
        EmbeddingStore(out, mode="a")
    assert main(["store", "pack", str(tmp_path / "s.zarr"), str(out)]) == 2  # exists
    folder = tools.pack(tmp_path / "s.zarr", tmp_path / "snap.zarr")
    with pytest.raises(InputError, match="snapshot"):
        EmbeddingStore(folder, mode="a")


def test_pack_refuses_incomplete_arrays(tmp_path, layout):
    store = make_store(tmp_path / "s.zarr", models=("m1",), tasks=("t1",), layout=layout)
    store.begin_embedding("m9", "t1", n=40, dim=6, chunk_rows=16,
                          provenance={"config": {}}).close()
    with pytest.raises(InputError, match="incomplete"):
        tools.pack(tmp_path / "s.zarr", tmp_path / "o.zip")
    assert not (tmp_path / "o.zip").exists()


def test_merge_disjoint_identical_and_conflicting(tmp_path, layout, capsys):
    a = make_store(tmp_path / "a.zarr", models=("m1",), seed=1, layout=layout)
    b = make_store(tmp_path / "b.zarr", models=("m2",), seed=2, layout=layout)
    assert main(["store", "merge", str(tmp_path / "out.zarr"), str(tmp_path / "a.zarr"),
                 str(tmp_path / "b.zarr"), "--quiet"]) == 0
    out = EmbeddingStore(tmp_path / "out.zarr")
    assert [e[:2] for e in out.embeddings()] == [("m1", "t1"), ("m1", "t2"), ("m2", "t1"),
                                                 ("m2", "t2")]
    np.testing.assert_array_equal(out.open_embedding("m2", "t1")[:],
                                  b.open_embedding("m2", "t1")[:])
    assert tools.verify(out).ok
    # merging the same store again: everything identical, nothing copied
    plan = tools.merge(tmp_path / "out.zarr", [tmp_path / "a.zarr"])
    assert {p.action for p in plan} == {"identical"}
    # same model and task, other values: refused, nothing written
    make_store(tmp_path / "c.zarr", models=("m1",), seed=9, layout=layout)
    before = sorted(p for p in (tmp_path / "out.zarr").rglob("*"))
    assert main(["store", "merge", str(tmp_path / "out.zarr"), str(tmp_path / "c.zarr")]) == 2
    err = capsys.readouterr().err
    assert "'m1'" in err and "values differ" in err and "refused" in err
    assert sorted(p for p in (tmp_path / "out.zarr").rglob("*")) == before


def test_other_config_is_refused_with_the_reason(tmp_path, layout):
    store = make_store(tmp_path / "s.zarr", models=("m1",), tasks=("t1",), layout=layout)
    with pytest.raises(StoreFormatError, match="pooling"):
        store.begin_embedding("m1", "t1", n=40, dim=6, chunk_rows=16,
                              provenance={"config": {"model_id": "m1", "pooling": "cls"}})
    with pytest.raises(StoreFormatError, match="dtype"):
        store.begin_embedding("m1", "t1", n=40, dim=6, dtype="float16", chunk_rows=16,
                              provenance={"config": {"model_id": "m1", "pooling": "mean"}})


def test_untrusted_arrays_are_refused_by_name(tmp_path, layout):
    store = make_store(tmp_path / "s.zarr", models=("m1",), tasks=("t1",), layout=layout)
    grp = zarr.open_group(tmp_path / "s.zarr/embeddings/m1/t1", mode="r+")
    # an object-like (string) array in place of X
    X = grp["X"]
    attrs = dict(X.attrs)
    grp.create_array("X", shape=(40,), dtype=str, overwrite=True, attributes=attrs,
                     dimension_names=("sequence",))
    with pytest.raises(StoreFormatError, match=r"embeddings/m1/t1/X.*dtype"):
        EmbeddingStore(tmp_path / "s.zarr").open_embedding("m1", "t1")
    # a pickle codec, written by hand into the array's metadata
    grp.create_array("X", shape=(40, 6), dtype="float32", overwrite=True, attributes=attrs,
                     dimension_names=("sequence", "feature"))
    meta_path = tmp_path / "s.zarr/embeddings/m1/t1/X/zarr.json"
    meta = json.loads(meta_path.read_text())
    meta["codecs"].append({"name": "numcodecs.pickle", "configuration": {"protocol": 5}})
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(StoreFormatError, match=r"embeddings/m1/t1/X.*pickle"):
        EmbeddingStore(tmp_path / "s.zarr").open_embedding("m1", "t1")
    # huge attributes
    grp.create_array("X", shape=(40, 6), dtype="float32", overwrite=True,
                     attributes={**attrs, "junk": "x" * (2 << 20)},
                     dimension_names=("sequence", "feature"))
    with pytest.raises(StoreFormatError, match="attributes"):
        EmbeddingStore(tmp_path / "s.zarr").embeddings()
    # ids that do not match where the array lives
    grp.create_array("X", shape=(40, 6), dtype="float32", overwrite=True,
                     attributes={**attrs, "model_id": "../../etc"},
                     dimension_names=("sequence", "feature"))
    with pytest.raises(StoreFormatError, match="not where it lives"):
        EmbeddingStore(tmp_path / "s.zarr").embeddings()


def test_bad_input_is_one_line_exit_2_and_modifies_nothing(tmp_path, capsys, task_csv):
    def run(*argv):
        code = main(list(argv))
        err = capsys.readouterr().err.strip()
        assert code == 2 and err.startswith("geneb: error:") and len(err.splitlines()) == 1, err
        return err
    # not a store
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/a.txt").write_text("hello")
    assert "not a geneb store" in run("extract", "--store", str(tmp_path / "notes"),
                                      "--task-file", str(task_csv), "--models", "kmer-3")
    assert sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["a.txt"]
    assert "no embedding store" in run("store", "ls", str(tmp_path / "missing.zarr"))
    assert not (tmp_path / "missing.zarr").exists()
    # newer format version
    make_store(tmp_path / "new.zarr", models=("m1",), tasks=("t1",))
    root = zarr.open_group(tmp_path / "new.zarr", mode="r+")
    root.attrs["geneb_store"] = {**root.attrs["geneb_store"], "format_version": 99}
    snapshot = (tmp_path / "new.zarr/zarr.json").read_bytes()
    assert "upgrade geneb" in run("extract", "--store", str(tmp_path / "new.zarr"),
                                  "--task-file", str(task_csv), "--models", "kmer-3")
    assert (tmp_path / "new.zarr/zarr.json").read_bytes() == snapshot
    assert "upgrade geneb" in run("store", "ls", str(tmp_path / "new.zarr"))
    # a URL opened for writing
    assert "read-only" in run("extract", "--store", "http://127.0.0.1:9/emb.zarr",
                              "--task-file", str(task_csv), "--models", "kmer-3")
    # task source changed since extraction
    store = tmp_path / "emb.zarr"
    assert main(["extract", "--store", str(store), "--task-file", str(task_csv),
                 "--models", "kmer-3", "--quiet"]) == 0
    capsys.readouterr()
    before = {p: p.stat().st_mtime_ns for p in store.rglob("*")}
    import pandas as pd
    df = pd.read_csv(task_csv)
    df.loc[0, "label"] = "class1" if df.loc[0, "label"] == "class0" else "class0"
    df.to_csv(task_csv, index=False)
    assert "source changed" in run("extract", "--store", str(store), "--task-file",
                                   str(task_csv), "--models", "kmer-3")
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*")} == before


def test_unreadable_array_metadata_is_named_not_a_traceback(tmp_path, layout, capsys):
    make_store(tmp_path / "s.zarr", layout=layout)
    meta = tmp_path / "s.zarr/embeddings/m2/t2/X/zarr.json"
    meta.write_bytes(meta.read_bytes()[:-20])  # cut short
    for argv in (["store", "ls"], ["store", "verify"], ["probe", "--out", str(tmp_path / "c")]):
        target = ["--store", str(tmp_path / "s.zarr")] if argv[0] == "probe" else [
            str(tmp_path / "s.zarr")]
        assert main(argv + target) == 2
        err = capsys.readouterr().err
        assert "embeddings/m2/t2" in err and len(err.strip().splitlines()) == 1, err


def test_merge_checks_incomplete_destination_arrays_before_writing(tmp_path, layout, capsys):
    # out.zarr holds an unfinished m1/t1 made with pooling "cls"; the sources hold finished
    # arrays made with pooling "mean". The merge used to copy m2/* first and only then fail
    # on m1/t1, suggesting `--store` (an extract flag).
    out = EmbeddingStore(tmp_path / "out.zarr", mode="a", layout=layout)
    out.write_task_table("t1", **_table(40))
    w = out.begin_embedding("m1", "t1", n=40, dim=6, dtype="float16", chunk_rows=16,
                            provenance={"config": {"model_id": "m1", "pooling": "cls",
                                                   "dtype": "float16"}})
    w.write_chunk(0, np.ones((16, 6)))
    w.close()
    make_store(tmp_path / "a.zarr", models=("m2",), tasks=("t1", "t2"), seed=1, layout=layout)
    b = EmbeddingStore(tmp_path / "b.zarr", mode="a", layout=layout)
    b.write_task_table("t1", **_table(40))
    w = b.begin_embedding("m1", "t1", n=40, dim=6, chunk_rows=16,
                          provenance={"config": {"model_id": "m1", "pooling": "mean",
                                                 "dtype": "float32"}})
    for i in w.missing_chunks():
        sl = w.chunk_slice(i)
        w.write_chunk(i, np.zeros((sl.stop - sl.start, 6)))
    w.finalize()
    before = sorted(p for p in (tmp_path / "out.zarr").rglob("*"))
    assert main(["store", "merge", str(tmp_path / "out.zarr"), str(tmp_path / "a.zarr"),
                 str(tmp_path / "b.zarr"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geneb: error:") and len(err.splitlines()) == 1
    assert "'m1' on 't1' are incomplete" in err and "pooling" in err and "refused" in err
    assert "--store" not in err and err.count("dtype") == 1, err
    assert sorted(p for p in (tmp_path / "out.zarr").rglob("*")) == before
    # same settings: the unfinished destination array is completed from the source
    out2 = EmbeddingStore(tmp_path / "out2.zarr", mode="a", layout=layout)
    out2.write_task_table("t1", **_table(40))
    w = out2.begin_embedding("m1", "t1", n=40, dim=6, chunk_rows=16,
                             provenance={"config": {"model_id": "m1", "pooling": "mean",
                                                    "dtype": "float32"}})
    w.write_chunk(0, np.zeros((16, 6)))
    w.close()
    tools.merge(tmp_path / "out2.zarr", [tmp_path / "b.zarr"])
    assert ("m1", "t1", "complete") in EmbeddingStore(tmp_path / "out2.zarr").embeddings()


def test_read_embedding_rows_match_fancy_indexing_and_are_checked(tmp_path, layout):
    store = make_store(tmp_path / "s.zarr", n=40, layout=layout)  # chunks of 16 rows: 3 chunks
    full = store.read_embedding("m1", "t1")
    rng = np.random.default_rng(1)
    picks = (rng.permutation(40)[:25], np.array([39, 0, 16, 15, 16]), np.array([], int))
    parts = store.read_embedding("m1", "t1", rows=picks)
    assert len(parts) == 3
    for got, rows in zip(parts, picks):
        assert got.dtype == full.dtype and got.shape == (len(rows), 6)
        np.testing.assert_array_equal(got, full[rows])
    with pytest.raises(IndexError, match="40 rows"):
        store.read_embedding("m1", "t1", rows=(np.array([40]),))
    (tmp_path / "s.zarr/embeddings/m1/t1/X/c/1/0").unlink()  # a vanished chunk
    unit = unit_word(layout)
    with pytest.raises(StoreFormatError, match=f"{unit} 1 does not match its checksum"):
        EmbeddingStore(tmp_path / "s.zarr").read_embedding("m1", "t1", rows=picks)


def test_read_embedding_refuses_masks_and_floats_as_row_selections(tmp_path, layout):
    store = make_store(tmp_path / "s.zarr", n=40, layout=layout)
    with pytest.raises(TypeError, match="integer"):
        store.read_embedding("m1", "t1", rows=(np.ones(40, bool),))
    with pytest.raises(TypeError, match="integer"):
        store.read_embedding("m1", "t1", rows=(np.array([1.5]),))
