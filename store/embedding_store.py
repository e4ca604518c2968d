"""Read embeddings from a geneb store; the writing entry points delegate to :mod:`.writer`.

Readers refuse an array that is not complete, and check every unit (a chunk, or a shard)
against the checksum recorded when it was written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import zarr

from geneb.core.errors import InputError, MissingDataError, StoreFormatError

from . import _consolidate, layout, writer
from ._chunks import RowPicks, checked_blocks
from ._location import parse_location
from ._records import UnitRecords, read_records
from ._guarded import _members, _read_whole
from ._safety import check_array, check_attrs, open_checked
from .layout import StoreLayout, as_layout
from .locking import FolderLock
from .opening import open_store, root_lock
from .task_table import TABLE_ARRAYS, TaskTable, table_arrays, table_checksums
from .writer import DEFAULT_CHUNK_ROWS, EmbeddingWriter


def _identity(provenance: dict) -> dict:
    """The part of an array's provenance that decides whether two runs are the same."""
    return dict(provenance.get("config", {}))


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
                 lock_timeout: float | None = None,
                 layout: StoreLayout | str | None = None) -> None:
        self.location = parse_location(path)
        self.path = self.location.text
        self.mode = mode
        self.lock_timeout = lock_timeout
        self.storage_options = dict(storage_options or {})  #: to reopen it elsewhere
        wanted = as_layout(layout)
        opened = open_store(self.location, mode, storage_options=storage_options,
                            lock_timeout=lock_timeout, new_layout=wanted)
        self.root, self.index, self.layout = opened
        if wanted is not None and wanted != self.layout:
            raise InputError(f"store {self.path!r} has the {self.layout.kind} layout "
                             f"({self.layout.shard_bytes} shard bytes), not {wanted.kind} "
                             f"({wanted.shard_bytes}); convert it with `geneb store upgrade "
                             f"{self.path} --layout {wanted.kind}` or use a new store")
        self._deferred: set[str] | None = None

    def _root_lock(self) -> FolderLock:
        return root_lock(self.path, self.lock_timeout)

    def _require_writable(self) -> None:
        if self.mode != "a":
            raise InputError(f"store {self.path!r} is open read-only; open it with mode='a' "
                             f"(a local folder) to write")

    @property
    def info(self) -> dict:
        """The store's root attributes (format version, created, versions, ...)."""
        return dict(self.index.root_attrs.get(layout.ROOT_KEY, {}))

    # ------------------------------------------------------ consolidated metadata
    def _refresh(self, *paths: str) -> None:
        """Bring the consolidated metadata of ``paths`` up to date (or note them, inside
        :meth:`deferred_consolidation`)."""
        if self.mode != "a":
            return
        if self._deferred is not None:
            self._deferred.update(paths)
            return
        with self._root_lock():
            _consolidate.refresh(self.path, paths)

    @contextmanager
    def deferred_consolidation(self) -> Iterator["EmbeddingStore"]:
        """Refresh the consolidated metadata once, on leaving, for everything written
        inside (for writers of many small arrays: merges, benchmarks)."""
        outer = self._deferred is None
        if outer:
            self._deferred = set()
        try:
            yield self
        finally:
            if outer:
                paths, self._deferred = self._deferred, None
                if paths:
                    self._refresh(*sorted(paths))

    # ------------------------------------------------------------------ tasks
    def has_task(self, task_id: str) -> bool:
        """True when the task's table is completely written (its attrs come last)."""
        return "task_id" in self.index.attrs(layout.task_path(task_id))

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
        arrays = table_arrays(seq_hash, label, split, length)
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
        arrays = table_arrays(seq_hash, label, split, length)
        with self._root_lock():
            if not self.check_task_table(task_id, attrs=attrs, **arrays):
                writer.write_table(self.root, self.path, task_id, arrays, attrs)
                self._refresh(layout.task_path(task_id))

    def read_task_table(self, task_id: str) -> TaskTable:
        """The task's sequence table; its arrays are checked against their checksums."""
        if not self.has_task(task_id):
            raise MissingDataError(f"task {task_id!r} is not in store {self.path!r}; "
                                   f"run `geneb extract --store {self.path} --tasks {task_id}`")
        path = layout.task_path(task_id)
        grp = self.root[path]
        attrs = check_attrs(dict(grp.attrs), path)
        arrays = {name: _read_whole(check_array(open_checked(grp, name, path),
                                                f"{path}/{name}"), f"{path}/{name}", self.path)
                  for name in TABLE_ARRAYS}
        sums = attrs.get("checksums")
        if isinstance(sums, dict):
            bad = [k for k, v in table_checksums(arrays).items() if sums.get(k) not in (None, v)]
            if bad:
                raise StoreFormatError(f"task table {path}/{bad[0]} in {self.path!r} does not "
                                       f"match its checksum (corrupt); run `geneb store verify`")
        return TaskTable(attrs=attrs, **arrays)

    def task_ids(self) -> list[str]:
        out = []
        for key in self.index.children(layout.TASKS_GROUP):
            tid = self.index.attrs(f"{layout.TASKS_GROUP}/{key}").get("task_id")
            if isinstance(tid, str) and layout.safe_key(tid) == key:
                out.append(tid)
        return sorted(out)

    # ------------------------------------------------------------- embeddings
    def has_embedding(self, model_id: str, task_id: str) -> bool:
        try:
            where = f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}"
            return self.index.doc(where) is not None
        except StoreFormatError:  # metadata that cannot be parsed: it exists, _array refuses it
            return True

    def embedding_status(self, model_id: str, task_id: str) -> str | None:
        """``"complete"``, ``"incomplete"`` or None when the array does not exist."""
        return self._status(model_id, task_id)[1]

    def _status(self, model_id: str, task_id: str) -> tuple[dict | None, str | None]:
        """X's metadata document (None: not readable as JSON) and its status (None: no X)."""
        where = f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}"
        try:
            doc = self.index.doc(where)
        except StoreFormatError:  # exists, but cannot be parsed: _array refuses it by name
            return None, layout.STATUS_INCOMPLETE
        if doc is None:
            return None, None
        attrs = doc.get("attributes")
        attrs = check_attrs(attrs if isinstance(attrs, dict) else {}, where)
        return doc, attrs.get("status", layout.STATUS_INCOMPLETE)

    def _array(self, model_id: str, task_id: str, doc: dict | None = None) -> zarr.Array:
        where = f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}"
        return check_array(open_checked(self.root, where, doc=doc), where)

    def embedding_group(self, model_id: str, task_id: str) -> zarr.Group:
        """The group holding X (and, while it is written, its ``_records``)."""
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

        The writer works in units (chunks, or shards in the sharded layout; see
        :class:`EmbeddingWriter`). ``lock=False`` joins an array that a coordinating
        process has created and holds locked, to write some of its units (distributed
        extraction: the coordinator assigns each unit to one worker and finalizes). No lock
        is taken, no leftover files are removed, and the array must already exist with the
        same settings.
        """
        self._require_writable()
        path = layout.embedding_path(model_id, task_id)
        if not lock:
            if not self.has_embedding(model_id, task_id):
                raise StoreFormatError(f"embeddings of model {model_id!r} on task {task_id!r} "
                                       f"must be created by the coordinating process first")
            self._check_same_settings(model_id, task_id, n, dim, dtype, provenance)
            return EmbeddingWriter(self.root[path], None)
        done = self._refresher(path)
        with self._root_lock():
            grp = self.root.require_group(path)
        lock = FolderLock(str(Path(self.path) / path),
                          f"embeddings of {model_id!r} on {task_id!r} in {self.path!r}",
                          self.lock_timeout).acquire()
        try:
            writer.remove_partial_files(Path(self.path) / path)
            if self.has_embedding(model_id, task_id):
                self._check_same_settings(model_id, task_id, n, dim, dtype, provenance)
                if self.embedding_status(model_id, task_id) == layout.STATUS_COMPLETE:
                    writer.remove_records(grp)  # left by a writer killed as it finished
            else:
                writer.create_arrays(grp, model_id, task_id, shape=(n, dim), dtype=dtype,
                                     chunk_rows=chunk_rows, provenance=provenance,
                                     store_layout=self.layout)
                self._refresh(path)
            return EmbeddingWriter(self.root[path], lock, on_finalize=done)
        except BaseException:
            lock.release()
            raise

    def _refresher(self, path: str):
        return lambda: self._refresh(path)

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
        doc, status = self._status(model_id, task_id)
        if status is None:
            raise MissingDataError(
                f"no embeddings of model {model_id!r} on task {task_id!r} in {self.path!r}; "
                f"run `geneb extract --store {self.path} --models {model_id} --tasks {task_id}`")
        if status != layout.STATUS_COMPLETE and not allow_incomplete:
            raise StoreFormatError(
                f"embeddings of model {model_id!r} on task {task_id!r} in {self.path!r} are "
                f"incomplete (extraction was interrupted); re-run the same `geneb extract` "
                f"command to finish them, or pass allow_incomplete=True to read what is there")
        return self._array(model_id, task_id, doc)

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
        what = f"embeddings {where} in {self.path!r}"
        fix = f"run `geneb store verify {self.path}` and re-extract it"
        records = self._records(model_id, task_id, arr)
        if rows is None:
            X = np.empty(arr.shape, dtype=arr.dtype)
            for start, block in checked_blocks(arr, records, what, fix):
                X[start:start + len(block)] = block
            return X
        picks = RowPicks(rows, arr.shape, arr.dtype, where)
        for start, block in checked_blocks(arr, records, what, fix):
            picks.take(block, start)
        return tuple(picks.outs)

    def unit_records(self, model_id: str, task_id: str) -> UnitRecords:
        """Per-unit records of an array: rows per unit, done flags, checksums, truncations.

        A unit is a chunk, or a shard in the sharded layout (see :mod:`geneb.store._records`).
        """
        X = self.open_embedding(model_id, task_id, allow_incomplete=True)
        return self._records(model_id, task_id, X)

    def _records(self, model_id: str, task_id: str, X: zarr.Array) -> UnitRecords:
        where = f"{layout.embedding_path(model_id, task_id)}/{layout.ARRAY_NAME}"
        return read_records(lambda: self.embedding_group(model_id, task_id), X, where)

    def embeddings(self) -> list[tuple[str, str, str]]:
        """``(model_id, task_id, status)`` of every embedding array in the store.

        Raises
        ------
        StoreFormatError
            Naming the first array whose metadata is unreadable or fails the checks.
        """
        out = []
        for mkey in self.index.children(layout.EMBEDDINGS_GROUP):
            for tkey in self.index.children(f"{layout.EMBEDDINGS_GROUP}/{mkey}"):
                where = f"{layout.EMBEDDINGS_GROUP}/{mkey}/{tkey}/{layout.ARRAY_NAME}"
                try:
                    doc = self.index.doc(where)
                except StoreFormatError:
                    raise StoreFormatError(f"array {where!r} in {self.path!r} has unreadable "
                                           f"metadata; refused") from None
                if doc is None or doc.get("node_type") != "array":
                    continue
                raw = doc.get("attributes")
                attrs = check_attrs(raw if isinstance(raw, dict) else {}, where)
                m, t = attrs.get("model_id"), attrs.get("task_id")
                if not (isinstance(m, str) and isinstance(t, str)
                        and layout.safe_key(m) == mkey and layout.safe_key(t) == tkey):
                    raise StoreFormatError(f"array {where!r} names model/task {m!r}/{t!r}, not "
                                           f"where it lives; refused")
                out.append((m, t, attrs.get("status", layout.STATUS_INCOMPLETE)))
        return sorted(out)
