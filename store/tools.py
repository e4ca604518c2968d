"""Whole-store operations behind ``geneb store``: list, describe, verify, size, pack.

Merging is in :mod:`.merging`, upgrading in :mod:`.upgrade`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from geneb.core.errors import InputError

from . import _consolidate, layout
from ._checksum import RunningChecksum
from ._chunks import UnitReader
from .embedding_store import EmbeddingStore
from .merging import MergeAction, merge  # noqa: F401  (``geneb store merge``)


@dataclass(frozen=True)
class ArrayEntry:
    """One embedding array as listed by ``geneb store ls``."""

    model_id: str
    task_id: str
    status: str
    shape: tuple[int, int]
    dtype: str
    chunks_done: int
    n_chunks: int
    stored_bytes: int | None  #: bytes on disk (None when not measurable, e.g. remote)


def _folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*")
               if f.is_file() and layout.STAGING not in f.parts)


def _stored_bytes(store: EmbeddingStore, model_id: str, task_id: str) -> int | None:
    if store.location.kind != "dir":
        return None
    return _folder_bytes(Path(store.path) / layout.embedding_path(model_id, task_id))


def list_arrays(store: EmbeddingStore) -> list[ArrayEntry]:
    """Every embedding array: status, shape, dtype, finished chunks, size on disk."""
    out = []
    for m, t, status in store.embeddings():
        X = store.open_embedding(m, t, allow_incomplete=True)
        done = store.unit_records(m, t).done
        out.append(ArrayEntry(m, t, status, tuple(X.shape), str(X.dtype), int(done.sum()),
                              int(done.size), _stored_bytes(store, m, t)))
    return out


def array_info(store: EmbeddingStore, model_id: str, task_id: str) -> dict:
    """One array's facts and provenance, as a JSON-ready dict."""
    X = store.open_embedding(model_id, task_id, allow_incomplete=True)
    rec = store.unit_records(model_id, task_id)
    attrs = {k: v for k, v in X.attrs.items() if k != layout.CHECKSUM_ATTR}
    return {"model_id": model_id, "task_id": task_id, "status": attrs.get("status"),
            "shape": list(X.shape), "dtype": str(X.dtype), "chunks": list(X.chunks),
            "shards": list(X.shards) if X.shards else None,
            "chunks_done": f"{int(rec.done.sum())}/{rec.done.size}",
            "stored_bytes": _stored_bytes(store, model_id, task_id),
            "completed": attrs.get("completed"), "provenance": attrs.get("provenance", {})}


@dataclass(frozen=True)
class Problem:
    """One thing ``verify`` found wrong."""

    where: str          #: array path inside the store
    chunk: int | None   #: unit number, when the problem is one unit
    message: str
    unit: str = "chunk"  #: "chunk", or "shard" in the sharded layout

    def __str__(self) -> str:
        chunk = "" if self.chunk is None else f" {self.unit} {self.chunk}"
        return f"{self.where}{chunk}: {self.message}"


@dataclass
class VerifyReport:
    n_arrays: int = 0
    n_chunks: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: EmbeddingStore, show_progress: bool = False) -> VerifyReport:
    """Re-read every unit of every array and compare it with its stored checksum.

    Also checks task tables against their checksums, that a ``complete`` array has every
    unit done and (for a local folder) that the consolidated metadata is current.
    Incomplete arrays are checked for the units they have.
    """
    rep = VerifyReport()
    for task_id in store.task_ids():
        rep.n_arrays += 1
        try:
            store.read_task_table(task_id)
        except Exception as exc:
            rep.problems.append(Problem(layout.task_path(task_id), None, str(exc)))
    entries = store.embeddings()
    todo = []
    for m, t, status in entries:
        rep.n_arrays += 1
        where = f"{layout.embedding_path(m, t)}/{layout.ARRAY_NAME}"
        try:
            todo.append((where, status, store.open_embedding(m, t, allow_incomplete=True),
                         store.unit_records(m, t)))
        except Exception as exc:
            rep.problems.append(Problem(where, None, str(exc)))
    with tqdm(total=sum(len(r.done) for *_, r in todo), desc="verify", unit="unit",
              disable=not show_progress, leave=False) as bar:
        for where, status, X, rec in todo:
            _verify_array(rep, where, status, X, rec, bar)
    if store.info.get("format_version", 1) < layout.FORMAT_VERSION:
        rep.notes.append(f"store format {store.info.get('format_version')}: `geneb store "
                         f"upgrade {store.path}` converts it to format {layout.FORMAT_VERSION}")
    elif store.location.kind == "dir" and not _consolidate.is_current(store.path):
        rep.notes.append(f"the consolidated metadata in {store.path}/zarr.json is not current "
                         f"(a writer was interrupted); `geneb store upgrade {store.path}` "
                         f"refreshes it")
    return rep


def _verify_array(rep: VerifyReport, where: str, status: str, X, rec, bar) -> None:
    """Check every done unit of one array against its checksum, noting problems."""
    reader = UnitReader(X)
    unit = "shard" if X.shards else "chunk"
    if rec.done.any() and not rec.checksums[rec.done].all():
        rep.notes.append(f"{where}: units without checksums (older store); decoded only")
    for i in range(rec.done.size):
        bar.update(1)
        if not rec.done[i]:
            if status == layout.STATUS_COMPLETE:
                rep.problems.append(Problem(where, i, "marked complete but this unit was never "
                                                      "written", unit))
            continue
        rep.n_chunks += 1
        sl = reader.unit_slice(i)
        running = RunningChecksum(rec.algorithm, (sl.stop - sl.start,) + X.shape[1:], X.dtype)
        try:
            for _, block in reader.blocks(i):
                running.update(block)
        except Exception as exc:
            rep.problems.append(Problem(where, i, f"cannot be decoded ({type(exc).__name__}: "
                                                  f"{str(exc)[:160]})", unit))
            continue
        if rec.checksums[i] != 0 and running.value() != rec.checksums[i]:
            rep.problems.append(Problem(where, i, "values do not match the stored checksum "
                                                  "(corrupt)", unit))
    if status != layout.STATUS_COMPLETE:
        rep.notes.append(f"{where}: incomplete ({int(rec.done.sum())}/{rec.done.size} units)")


def disk_usage(store: EmbeddingStore) -> dict[str, dict[str, float]]:
    """Bytes on disk per model, and the raw float32 size of the same values."""
    out: dict[str, dict[str, float]] = {}
    for e in list_arrays(store):
        d = out.setdefault(e.model_id, {"arrays": 0, "stored_bytes": 0, "raw_float32_bytes": 0})
        d["arrays"] += 1
        d["stored_bytes"] += e.stored_bytes or 0
        d["raw_float32_bytes"] += 4 * e.shape[0] * e.shape[1]
    if store.location.kind == "dir":
        out["(tasks)"] = {"arrays": len(store.task_ids()),
                          "stored_bytes": _folder_bytes(Path(store.path) / layout.TASKS_GROUP)
                          if (Path(store.path) / layout.TASKS_GROUP).exists() else 0,
                          "raw_float32_bytes": 0}
    return out


# ------------------------------------------------------------------ pack
def _store_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)).replace(os.sep, "/")
                  for p in folder.rglob("*") if p.is_file() and ".partial" not in p.name
                  and layout.STAGING not in p.parts and not p.name.startswith(".zarr.json."))


def pack(src: str | Path, out: str | Path) -> Path:
    """Write a read-only snapshot of a local store: a ``.zip`` or a folder.

    The snapshot holds consolidated metadata (one request opens the whole hierarchy, which
    matters over HTTP/S3) and is written once: a temporary file renamed into place, so a
    failed pack leaves nothing behind. Readers: geneb, ``zarr.open_group`` and
    ``xarray.open_zarr`` directly on the zip, no unpacking.
    """
    store = EmbeddingStore(src, mode="r")
    if store.location.kind != "dir":
        raise InputError(f"pack reads a store folder, not {store.path!r}")
    out = Path(out)
    if out.exists():
        raise InputError(f"{str(out)!r} exists; choose a new output path")
    incomplete = [f"{m}/{t}" for m, t, s in store.embeddings() if s != layout.STATUS_COMPLETE]
    if incomplete:
        raise InputError(f"store {store.path!r} has incomplete arrays ({', '.join(incomplete[:3])}"
                         f"); finish them with `geneb extract` before packing")
    folder = Path(store.path)
    files = _store_files(folder)
    attrs = dict(store.index.root_attrs)
    attrs[layout.ROOT_KEY] = {**attrs.get(layout.ROOT_KEY, {}),
                              "packed": {"from": str(folder.resolve()), "at": layout.timestamp()}}
    root_doc = _consolidate.root_document(folder, attrs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if out.suffix.lower() == ".zip":
            target = tmp / out.name
            with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                zf.writestr("zarr.json", root_doc)
                for key in files:
                    if key != "zarr.json":
                        zf.write(folder / key, key)
        else:
            target = tmp / "snapshot"
            target.mkdir()
            (target / "zarr.json").write_bytes(root_doc)
            for key in files:
                if key != "zarr.json":
                    (target / key).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(folder / key, target / key)
        os.replace(target, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


