"""The featurizer interface and the registry of featurizer families.

A featurizer turns a batch of DNA sequences into one vector per sequence. Each model
family ("kmer", "random-init", "hf") registers a builder that makes a featurizer from a
:class:`~geneb.catalog.models.ModelSpec`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from geneb.catalog.models import ModelSpec
from geneb.core.registry import Registry


class Featurizer(ABC):
    """Embeds sequences into fixed-size vectors.

    Attributes
    ----------
    spec : ModelSpec
    dim : int
        Length of each embedding vector.
    batch_size : int
        Sequences per forward pass (the runner groups rows into chunks of this).
    """

    version: str = "1"
    batch_size: int = 256

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.n_truncated = 0

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def embed(self, sequences: Sequence[str]) -> np.ndarray:
        """Embed a batch.

        Parameters
        ----------
        sequences : sequence of str, length n
            Upper-case DNA.

        Returns
        -------
        numpy.ndarray of float32, shape (n, dim)
        """

    def config(self) -> dict[str, Any]:
        """Settings that determine the vectors; equal configs give equal embeddings."""
        return {"model_id": self.spec.model_id, "family": self.spec.family,
                "featurizer": type(self).__name__, "featurizer_version": self.version,
                "options": {k: v for k, v in self.spec.options.items()}}

    def provenance(self) -> dict[str, Any]:
        """Facts recorded with the array but not part of its identity (device, ...)."""
        return {}


FeaturizerBuilder = Callable[[ModelSpec], Featurizer]

FAMILIES: Registry[FeaturizerBuilder] = Registry("featurizer family")


def build_featurizer(spec: ModelSpec) -> Featurizer:
    """Make the featurizer for a model spec through its family's builder."""
    return FAMILIES.get(spec.family)(spec)
