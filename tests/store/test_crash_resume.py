"""Real SIGKILLs at several points of `geneb extract`; the resumed store equals a clean run."""

import signal
import time

import pytest

from geneb.core import StoreFormatError
from geneb.store import EmbeddingStore

from helpers import PROCESS_LAYOUTS
from helpers import assert_same_store, big_task_csv, geneb

pytestmark = pytest.mark.slow

MODEL = "kmer-3"


@pytest.fixture(scope="module", params=sorted(PROCESS_LAYOUTS))
def reference(tmp_path_factory, request):
    """A clean run into a new store of each layout: (task file, store, layout)."""
    folder = tmp_path_factory.mktemp("ref")
    task = big_task_csv(folder)
    layout = PROCESS_LAYOUTS[request.param]
    EmbeddingStore(folder / "ref.zarr", mode="a", layout=layout)
    proc = geneb("extract", "--store", str(folder / "ref.zarr"), "--task-file", str(task),
                 "--models", MODEL, "--quiet")
    assert proc.returncode == 0, proc.stderr
    return task, folder / "ref.zarr", layout


@pytest.mark.parametrize("fault", ["kill:data:1", "kill:done:2", "kill:finalize:0"])
def test_sigkill_then_rerun_gives_a_bit_identical_store(tmp_path, reference, fault):
    task, ref, layout = reference
    store = tmp_path / "emb.zarr"
    EmbeddingStore(store, mode="a", layout=layout)
    args = ("extract", "--store", str(store), "--task-file", str(task), "--models", MODEL,
            "--quiet")
    killed = geneb(*args, fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    s = EmbeddingStore(store)
    (m, t, status), = s.embeddings()
    assert status == "incomplete"
    with pytest.raises(StoreFormatError, match="incomplete"):
        s.open_embedding(m, t)
    assert s.open_embedding(m, t, allow_incomplete=True).shape[0] == 4200
    resumed = geneb(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed" in resumed.stdout
    assert_same_store(store, ref)


def test_kill_at_a_random_moment_then_rerun(tmp_path, reference):
    """A kill from outside, timed by the clock rather than a hook."""
    task, ref, layout = reference
    store = tmp_path / "emb.zarr"
    EmbeddingStore(store, mode="a", layout=layout)
    args = ("extract", "--store", str(store), "--task-file", str(task), "--models", MODEL,
            "--quiet")
    proc = geneb(*args, fault="sleep:0.4", wait=False)
    deadline = time.monotonic() + 120
    while not (store / "embeddings").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.6)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL  # killed, not finished
    assert geneb(*args).returncode == 0
    assert_same_store(store, ref)
