"""Unit-by-unit reading of an embedding array: checked decoding and row selections.

A unit is a chunk, or a whole shard in the sharded layout (see :mod:`._records`). A unit is
always read with one request for its whole object, never by byte ranges, so a sharded
store reads from any HTTP server (``python -m http.server`` has no range requests). Arrays
in the layout geneb writes are decoded directly (:mod:`._decode`); others through zarr, the
last, partial shard of an array then through a view of the array padded to whole shards
(which zarr also fetches whole).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import zarr
from zarr.core.buffer import default_buffer_prototype

from geneb.core.errors import StoreFormatError

from ._checksum import RunningChecksum
from ._decode import UnitFetcher, direct_blocks, direct_plan
from ._records import UnitRecords, n_units, unit_rows


def _padded(arr: zarr.Array, rows: int) -> zarr.Array:
    """``arr`` seen with its row count rounded up to whole units of ``rows``."""
    from zarr.core.metadata import ArrayV3Metadata

    doc = arr.metadata.to_dict()
    doc["shape"] = [-(-arr.shape[0] // rows) * rows, *arr.shape[1:]]
    inner = arr.async_array
    return zarr.Array(zarr.AsyncArray(metadata=ArrayV3Metadata.from_dict(doc),
                                      store_path=inner.store_path, config=inner.config))


class UnitReader:
    """Decodes whole units of an (n, dim) array, chunk by chunk where it can.

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
        self.sharded = arr.shards is not None
        self._view: zarr.Array | None = None
        self._plan = direct_plan(arr)
        self._fetcher = UnitFetcher(arr, self._plan) if self._plan else None
        self._scratch: np.ndarray | None = None

    def unit_slice(self, i: int) -> slice:
        return slice(i * self.rows, min((i + 1) * self.rows, self.arr.shape[0]))

    def blocks(self, i: int) -> Iterator[tuple[int, np.ndarray]]:
        """``(first row, rows)`` of unit ``i`` in order; each block is valid until the next."""
        height = self._plan.chunk_rows if self._plan else min(self.rows, self.arr.shape[0])
        if self._scratch is None or len(self._scratch) != max(height, 1):
            self._scratch = np.empty((max(height, 1),) + self.arr.shape[1:], self.arr.dtype)
        if self._plan is not None:
            yield from direct_blocks(self.arr, self._plan, i, self._scratch, self._fetcher)
            return
        sl = self.unit_slice(i)
        yield sl.start, self._read_zarr(sl, self._scratch[:sl.stop - sl.start])

    def read(self, i: int, out: np.ndarray) -> np.ndarray:
        """Decode unit ``i`` into ``out`` (shape (rows of unit i, dim)); returns ``out``."""
        first = i * self.rows
        for start, block in self.blocks(i):
            out[start - first:start - first + len(block)] = block
        return out

    def _read_zarr(self, sl: slice, out: np.ndarray) -> np.ndarray:
        proto = default_buffer_prototype()
        if not self.sharded or sl.stop - sl.start == self.rows or len(out) == 0:
            self.arr.get_basic_selection(sl, out=proto.nd_buffer.from_numpy_array(out))
            return out
        if self._view is None:
            self._view = _padded(self.arr, self.rows)
        whole = np.empty((self.rows,) + self.arr.shape[1:], dtype=self.arr.dtype)
        self._view.get_basic_selection(slice(sl.start, sl.start + self.rows),
                                       out=proto.nd_buffer.from_numpy_array(whole))
        out[...] = whole[:sl.stop - sl.start]
        return out


def checked_blocks(arr: zarr.Array, records: UnitRecords, what: str,
                   fix: str) -> Iterator[tuple[int, np.ndarray]]:
    """``(first row, rows)`` of every unit of ``arr`` in order, each unit checked.

    Blocks are decoded one chunk at a time (each valid until the next); a unit's checksum
    is checked once its last block is out, so a caller must drop what it took from a unit
    when this raises.

    Parameters
    ----------
    arr : zarr.Array, shape (n, dim)
    records : UnitRecords
        The array's records: per-unit checksums (0: none recorded) and their algorithm.
    what, fix : str
        Words naming the array, and the remedy, for the errors.

    Raises
    ------
    StoreFormatError
        Naming the first unit that cannot be decoded or does not match its checksum.
    """
    reader = UnitReader(arr)
    unit = "shard" if reader.sharded else "chunk"
    for i in range(reader.n_units):
        sl = reader.unit_slice(i)
        running = RunningChecksum(records.algorithm, (sl.stop - sl.start,) + arr.shape[1:],
                                  arr.dtype)
        try:
            for start, block in reader.blocks(i):
                running.update(block)
                yield start, block
        except Exception as exc:  # codec errors surface as several exception types
            raise StoreFormatError(f"{what}: {unit} {i} cannot be decoded "
                                   f"({type(exc).__name__}: {str(exc)[:160]}); {fix}") from None
        want = records.checksums[i]
        if want and running.value() != want:
            raise StoreFormatError(f"{what}: {unit} {i} does not match its checksum (missing "
                                   f"or damaged file); {fix}")


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
            if in_order and hi > lo and srt[hi - 1] - srt[lo] == hi - lo - 1:
                first = srt[lo] - start  # consecutive rows: a slice copy, 3.6x faster than take (measured)
                out[lo:hi] = block[first:first + hi - lo]
            elif in_order:  # rows ascending (a task's splits): gather in place
                np.take(block, srt[lo:hi] - start, axis=0, out=out[lo:hi])
            else:
                out[order[lo:hi]] = block[srt[lo:hi] - start]
