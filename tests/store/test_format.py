"""Store formats: a format 1 store (written by geneb 0.1) is read as it is, refused for
writing with the way out, and upgraded in place; an older geneb refuses a newer store."""

import json
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

from geneb.cli.main import main
from geneb.core import InputError, StoreFormatError
from geneb.store import EmbeddingStore, StoreLayout, layout
from geneb.store.tools import verify
from geneb.store.upgrade import upgrade

from helpers import data_files, geneb, metadata_without_times

DATA = Path(__file__).with_name("data")
VALUES = np.load(DATA / "v1_store_values.npz")


@pytest.fixture
def v1(tmp_path):
    path = tmp_path / "old.zarr"
    shutil.copytree(DATA / "v1_store.zarr", path)
    return path


def _one_line_error(capsys, argv) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("geneb: error:") and len(err.splitlines()) == 1, err
    return err


def test_format_1_reads_as_it_is(v1):
    store = EmbeddingStore(v1)
    assert store.info["format_version"] == 1
    assert store.embeddings() == [("m1", "t1", "complete"), ("m3", "t1", "incomplete"),
                                  ("org/m2", "t1", "complete")]
    for m in ("m1", "org/m2"):
        np.testing.assert_array_equal(store.read_embedding(m, "t1"), VALUES[m.replace("/", "__")])
    assert store.unit_records("m3", "t1").done.tolist() == [True, False, False]
    rep = verify(store)
    assert rep.ok and any("store format 1" in note for note in rep.notes)
    assert store.read_task_table("t1").label.tolist() == list(np.arange(40) % 2)


def test_format_1_is_not_written_to_but_told_how_to_upgrade(v1, capsys, task_csv):
    before = {p: p.stat().st_mtime_ns for p in v1.rglob("*")}
    err = _one_line_error(capsys, ["extract", "--store", str(v1), "--task-file", str(task_csv),
                                   "--models", "kmer-3"])
    assert "store format 1" in err and f"geneb store upgrade {v1}" in err
    with pytest.raises(InputError, match="store upgrade"):
        EmbeddingStore(v1, mode="a")
    assert {p: p.stat().st_mtime_ns for p in v1.rglob("*")} == before


@pytest.mark.parametrize("target", ["sharded", "chunked"])
def test_upgrade_in_place_keeps_values_and_fingerprints(v1, capsys, target):
    old = EmbeddingStore(v1)
    prints = {m: old.embedding_fingerprint(m, "t1") for m in ("m1", "org/m2")}
    assert main(["store", "upgrade", str(v1), "--layout", target, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"format 1 -> 2, {target} layout" in out
    store = EmbeddingStore(v1)
    assert store.info["format_version"] == 2 and store.layout.kind == target
    assert "upgrading" not in store.info and store.info["upgraded"]["from"] == 1
    for m in ("m1", "org/m2"):
        np.testing.assert_array_equal(store.read_embedding(m, "t1"), VALUES[m.replace("/", "__")])
        assert store.embedding_fingerprint(m, "t1") == prints[m]  # cube cells stay valid
        assert not (v1 / "embeddings" / m.replace("/", "__") / "t1" / "chunk_done").exists()
    assert verify(store).ok and not (v1 / layout.STAGING).exists()
    assert store.index.root.get("consolidated_metadata")  # remote readers: one request
    # the unfinished array resumes with this geneb
    w = EmbeddingStore(v1, mode="a").begin_embedding(
        "m3", "t1", n=40, dim=6, chunk_rows=16,
        provenance={"config": {"model_id": "m3", "pooling": "mean"}})
    assert w.missing_chunks() == ([1, 2] if target == "chunked" else [0])
    for i in w.missing_chunks():
        w.write_chunk(i, VALUES["m3"][w.chunk_slice(i)])
    w.finalize()
    np.testing.assert_array_equal(EmbeddingStore(v1).read_embedding("m3", "t1"), VALUES["m3"])
    # again: nothing to do; and back to the other layout
    assert upgrade(v1).unchanged == 3
    other = "chunked" if target == "sharded" else "sharded"
    assert upgrade(v1, other).rewritten == 3
    for m in ("m1", "org/m2", "m3"):
        np.testing.assert_array_equal(EmbeddingStore(v1).read_embedding(m, "t1"),
                                      VALUES[m.replace("/", "__")])


def test_upgrade_refuses_what_it_cannot_rewrite(v1, tmp_path, capsys):
    assert "rewrites a store folder" in _one_line_error(
        capsys, ["store", "upgrade", "http://127.0.0.1:9/x.zarr"])
    assert "no store folder" in _one_line_error(capsys, ["store", "upgrade",
                                                         str(tmp_path / "none.zarr")])
    from geneb.store.tools import pack
    fresh = EmbeddingStore(tmp_path / "new.zarr", mode="a")
    fresh.write_task_table("t", seq_hash=np.arange(3, dtype=np.uint64), label=[0, 1, 0],
                           split=[0, 0, 1], length=[5, 5, 5], attrs={})
    pack(tmp_path / "new.zarr", tmp_path / "snap.zarr")
    assert "packed snapshot" in _one_line_error(capsys, ["store", "upgrade",
                                                         str(tmp_path / "snap.zarr")])


def test_an_older_geneb_refuses_a_newer_store_in_one_line(tmp_path, v1, monkeypatch, capsys):
    upgrade(v1)
    # geneb 0.1 knew only format 1: the same check, with its numbers
    monkeypatch.setattr(layout, "FORMAT_VERSION", 1)
    monkeypatch.setattr(layout, "READABLE_VERSIONS", (1,))
    err = _one_line_error(capsys, ["store", "ls", str(v1)])
    assert "has store format 2, newer than this geneb reads (1); upgrade geneb" in err
    with pytest.raises(StoreFormatError, match="upgrade geneb"):
        EmbeddingStore(v1)


def _same_upgrade(a: Path, b: Path) -> None:
    """Two upgraded stores hold the same objects and (but for times) the same metadata."""
    assert data_files(a) == data_files(b)
    ma, mb = metadata_without_times(a), metadata_without_times(b)
    ma.pop("zarr.json"), mb.pop("zarr.json")  # the root records when it was upgraded
    assert ma == mb


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["kill:upgrade-staged:0", "kill:upgrade-aside:0",
                                   "kill:upgrade-array:1", "kill:data:0"])
def test_a_killed_upgrade_is_finished_by_running_it_again(tmp_path, fault, task_csv):
    clean = tmp_path / "clean.zarr"
    shutil.copytree(DATA / "v1_store.zarr", clean)
    upgrade(clean)
    store = tmp_path / "emb.zarr"
    shutil.copytree(DATA / "v1_store.zarr", store)
    killed = geneb("store", "upgrade", str(store), "--quiet", fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    root = json.loads((store / "zarr.json").read_text())["attributes"]["geneb_store"]
    assert root["format_version"] == 2 and "upgrading" in root  # older geneb: refused
    res = geneb("extract", "--store", str(store), "--task-file", str(task_csv),
                "--models", "kmer-3")
    assert res.returncode == 2 and "interrupted" in res.stderr
    again = geneb("store", "upgrade", str(store), "--quiet")
    assert again.returncode == 0, again.stderr
    _same_upgrade(store, clean)
    assert verify(EmbeddingStore(store)).ok
