"""Read-only remote stores: a real `python -m http.server` and a moto S3 server on loopback."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from geneb.cli.main import main
from geneb.core import InputError
from geneb.probe import open_cube
from geneb.store import EmbeddingStore, StoreLayout

pytest.importorskip("aiohttp", reason="HTTP stores need aiohttp")

#: kmer-3 rows are 64 float32 (256 bytes): shards of 3 chunks of 16 rows, so the 60-row task
#: has a full shard and a last shard holding one chunk of three (read whole all the same).
REMOTE_LAYOUTS = {"chunked": StoreLayout("chunked"),
                  "sharded": StoreLayout("sharded", shard_bytes=3 * 16 * 64 * 4)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=sorted(REMOTE_LAYOUTS))
def local_store(tmp_path_factory, request):
    from synthetic import make_task_frame
    folder = tmp_path_factory.mktemp("remote")
    task = folder / "tiny_remote.csv"
    make_task_frame(n_per_class=30, seed=5).to_csv(task, index=False)
    EmbeddingStore(folder / "emb.zarr", mode="a", layout=REMOTE_LAYOUTS[request.param])
    assert main(["extract", "--store", str(folder / "emb.zarr"), "--task-file", str(task),
                 "--models", "kmer-3", "kmer-4", "--quiet", "--chunk-rows", "16"]) == 0
    assert main(["probe", "--store", str(folder / "emb.zarr"), "--out",
                 str(folder / "local_cube.zarr"), "--quiet"]) == 0
    return folder


@pytest.fixture(scope="module")
def http_server(local_store):
    port = _free_port()
    log = open(local_store / "http.log", "w")  # one line per request
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                             "127.0.0.1", "--directory", str(local_store)],
                            stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/emb.zarr/zarr.json", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def _requests(folder: Path) -> list[str]:
    return [line for line in (folder / "http.log").read_text().splitlines() if '"GET ' in line]


def _snapshot(folder: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_a_remote_open_is_one_request(local_store, http_server):
    """The plain store folder carries consolidated metadata: opening it and listing every
    array costs one request; reading an array adds only its data objects."""
    url = f"{http_server}/emb.zarr"
    before = len(_requests(local_store))
    store = EmbeddingStore(url)
    assert [s for _, _, s in store.embeddings()] == ["complete", "complete"]
    assert store.task_ids() == ["tiny_remote"] and store.index.consolidated
    opened = _requests(local_store)[before:]
    assert len(opened) == 1 and "/emb.zarr/zarr.json" in opened[0], opened
    local = EmbeddingStore(local_store / "emb.zarr")
    train, test = np.arange(0, 60, 2), np.arange(1, 60, 2)
    got = store.read_embedding("kmer-3", "tiny_remote", rows=(train, test))
    want = local.read_embedding("kmer-3", "tiny_remote", rows=(train, test))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    data = _requests(local_store)[before + 1:]
    assert all("/X/c/" in line for line in data), data  # checksums come with the metadata
    units = len(local.unit_records("kmer-3", "tiny_remote").done)
    assert len(data) == units


def test_probe_over_http_matches_local(local_store, http_server, tmp_path, capsys):
    before = _snapshot(local_store / "emb.zarr")
    url = f"{http_server}/emb.zarr"
    assert main(["store", "ls", url]) == 0
    assert capsys.readouterr().out.count("complete") == 2
    assert main(["probe", "--store", url, "--out", str(tmp_path / "cube.zarr"), "--quiet"]) == 0
    remote, local = open_cube(tmp_path / "cube.zarr"), open_cube(local_store / "local_cube.zarr")
    np.testing.assert_array_equal(remote.mcc.values, local.mcc.values)
    with pytest.raises(InputError, match="read-only"):
        EmbeddingStore(url, mode="a")
    assert main(["store", "verify", url, "--quiet"]) == 0
    assert _snapshot(local_store / "emb.zarr") == before


def test_packed_snapshot_folder_over_http_opens_from_consolidated_metadata(
        local_store, http_server, capsys):
    from geneb.store.tools import pack
    if not (local_store / "snap.zarr").exists():
        pack(local_store / "emb.zarr", local_store / "snap.zarr")
    store = EmbeddingStore(f"{http_server}/snap.zarr")
    assert store.index.consolidated
    assert [e[2] for e in store.embeddings()] == ["complete", "complete"]
    local = EmbeddingStore(local_store / "emb.zarr")
    np.testing.assert_array_equal(store.open_embedding(*store.embeddings()[0][:2])[:],
                                  local.open_embedding(*store.embeddings()[0][:2])[:])


def test_zip_over_a_server_without_range_requests_says_what_to_do(local_store, http_server,
                                                                   capsys):
    from geneb.store.tools import pack
    if not (local_store / "emb.zip").exists():
        pack(local_store / "emb.zarr", local_store / "emb.zip")
    assert main(["store", "ls", f"{http_server}/emb.zip"]) == 2
    err = capsys.readouterr().err
    assert "range requests" in err and "OUT.zarr" in err and len(err.strip().splitlines()) == 1


def test_unreachable_url_is_one_line_error(capsys):
    assert main(["store", "ls", f"http://127.0.0.1:{_free_port()}/emb.zarr"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geneb: error:") and len(err.strip().splitlines()) == 1


def test_probe_from_s3_compatible_server(local_store, tmp_path, monkeypatch, capsys):
    s3fs = pytest.importorskip("s3fs")
    s3fs.S3FileSystem.clear_instance_cache()  # a cached one would still point at the last server
    boto3 = pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}.items():
            monkeypatch.setenv(key, value)
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="geneb")
        root = local_store / "emb.zarr"
        for path in root.rglob("*"):
            if path.is_file():
                s3.upload_file(str(path), "geneb", f"stores/emb.zarr/{path.relative_to(root)}")
        url = "s3://geneb/stores/emb.zarr"
        assert main(["store", "ls", url]) == 0
        assert capsys.readouterr().out.count("complete") == 2
        assert main(["probe", "--store", url, "--out", str(tmp_path / "cube.zarr"),
                     "--quiet"]) == 0
        remote = open_cube(tmp_path / "cube.zarr")
        local = open_cube(local_store / "local_cube.zarr")
        np.testing.assert_array_equal(remote.mcc.values, local.mcc.values)
        # a packed zip in the bucket is read in place (S3 serves byte ranges)
        from geneb.store.tools import pack
        pack(root, tmp_path / "emb.zip")
        s3.upload_file(str(tmp_path / "emb.zip"), "geneb", "stores/emb.zip")
        zipped = EmbeddingStore("s3://geneb/stores/emb.zip")
        assert zipped.embeddings() == EmbeddingStore(root).embeddings()
        m, t, _ = zipped.embeddings()[0]
        np.testing.assert_array_equal(zipped.open_embedding(m, t)[:],
                                      EmbeddingStore(root).open_embedding(m, t)[:])
        assert main(["extract", "--store", url, "--task-file",
                     str(local_store / "tiny_remote.csv"), "--models", "kmer-3"]) == 2
        assert "read-only" in capsys.readouterr().err
    finally:
        server.stop()
