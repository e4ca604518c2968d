"""Model specifications: the 40 GENEB models and geneb's built-in featurizers.

Both live in one registry, so ``geneb models list``, extraction and the result cube
treat a k-mer baseline exactly like a foundation model.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

from geneb.core.registry import Registry


@dataclass(frozen=True)
class ModelSpec:
    """What a model is and how GENEB embeds it.

    Attributes
    ----------
    model_id : str
        Unique id (the GENEB release id for the 40 official models).
    family : str
        Which extractor builds it: ``"hf"`` (Hugging Face transformers), ``"kmer"``
        (k-mer spectrum) or ``"random-init"`` (random-weight control network).
    params : int or None
        Number of parameters (None for weight-free featurizers).
    pooling : str
        The pooling the GENEB paper used, as text from the catalog.
    options : Mapping
        Family-specific settings (k for k-mers, the config of a random-init network).
    """

    model_id: str
    family: str
    display: str = ""
    hf_id: str | None = None
    weights_source: str = ""
    params: int | None = None
    architecture: str = ""
    arch_short: str = ""
    tokenization: str = ""
    pretraining_data: str = ""
    pretraining_group: str = ""
    native_context: str = ""
    input_handling: str = ""
    pooling: str = ""
    builtin: bool = False
    published: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), compare=False)
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


MODELS: Registry[ModelSpec] = Registry("model", hint="geneb models list")

_PUBLISHED = ("macro_MCC_full", "micro_MCC_full", "macro_MCC_10shot", "macro_MCC_1shot",
              "rank_full_macro")


def _num(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _load_official() -> None:
    with resources.files("geneb.catalog").joinpath("data/geneb_models.csv").open() as fh:
        for row in csv.DictReader(fh):
            hf_id = row["hf_id"] if row["weights_source"] == "HF" else None
            params = _num(row["params"])
            MODELS.register(row["model_id"], ModelSpec(
                model_id=row["model_id"],
                family="hf",
                display=row["leaderboard_display"],
                hf_id=hf_id,
                weights_source=row["weights_source"] or row["hf_id"],
                params=int(params) if params is not None else None,
                architecture=row["architecture"],
                arch_short=row["arch_short"],
                tokenization=row["tokenization"],
                pretraining_data=row["pretraining_data"],
                pretraining_group=row["pretraining_group"],
                native_context=row["native_context"],
                input_handling=row["geneb_extractor_input_handling"],
                pooling=row["pooling_and_layer"],
                published=MappingProxyType({k: _num(row[k]) for k in _PUBLISHED}),
            ))


#: k-mer spectra are stored as counts: on geneb-mini, counts probe better than
#: frequencies under the fixed protocol (see README, "Built-in featurizers").
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


def _load_builtin() -> None:
    for k in (3, 4, 5, 6):
        MODELS.register(f"kmer-{k}", ModelSpec(
            model_id=f"kmer-{k}",
            family="kmer",
            display=f"{k}-mer spectrum",
            architecture=f"{k}-mer count spectrum (no weights)",
            arch_short="k-mer",
            tokenization=f"overlapping {k}-mers",
            pretraining_group="none",
            native_context="unlimited",
            input_handling="whole sequence; k-mers containing non-ACGT letters are skipped",
            pooling=f"{KMER_NORMALIZE} of all 4^{k} k-mers",
            builtin=True,
            options=MappingProxyType({"k": k, "normalize": KMER_NORMALIZE}),
        ))
    MODELS.register("random-bert", ModelSpec(
        model_id="random-bert",
        family="random-init",
        display="random-init BERT",
        architecture="BERT encoder, random weights (seeded), transformers BertModel",
        arch_short="T-enc",
        tokenization="single nucleotide",
        pretraining_group="none (random init)",
        native_context=f"{RANDOM_BERT_CONFIG['max_length']} tokens",
        input_handling="truncate to the model limit",
        pooling="attention-mask mean of last hidden layer",
        builtin=True,
        options=RANDOM_BERT_CONFIG,
    ))


_load_official()
_load_builtin()


def get_model(model_id: str) -> ModelSpec:
    """Look up a model by id (raises :class:`UnknownNameError` with suggestions)."""
    return MODELS.get(model_id)


def builtin_models() -> list[ModelSpec]:
    """The weight-free featurizers geneb ships (the default models of ``geneb run``)."""
    return [m for m in MODELS.values() if m.builtin]
