"""Two real `geneb extract` processes on one store."""

import time

import pytest

from geneb.store import EmbeddingStore
from geneb.store.locking import FolderLock
from geneb.store.tools import verify

from helpers import assert_same_store, big_task_csv, geneb

pytestmark = pytest.mark.slow


def _extract(store, task, *models, **kw):
    return geneb("extract", "--store", str(store), "--task-file", str(task), "--models",
                 *models, "--quiet", **kw)


def test_two_processes_different_models_both_finish(tmp_path):
    task = big_task_csv(tmp_path, n_per_class=1100)
    slow = {"GENEB_STORE_FAULT": "sleep:0.2"}  # stretch both runs so they overlap
    a = _extract(tmp_path / "emb.zarr", task, "kmer-3", env=slow, wait=False)
    b = _extract(tmp_path / "emb.zarr", task, "kmer-4", env=slow, wait=False)
    for p in (a, b):
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    store = EmbeddingStore(tmp_path / "emb.zarr")
    assert [(m, s) for m, _, s in store.embeddings()] == [("kmer-3", "complete"),
                                                          ("kmer-4", "complete")]
    assert verify(store).ok
    # same bytes as one process doing both
    ref = _extract(tmp_path / "ref.zarr", task, "kmer-3", "kmer-4")
    assert ref.returncode == 0, ref.stderr
    assert_same_store(tmp_path / "emb.zarr", tmp_path / "ref.zarr")


def test_same_model_and_task_second_process_waits_for_the_first(tmp_path):
    """This test process holds the (model, task) writer lock, as a running `geneb extract`
    does from begin_embedding to finalize; a real second `geneb extract` must wait, write
    nothing meanwhile, and finish correctly once the lock is free."""
    task = big_task_csv(tmp_path, n_per_class=1100)
    store = tmp_path / "emb.zarr"
    group = store / "embeddings/kmer-3/crash_task"
    EmbeddingStore(store, mode="a").root.require_group("embeddings/kmer-3/crash_task")
    lock = FolderLock(str(group), "test holder").acquire()
    second = _extract(store, task, "kmer-3", wait=False)
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
    ref = _extract(tmp_path / "ref.zarr", task, "kmer-3")
    assert ref.returncode == 0
    assert_same_store(store, tmp_path / "ref.zarr")
