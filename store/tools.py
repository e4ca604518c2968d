"""Whole-store operations behind ``geneb store``: list, describe, verify, size, pack, merge."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zarr
from tqdm.auto import tqdm

from geneb.core.errors import InputError, StoreFormatError

from . import layout
from ._checksum import block_checksum
from .embedding_store import EmbeddingStore


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
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _stored_bytes(store: EmbeddingStore, model_id: str, task_id: str) -> int | None:
    if store.location.kind != "dir":
        return None
    return _folder_bytes(Path(store.path) / layout.embedding_path(model_id, task_id))


def list_arrays(store: EmbeddingStore) -> list[ArrayEntry]:
    """Every embedding array: status, shape, dtype, finished chunks, size on disk."""
    out = []
    for m, t, status in store.embeddings():
        grp = store.embedding_group(m, t)
        X = store.open_embedding(m, t, allow_incomplete=True)
        done = grp[layout.DONE_NAME][:]
        out.append(ArrayEntry(m, t, status, tuple(X.shape), str(X.dtype), int(done.sum()),
                              int(done.size), _stored_bytes(store, m, t)))
    return out


def array_info(store: EmbeddingStore, model_id: str, task_id: str) -> dict:
    """One array's facts and provenance, as a JSON-ready dict."""
    grp = store.embedding_group(model_id, task_id)
    X = store.open_embedding(model_id, task_id, allow_incomplete=True)
    done = grp[layout.DONE_NAME][:]
    attrs = dict(X.attrs)
    return {"model_id": model_id, "task_id": task_id, "status": attrs.get("status"),
            "shape": list(X.shape), "dtype": str(X.dtype), "chunks": list(X.chunks),
            "chunks_done": f"{int(done.sum())}/{done.size}",
            "stored_bytes": _stored_bytes(store, model_id, task_id),
            "completed": attrs.get("completed"), "provenance": attrs.get("provenance", {})}


@dataclass(frozen=True)
class Problem:
    """One thing ``verify`` found wrong."""

    where: str          #: array path inside the store
    chunk: int | None   #: chunk number, when the problem is one chunk
    message: str

    def __str__(self) -> str:
        chunk = "" if self.chunk is None else f" chunk {self.chunk}"
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
    """Re-read every chunk of every array and compare it with its stored checksum.

    Also checks task tables against their checksums and that a ``complete`` array has
    every chunk done. Incomplete arrays are checked for the chunks they have.
    """
    rep = VerifyReport()
    for task_id in store.task_ids():
        rep.n_arrays += 1
        try:
            store.read_task_table(task_id)
        except Exception as exc:
            rep.problems.append(Problem(layout.task_path(task_id), None, str(exc)))
    entries = store.embeddings()
    total = 0
    for m, t, _ in entries:
        total += store.embedding_group(m, t)[layout.DONE_NAME].shape[0]
    with tqdm(total=total, desc="verify", unit="chunk", disable=not show_progress,
              leave=False) as bar:
        for m, t, status in entries:
            rep.n_arrays += 1
            where = f"{layout.embedding_path(m, t)}/{layout.ARRAY_NAME}"
            grp = store.embedding_group(m, t)
            try:
                X = store.open_embedding(m, t, allow_incomplete=True)
            except Exception as exc:
                rep.problems.append(Problem(where, None, str(exc)))
                continue
            done = grp[layout.DONE_NAME][:]
            sums = grp[layout.CHECKSUM_NAME][:] if layout.CHECKSUM_NAME in grp else None
            if sums is None:
                rep.notes.append(f"{where}: no per-chunk checksums (older store); decoded only")
            rows = X.chunks[0]
            for i in range(done.size):
                bar.update(1)
                if not done[i]:
                    if status == layout.STATUS_COMPLETE:
                        rep.problems.append(Problem(where, i, "marked complete but this chunk "
                                                              "was never written"))
                    continue
                rep.n_chunks += 1
                try:
                    block = X[i * rows:min((i + 1) * rows, X.shape[0])]
                except Exception as exc:
                    rep.problems.append(Problem(where, i, f"cannot be decoded "
                                                          f"({type(exc).__name__}: {exc})"))
                    continue
                if sums is not None and sums[i] != 0 and block_checksum(block) != sums[i]:
                    rep.problems.append(Problem(where, i, "values do not match the stored "
                                                          "checksum (corrupt)"))
            if status != layout.STATUS_COMPLETE:
                rep.notes.append(f"{where}: incomplete ({int(done.sum())}/{done.size} chunks)")
    return rep


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
                  for p in folder.rglob("*") if p.is_file() and ".partial" not in p.name)


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
    # consolidated metadata, computed on a copy of the metadata documents only
    meta = zarr.storage.MemoryStore()
    proto = zarr.core.buffer.default_buffer_prototype()
    from zarr.core.sync import sync
    for key in files:
        if key.endswith("zarr.json"):
            doc = json.loads((folder / key).read_bytes())
            if key == "zarr.json":
                doc.setdefault("attributes", {})[layout.ROOT_KEY] = {
                    **doc["attributes"].get(layout.ROOT_KEY, {}),
                    "packed": {"from": str(folder.resolve()), "at": layout.timestamp()}}
            sync(meta.set(key, proto.buffer.from_bytes(json.dumps(doc).encode())))
    with warnings.catch_warnings():  # "consolidated metadata is not in the v3 spec yet"
        warnings.simplefilter("ignore")
        zarr.consolidate_metadata(meta, zarr_format=3)
    root_doc = sync(meta.get("zarr.json", proto)).to_bytes()
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


# ----------------------------------------------------------------- merge
@dataclass(frozen=True)
class MergeAction:
    source: str
    kind: str        #: "task" or "embedding"
    name: str
    action: str      #: "copy", "identical" (already there, same content), "skip-incomplete"
    key: tuple = ()  #: (task_id,) or (model_id, task_id)


def _chunk_sums(store: EmbeddingStore, m: str, t: str) -> np.ndarray | None:
    grp = store.embedding_group(m, t)
    return grp[layout.CHECKSUM_NAME][:] if layout.CHECKSUM_NAME in grp else None


def _same_embedding(a: EmbeddingStore, b: EmbeddingStore, m: str, t: str) -> str | None:
    """None when the two arrays are identical, else why not."""
    xa, xb = a.open_embedding(m, t), b.open_embedding(m, t)
    if xa.shape != xb.shape or xa.dtype != xb.dtype:
        return f"shape/dtype {xa.shape} {xa.dtype} vs {xb.shape} {xb.dtype}"
    ca = xa.attrs.get("provenance", {}).get("config")
    cb = xb.attrs.get("provenance", {}).get("config")
    if ca != cb:
        ca, cb = ca or {}, cb or {}
        keys = sorted(k for k in set(ca) | set(cb) if ca.get(k) != cb.get(k))
        return f"settings differ ({', '.join(keys)})"
    sa, sb = _chunk_sums(a, m, t), _chunk_sums(b, m, t)
    if sa is not None and sb is not None and len(sa) == len(sb) and (sa != 0).all():
        return None if np.array_equal(sa, sb) else "values differ"
    return None if np.array_equal(xa[:], xb[:]) else "values differ"


def merge(out: str | Path, sources: list[str | Path], show_progress: bool = False
          ) -> list[MergeAction]:
    """Combine stores into ``out`` (created if missing) without recomputing anything.

    Everything is checked before anything is written: a task table or an embedding array
    present in two places must be identical, otherwise the merge is refused naming it.
    Incomplete arrays are not copied.
    """
    srcs = [EmbeddingStore(s, mode="r") for s in sources]
    target_exists = Path(out).exists()
    dst = EmbeddingStore(out, mode="r") if target_exists else None
    plan: list[MergeAction] = []
    seen_tasks: dict[str, EmbeddingStore] = {}
    seen_emb: dict[tuple[str, str], EmbeddingStore] = {}
    dst_incomplete: set[tuple[str, str]] = set()
    if dst is not None:
        seen_tasks = {t: dst for t in dst.task_ids()}
        for m, t, s in dst.embeddings():
            if s == layout.STATUS_COMPLETE:
                seen_emb[(m, t)] = dst
            else:
                dst_incomplete.add((m, t))
    for src in srcs:
        for t in src.task_ids():
            if t in seen_tasks:
                a, b = seen_tasks[t].read_task_table(t), src.read_task_table(t)
                for name in ("seq_hash", "label", "split", "length"):
                    if not np.array_equal(getattr(a, name), getattr(b, name)):
                        raise StoreFormatError(
                            f"task {t!r} differs in {name} between {seen_tasks[t].path!r} and "
                            f"{src.path!r}; merge refused (nothing written)")
                plan.append(MergeAction(src.path, "task", t, "identical", (t,)))
            else:
                seen_tasks[t] = src
                plan.append(MergeAction(src.path, "task", t, "copy", (t,)))
        for m, t, status in src.embeddings():
            if status != layout.STATUS_COMPLETE:
                plan.append(MergeAction(src.path, "embedding", f"{m}/{t}", "skip-incomplete",
                                        (m, t)))
                continue
            if (m, t) in seen_emb:
                why = _same_embedding(seen_emb[(m, t)], src, m, t)
                if why:
                    raise StoreFormatError(
                        f"embeddings of {m!r} on {t!r} differ between {seen_emb[(m, t)].path!r} "
                        f"and {src.path!r} ({why}); merge refused (nothing written)")
                plan.append(MergeAction(src.path, "embedding", f"{m}/{t}", "identical", (m, t)))
            else:
                if (m, t) in dst_incomplete:  # the copy would resume it: settings must match
                    X = src.open_embedding(m, t)
                    diff = dst.settings_conflict(m, t, X.shape[0], X.shape[1], str(X.dtype),
                                                 dict(X.attrs.get("provenance", {})))
                    if diff:
                        raise StoreFormatError(
                            f"embeddings of {m!r} on {t!r} are incomplete in {dst.path!r} with "
                            f"other settings than in {src.path!r} ({', '.join(diff)}); merge "
                            f"refused (nothing written): merge into a new folder, or delete "
                            f"{layout.embedding_path(m, t)} from {dst.path!r} first")
                seen_emb[(m, t)] = src
                plan.append(MergeAction(src.path, "embedding", f"{m}/{t}", "copy", (m, t)))
    target = EmbeddingStore(out, mode="a")
    by_path = {s.path: s for s in srcs}
    copies = [a for a in plan if a.action == "copy"]
    for act in tqdm(copies, desc="merge", disable=not show_progress, leave=False):
        src = by_path[act.source]
        if act.kind == "task":
            tab = src.read_task_table(act.name)
            target.write_task_table(act.name, seq_hash=tab.seq_hash, label=tab.label,
                                    split=tab.split, length=tab.length, attrs=tab.attrs)
        else:
            _copy_embedding(src, target, *act.key)
    return plan


def _copy_embedding(src: EmbeddingStore, dst: EmbeddingStore, m: str, t: str) -> None:
    X = src.open_embedding(m, t)
    attrs = dict(X.attrs)
    prov = dict(attrs.get("provenance", {}))
    w = dst.begin_embedding(m, t, n=X.shape[0], dim=X.shape[1], dtype=str(X.dtype),
                            chunk_rows=X.chunks[0], provenance=prov)
    sums = _chunk_sums(src, m, t)
    trunc = src.embedding_group(m, t)
    trunc = trunc[layout.TRUNCATED_NAME][:] if layout.TRUNCATED_NAME in trunc else None
    for i in w.missing_chunks():
        block = X[w.chunk_slice(i)]
        if sums is not None and sums[i] != 0 and block_checksum(block) != sums[i]:
            w.close()
            raise StoreFormatError(f"{src.path!r}: {layout.embedding_path(m, t)}/X chunk {i} does "
                                   f"not match its checksum; run `geneb store verify` on it")
        known = trunc is not None and trunc[i] >= 0
        w.write_chunk(i, block, n_truncated=int(trunc[i]) if known else None)
    w.array.attrs.update({"provenance": prov})
    w.finalize()
    w.array.attrs.update({"completed": attrs.get("completed"),
                          "merged_from": src.path})
