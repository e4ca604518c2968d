"""Two real `geneb extract` processes on one store."""

import time

import pytest

from geneb.store import EmbeddingStore
from geneb.store.locking import FolderLock
from geneb.store.tools import verify

from helpers import assert_same_store, big_task_csv, geneb

pytestmark = pytest.mark.slow


def _extract(store, task, *models, layout=None, **kw):
    """`geneb extract` in a real process (into a store created with ``layout`` first)."""
    if layout is not None:
        EmbeddingStore(store, mode="a", layout=layout)
    return geneb("extract", "--store", str(store), "--task-file", str(task), "--models",
                 *models, "--quiet", **kw)


def test_two_processes_different_models_both_finish(tmp_path, process_layout):
    task = big_task_csv(tmp_path, n_per_class=1100)
    slow = "sleep:0.2"  # stretch both runs so they overlap
    a = _extract(tmp_path / "emb.zarr", task, "kmer-3", fault=slow, wait=False,
                 layout=process_layout)
    b = _extract(tmp_path / "emb.zarr", task, "kmer-4", fault=slow, wait=False,
                 layout=process_layout)
    for p in (a, b):
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    store = EmbeddingStore(tmp_path / "emb.zarr")
    assert [(m, s) for m, _, s in store.embeddings()] == [("kmer-3", "complete"),
                                                          ("kmer-4", "complete")]
    assert verify(store).ok
    # same bytes as one process doing both
    ref = _extract(tmp_path / "ref.zarr", task, "kmer-3", "kmer-4", layout=process_layout)
    assert ref.returncode == 0, ref.stderr
    assert_same_store(tmp_path / "emb.zarr", tmp_path / "ref.zarr")


def test_same_model_and_task_second_process_waits_for_the_first(tmp_path, process_layout):
    """This test process holds the (model, task) writer lock, as a running `geneb extract`
    does from begin_embedding to finalize; a real second `geneb extract` must wait, write
    nothing meanwhile, and finish correctly once the lock is free."""
    task = big_task_csv(tmp_path, n_per_class=1100)
    store = tmp_path / "emb.zarr"
    group = store / "embeddings/kmer-3/crash_task"
    EmbeddingStore(store, mode="a", layout=process_layout).root.require_group(
        "embeddings/kmer-3/crash_task")
    lock = FolderLock(str(group), "test holder").acquire()
    second = _extract(store, task, "kmer-3", wait=False, layout=process_layout)
    line = second.stderr.readline()  # blocks until the second process reports
    assert "waiting for another process writing embeddings of 'kmer-3'" in line
    time.sleep(0.5)
    assert not (group / "X").exists()  # nothing written while it waits
    lock.release()
    _, err = second.communicate(timeout=240)
    assert second.returncode == 0, err
    s = EmbeddingStore(store)
    assert s.embeddings() == [("kmer-3", "crash_task", "complete")]
    assert verify(s).ok
    ref = _extract(tmp_path / "ref.zarr", task, "kmer-3", layout=process_layout)
    assert ref.returncode == 0
    assert_same_store(store, tmp_path / "ref.zarr")


def test_two_real_extracts_of_the_same_array_never_interleave(tmp_path, process_layout):
    """Two `geneb extract` processes on the same (model, task): the second waits for the
    first, then finds the array complete; the store equals a one-process run."""
    task = big_task_csv(tmp_path, n_per_class=1100)
    store = tmp_path / "emb.zarr"
    units = 3 if process_layout.kind == "chunked" else 2  # 2,200 rows: chunks or 2-chunk shards
    slow = f"sleep:{6 / units}"  # the first holds the lock for ~6 s
    first = _extract(store, task, "kmer-3", fault=slow, wait=False, layout=process_layout)
    x = store / "embeddings/kmer-3/crash_task/X"
    deadline = time.monotonic() + 120
    while not x.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert x.exists(), "the first process never started writing"
    second = _extract(store, task, "kmer-3", wait=False, layout=process_layout)
    out2, err2 = second.communicate(timeout=240)
    out1, err1 = first.communicate(timeout=240)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "waiting for another process writing embeddings of 'kmer-3'" in err2
    assert "skipped" in out2  # the first finished it; the second wrote nothing
    assert verify(EmbeddingStore(store)).ok
    ref = _extract(tmp_path / "ref.zarr", task, "kmer-3", layout=process_layout)
    assert ref.returncode == 0
    assert_same_store(store, tmp_path / "ref.zarr")


def test_lock_timeout_refuses_with_a_clear_message(tmp_path, process_layout):
    task = big_task_csv(tmp_path, n_per_class=300)
    store = tmp_path / "emb.zarr"
    group = store / "embeddings/kmer-3/crash_task"
    EmbeddingStore(store, mode="a", layout=process_layout).root.require_group(
        "embeddings/kmer-3/crash_task")
    lock = FolderLock(str(group), "test holder").acquire()
    try:
        res = geneb("extract", "--store", str(store), "--task-file", str(task), "--models",
                    "kmer-3", "--quiet", "--lock-timeout", "1")
    finally:
        lock.release()
    assert res.returncode == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("geneb: error: another process is still writing embeddings of "
                           "'kmer-3'") and "re-run" in last
    assert not (group / "X").exists()
