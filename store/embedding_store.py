"""Read and write embeddings in a Zarr v3 store.

Completion is recorded per chunk (``chunk_done``), so an interrupted extraction resumes
with the missing chunks only, and readers refuse an array that is not complete.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import signal
import time
from dataclasses import dataclass
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.codecs import BloscCodec

from geneb.core.errors import InputError, MissingDataError, StoreFormatError
from geneb.core.provenance import library_versions, sha256_bytes
from geneb.core.splits import SplitRows
from geneb.store import layout
from geneb.store.checksum import block_checksum
from geneb.store.location import parse_location
from geneb.store.locking import FolderLock
from geneb.store.safety import check_array, check_attrs, open_checked

_COMPRESSOR = BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")
DEFAULT_CHUNK_ROWS = 1024


@dataclass(frozen=True)
class TaskTable(SplitRows):
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


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _identity(provenance: dict) -> dict:
    """The part of an array's provenance that decides whether two runs are the same."""
    return dict(provenance.get("config", {}))


def _remote_zip(url: str, storage_options: dict[str, Any] | None) -> zarr.abc.store.Store:
    """A read-only Zarr store over a packed zip at a URL (read by ranges, never downloaded
    whole when the server supports range requests, as S3 does)."""
    import warnings

    import fsspec
    from fsspec.implementations.asyn_wrapper import AsyncFileSystemWrapper
    from zarr.storage import FsspecStore

    zipfs = fsspec.filesystem("zip", fo=url, target_options=storage_options or {})
    with warnings.catch_warnings():  # "fs was not created with asynchronous=True": it is wrapped
        warnings.simplefilter("ignore")
        return FsspecStore(AsyncFileSystemWrapper(zipfs), read_only=True, path="")


def _table_arrays(seq_hash, label, split, length) -> dict[str, np.ndarray]:
    return {"seq_hash": np.asarray(seq_hash, np.uint64), "label": np.asarray(label, np.int64),
            "split": np.asarray(split, np.int8), "length": np.asarray(length, np.int32)}


def _table_checksums(arrays: dict[str, np.ndarray]) -> dict[str, str]:
    return {name: sha256_bytes(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes())
            for name, a in arrays.items()}


class EmbeddingStore:
    """A geneb embedding store: a local folder, a packed ``.zip`` or a read-only URL.

    Parameters
    ----------
    path : str or Path
        Folder of the Zarr v3 store (``emb.zarr``), a packed ``emb.zip`` (read-only), or a
        URL such as ``http://host/emb.zarr`` or ``s3://bucket/emb.zarr`` (read-only).
    mode : {"r", "a"}
        ``"r"`` opens an existing store read-only; ``"a"`` (local folders only) creates it
        when missing and allows writing.
    storage_options : dict, optional
        Passed to fsspec for URLs (e.g. ``{"anon": True}`` or an S3 ``endpoint_url``).
    lock_timeout : float, optional
        Seconds a writer waits for another process writing the same (model, task);
        None waits until it is done.
    """

    def __init__(self, path: str | Path, mode: str = "r", *,
                 storage_options: dict[str, Any] | None = None,
                 lock_timeout: float | None = None) -> None:
        self.location = parse_location(path)
        self.path = self.location.text
        self.mode = mode
        self.lock_timeout = lock_timeout
        self.storage_options = dict(storage_options or {})  #: to reopen it elsewhere
        if mode == "r":
            self.root = self._open_read(storage_options)
            self._check_format()
        elif mode == "a":
            self.root = self._open_append()
        else:
            raise InputError(f"mode must be 'r' or 'a', not {mode!r}")

    # ------------------------------------------------------------- opening
    def _open_read(self, storage_options: dict[str, Any] | None) -> zarr.Group:
        loc = self.location
        if loc.is_remote:
            try:
                if loc.is_zip:
                    return zarr.open_group(_remote_zip(self.path, storage_options), mode="r",
                                           zarr_format=3)
                return zarr.open_group(self.path, mode="r", zarr_format=3,
                                       storage_options=storage_options or {})
            except ImportError as exc:
                raise InputError(f"cannot read {self.path!r}: {exc}; install it with "
                                 f"`pip install {exc.name or 'fsspec'}`") from None
            except Exception as exc:
                if loc.is_zip and "range requests" in str(exc):
                    raise InputError(
                        f"the server of {self.path!r} does not support range requests, which "
                        f"reading a zip in place needs; serve a snapshot folder instead "
                        f"(`geneb store pack STORE OUT.zarr`)") from None
                raise MissingDataError(
                    f"no geneb store at {self.path!r} ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0][:120] if str(exc) else 'not found'}); "
                    f"check the URL and that the server is up") from None
        if not loc.local_path.exists():
            raise MissingDataError(f"no embedding store at {self.path!r}; create one with "
                                   f"`geneb extract --store {self.path}`")
        try:
            if loc.kind == "zip":
                return zarr.open_group(zarr.storage.ZipStore(self.path, mode="r"), mode="r",
                                       zarr_format=3)
            return zarr.open_group(self.path, mode="r", zarr_format=3)
        except Exception as exc:  # zarr raises several types for a non-store folder
            raise StoreFormatError(f"{self.path!r} is not a geneb store (not a readable Zarr v3 "
                                   f"group: {type(exc).__name__}: {str(exc)[:80]}); give the "
                                   f"store `geneb extract` made") from None

    def _open_append(self) -> zarr.Group:
        loc = self.location
        if loc.is_remote:
            raise InputError(f"{self.path!r} is a URL: remote stores are read-only; extract into "
                             f"a local folder and upload it (or `geneb store pack` it)")
        if loc.kind == "zip":
            raise InputError(f"{self.path!r} is a packed store (read-only); write into a store "
                             f"folder, then `geneb store pack` it again")
        folder = loc.local_path
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{self.path!r} is a file, not a store folder; choose another path")
        if folder.is_dir() and any(folder.iterdir()) and not (folder / "zarr.json").exists():
            raise StoreFormatError(f"{self.path!r} is a non-empty folder but not a geneb store; "
                                   f"choose an empty or new folder")
        if (folder / "zarr.json").exists():  # check before anything is written
            try:
                probe = zarr.open_group(self.path, mode="r", zarr_format=3)
            except Exception:
                raise StoreFormatError(f"{self.path!r} is not a Zarr v3 store; choose an empty "
                                       f"or new folder") from None
            self.root = probe
            if layout.ROOT_KEY in probe.attrs:
                self._check_format()
            elif len(list(probe.keys())):
                raise StoreFormatError(f"{self.path!r} is a Zarr group but not a geneb store; "
                                       f"choose an empty or new folder")
        folder.mkdir(parents=True, exist_ok=True)
        with self._root_lock():
            root = zarr.open_group(self.path, mode="a", zarr_format=3)
            if layout.ROOT_KEY not in root.attrs:
                root.attrs[layout.ROOT_KEY] = {
                    "format_version": layout.FORMAT_VERSION,
                    "created": _now(),
                    "versions": library_versions(),
                }
        self.root = root
        self._check_format()
        return root

    def _root_lock(self) -> FolderLock:
        return FolderLock(self.path, f"store {self.path!r}", self.lock_timeout)

    def _require_writable(self) -> None:
        if self.mode != "a":
            raise InputError(f"store {self.path!r} is open read-only; open it with mode='a' "
                             f"(a local folder) to write")

    def _check_format(self) -> None:
        meta = self.root.attrs.get(layout.ROOT_KEY)
        if not isinstance(meta, dict):
            raise StoreFormatError(f"{self.path!r} is not a geneb store (no {layout.ROOT_KEY!r} "
                                   f"attribute); create one with `geneb extract`")
        version = meta.get("format_version")
        if not isinstance(version, int) or version > layout.FORMAT_VERSION:
            raise StoreFormatError(f"{self.path!r} has store format {version!r}, newer than this "
                                   f"geneb reads ({layout.FORMAT_VERSION}); upgrade geneb")
        if self.mode == "a" and meta.get("packed"):
            raise InputError(f"{self.path!r} is a packed snapshot (read-only); write into the "
                             f"original store folder")
        check_attrs(dict(self.root.attrs), "/")

    @property
    def info(self) -> dict:
        """The store's root attributes (format version, created, versions, ...)."""
        return dict(self.root.attrs.get(layout.ROOT_KEY, {}))

    # ------------------------------------------------------------------ tasks
    def has_task(self, task_id: str) -> bool:
        """True when the task's table is completely written (its attrs come last)."""
        path = layout.task_path(task_id)
        return path in self.root and "task_id" in self.root[path].attrs

    def check_task_table(self, task_id: str, *, seq_hash: np.ndarray, label: np.ndarray,
                         split: np.ndarray, length: np.ndarray, attrs: dict[str, Any]) -> bool:
        """Check a task's table against the stored one without writing anything.

        Returns
        -------
        bool
            True when the store holds this table already, False when it holds none.

        Raises
        ------
        StoreFormatError
            When the stored table holds other sequences, labels or splits (the task's
            source changed since extraction).
        """
        if not self.has_task(task_id):
            return False
        old = self.read_task_table(task_id)
        arrays = _table_arrays(seq_hash, label, split, length)
        for name, arr in arrays.items():
            if not np.array_equal(getattr(old, name), arr):
                raise StoreFormatError(
                    f"task {task_id!r} in {self.path!r} was stored with different {name}: "
                    f"its source changed since extraction (source checksum "
                    f"{str(old.attrs.get('source_checksum', '?'))[:12]} stored, "
                    f"{str(attrs.get('source_checksum', '?'))[:12]} now); restore the "
                    f"original file or use a new --store")
        return True

    def write_task_table(self, task_id: str, *, seq_hash: np.ndarray, label: np.ndarray,
                         split: np.ndarray, length: np.ndarray, attrs: dict[str, Any]) -> None:
        """Write a task's sequence table, or check it equals the one already stored.

        The arrays are written first and the group attributes last, so a table cut short by
        a crash is rewritten on the next run. Checksums of the four arrays go in the attrs.

        Raises
        ------
        StoreFormatError
            When the stored table differs (see :meth:`check_task_table`).
        """
        self._require_writable()
        arrays = _table_arrays(seq_hash, label, split, length)
        with self._root_lock():
            if self.check_task_table(task_id, attrs=attrs, **arrays):
                return
            grp = self.root.require_group(layout.task_path(task_id))
            _remove_partial_files(Path(self.path) / layout.task_path(task_id))
            for name, arr in arrays.items():
                grp.create_array(name, data=arr, chunks=(max(len(arr), 1),),
                                 compressors=_COMPRESSOR, dimension_names=("sequence",),
                                 overwrite=True)
            clean = {k: v for k, v in attrs.items() if k not in ("task_id", "checksums")}
            grp.attrs.update({**clean, "checksums": _table_checksums(arrays), "task_id": task_id})

    def read_task_table(self, task_id: str) -> TaskTable:
        """The task's sequence table; its arrays are checked against their checksums."""
        if not self.has_task(task_id):
            raise MissingDataError(f"task {task_id!r} is not in store {self.path!r}; "
                                   f"run `geneb extract --store {self.path} --tasks {task_id}`")
        path = layout.task_path(task_id)
        grp = self.root[path]
        attrs = check_attrs(dict(grp.attrs), path)
        arrays = {name: check_array(open_checked(grp, name, path), f"{path}/{name}")[:]
                  for name in ("seq_hash", "label", "split", "length")}
        sums = attrs.get("checksums")
        if isinstance(sums, dict):
            bad = [k for k, v in _table_checksums(arrays).items() if sums.get(k) not in (None, v)]
            if bad:
                raise StoreFormatError(f"task table {path}/{bad[0]} in {self.path!r} does not "
                                       f"match its checksum (corrupt); run `geneb store verify`")
        return TaskTable(attrs=attrs, **arrays)

    def task_ids(self) -> list[str]:
        if layout.TASKS_GROUP not in self.root:
            return []
        out = []
        for key, grp in self.root[layout.TASKS_GROUP].groups():
            tid = grp.attrs.get("task_id")
            if isinstance(tid, str) and layout.safe_key(tid) == key:
                out.append(tid)
        return sorted(out)

    # ------------------------------------------------------------- embeddings
    def has_embedding(self, model_id: str, task_id: str) -> bool:
        try:
            return f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}" in self.root
        except Exception:  # metadata zarr cannot parse: it exists, and _array refuses it
            return True

    def embedding_status(self, model_id: str, task_id: str) -> str | None:
        """``"complete"``, ``"incomplete"`` or None when the array does not exist."""
        if not self.has_embedding(model_id, task_id):
            return None
        return self._array(model_id, task_id).attrs.get("status", layout.STATUS_INCOMPLETE)

    def _array(self, model_id: str, task_id: str) -> zarr.Array:
        where = f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}"
        return check_array(open_checked(self.root, where), where)

    def embedding_group(self, model_id: str, task_id: str) -> zarr.Group:
        """The group holding X and its per-chunk records (for tools such as verify)."""
        if not self.has_embedding(model_id, task_id):
            raise MissingDataError(f"no embeddings of model {model_id!r} on task {task_id!r} in "
                                   f"{self.path!r}; see `geneb store ls {self.path}`")
        return self.root[layout.embedding_path(model_id, task_id)]

    def begin_embedding(self, model_id: str, task_id: str, *, n: int, dim: int,
                        dtype: str = "float32", chunk_rows: int = DEFAULT_CHUNK_ROWS,
                        provenance: dict[str, Any], lock: bool = True) -> "EmbeddingWriter":
        """Create the (n, dim) array for a model and task, or reopen it to resume.

        The writer holds an inter-process lock on this (model, task) until
        :meth:`EmbeddingWriter.finalize` (or :meth:`EmbeddingWriter.close`): a second
        process asking for the same array waits (see ``lock_timeout``).
        ``provenance["config"]`` identifies the run: reopening with another config, shape
        or dtype is refused with the settings that differ, so embeddings made with
        different settings are never mixed.

        ``lock=False`` joins an array that a coordinating process has created and holds
        locked, to write some of its chunks (distributed extraction: the coordinator
        assigns each chunk to one worker and finalizes). No lock is taken, no leftover
        files are removed, and the array must already exist with the same settings.
        """
        self._require_writable()
        path = layout.embedding_path(model_id, task_id)
        if not lock:
            if not self.has_embedding(model_id, task_id):
                raise StoreFormatError(f"embeddings of model {model_id!r} on task {task_id!r} "
                                       f"must be created by the coordinating process first")
            self._check_same_settings(model_id, task_id, n, dim, dtype, provenance)
            return EmbeddingWriter(self.root[path], None)
        with self._root_lock():
            grp = self.root.require_group(path)
        lock = FolderLock(str(Path(self.path) / path),
                          f"embeddings of {model_id!r} on {task_id!r} in {self.path!r}",
                          self.lock_timeout).acquire()
        try:
            _remove_partial_files(Path(self.path) / path)
            if self.has_embedding(model_id, task_id):
                self._check_same_settings(model_id, task_id, n, dim, dtype, provenance)
                return EmbeddingWriter(self.root[path], lock)
            n_chunks = max(1, -(-n // chunk_rows))
            # records first, X last: X existing means the array was set up completely
            grp.create_array(layout.DONE_NAME, shape=(n_chunks,), chunks=(1,), dtype="bool",
                             fill_value=False, dimension_names=("chunk",), overwrite=True)
            grp.create_array(layout.CHECKSUM_NAME, shape=(n_chunks,), chunks=(1,),
                             dtype="uint64", fill_value=0, dimension_names=("chunk",),
                             overwrite=True)
            grp.create_array(layout.TRUNCATED_NAME, shape=(n_chunks,), chunks=(1,),
                             dtype="int32", fill_value=-1, dimension_names=("chunk",),
                             overwrite=True)
            grp.create_array(layout.ARRAY_NAME, shape=(n, dim), chunks=(chunk_rows, dim),
                             dtype=dtype, fill_value=0, compressors=_COMPRESSOR,
                             dimension_names=("sequence", "feature"), overwrite=True,
                             attributes={"status": layout.STATUS_INCOMPLETE, "model_id": model_id,
                                         "task_id": task_id, "chunk_rows": chunk_rows,
                                         "provenance": {**provenance, "dtype": str(dtype),
                                                        "created": _now()}})
            return EmbeddingWriter(self.root[path], lock)
        except BaseException:
            lock.release()
            raise

    def settings_conflict(self, model_id: str, task_id: str, n: int, dim: int, dtype: str,
                          provenance: dict[str, Any]) -> list[str]:
        """How an existing array differs from these settings (empty when they match).

        Parameters
        ----------
        n, dim : int
            The (n_sequences, dim) shape the caller would write.
        dtype : str
        provenance : dict
            Its ``"config"`` is compared key by key with the stored one.

        Returns
        -------
        list of str
            One entry per difference, each naming the setting once: the config keys
            that differ, then ``shape A vs B`` and ``dtype A vs B``.
        """
        arr = self._array(model_id, task_id)
        new_id, old_id = _identity(provenance), _identity(arr.attrs.get("provenance", {}))
        diff = sorted(k for k in set(old_id) | set(new_id) if old_id.get(k) != new_id.get(k))
        if arr.shape != (n, dim):
            diff.append(f"shape {arr.shape} vs {(n, dim)}")
        if np.dtype(arr.dtype) != np.dtype(dtype):
            # the config usually records dtype too: name it once, with both values
            diff = [d for d in diff if d != "dtype"] + [f"dtype {arr.dtype} vs {dtype}"]
        return diff

    def _check_same_settings(self, model_id: str, task_id: str, n: int, dim: int, dtype: str,
                             provenance: dict[str, Any]) -> None:
        """Refuse to reopen an existing array with another config, shape or dtype."""
        diff = self.settings_conflict(model_id, task_id, n, dim, dtype, provenance)
        if diff:
            raise StoreFormatError(
                f"embeddings of model {model_id!r} on task {task_id!r} already exist in "
                f"{self.path!r} with other settings ({', '.join(diff)}); use another "
                f"--store to keep both, or the same settings to resume")

    def open_embedding(self, model_id: str, task_id: str, *,
                       allow_incomplete: bool = False) -> zarr.Array:
        """The (n_sequences, dim) embedding array of a model on a task.

        Raises
        ------
        MissingDataError
            When no such array exists.
        StoreFormatError
            When the array is not complete (unless ``allow_incomplete``: unwritten rows
            then read as zeros), or fails the untrusted-store checks.
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
                f"command to finish them, or pass allow_incomplete=True to read what is there")
        return self._array(model_id, task_id)

    def embedding_fingerprint(self, model_id: str, task_id: str,
                              table: TaskTable | None = None) -> str:
        """A short hash that changes whenever what a probe would see changes.

        It covers the task's labels, splits and sequence hashes, the array's identity
        (its provenance config) and when it was completed, so a re-extracted array or a
        changed task never matches results computed from the old one. ``table``: the
        task's table, when the caller has already read it (each read checks its checksums).
        """
        import json

        table = table if table is not None else self.read_task_table(task_id)
        arr = self.open_embedding(model_id, task_id)
        h = hashlib.blake2b(digest_size=12)
        for part in (table.seq_hash, table.label, table.split):
            h.update(np.ascontiguousarray(part).tobytes())
        h.update(json.dumps({"config": arr.attrs.get("provenance", {}).get("config"),
                             "completed": arr.attrs.get("completed"), "shape": arr.shape},
                            sort_keys=True, default=str).encode())
        return h.hexdigest()

    def read_embedding(self, model_id: str, task_id: str,
                       rows: Sequence[np.ndarray] | None = None):
        """Read a complete embedding array chunk by chunk, checking every chunk.

        Each chunk is compared with the checksum recorded when it was written, so a
        deleted chunk file (which zarr would read as zeros) or a damaged one is never
        handed out as embeddings. Chunks are decoded one at a time: peak memory is what is
        returned plus one chunk. (Callers that want a lazy dask array use
        ``dask.array.from_zarr(store.open_embedding(...))``; the probe reads each slice
        inside a dask task with this method.)

        Parameters
        ----------
        rows : sequence of int arrays, optional
            Row selections (e.g. a task's train and test indices): one array is returned
            per selection, filled as the chunks go by, so the whole array is never held
            next to its parts.

        Returns
        -------
        numpy.ndarray, shape (n_sequences, dim), or a tuple of them
            With ``rows``: ``(len(rows[0]), dim), (len(rows[1]), dim), ...``.

        Raises
        ------
        StoreFormatError
            Naming the array and the first bad chunk, when a chunk is missing, cannot be
            decoded or does not match its checksum.
        """
        arr = self.open_embedding(model_id, task_id)
        where = f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}"
        fix = f"run `geneb store verify {self.path}` and re-extract it"
        group = self.root[layout.embedding_path(model_id, task_id)]
        sums = group[layout.CHECKSUM_NAME][:] if layout.CHECKSUM_NAME in group else None
        n, step = arr.shape[0], arr.chunks[0]
        prototype = default_buffer_prototype()
        if rows is None:
            X = np.empty(arr.shape, dtype=arr.dtype)
        else:
            picks = [np.asarray(r) for r in rows]
            for r in picks:
                if r.ndim != 1 or (len(r) and r.dtype.kind not in "iu"):
                    raise TypeError(f"row selections of {where} must be 1-d integer arrays, "
                                    f"got {r.dtype} with shape {r.shape}")
            picks = [r.astype(np.int64, copy=False) for r in picks]
            for r in picks:
                if len(r) and (r.min() < 0 or r.max() >= n):
                    raise IndexError(f"row selection out of range for {where} ({n} rows)")
            outs = [np.empty((len(r), arr.shape[1]), dtype=arr.dtype) for r in picks]
            # per selection: positions sorted by row, and where each chunk's rows start
            orders = [np.argsort(r, kind="stable") for r in picks]
            sorted_rows = [r[o] for r, o in zip(picks, orders)]
            monotone = [bool(np.all(o == np.arange(len(o)))) for o in orders]
            buf = np.empty((min(step, n),) + arr.shape[1:], dtype=arr.dtype)
        for i, start in enumerate(range(0, n, step)):
            sl = slice(start, min(start + step, n))
            block = X[sl] if rows is None else buf[:sl.stop - start]
            try:  # decoded straight into ``block``: no chunk-sized temporary besides zarr's own
                arr.get_basic_selection(sl, out=prototype.nd_buffer.from_numpy_array(block))
            except Exception as exc:  # codec errors surface as several exception types
                raise StoreFormatError(f"embeddings {where} in {self.path!r}: chunk {i} cannot "
                                       f"be decoded ({type(exc).__name__}: {exc}); {fix}") from None
            if sums is not None and sums[i] and block_checksum(block) != sums[i]:
                raise StoreFormatError(f"embeddings {where} in {self.path!r}: chunk {i} does not "
                                       f"match its checksum (missing or damaged file); {fix}")
            if rows is not None:
                for out, srt, order, in_order in zip(outs, sorted_rows, orders, monotone):
                    lo, hi = np.searchsorted(srt, [sl.start, sl.stop])
                    if in_order:  # rows ascending (a task's splits): gather in place
                        np.take(block, srt[lo:hi] - start, axis=0, out=out[lo:hi])
                    else:
                        out[order[lo:hi]] = block[srt[lo:hi] - start]
        return X if rows is None else tuple(outs)

    def embeddings(self) -> list[tuple[str, str, str]]:
        """``(model_id, task_id, status)`` of every embedding array in the store.

        Raises
        ------
        StoreFormatError
            Naming the first array whose metadata is unreadable or fails the checks.
        """
        out = []
        if layout.EMBEDDINGS_GROUP not in self.root:
            return out
        models = _members(self.root[layout.EMBEDDINGS_GROUP], layout.EMBEDDINGS_GROUP)
        for mkey, mgrp in models:
            for tkey, tgrp in _members(mgrp, f"{layout.EMBEDDINGS_GROUP}/{mkey}"):
                where = f"{layout.EMBEDDINGS_GROUP}/{mkey}/{tkey}/{layout.ARRAY_NAME}"
                try:
                    if layout.ARRAY_NAME not in tgrp:
                        continue
                    raw_attrs = dict(tgrp[layout.ARRAY_NAME].attrs)
                except Exception as exc:
                    raise StoreFormatError(f"array {where!r} in {self.path!r} has unreadable "
                                           f"metadata ({type(exc).__name__}); refused") from None
                attrs = check_attrs(raw_attrs, where)
                m, t = attrs.get("model_id"), attrs.get("task_id")
                if not (isinstance(m, str) and isinstance(t, str)
                        and layout.safe_key(m) == mkey and layout.safe_key(t) == tkey):
                    raise StoreFormatError(f"array {where!r} names model/task {m!r}/{t!r}, not "
                                           f"where it lives; refused")
                out.append((m, t, attrs.get("status", layout.STATUS_INCOMPLETE)))
        return sorted(out)


def _members(group: zarr.Group, where: str) -> list[tuple[str, zarr.Group]]:
    """Sub-groups of ``group`` (at ``where``), or a refusal naming it when unreadable."""
    try:
        return list(group.groups())
    except Exception as exc:
        raise StoreFormatError(f"group {where!r} has unreadable metadata "
                               f"({type(exc).__name__}); refused") from None


def _remove_partial_files(folder: Path) -> None:
    """Delete temporary files a killed writer left (zarr writes ``*.partial``, then renames).

    Called only while holding the lock of the array that owns ``folder``.
    """
    for tmp in folder.rglob("*.partial"):
        tmp.unlink(missing_ok=True)


def _fault_plan() -> tuple[str, str, int] | None:
    """Test hook: ``GENEB_STORE_FAULT=kill:<point>:<chunk>`` or ``sleep:<seconds>``.

    ``kill`` sends SIGKILL to this process at ``point`` (``data``: chunk rows written, not
    yet recorded; ``done``: chunk recorded; ``finalize``: just before the status flips)
    when writing chunk number ``chunk`` of this process (0-based count). ``sleep`` pauses
    after each chunk so tests can interleave processes.
    """
    spec = os.environ.get("GENEB_STORE_FAULT")
    if not spec:
        return None
    parts = spec.split(":")
    if parts[0] == "kill" and len(parts) == 3:
        return ("kill", parts[1], int(parts[2]))
    if parts[0] == "sleep" and len(parts) == 2:
        return ("sleep", parts[1], 0)
    return None


class EmbeddingWriter:
    """Writes one embedding array chunk by chunk and records each finished chunk.

    Each chunk's rows are written first, then its checksum and truncation count, then its
    ``chunk_done`` flag; the status turns ``"complete"`` in one metadata write at
    :meth:`finalize`. Every write replaces a whole file atomically, so a process killed at
    any point leaves either the old or the new version of each file.
    """

    def __init__(self, group: zarr.Group, lock: FolderLock | None = None) -> None:
        self.group = group
        self.array: zarr.Array = group[layout.ARRAY_NAME]
        self.done: zarr.Array = group[layout.DONE_NAME]
        self.checksums: zarr.Array | None = (group[layout.CHECKSUM_NAME]
                                             if layout.CHECKSUM_NAME in group else None)
        self.truncated: zarr.Array | None = (group[layout.TRUNCATED_NAME]
                                             if layout.TRUNCATED_NAME in group else None)
        self.chunk_rows: int = self.array.chunks[0]
        self._lock = lock
        self._fault = _fault_plan()
        self._n_written = 0

    @property
    def n_chunks(self) -> int:
        return self.done.shape[0]

    def chunk_slice(self, i: int) -> slice:
        return slice(i * self.chunk_rows, min((i + 1) * self.chunk_rows, self.array.shape[0]))

    def missing_chunks(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(~self.done[:])]

    def _maybe_fault(self, point: str) -> None:
        if self._fault is None:
            return
        kind, where, count = self._fault
        if kind == "sleep" and point == "done":
            time.sleep(float(where))
        elif kind == "kill" and where == point and (point == "finalize"
                                                    or count == self._n_written):
            os.kill(os.getpid(), signal.SIGKILL)

    def write_chunk(self, i: int, block: np.ndarray, *, n_truncated: int | None = None) -> None:
        """Write rows of chunk ``i`` (shape (rows, dim)) and then mark the chunk done.

        Parameters
        ----------
        i : int
        block : ndarray, shape (rows, dim)
        n_truncated : int, optional
            Sequences of this chunk cut at the model's length limit; summed at finalize.
        """
        sl = self.chunk_slice(i)
        if block.shape != (sl.stop - sl.start, self.array.shape[1]):
            raise ValueError(f"chunk {i} needs shape {(sl.stop - sl.start, self.array.shape[1])}, "
                             f"got {block.shape}")
        block = np.asarray(block).astype(self.array.dtype, copy=False)
        self.array[sl] = block
        self._maybe_fault("data")
        if self.checksums is not None:
            self.checksums[i] = block_checksum(block)
        if self.truncated is not None and n_truncated is not None:
            self.truncated[i] = int(n_truncated)
        self.done[i] = True
        self._maybe_fault("done")
        self._n_written += 1

    def finalize(self, **extra: Any) -> None:
        """Mark the array complete once every chunk is done; record ``extra`` provenance.

        The truncation count is the sum of the per-chunk counts when every chunk has one
        (so a resumed run records the same number as an uninterrupted one).
        """
        missing = self.missing_chunks()
        if missing:
            raise StoreFormatError(f"cannot finalize: chunks {missing[:5]} are not written")
        prov = dict(self.array.attrs.get("provenance", {}))
        prov.update(extra)
        if self.truncated is not None:
            per_chunk = self.truncated[:]
            if (per_chunk >= 0).all():
                prov["n_truncated"] = int(per_chunk.sum())
        self._maybe_fault("finalize")
        self.array.attrs.update({"status": layout.STATUS_COMPLETE, "provenance": prov,
                                 "completed": _now()})
        self.close()

    def close(self) -> None:
        """Release the lock on this (model, task) without finishing it."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None
