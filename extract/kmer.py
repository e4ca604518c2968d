"""k-mer spectrum featurizer: counts (or frequencies) of all 4^k overlapping k-mers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from geneb.catalog.models import ModelSpec

from .featurizer import Featurizer
from .settings import with_family_defaults

_CODE = np.full(256, -1, dtype=np.int64)
for _i, _b in enumerate(b"ACGT"):
    _CODE[_b] = _i


def kmer_spectrum(sequences: Sequence[str], k: int, normalize: str = "counts") -> np.ndarray:
    """Count overlapping k-mers of each sequence.

    K-mers that contain a letter other than A, C, G, T are skipped. The k-mer
    ``x_1..x_k`` has index ``sum(code(x_j) * 4**(k-j))`` with A=0, C=1, G=2, T=3.

    Parameters
    ----------
    sequences : sequence of str, length n
    k : int
    normalize : {"counts", "frequency"}
        Raw counts, or counts divided by the number of valid k-mers in the sequence.

    Returns
    -------
    numpy.ndarray of float32, shape (n, 4**k)
    """
    n, width = len(sequences), 4 ** k
    if n == 0:
        return np.zeros((0, width), np.float32)
    # One byte string with a separator (code -1) after each sequence: windows that
    # cross a boundary contain -1 and are dropped like ambiguous letters.
    joined = np.frombuffer(("|".join(sequences) + "|").encode("ascii", "replace"), np.uint8)
    codes = _CODE[joined]
    row = np.repeat(np.arange(n), [len(s) + 1 for s in sequences])
    if len(codes) < k:
        return np.zeros((n, width), np.float32)
    windows = sliding_window_view(codes, k)
    valid = windows.min(axis=1) >= 0
    index = windows @ (4 ** np.arange(k - 1, -1, -1))
    flat = row[: len(index)][valid] * width + index[valid]
    out = np.bincount(flat, minlength=n * width).reshape(n, width).astype(np.float32)
    if normalize == "frequency":
        total = out.sum(axis=1, keepdims=True)
        out = np.divide(out, total, out=np.zeros_like(out), where=total > 0)
    elif normalize != "counts":
        raise ValueError(f"normalize must be 'counts' or 'frequency', not {normalize!r}")
    return out


class KmerFeaturizer(Featurizer):
    """Weight-free baseline: the k-mer spectrum of each sequence."""

    batch_size = 1024

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__(with_family_defaults(spec))
        self.k = int(self.spec.option("k"))
        self.normalize = self.spec.option("normalize")

    @property
    def dim(self) -> int:
        return 4 ** self.k

    def embed(self, sequences: Sequence[str]) -> np.ndarray:
        return kmer_spectrum(sequences, self.k, self.normalize)

    def config(self) -> dict:
        return {**super().config(), "pooling": f"k-mer {self.normalize}", "max_length": None}
