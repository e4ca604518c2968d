"""The featurizer interface and the registry of featurizer families.

A featurizer turns a batch of DNA sequences into one vector per sequence. Each model
family ("kmer", "random-init", "hf") has a builder in :data:`FAMILIES` that makes a
featurizer from a :class:`~geneb.catalog.models.ModelSpec`; builders are lazy
``"module:attr"`` targets, so commands that never run a network (``geneb tasks``,
``geneb report``) do not pay for importing torch and transformers.
"""

from __future__ import annotations

import inspect
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

    def outputs(self) -> list[tuple[str, dict[str, Any]]]:
        """``(variant id, identity config)`` of each array this featurizer fills.

        One by default; a transformers model asked for several layers has one per layer
        (all computed from one forward pass by :meth:`embed_all`).
        """
        return [(self.spec.model_id, self.config())]

    def embed_all(self, sequences: Sequence[str]) -> list[np.ndarray]:
        """One (n, dim) array per entry of :meth:`outputs`."""
        return [self.embed(sequences)]


FeaturizerBuilder = Callable[..., Featurizer]

FAMILIES: Registry[FeaturizerBuilder] = Registry("featurizer family")
FAMILIES.register_lazy("kmer", "geneb.extract.kmer:KmerFeaturizer")
FAMILIES.register_lazy("hf", "geneb.extract.hf_loading:load_hf_featurizer")
FAMILIES.register_lazy("random-init", "geneb.extract.random_init:build_random_bert")


def build_featurizer(spec: ModelSpec, options: Any = None) -> Featurizer:
    """Make the featurizer for a model spec through its family's builder.

    ``options`` (an :class:`~geneb.extract.options.ExtractOptions`) reaches the families
    that take it (``hf``, ``random-init``); weight-free featurizers ignore it.
    """
    builder = FAMILIES.get(spec.family)
    if options is not None and "options" in inspect.signature(builder).parameters:
        return builder(spec, options=options)
    return builder(spec)
