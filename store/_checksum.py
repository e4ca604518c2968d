"""Per-unit checksums of embedding arrays (of the values as stored, not the encoded bytes).

Format 2 arrays use CRC-32C (hardware-accelerated: over 10 GB/s, so checking every unit
read costs almost nothing); format 1 arrays used BLAKE2b-64 (well under 1 GB/s on a busy
core). Each array records which (``checksum_algorithm``), and the checksum covers the
block's shape and dtype as well as its bytes.
"""

from __future__ import annotations

import hashlib

import numpy as np

BLAKE2B = "blake2b-64"
CRC32C = "crc32c"
ALGORITHMS = (BLAKE2B, CRC32C)


class RunningChecksum:
    """The checksum of a block fed in consecutive row ranges (equal to
    :func:`block_checksum` of the whole block).

    Parameters
    ----------
    algorithm : {"blake2b-64", "crc32c"}
    shape : tuple
        Shape of the whole block.
    dtype : numpy dtype
    """

    def __init__(self, algorithm: str, shape: tuple, dtype) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown checksum algorithm {algorithm!r}")
        self.algorithm = algorithm
        self._dtype = np.dtype(dtype).newbyteorder("<")
        header = repr((tuple(shape), self._dtype.str)).encode()
        if algorithm == CRC32C:
            import google_crc32c  # a zarr dependency

            self._extend = google_crc32c.extend
            self._crc = google_crc32c.value(header)
        else:
            self._hash = hashlib.blake2b(digest_size=8)
            self._hash.update(header)

    def update(self, rows: np.ndarray) -> None:
        """Add the next rows (in the array's dtype, C order)."""
        data = np.ascontiguousarray(rows).astype(self._dtype, copy=False)
        if self.algorithm == CRC32C:
            raw = data.reshape(-1).view(np.uint8)
            raw.flags.writeable = False  # the C extension takes read-only buffers (no copy)
            self._crc = self._extend(self._crc, raw)
        else:
            self._hash.update(memoryview(data).cast("B"))

    def value(self) -> np.uint64:
        """The checksum so far (never 0: 0 means "no checksum recorded")."""
        if self.algorithm == CRC32C:
            value = self._crc
        else:
            value = int.from_bytes(self._hash.digest(), "little")
        return np.uint64(value or 1)


def block_checksum(block: np.ndarray, algorithm: str = BLAKE2B) -> np.uint64:
    """Checksum of a block's little-endian C-order bytes and shape.

    Parameters
    ----------
    block : ndarray, shape (rows, dim)
        Values exactly as stored (already in the array's dtype).
    algorithm : {"blake2b-64", "crc32c"}

    Returns
    -------
    numpy.uint64
        Never 0 (0 means "no checksum recorded").
    """
    running = RunningChecksum(algorithm, block.shape, block.dtype)
    running.update(block)
    return running.value()
