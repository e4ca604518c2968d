"""Copy the rows of one embedding array into the units of another, checking every unit read.

Used where an array is written again from an existing one: ``geneb store merge`` (the
destination may use another layout) and ``geneb store upgrade`` (format 1 to 2, chunked to
sharded and back). The two arrays may cut their rows into different units; each source
unit is decoded once and checked against its checksum before any of it is written.
"""

from __future__ import annotations

import numpy as np
import zarr

from geneb.core.errors import StoreFormatError

from ._checksum import block_checksum
from ._chunks import UnitReader
from ._records import UnitRecords
from .writer import EmbeddingWriter


class _CheckedSource:
    """Decoded, checked units of the source array, the last two kept."""

    def __init__(self, arr: zarr.Array, records: UnitRecords, what: str) -> None:
        self.reader = UnitReader(arr)
        self.records = records
        self.what = what
        self._cache: dict[int, np.ndarray] = {}

    def unit(self, k: int) -> np.ndarray:
        if k not in self._cache:
            sl = self.reader.unit_slice(k)
            block = np.empty((sl.stop - sl.start,) + self.reader.arr.shape[1:],
                             dtype=self.reader.arr.dtype)
            try:
                self.reader.read(k, block)
            except Exception as exc:
                raise StoreFormatError(f"{self.what}: unit {k} cannot be decoded "
                                       f"({type(exc).__name__}); run `geneb store verify` on "
                                       f"it") from None
            want = self.records.checksums[k]
            if want and block_checksum(block, self.records.algorithm) != want:
                raise StoreFormatError(f"{self.what}: unit {k} does not match its checksum; "
                                       f"run `geneb store verify` on it")
            if len(self._cache) >= 2:
                self._cache.pop(min(self._cache))
            self._cache[k] = block
        return self._cache[k]


def copy_units(src: zarr.Array, records: UnitRecords, dst: EmbeddingWriter,
               what: str) -> int:
    """Write every missing unit of ``dst`` whose rows are all done in ``src``.

    Parameters
    ----------
    src : zarr.Array, shape (n, dim)
    records : UnitRecords
        The source's records (done flags, checksums, truncations).
    dst : EmbeddingWriter
        Same shape and dtype as ``src``.
    what : str
        Words naming the source, for errors.

    Returns
    -------
    int
        Units written.

    Raises
    ------
    StoreFormatError
        When a source unit cannot be decoded or does not match its checksum.
    """
    source = _CheckedSource(src, records, what)
    rows = records.rows
    written = 0
    for j in dst.missing_chunks():
        sl = dst.chunk_slice(j)
        first, last = sl.start // rows, (sl.stop - 1) // rows
        covering = range(first, last + 1)
        if not all(records.done[k] for k in covering):
            continue
        block = np.empty((sl.stop - sl.start,) + src.shape[1:], dtype=src.dtype)
        for k in covering:
            part = source.unit(k)
            lo, hi = max(sl.start, k * rows), min(sl.stop, k * rows + len(part))
            block[lo - sl.start:hi - sl.start] = part[lo - k * rows:hi - k * rows]
        dst.write_chunk(j, block, n_truncated=_truncated(records, covering, sl, src.shape[0]))
        written += 1
    return written


def _truncated(records: UnitRecords, covering: range, sl: slice, n: int) -> int | None:
    """The truncation count of a destination unit (rows ``sl``), when the source units
    covering it lie wholly inside it and all have one."""
    per_unit, rows = records.truncated, records.rows
    aligned = sl.start % rows == 0 and (sl.stop == n or sl.stop % rows == 0)
    if per_unit is None or not aligned:
        return None
    counts = [int(per_unit[k]) for k in covering]
    return None if any(c < 0 for c in counts) else sum(counts)
