"""How the built-in featurizers extract: settings that belong to extraction, not to the
catalog's description of the models.

The catalog's built-in specs name only what tells the models apart (``k`` of a k-mer
spectrum); a featurizer completes its spec's options with its family's defaults
(:func:`with_family_defaults`), so the options recorded with each array (its identity)
are complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from geneb.catalog.models import ModelSpec

#: k-mer spectra are stored as counts: on geneb-mini, counts probe better than
#: frequencies under the fixed protocol (see README, "Built-in featurizers", and
#: ``bench/bench_kmer_normalization.py``).
KMER_NORMALIZE = "counts"

#: Settings of the random-init control: a small BERT with single-nucleotide tokens.
RANDOM_BERT_CONFIG = MappingProxyType({
    "hidden_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 256,
    "max_position_embeddings": 1026,
    "seed": 0,
    "max_length": 1024,
})


#: Default options of each featurizer family that has any.
FAMILY_DEFAULTS: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "kmer": MappingProxyType({"normalize": KMER_NORMALIZE}),
    "random-init": RANDOM_BERT_CONFIG,
})


def with_family_defaults(spec: ModelSpec) -> ModelSpec:
    """``spec`` with each option it does not set taken from its family's defaults (its
    own options first, in their order, then the missing defaults in theirs)."""
    options = dict(spec.options)
    for key, value in FAMILY_DEFAULTS.get(spec.family, {}).items():
        options.setdefault(key, value)
    return replace(spec, options=MappingProxyType(options))
