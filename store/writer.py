"""Write into a local store: task tables, new embedding arrays, chunks and completion.

Completion is recorded per unit of work (a chunk, or a shard in the sharded layout; see
:mod:`._records`), so an interrupted extraction resumes with the missing units only. Every
write replaces a whole file atomically (zarr's local store writes a temporary file, then
renames it), so a process killed at any point leaves either the old or the new version of
each file: a shard is never half written.

:class:`~geneb.store.embedding_store.EmbeddingStore` calls these under its locks; its
``write_task_table`` and ``begin_embedding`` are the entry points.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.codecs import BloscCodec

from geneb.core.errors import StoreFormatError

from . import layout
from ._checksum import CRC32C, block_checksum
from ._records import array_algorithm, checksum_attr, create_records, n_units, unit_rows
from .layout import StoreLayout
from .locking import FolderLock
from .task_table import table_checksums

#: Format 2 compressor: LZ4 decodes several times faster than zstd for a few % more bytes
#: (docs/store.md); format 1 arrays keep the zstd they were written with.
COMPRESSOR = BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")
DEFAULT_CHUNK_ROWS = 1024

#: ``hook(point, n_written)``, called at each step of a chunk write (see :func:`set_write_hook`).
WriteHook = Callable[[str, int], None]
_HOOK: list[WriteHook | None] = [None]


def set_write_hook(hook: WriteHook | None) -> WriteHook | None:
    """Have every writer of this process call ``hook(point, n_written)`` as it goes.

    ``point`` is ``"data"`` (a unit's rows are written, not yet recorded), ``"done"`` (the
    unit is recorded) or ``"finalize"`` (every unit is done, the status not yet flipped);
    ``n_written`` counts the units this writer finished before. ``geneb store upgrade``
    adds ``"upgrade-staged"`` (an array's new version is complete in the staging folder),
    ``"upgrade-aside"`` (its old version moved aside, the new one not yet in place) and
    ``"upgrade-array"`` (array number ``n_written`` done). For observers, and for tests that
    stop a real process at one of these points. Returns the previous hook.
    """
    previous, _HOOK[0] = _HOOK[0], hook
    return previous


def remove_partial_files(folder: Path) -> None:
    """Delete temporary files a killed writer left (zarr writes ``*.partial``, then renames).

    Called only while holding the lock of the array that owns ``folder``.
    """
    for tmp in folder.rglob("*.partial"):
        tmp.unlink(missing_ok=True)


def write_table(root: zarr.Group, store_path: str, task_id: str,
                arrays: dict[str, np.ndarray], attrs: dict[str, Any]) -> None:
    """Write a task's table arrays, then its attrs (with their checksums) last.

    A table cut short by a crash has no ``task_id`` attribute and is rewritten next time.
    The caller holds the store's root lock.
    """
    grp = root.require_group(layout.task_path(task_id))
    remove_partial_files(Path(store_path) / layout.task_path(task_id))
    for name, arr in arrays.items():
        grp.create_array(name, data=arr, chunks=(max(len(arr), 1),), compressors=COMPRESSOR,
                         dimension_names=("sequence",), overwrite=True)
    clean = {k: v for k, v in attrs.items() if k not in ("task_id", "checksums")}
    grp.attrs.update({**clean, "checksums": table_checksums(arrays), "task_id": task_id})


def shard_rows(shape: tuple[int, int], dtype: str, chunk_rows: int,
               store_layout: StoreLayout) -> int | None:
    """Rows per shard of an array of ``shape`` in ``store_layout`` (None: not sharded).

    Whole chunks of about ``shard_bytes`` raw bytes, but never more chunks than the array
    has (a one-shard array is then read whole by a single request).
    """
    n, dim = shape
    rows = store_layout.shard_rows(chunk_rows, dim, np.dtype(dtype).itemsize)
    return None if rows is None else min(rows, max(-(-n // chunk_rows), 1) * chunk_rows)


def create_arrays(grp: zarr.Group, model_id: str, task_id: str, *, shape: tuple[int, int],
                  dtype: str, chunk_rows: int, provenance: dict[str, Any],
                  store_layout: StoreLayout) -> None:
    """Create X (shape (n, dim)) and its per-unit records (``_records``) in ``grp``.

    The records come first and X last: X existing means the array was set up completely.
    In the sharded layout X has shards of whole ``chunk_rows`` chunks (about
    ``store_layout.shard_bytes`` raw bytes each); a shard is the unit of writing.
    """
    n, dim = shape
    shard = shard_rows(shape, dtype, chunk_rows, store_layout)
    create_records(grp, max(1, -(-n // (shard or chunk_rows))))
    grp.create_array(layout.ARRAY_NAME, shape=(n, dim), chunks=(chunk_rows, dim),
                     shards=(shard, dim) if shard else None,
                     dtype=dtype, fill_value=0, compressors=COMPRESSOR,
                     dimension_names=("sequence", "feature"), overwrite=True,
                     attributes={"status": layout.STATUS_INCOMPLETE, "model_id": model_id,
                                 "task_id": task_id, "chunk_rows": chunk_rows,
                                 "checksum_algorithm": CRC32C,
                                 "provenance": {**provenance, "dtype": str(dtype),
                                                "created": layout.timestamp()}})


class EmbeddingWriter:
    """Writes one embedding array unit by unit and records each finished unit.

    A unit is a chunk, or a whole shard in the sharded layout (written whole, then renamed
    into place by zarr's local store). Each unit's rows are written first, then its
    checksum and truncation count, then its ``done`` flag; at :meth:`finalize` the status
    turns ``"complete"`` and the checksums move into X's attributes in one metadata write,
    and the ``_records`` group is removed. (The method names say "chunk" for the unit.)

    Parameters
    ----------
    group : zarr.Group
        The array's group (X and ``_records``).
    lock : FolderLock, optional
        Held until :meth:`finalize` or :meth:`close`.
    on_finalize : callable, optional
        Called once the array is complete (the store refreshes its consolidated metadata).
    """

    def __init__(self, group: zarr.Group, lock: FolderLock | None = None,
                 on_finalize: Callable[[], None] | None = None) -> None:
        self.group = group
        self.array: zarr.Array = group[layout.ARRAY_NAME]
        self.chunk_rows: int = unit_rows(self.array)  #: rows per unit
        self.algorithm = array_algorithm(self.array)
        n = n_units(self.array)
        if self.array.attrs.get("status") == layout.STATUS_COMPLETE:
            self.done = np.ones(n, bool)  # complete: nothing left to write
            self.checksums = self.truncated = None
        else:
            rec = group[layout.RECORDS_GROUP]
            self.done = rec[layout.DONE]
            self.checksums = rec[layout.CHECKSUM]
            self.truncated = rec[layout.TRUNCATED]
        self._lock = lock
        self._on_finalize = on_finalize
        self._n_written = 0

    @property
    def n_chunks(self) -> int:
        """Units of the array."""
        return self.done.shape[0]

    def chunk_slice(self, i: int) -> slice:
        """Rows of unit ``i``."""
        return slice(i * self.chunk_rows, min((i + 1) * self.chunk_rows, self.array.shape[0]))

    def missing_chunks(self) -> list[int]:
        """Units not written yet."""
        return [int(i) for i in np.flatnonzero(~np.asarray(self.done[:]))]

    def _step(self, point: str) -> None:
        hook = _HOOK[0]
        if hook is not None:
            hook(point, self._n_written)

    def write_chunk(self, i: int, block: np.ndarray, *, n_truncated: int | None = None) -> None:
        """Write the rows of unit ``i`` (shape (rows, dim)) and then mark it done.

        Parameters
        ----------
        i : int
        block : ndarray, shape (rows, dim)
        n_truncated : int, optional
            Sequences of this unit cut at the model's length limit; summed at finalize.
        """
        sl = self.chunk_slice(i)
        if block.shape != (sl.stop - sl.start, self.array.shape[1]):
            raise ValueError(f"chunk {i} needs shape {(sl.stop - sl.start, self.array.shape[1])}, "
                             f"got {block.shape}")
        if self.checksums is None:
            raise StoreFormatError(f"{self.array.path!r} is complete; nothing to write")
        block = np.asarray(block).astype(self.array.dtype, copy=False)
        self.array[sl] = block
        self._step("data")
        self.checksums[i] = block_checksum(block, self.algorithm)
        if n_truncated is not None:
            self.truncated[i] = int(n_truncated)
        self.done[i] = True
        self._step("done")
        self._n_written += 1

    def finalize(self, **extra: Any) -> None:
        """Mark the array complete once every unit is done; record ``extra`` provenance.

        The truncation count is the sum of the per-unit counts when every unit has one
        (so a resumed run records the same number as an uninterrupted one).
        """
        missing = self.missing_chunks()
        if missing:
            raise StoreFormatError(f"cannot finalize: chunks {missing[:5]} are not written")
        prov = dict(self.array.attrs.get("provenance", {}))
        prov.update(extra)
        if self.truncated is not None:
            per_unit = self.truncated[:]
            if (per_unit >= 0).all():
                prov["n_truncated"] = int(per_unit.sum())
        self._step("finalize")
        if self.checksums is not None:
            sums = checksum_attr(self.checksums[:], self.chunk_rows, self.algorithm)
            self.array.attrs.update({"status": layout.STATUS_COMPLETE, "provenance": prov,
                                     "completed": layout.timestamp(),
                                     layout.CHECKSUM_ATTR: sums})
            remove_records(self.group)
        if self._on_finalize is not None:
            self._on_finalize()
        self.close()

    def close(self) -> None:
        """Release the lock on this (model, task) without finishing it."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def remove_records(group: zarr.Group) -> None:
    """Delete the ``_records`` group of a complete array."""
    from zarr.core.sync import sync
    prefix = "/".join(p for p in (group.path, layout.RECORDS_GROUP) if p)
    sync(group.store.delete_dir(prefix))
