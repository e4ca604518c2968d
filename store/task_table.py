"""The per-sequence table of a task as a store holds it, and its checksums."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geneb.core.provenance import sha256_bytes
from geneb.core.splits import SplitRows

#: The four arrays of a task table, in the order they are written.
TABLE_ARRAYS = ("seq_hash", "label", "split", "length")


@dataclass(frozen=True)
class TaskTable(SplitRows):
    """The per-sequence table of one task as stored.

    Attributes
    ----------
    seq_hash : ndarray of uint64, shape (n,)
        Content hash of each normalised sequence.
    label : ndarray of int64, shape (n,)
    split : ndarray of int8, shape (n,)
        0 = train, 1 = test.
    length : ndarray of int32, shape (n,)
    attrs : dict
        category, classes, source checksum and other task metadata.
    """

    seq_hash: np.ndarray
    label: np.ndarray
    split: np.ndarray
    length: np.ndarray
    attrs: dict


def table_arrays(seq_hash, label, split, length) -> dict[str, np.ndarray]:
    """The four table arrays in their stored dtypes (each shape (n,))."""
    return {"seq_hash": np.asarray(seq_hash, np.uint64), "label": np.asarray(label, np.int64),
            "split": np.asarray(split, np.int8), "length": np.asarray(length, np.int32)}


def table_checksums(arrays: dict[str, np.ndarray]) -> dict[str, str]:
    """SHA-256 of each array's little-endian bytes, by name."""
    return {name: sha256_bytes(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes())
            for name, a in arrays.items()}
