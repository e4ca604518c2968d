"""Chunk-by-chunk reading of an embedding array: checked decoding and row selections."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import zarr
from zarr.core.buffer import default_buffer_prototype

from geneb.core.errors import StoreFormatError

from ._checksum import block_checksum


def checked_chunks(arr: zarr.Array, sums: np.ndarray | None,
                   target: Callable[[slice], np.ndarray], what: str,
                   fix: str) -> Iterator[tuple[int, np.ndarray]]:
    """Decode each chunk of ``arr`` into ``target(rows)`` and check it; yield ``(start, block)``.

    Parameters
    ----------
    arr : zarr.Array, shape (n, dim)
    sums : ndarray of uint64, shape (n_chunks,), optional
        Per-chunk checksums as recorded (0: none recorded).
    target : callable
        Returns the (rows, dim) buffer a chunk's row slice is decoded into.
    what, fix : str
        Words naming the array, and the remedy, for the errors.

    Raises
    ------
    StoreFormatError
        Naming the first chunk that cannot be decoded or does not match its checksum.
    """
    n, step = arr.shape[0], arr.chunks[0]
    prototype = default_buffer_prototype()
    for i, start in enumerate(range(0, n, step)):
        sl = slice(start, min(start + step, n))
        block = target(sl)
        try:  # decoded straight into ``block``: no chunk-sized temporary besides zarr's own
            arr.get_basic_selection(sl, out=prototype.nd_buffer.from_numpy_array(block))
        except Exception as exc:  # codec errors surface as several exception types
            raise StoreFormatError(f"{what}: chunk {i} cannot be decoded "
                                   f"({type(exc).__name__}: {exc}); {fix}") from None
        if sums is not None and sums[i] and block_checksum(block) != sums[i]:
            raise StoreFormatError(f"{what}: chunk {i} does not match its checksum (missing "
                                   f"or damaged file); {fix}")
        yield start, block


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
