"""Write into a local store: task tables, new embedding arrays, chunks and completion.

Completion is recorded per chunk (``chunk_done``), so an interrupted extraction resumes
with the missing chunks only. Every write replaces a whole file atomically, so a process
killed at any point leaves either the old or the new version of each file.

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
from ._checksum import block_checksum
from .locking import FolderLock
from .task_table import table_checksums

COMPRESSOR = BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")
DEFAULT_CHUNK_ROWS = 1024

#: ``hook(point, n_written)``, called at each step of a chunk write (see :func:`set_write_hook`).
WriteHook = Callable[[str, int], None]
_HOOK: list[WriteHook | None] = [None]


def set_write_hook(hook: WriteHook | None) -> WriteHook | None:
    """Have every writer of this process call ``hook(point, n_written)`` as it goes.

    ``point`` is ``"data"`` (a chunk's rows are written, not yet recorded), ``"done"`` (the
    chunk is recorded) or ``"finalize"`` (every chunk is done, the status not yet flipped);
    ``n_written`` counts the chunks this writer finished before. For observers, and for
    tests that stop a real process at one of these points. Returns the previous hook.
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


def create_arrays(grp: zarr.Group, model_id: str, task_id: str, *, shape: tuple[int, int],
                  dtype: str, chunk_rows: int, provenance: dict[str, Any]) -> None:
    """Create X (shape (n, dim)) and its per-chunk records in ``grp``.

    The records come first and X last: X existing means the array was set up completely.
    """
    n, dim = shape
    n_chunks = max(1, -(-n // chunk_rows))
    records = ((layout.DONE_NAME, "bool", False), (layout.CHECKSUM_NAME, "uint64", 0),
               (layout.TRUNCATED_NAME, "int32", -1))
    for name, kind, fill in records:
        grp.create_array(name, shape=(n_chunks,), chunks=(1,), dtype=kind, fill_value=fill,
                         dimension_names=("chunk",), overwrite=True)
    grp.create_array(layout.ARRAY_NAME, shape=(n, dim), chunks=(chunk_rows, dim),
                     dtype=dtype, fill_value=0, compressors=COMPRESSOR,
                     dimension_names=("sequence", "feature"), overwrite=True,
                     attributes={"status": layout.STATUS_INCOMPLETE, "model_id": model_id,
                                 "task_id": task_id, "chunk_rows": chunk_rows,
                                 "provenance": {**provenance, "dtype": str(dtype),
                                                "created": layout.timestamp()}})


class EmbeddingWriter:
    """Writes one embedding array chunk by chunk and records each finished chunk.

    Each chunk's rows are written first, then its checksum and truncation count, then its
    ``chunk_done`` flag; the status turns ``"complete"`` in one metadata write at
    :meth:`finalize`.
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
        self._n_written = 0

    @property
    def n_chunks(self) -> int:
        return self.done.shape[0]

    def chunk_slice(self, i: int) -> slice:
        return slice(i * self.chunk_rows, min((i + 1) * self.chunk_rows, self.array.shape[0]))

    def missing_chunks(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(~self.done[:])]

    def _step(self, point: str) -> None:
        hook = _HOOK[0]
        if hook is not None:
            hook(point, self._n_written)

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
        self._step("data")
        if self.checksums is not None:
            self.checksums[i] = block_checksum(block)
        if self.truncated is not None and n_truncated is not None:
            self.truncated[i] = int(n_truncated)
        self.done[i] = True
        self._step("done")
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
        self._step("finalize")
        self.array.attrs.update({"status": layout.STATUS_COMPLETE, "provenance": prov,
                                 "completed": layout.timestamp()})
        self.close()

    def close(self) -> None:
        """Release the lock on this (model, task) without finishing it."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None
