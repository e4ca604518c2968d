"""Keep a long-lived worker's resident memory close to what it actually holds.

glibc raises its mmap threshold each time a large block is freed, so later blocks of that
size come from the heap; with aligned allocations (numpy, torch) a freed block often cannot
be reused and the heap keeps growing: decoding a slice chunk by chunk, or converting it
block by block, then leaves one dead block per step resident. Fixing the threshold sends
every large allocation to ``mmap``, whose memory goes back to the system when freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: allocations of at least this many bytes are served by mmap (and returned when freed)
LARGE_ALLOCATION_BYTES = 4 << 20
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
_done = False


def return_large_frees_to_os(threshold: int = LARGE_ALLOCATION_BYTES) -> bool:
    """Serve allocations of ``threshold`` bytes or more from mmap, from now on (glibc only).

    Idempotent and process-wide; a no-op returning False where the C library is not glibc.

    Returns
    -------
    bool
        True when the setting is in effect.
    """
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _done = bool(libc.mallopt(_M_MMAP_THRESHOLD, int(threshold)))
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt, Windows)
        _done = False
    return _done


__all__ = ["LARGE_ALLOCATION_BYTES", "return_large_frees_to_os"]
