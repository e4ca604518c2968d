"""Provenance helpers: library versions, checksums and content hashes."""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
from collections.abc import Iterable

import numpy as np

_LIBRARIES = ("geneb", "numpy", "zarr", "numcodecs", "xarray", "dask", "scikit-learn",
              "torch", "transformers")


def library_versions(extra: Iterable[str] = ()) -> dict[str, str]:
    """Installed versions of geneb and the libraries that shape its results."""
    out = {"python": platform.python_version()}
    for name in (*_LIBRARIES, *extra):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def geneb_version() -> str:
    try:
        return importlib.metadata.version("geneb")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sequence_hashes(sequences: Iterable[str]) -> np.ndarray:
    """Content hash of each normalised (upper-case) sequence.

    Returns
    -------
    numpy.ndarray of uint64, shape (n_sequences,)
        The first 8 bytes of BLAKE2b of the upper-cased sequence, little-endian.
    """
    vals = [int.from_bytes(hashlib.blake2b(s.upper().encode(), digest_size=8).digest(), "little")
            for s in sequences]
    return np.asarray(vals, dtype=np.uint64)
