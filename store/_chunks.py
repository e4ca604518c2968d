"""Unit-by-unit reading of an embedding array: checked decoding and row selections.

A unit is a chunk, or a whole shard in the sharded layout (see :mod:`._records`). A shard is
always read with one request for the whole object, never by byte ranges, so a sharded
store reads from any HTTP server (``python -m http.server`` has no range requests). The
last shard of an array is usually only partly inside its shape; it is read through a view
of the array padded to whole shards, which zarr then fetches whole as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import zarr
from zarr.core.buffer import default_buffer_prototype

from geneb.core.errors import StoreFormatError

from ._checksum import block_checksum
from ._records import n_units, unit_rows


def _padded(arr: zarr.Array, rows: int) -> zarr.Array:
    """``arr`` seen with its row count rounded up to whole units of ``rows``."""
    from zarr.core.metadata import ArrayV3Metadata

    doc = arr.metadata.to_dict()
    doc["shape"] = [-(-arr.shape[0] // rows) * rows, *arr.shape[1:]]
    inner = arr.async_array
    return zarr.Array(zarr.AsyncArray(metadata=ArrayV3Metadata.from_dict(doc),
                                      store_path=inner.store_path, config=inner.config))


class UnitReader:
    """Decodes whole units of an (n, dim) array.

    Attributes
    ----------
    rows : int
        Rows per unit.
    n_units : int
    """

    def __init__(self, arr: zarr.Array) -> None:
        self.arr = arr
        self.rows = unit_rows(arr)
        self.n_units = n_units(arr)
        self._sharded = arr.shards is not None
        self._view: zarr.Array | None = None

    def unit_slice(self, i: int) -> slice:
        return slice(i * self.rows, min((i + 1) * self.rows, self.arr.shape[0]))

    def read(self, i: int, out: np.ndarray) -> np.ndarray:
        """Decode unit ``i`` into ``out`` (shape (rows of unit i, dim)); returns ``out``."""
        sl = self.unit_slice(i)
        proto = default_buffer_prototype()
        if not self._sharded or sl.stop - sl.start == self.rows or len(out) == 0:
            self.arr.get_basic_selection(sl, out=proto.nd_buffer.from_numpy_array(out))
            return out
        if self._view is None:
            self._view = _padded(self.arr, self.rows)
        whole = np.empty((self.rows,) + self.arr.shape[1:], dtype=self.arr.dtype)
        self._view.get_basic_selection(slice(sl.start, sl.start + self.rows),
                                       out=proto.nd_buffer.from_numpy_array(whole))
        out[...] = whole[:sl.stop - sl.start]
        return out


def checked_units(arr: zarr.Array, sums: np.ndarray | None,
                  target: Callable[[slice], np.ndarray], what: str,
                  fix: str) -> Iterator[tuple[int, np.ndarray]]:
    """Decode each unit of ``arr`` into ``target(rows)`` and check it; yield ``(start, block)``.

    Parameters
    ----------
    arr : zarr.Array, shape (n, dim)
    sums : ndarray of uint64, shape (n_units,), optional
        Per-unit checksums as recorded (0: none recorded).
    target : callable
        Returns the (rows, dim) buffer a unit's row slice is decoded into.
    what, fix : str
        Words naming the array, and the remedy, for the errors.

    Raises
    ------
    StoreFormatError
        Naming the first unit that cannot be decoded or does not match its checksum.
    """
    reader = UnitReader(arr)
    unit = "shard" if reader._sharded else "chunk"
    for i in range(reader.n_units):
        sl = reader.unit_slice(i)
        block = target(sl)
        try:  # decoded straight into ``block``
            reader.read(i, block)
        except Exception as exc:  # codec errors surface as several exception types
            raise StoreFormatError(f"{what}: {unit} {i} cannot be decoded "
                                   f"({type(exc).__name__}: {str(exc)[:160]}); {fix}") from None
        if sums is not None and sums[i] and block_checksum(block) != sums[i]:
            raise StoreFormatError(f"{what}: {unit} {i} does not match its checksum (missing "
                                   f"or damaged file); {fix}")
        yield sl.start, block


class RowPicks:
    """Row selections of an (n, dim) array, filled as its chunks go by.

    Parameters
    ----------
    rows : sequence of 1-d int arrays
        The selections (e.g. a task's train and test indices), in any order.
    shape : (n, dim)
    dtype : numpy dtype
    where : str
        The array's path, for errors.

    Attributes
    ----------
    outs : list of ndarray, shapes ``(len(rows[k]), dim)``
    """

    def __init__(self, rows: Sequence[np.ndarray], shape: tuple[int, int], dtype,
                 where: str) -> None:
        n = shape[0]
        picks = [np.asarray(r) for r in rows]
        for r in picks:
            if r.ndim != 1 or (len(r) and r.dtype.kind not in "iu"):
                raise TypeError(f"row selections of {where} must be 1-d integer arrays, "
                                f"got {r.dtype} with shape {r.shape}")
        picks = [r.astype(np.int64, copy=False) for r in picks]
        for r in picks:
            if len(r) and (r.min() < 0 or r.max() >= n):
                raise IndexError(f"row selection out of range for {where} ({n} rows)")
        self.outs = [np.empty((len(r), shape[1]), dtype=dtype) for r in picks]
        # per selection: positions sorted by row, and whether they are sorted already
        self._orders = [np.argsort(r, kind="stable") for r in picks]
        self._sorted = [r[o] for r, o in zip(picks, self._orders)]
        self._monotone = [bool(np.all(o == np.arange(len(o)))) for o in self._orders]

    def take(self, block: np.ndarray, start: int) -> None:
        """Copy the selected rows of ``block`` (rows ``start ..`` of the array)."""
        stop = start + len(block)
        for out, srt, order, in_order in zip(self.outs, self._sorted, self._orders,
                                             self._monotone):
            lo, hi = np.searchsorted(srt, [start, stop])
            if in_order:  # rows ascending (a task's splits): gather in place
                np.take(block, srt[lo:hi] - start, axis=0, out=out[lo:hi])
            else:
                out[order[lo:hi]] = block[srt[lo:hi] - start]
