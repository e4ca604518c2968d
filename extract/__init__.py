"""Turn models into embeddings in the store.

Featurizer families: ``kmer`` (k-mer spectra), ``random-init`` (seeded random BERT
control) and ``hf`` (Hugging Face transformers: encoders, decoders, Mamba and remote-code
models, see :mod:`geneb.extract.hf`); each is a lazy entry of :data:`FAMILIES`, imported
when first needed, so importing this package does not import torch. How models are run
(layers, pooling, long sequences, strand, precision) is an :class:`ExtractOptions`; the
built-in featurizers' own settings are in :mod:`geneb.extract.settings`.
:mod:`geneb.extract.runner` fills a store in this process, :mod:`geneb.extract.distributed`
spreads the work over Dask workers; both write through :mod:`geneb.extract._writing`.
Imports :mod:`geneb.store`, :mod:`geneb.tasks`, :mod:`geneb.catalog` and :mod:`geneb.core`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geneb.core.lazy import lazy_exports

#: Public name -> the submodule defining it; imported on first use (PEP 562), so
#: ``import geneb.extract.settings`` (``geneb models show``) imports no store or zarr.
_EXPORTS = {"FAMILIES": "featurizer", "Featurizer": "featurizer",
            "build_featurizer": "featurizer", "ExtractOptions": "options",
            "ExtractResult": "runner", "extract": "runner", "extract_task": "runner"}

if TYPE_CHECKING:  # for static tools
    from .featurizer import FAMILIES, Featurizer, build_featurizer
    from .options import ExtractOptions
    from .runner import ExtractResult, extract, extract_task


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


__all__ = ["FAMILIES", "Featurizer", "build_featurizer", "ExtractOptions", "ExtractResult",
           "extract", "extract_task"]
