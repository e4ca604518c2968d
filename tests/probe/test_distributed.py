"""Probing maps (model, task) blocks over dask.distributed: a LocalCluster of worker processes
and a `dask scheduler` + `dask worker` started as separate processes on loopback."""

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from geneb.core.cluster import blas_threads_per_block
from geneb.core.cluster import threads_by_host as _threads_by_host
from geneb.probe import ProbeProtocol, run_probes
from geneb.probe.bundles import bundle_jobs

PROTOCOL = ProbeProtocol(seeds=(13, 42))


def same_cells(a, b):
    for name in ("mcc", "n_train", "n_iter", "fitted", "converged"):
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    np.testing.assert_array_equal(a["train_rows"].values, b["train_rows"].values)


def test_blas_threads_split_the_cores_between_concurrent_blocks():
    assert blas_threads_per_block(1, cores=16) == 16
    assert blas_threads_per_block(4, cores=16) == 4
    assert blas_threads_per_block(8, cores=2) == 1


@pytest.mark.slow
def test_local_cluster_of_two_worker_processes_gives_the_in_process_results(store2):
    from distributed import Client, LocalCluster
    store, models, tasks, _ = store2
    local = run_probes(store, models, tasks, protocol=PROTOCOL, backend="torch",
                       show_progress=False, n_workers=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        remote = run_probes(store, models, tasks, protocol=PROTOCOL, backend="torch",
                            scheduler=client, show_progress=False)
        # the blocks really ran in the worker processes
        pids = set(client.run(os.getpid).values())
        assert os.getpid() not in pids and len(pids) == 2
        # two single-thread worker processes on one host: each block gets cores // 2
        assert sum(_threads_by_host(client).values()) == 2 and len(_threads_by_host(client)) == 1
    same_cells(local, remote)
    assert set(np.unique(remote["backend"].values)) == {"torch:cpu"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_dask_scheduler_and_worker_cli_processes_on_loopback(store2, tmp_path):
    store, models, tasks, _ = store2
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    log = open(tmp_path / "dask.log", "w")
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--dashboard-address", ":0"],
                              stdout=log, stderr=subprocess.STDOUT, env=env)]
    try:
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address,
                                       "--nthreads", "2", "--nworkers", "1", "--no-dashboard",
                                       "--host", "127.0.0.1"],
                                      stdout=log, stderr=subprocess.STDOUT, env=env))
        from distributed import Client
        deadline = time.monotonic() + 60
        while True:  # wait until the worker has joined
            try:
                with Client(address, timeout=5) as c:
                    if c.scheduler_info()["workers"]:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "dask.log").read_text()
            time.sleep(0.5)
        out = tmp_path / "cube.zarr"
        cube = run_probes(store, models, tasks, protocol=PROTOCOL, backend="torch",
                          scheduler=address, out=out, show_progress=False)
        local = run_probes(store, models, tasks, protocol=PROTOCOL, backend="torch",
                           show_progress=False, n_workers=2)
        same_cells(local, cube)
        assert out.exists()
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def test_bundles_keep_the_order_and_the_held_bytes_budget():
    jobs = [("m1", f"t{i}", ["todo"]) for i in range(5)] + [("m2", "t0", ["todo"])]
    held = {("m1", "t0"): 60, ("m1", "t1"): 50, ("m1", "t2"): 30, ("m1", "t3"): 20,
            ("m1", "t4"): 10, ("m2", "t0"): 5}
    bundles = bundle_jobs(jobs, held, budget=100, n_workers=1, max_pairs=3)
    assert [[(m, t) for m, t, _ in b] for b in bundles] == [
        [("m1", "t0")], [("m1", "t1"), ("m1", "t2"), ("m1", "t3")],
        [("m1", "t4"), ("m2", "t0")]]  # models mix: the batch pads the narrower
    assert bundle_jobs(jobs, {k: 200 for k in held}, budget=100, n_workers=1) == \
        [[job] for job in jobs]  # a pair over the budget goes alone, as an unbundled block
    assert len(bundle_jobs(jobs, held, budget=1e9, n_workers=1)) == 3  # ~4 per worker


def test_bundled_run_gives_the_cells_of_one_block_per_pair(store2):
    store, models, tasks, _ = store2
    alone = run_probes(store, models, tasks, backend="torch", show_progress=False, bundle_max=1)
    bundled = run_probes(store, models, tasks, backend="torch", show_progress=False,
                         bundle_max=2, n_workers=1)
    for name in ("n_train", "fitted", "converged", "train_rows"):
        np.testing.assert_array_equal(alone[name].values, bundled[name].values, err_msg=name)
    np.testing.assert_allclose(alone["mcc"].values, bundled["mcc"].values, atol=0.02)
    assert (np.abs(alone["mcc"].values - bundled["mcc"].values) > 1e-12).mean() < 0.05
