"""Read and write embeddings in a Zarr v3 store.

Completion is recorded per chunk (``chunk_done``), so an interrupted extraction resumes
with the missing chunks only, and readers refuse an array that is not complete.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.codecs import BloscCodec

from geneb.core.errors import MissingDataError, StoreFormatError
from geneb.core.provenance import library_versions
from geneb.store import layout

_COMPRESSOR = BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")
DEFAULT_CHUNK_ROWS = 1024


@dataclass(frozen=True)
class TaskTable:
    """The per-sequence table of one task as stored.

    Attributes
    ----------
    seq_hash : ndarray of uint64, shape (n,)
        Content hash of each normalised sequence.
    label : ndarray of int64, shape (n,)
    split : ndarray of int8, shape (n,)
        0 = train, 1 = test.
    length : ndarray of int32, shape (n,)
    attrs : dict
        category, classes, source checksum and other task metadata.
    """

    seq_hash: np.ndarray
    label: np.ndarray
    split: np.ndarray
    length: np.ndarray
    attrs: dict

    @property
    def train_index(self) -> np.ndarray:
        return np.flatnonzero(self.split == 0)

    @property
    def test_index(self) -> np.ndarray:
        return np.flatnonzero(self.split == 1)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _identity(provenance: dict) -> dict:
    """The part of an array's provenance that decides whether two runs are the same."""
    return dict(provenance.get("config", {}))


class EmbeddingStore:
    """A geneb embedding store on a local path.

    Parameters
    ----------
    path : str or Path
        Folder of the Zarr v3 store (``emb.zarr``).
    mode : {"r", "a"}
        ``"r"`` opens an existing store read-only; ``"a"`` creates it when missing.
    """

    def __init__(self, path: str | Path, mode: str = "r") -> None:
        self.path = str(path)
        self.mode = mode
        if mode == "r":
            if not Path(self.path).exists():
                raise MissingDataError(f"no embedding store at {self.path!r}; create one with "
                                       f"`geneb extract --store {self.path}`")
            try:
                self.root = zarr.open_group(self.path, mode="r", zarr_format=3)
            except Exception as exc:  # zarr raises several types for a non-store folder
                raise StoreFormatError(f"{self.path!r} is not a Zarr v3 store ({exc})") from None
            self._check_format()
        elif mode == "a":
            self.root = zarr.open_group(self.path, mode="a", zarr_format=3)
            if layout.ROOT_KEY not in self.root.attrs:
                if len(list(self.root.keys())):
                    raise StoreFormatError(f"{self.path!r} is a Zarr group but not a geneb store; "
                                           f"choose an empty or new folder")
                self.root.attrs[layout.ROOT_KEY] = {
                    "format_version": layout.FORMAT_VERSION,
                    "created": _now(),
                    "versions": library_versions(),
                }
            self._check_format()
        else:
            raise ValueError(f"mode must be 'r' or 'a', not {mode!r}")

    def _check_format(self) -> None:
        meta = self.root.attrs.get(layout.ROOT_KEY)
        if not isinstance(meta, dict):
            raise StoreFormatError(f"{self.path!r} is not a geneb store (no {layout.ROOT_KEY!r} "
                                   f"attribute); create one with `geneb extract`")
        version = meta.get("format_version")
        if not isinstance(version, int) or version > layout.FORMAT_VERSION:
            raise StoreFormatError(f"{self.path!r} has store format {version!r}, newer than this "
                                   f"geneb reads ({layout.FORMAT_VERSION}); upgrade geneb")

    # ------------------------------------------------------------------ tasks
    def has_task(self, task_id: str) -> bool:
        return layout.task_path(task_id) in self.root

    def write_task_table(self, task_id: str, *, seq_hash: np.ndarray, label: np.ndarray,
                         split: np.ndarray, length: np.ndarray, attrs: dict[str, Any]) -> None:
        """Write a task's sequence table, or check it equals the one already stored.

        Raises
        ------
        StoreFormatError
            When the stored table holds other sequences, labels or splits.
        """
        arrays = {"seq_hash": np.asarray(seq_hash, np.uint64), "label": np.asarray(label, np.int64),
                  "split": np.asarray(split, np.int8), "length": np.asarray(length, np.int32)}
        if self.has_task(task_id):
            old = self.read_task_table(task_id)
            for name, arr in arrays.items():
                if not np.array_equal(getattr(old, name), arr):
                    raise StoreFormatError(
                        f"task {task_id!r} in {self.path!r} was stored with different {name} "
                        f"(source checksum {old.attrs.get('source_checksum', '?')[:12]} vs "
                        f"{attrs.get('source_checksum', '?')[:12]}); use a new --store")
            return
        grp = self.root.require_group(layout.task_path(task_id))
        for name, arr in arrays.items():
            grp.create_array(name, data=arr, chunks=(max(len(arr), 1),), compressors=_COMPRESSOR,
                             dimension_names=("sequence",))
        grp.attrs.update({"task_id": task_id, **attrs})

    def read_task_table(self, task_id: str) -> TaskTable:
        if not self.has_task(task_id):
            raise MissingDataError(f"task {task_id!r} is not in store {self.path!r}; "
                                   f"run `geneb extract --store {self.path} --tasks {task_id}`")
        grp = self.root[layout.task_path(task_id)]
        return TaskTable(seq_hash=grp["seq_hash"][:], label=grp["label"][:], split=grp["split"][:],
                         length=grp["length"][:], attrs=dict(grp.attrs))

    def task_ids(self) -> list[str]:
        if layout.TASKS_GROUP not in self.root:
            return []
        return sorted(g.attrs.get("task_id", k) for k, g in self.root[layout.TASKS_GROUP].groups())

    # ------------------------------------------------------------- embeddings
    def has_embedding(self, model_id: str, task_id: str) -> bool:
        return f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}" in self.root

    def embedding_status(self, model_id: str, task_id: str) -> str | None:
        """``"complete"``, ``"incomplete"`` or None when the array does not exist."""
        if not self.has_embedding(model_id, task_id):
            return None
        return self._array(model_id, task_id).attrs.get("status", layout.STATUS_INCOMPLETE)

    def _array(self, model_id: str, task_id: str) -> zarr.Array:
        return self.root[f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}"]

    def begin_embedding(self, model_id: str, task_id: str, *, n: int, dim: int,
                        dtype: str = "float32", chunk_rows: int = DEFAULT_CHUNK_ROWS,
                        provenance: dict[str, Any]) -> "EmbeddingWriter":
        """Create the (n, dim) array for a model and task, or reopen it to resume.

        ``provenance["config"]`` identifies the run: reopening with another config is
        refused, so embeddings made with different settings are never mixed.
        """
        path = layout.embedding_path(model_id, task_id)
        if self.has_embedding(model_id, task_id):
            arr = self._array(model_id, task_id)
            old = arr.attrs.get("provenance", {})
            if _identity(old) != _identity(provenance) or arr.shape != (n, dim):
                diff = sorted(k for k in set(_identity(old)) | set(_identity(provenance))
                              if _identity(old).get(k) != _identity(provenance).get(k))
                raise StoreFormatError(
                    f"embeddings of model {model_id!r} on task {task_id!r} already exist in "
                    f"{self.path!r} with other settings ({', '.join(diff) or 'shape'}); "
                    f"use another --store to keep both")
            return EmbeddingWriter(self.root[path])
        grp = self.root.require_group(path)
        n_chunks = max(1, -(-n // chunk_rows))
        grp.create_array(layout.DONE_NAME, shape=(n_chunks,), chunks=(1,), dtype="bool",
                         fill_value=False, dimension_names=("chunk",))
        arr = grp.create_array(layout.ARRAY_NAME, shape=(n, dim), chunks=(chunk_rows, dim),
                               dtype=dtype, fill_value=0, compressors=_COMPRESSOR,
                               dimension_names=("sequence", "feature"))
        arr.attrs.update({"status": layout.STATUS_INCOMPLETE, "model_id": model_id,
                          "task_id": task_id, "chunk_rows": chunk_rows,
                          "provenance": {**provenance, "created": _now()}})
        return EmbeddingWriter(grp)

    def open_embedding(self, model_id: str, task_id: str, *,
                       allow_incomplete: bool = False) -> zarr.Array:
        """The (n_sequences, dim) embedding array of a model on a task.

        Raises
        ------
        MissingDataError
            When no such array exists.
        StoreFormatError
            When the array is not complete, unless ``allow_incomplete``.
        """
        status = self.embedding_status(model_id, task_id)
        if status is None:
            raise MissingDataError(
                f"no embeddings of model {model_id!r} on task {task_id!r} in {self.path!r}; "
                f"run `geneb extract --store {self.path} --models {model_id} --tasks {task_id}`")
        if status != layout.STATUS_COMPLETE and not allow_incomplete:
            raise StoreFormatError(
                f"embeddings of model {model_id!r} on task {task_id!r} in {self.path!r} are "
                f"incomplete (extraction was interrupted); re-run the same `geneb extract` "
                f"command to finish them")
        return self._array(model_id, task_id)

    def embeddings(self) -> list[tuple[str, str, str]]:
        """``(model_id, task_id, status)`` of every embedding array in the store."""
        out = []
        if layout.EMBEDDINGS_GROUP not in self.root:
            return out
        for _, mgrp in self.root[layout.EMBEDDINGS_GROUP].groups():
            for _, tgrp in mgrp.groups():
                if layout.ARRAY_NAME in tgrp:
                    a = tgrp[layout.ARRAY_NAME]
                    out.append((a.attrs["model_id"], a.attrs["task_id"],
                                a.attrs.get("status", layout.STATUS_INCOMPLETE)))
        return sorted(out)


class EmbeddingWriter:
    """Writes one embedding array chunk by chunk and records each finished chunk."""

    def __init__(self, group: zarr.Group) -> None:
        self.group = group
        self.array: zarr.Array = group[layout.ARRAY_NAME]
        self.done: zarr.Array = group[layout.DONE_NAME]
        self.chunk_rows: int = self.array.chunks[0]

    @property
    def n_chunks(self) -> int:
        return self.done.shape[0]

    def chunk_slice(self, i: int) -> slice:
        return slice(i * self.chunk_rows, min((i + 1) * self.chunk_rows, self.array.shape[0]))

    def missing_chunks(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(~self.done[:])]

    def write_chunk(self, i: int, block: np.ndarray) -> None:
        """Write rows of chunk ``i`` (shape (rows, dim)) and then mark the chunk done."""
        sl = self.chunk_slice(i)
        if block.shape != (sl.stop - sl.start, self.array.shape[1]):
            raise ValueError(f"chunk {i} needs shape {(sl.stop - sl.start, self.array.shape[1])}, "
                             f"got {block.shape}")
        self.array[sl] = block.astype(self.array.dtype, copy=False)
        self.done[i] = True

    def finalize(self, **extra: Any) -> None:
        """Mark the array complete once every chunk is done; record ``extra`` provenance."""
        missing = self.missing_chunks()
        if missing:
            raise StoreFormatError(f"cannot finalize: chunks {missing[:5]} are not written")
        prov = dict(self.array.attrs.get("provenance", {}))
        prov.update(extra)
        self.array.attrs.update({"status": layout.STATUS_COMPLETE, "provenance": prov,
                                 "completed": _now()})
