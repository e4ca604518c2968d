"""Turn models into embeddings in the store.

Featurizer families: ``kmer`` (k-mer spectra), ``random-init`` (seeded random BERT
control) and ``hf`` (Hugging Face transformers: encoders, decoders, Mamba and remote-code
models, see :mod:`geneb.extract.hf`); each registers itself when first needed
(:func:`~geneb.extract.featurizer.load_families`), so importing this package does not
import torch. How models are run
(layers, pooling, long sequences, strand, precision) is an :class:`ExtractOptions`;
:mod:`geneb.extract.distributed` spreads the work over Dask workers.
Imports :mod:`geneb.store`, :mod:`geneb.tasks`, :mod:`geneb.catalog` and :mod:`geneb.core`.
"""

from geneb.extract.featurizer import FAMILIES, Featurizer, build_featurizer, load_families
from geneb.extract.options import ExtractOptions
from geneb.extract.runner import ExtractResult, extract, extract_task

__all__ = ["FAMILIES", "Featurizer", "build_featurizer", "load_families", "ExtractOptions", "ExtractResult",
           "extract", "extract_task"]
