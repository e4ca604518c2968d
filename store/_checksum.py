"""Per-chunk checksums of embedding arrays (of the values as stored, not the encoded bytes)."""

from __future__ import annotations

import hashlib

import numpy as np


def block_checksum(block: np.ndarray) -> np.uint64:
    """BLAKE2b-64 of a block's little-endian C-order bytes and shape.

    Parameters
    ----------
    block : ndarray, shape (rows, dim)
        Values exactly as stored (already in the array's dtype).

    Returns
    -------
    numpy.uint64
        Never 0 (0 means "no checksum recorded").
    """
    data = np.ascontiguousarray(block)
    data = data.astype(data.dtype.newbyteorder("<"), copy=False)
    h = hashlib.blake2b(digest_size=8)
    h.update(repr((data.shape, data.dtype.str)).encode())
    h.update(memoryview(data).cast("B"))  # the bytes, without copying the block
    value = int.from_bytes(h.digest(), "little")
    return np.uint64(value or 1)
