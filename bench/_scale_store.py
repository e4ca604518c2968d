"""Building blocks of bench_store_scale.py: GENEB's real sizes, synthetic stores, servers.

Sizes: the 100 official tasks of the catalog (training rows: the source's train split when
the catalog has it, else 8x the test split as in the GUE and NT sources; at most 100,000 as
in GENEB), and the hidden sizes of the 40 official models (from their configurations: the
catalog does not carry them). Values are random (float16 by default), the same in every
store for the same (model, task).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import zarr
from zarr.codecs import BloscCodec

#: Hidden size of each of the 40 official models (their embedding width).
WIDTHS = {
    "METAGENE-1": 4096, "evo-1-131k-base": 4096, "GenomeOcean-4B": 3072,
    "GENERator-eukaryote-3b-base": 2560, "dna_gpt3b_m": 2560,
    "nucleotide-transformer-2.5b-multi-species": 2560, "LucaOne-default-step36M": 2560,
    "GENERator-eukaryote-1.2b-base": 2048, "Omni-DNA-1B": 2048,
    "agro-nucleotide-transformer-1b": 1500, "space": 1536, "eccdnamamba_weights": 768,
    "GenomeOcean-500M": 1024, "gena-lm-bert-large-t2t": 1024, "Omni-DNA-300M": 1024,
    "BioFM-265M": 1024, "enformer-official-rough": 3072,
    "nucleotide-transformer-v2-250m-multi-species": 768, "PlantCaduceus_l32": 1024,
    "OmniNA-220m": 1024, "gpt2_gene_multi_v2_ft": 768, "gpt2_gene_v1": 768,
    "genomics-fm": 768, "DNABERT-S": 768, "dnabert2-no-flashattention": 768,
    "gena-lm-bert-base-t2t-multi": 768, "gena-lm-bert-base": 768, "dna_gpt0.1b_h": 768,
    "nucleotide-transformer-v2-100m-multi-species": 512, "GROVER": 768, "MutBERT": 768,
    "deepgene": 768, "hyenadna-large-1m-seqlen-hf": 256,
    "nucleotide-transformer-v2-50m-3mer-multi-species": 512,
    "nucleotide-transformer-v2-50m-multi-species": 512,
    "hyenadna-medium-160k-seqlen-hf": 256,
    "caduceus-ps_seqlen-131k_d_model-256_n_layer-16": 512, "JanusDNA_72_w": 256,
    "JanusDNA_72_wo": 256, "caduceus-ph_seqlen-1k_d_model-256_n_layer-4_lr-8e-3": 256,
}
MAX_TRAIN = 100_000
CHUNK_ROWS = 1024


@dataclass(frozen=True)
class TaskSize:
    task_id: str
    n_train: int
    n_test: int

    @property
    def n(self) -> int:
        return self.n_train + self.n_test


def task_sizes() -> list[TaskSize]:
    """The 100 official tasks with their training and test rows."""
    text = resources.files("geneb.catalog").joinpath("data/geneb_tasks.csv").read_text()
    out = []
    for row in csv.DictReader(text.splitlines()):
        n_test = int(row["test_n_inferred_min"])
        train = row["source_train_n"]
        out.append(TaskSize(row["task_id"], min(int(train) if train else 8 * n_test,
                                                MAX_TRAIN), n_test))
    return out


def values(model_id: str, task: TaskSize, dim: int, dtype: str) -> np.ndarray:
    """The (n, dim) embedding of a model on a task: random, and the same in every store."""
    seed = int(hashlib.sha256(f"{model_id}|{task.task_id}".encode()).hexdigest()[:16], 16)
    rng = np.random.default_rng([seed, task.n, dim])
    return rng.standard_normal((task.n, dim), dtype=np.float32).astype(dtype)


def table(task: TaskSize) -> dict[str, np.ndarray]:
    """A task table: the training rows first, then the test rows."""
    rng = np.random.default_rng(task.n)
    return {"seq_hash": rng.integers(0, 2**63, task.n, dtype=np.uint64),
            "label": rng.integers(0, 2, task.n).astype(np.int64),
            "split": np.repeat(np.array([0, 1], np.int8), [task.n_train, task.n_test]),
            "length": np.full(task.n, 300, np.int32)}


TABLE_ATTRS = {"category": "bench", "classes": ["0", "1"], "n_classes": 2,
               "source_checksum": "0" * 64, "split_codes": {"train": 0, "test": 1}}


# ----------------------------------------------------- format 1, as geneb wrote it
_V1_CODEC = BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")


def build_format1(path: Path, models: dict[str, int], tasks: list[TaskSize],
                  dtype: str, chunk_rows: int = CHUNK_ROWS) -> None:
    """The store as geneb 0.1 (format 1) wrote it: a copy of that writer's steps."""
    from geneb.core.provenance import library_versions
    from geneb.store._checksum import BLAKE2B, block_checksum
    from geneb.store.task_table import table_checksums

    root = zarr.open_group(path, mode="a", zarr_format=3)
    root.attrs["geneb_store"] = {"format_version": 1, "created": "2026-01-01T00:00:00+00:00",
                                 "versions": library_versions()}
    for task in tasks:
        grp = root.require_group(f"tasks/{task.task_id}")
        arrays = table(task)
        for name, arr in arrays.items():
            grp.create_array(name, data=arr, chunks=(len(arr),), compressors=_V1_CODEC,
                             dimension_names=("sequence",))
        grp.attrs.update({**TABLE_ATTRS, "checksums": table_checksums(arrays),
                          "task_id": task.task_id})
    for model_id, dim in models.items():
        for task in tasks:
            grp = root.require_group(f"embeddings/{model_id}/{task.task_id}")
            n_chunks = -(-task.n // chunk_rows)
            recs = {}
            for name, kind, fill in (("chunk_done", "bool", False),
                                     ("chunk_checksum", "uint64", 0),
                                     ("chunk_truncated", "int32", -1)):
                recs[name] = grp.create_array(name, shape=(n_chunks,), chunks=(1,), dtype=kind,
                                              fill_value=fill, dimension_names=("chunk",))
            X = grp.create_array("X", shape=(task.n, dim), chunks=(chunk_rows, dim),
                                 dtype=dtype, fill_value=0, compressors=_V1_CODEC,
                                 dimension_names=("sequence", "feature"),
                                 attributes={"status": "incomplete", "model_id": model_id,
                                             "task_id": task.task_id, "chunk_rows": chunk_rows,
                                             "provenance": {"config": {"bench": 1},
                                                            "dtype": dtype}})
            data = values(model_id, task, dim, dtype)
            for i in range(n_chunks):
                block = data[i * chunk_rows:(i + 1) * chunk_rows]
                X[i * chunk_rows:i * chunk_rows + len(block)] = block
                recs["chunk_checksum"][i] = block_checksum(block, BLAKE2B)
                recs["chunk_truncated"][i] = 0
                recs["chunk_done"][i] = True
            X.attrs.update({"status": "complete", "completed": "2026-01-01T00:00:00+00:00"})


# ------------------------------------------------------------ format 2 (this geneb)
def build_format2(path: Path, layout, models: dict[str, int], tasks: list[TaskSize],
                  dtype: str, chunk_rows: int = CHUNK_ROWS) -> float:
    """Write every (model, task) array with geneb's writer; returns the seconds it took."""
    from geneb.store import EmbeddingStore

    store = EmbeddingStore(path, mode="a", layout=layout)
    t0 = time.perf_counter()
    for task in tasks:
        store.write_task_table(task.task_id, attrs=TABLE_ATTRS, **table(task))
    for model_id, dim in models.items():
        for task in tasks:
            data = values(model_id, task, dim, dtype)
            w = store.begin_embedding(model_id, task.task_id, n=task.n, dim=dim, dtype=dtype,
                                      chunk_rows=chunk_rows,
                                      provenance={"config": {"bench": 1}})
            for i in w.missing_chunks():
                w.write_chunk(i, data[w.chunk_slice(i)], n_truncated=0)
            w.finalize()
    return time.perf_counter() - t0


def add_shells(path: Path, models: dict[str, int], tasks: list[TaskSize], dtype: str,
               chunk_rows: int = CHUNK_ROWS) -> None:
    """Create the arrays of ``models`` at their real shapes, unwritten: the store's metadata
    (what opening it reads) is then that of the full store."""
    from geneb.store import EmbeddingStore

    store = EmbeddingStore(path, mode="a")
    with store.deferred_consolidation():
        for model_id, dim in models.items():
            for task in tasks:
                store.begin_embedding(model_id, task.task_id, n=task.n, dim=dim, dtype=dtype,
                                      chunk_rows=chunk_rows,
                                      provenance={"config": {"bench": 1}}).close()


def objects_per_array(kind: str, n: int, dim: int, itemsize: int, shard_bytes: int,
                      chunk_rows: int = CHUNK_ROWS) -> int:
    """Objects of one complete (model, task) array: data objects and metadata documents.

    ``kind``: "format 1" (X chunks and three per-chunk record arrays, each an object per
    chunk, 5 documents), "chunked" or "sharded" (format 2: data objects, 2 documents).
    """
    from geneb.store import StoreLayout
    from geneb.store.writer import shard_rows

    chunks = -(-n // chunk_rows)
    if kind == "format 1":
        return 4 * chunks + 5
    if kind == "chunked":
        return chunks + 2
    rows = shard_rows((n, dim), np.dtype(f"f{itemsize}").str, chunk_rows,
                      StoreLayout("sharded", shard_bytes))
    return -(-n // rows) + 2


def files(folder: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    """Files of a store (those under ``skip`` sub-paths left out)."""
    return [p for p in folder.rglob("*") if p.is_file()
            and not any(part in skip for part in p.relative_to(folder).parts)]


# ---------------------------------------------------------------- servers
def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen) -> None:
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error: the server answers
                return
            if proc.poll() is not None:
                raise RuntimeError(f"server for {url} exited ({proc.returncode})") from None
            time.sleep(0.1)
    raise RuntimeError(f"no server at {url}")


@contextmanager
def http_server(folder: Path):
    """``python -m http.server`` over ``folder`` (a separate process); yields its URL."""
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                             "127.0.0.1", "--directory", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def s3_server(folder: Path, prefix: str, skip: tuple[str, ...] = ()):
    """A moto S3 server (a separate process) holding ``folder`` under
    ``s3://bench/<prefix>/``; yields the environment a client needs."""
    port = _port()
    env = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    proc = subprocess.Popen([sys.executable, __file__, "serve-s3", str(port), str(folder),
                             prefix, json.dumps(skip)], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"moto S3 server did not start ({line!r})")
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _serve_s3(port: int, folder: Path, prefix: str, skip: tuple[str, ...]) -> None:
    """Child process: fill a moto bucket from ``folder`` (through moto's backend, not HTTP,
    to load tens of thousands of objects in seconds), then serve it until terminated."""
    import logging

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    backends = s3_backends[DEFAULT_ACCOUNT_ID]
    backend = backends["aws"] if "aws" in backends else backends["global"]
    backend.create_bucket("bench", "us-east-1")
    for path in files(folder, skip):
        key = f"{prefix}/{path.relative_to(folder).as_posix()}"
        backend.put_object("bench", key, path.read_bytes())
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__" and sys.argv[1:2] == ["serve-s3"]:
    _serve_s3(int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], tuple(json.loads(sys.argv[5])))
