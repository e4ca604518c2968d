"""Matched comparisons: pairs of models that differ mainly in one design choice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from .aggregate import category_scores, macro_micro, present_categories


@dataclass(frozen=True)
class MatchedPair:
    """Model ``a`` versus model ``b``; Δ = a − b.

    Attributes
    ----------
    axis : str
        The design choice that differs: "architecture", "tokenization", "pretraining data"
        or "size".
    a, b : str
        Model ids.
    note : str
        What differs (and what is held fixed), for the report.
    """

    axis: str
    a: str
    b: str
    note: str = ""


#: The matched pairs the GENEB paper discusses (model ids of the release).
PAPER_PAIRS: tuple[MatchedPair, ...] = (
    MatchedPair("paper", "MutBERT", "eccdnamamba_weights",
                "MutBERT (86M, encoder, human genome with variation) vs eccDNAMamba (537M, "
                "Mamba-2, eccDNA)"),
    MatchedPair("paper", "Omni-DNA-1B", "eccdnamamba_weights",
                "Omni-DNA-1B (1B, decoder, multi-species) vs eccDNAMamba (537M, Mamba-2, eccDNA)"),
    MatchedPair("paper", "MutBERT", "evo-1-131k-base",
                "MutBERT (86M, human) vs Evo-1-131k (7B, prokaryotic + phage)"),
)

#: Pairs among the 40 GENEB models, chosen from the catalog so that one choice differs and
#: the others (size, data, tokenizer) are as close as the catalog allows.
DESIGN_PAIRS: tuple[MatchedPair, ...] = (
    MatchedPair("architecture", "gena-lm-bert-base", "gpt2_gene_v1",
                "encoder vs decoder; BPE, human-only, 110M vs 200M"),
    MatchedPair("architecture", "MutBERT", "hyenadna-large-1m-seqlen-hf",
                "Transformer encoder vs Hyena; single-nucleotide, human-only, 86M vs 55M"),
    MatchedPair("architecture", "caduceus-ps_seqlen-131k_d_model-256_n_layer-16",
                "hyenadna-medium-160k-seqlen-hf",
                "SSM (Caduceus) vs Hyena; single-nucleotide, human-only, 8M vs 14M"),
    MatchedPair("architecture", "JanusDNA_72_w", "caduceus-ph_seqlen-1k_d_model-256_n_layer-4_lr-8e-3",
                "SSM hybrid vs SSM; single-nucleotide, human-only, ~2M each"),
    MatchedPair("tokenization", "nucleotide-transformer-v2-50m-3mer-multi-species",
                "nucleotide-transformer-v2-50m-multi-species",
                "3-mer vs 6-mer; same NT-v2 50M encoder and data"),
    MatchedPair("tokenization", "GROVER", "MutBERT",
                "BPE vs single nucleotide; encoders, human-only, 87M vs 86M"),
    MatchedPair("tokenization", "dnabert2-no-flashattention",
                "nucleotide-transformer-v2-100m-multi-species",
                "BPE vs 6-mer; encoders, multi-species, 117M vs 100M"),
    MatchedPair("pretraining data", "gena-lm-bert-base-t2t-multi", "gena-lm-bert-base",
                "multi-species vs human-only; same GENA-LM base encoder"),
    MatchedPair("pretraining data", "gpt2_gene_multi_v2_ft", "gpt2_gene_v1",
                "multi-species vs human-only; same GPT-2 gene decoder"),
    MatchedPair("pretraining data", "dnabert2-no-flashattention", "DNABERT-S",
                "multi-species vs microbial; DNABERT-2 backbone"),
    MatchedPair("pretraining data", "nucleotide-transformer-2.5b-multi-species",
                "agro-nucleotide-transformer-1b", "multi-species vs plant; NT encoders, 2.5B vs 1B"),
    MatchedPair("size", "nucleotide-transformer-v2-250m-multi-species",
                "nucleotide-transformer-v2-50m-multi-species", "NT-v2 250M vs 50M"),
    MatchedPair("size", "GenomeOcean-4B", "GenomeOcean-500M", "GenomeOcean 4B vs 500M"),
    MatchedPair("size", "GENERator-eukaryote-3b-base", "GENERator-eukaryote-1.2b-base",
                "GENERator 3B vs 1.2B"),
    MatchedPair("size", "Omni-DNA-1B", "Omni-DNA-300M", "Omni-DNA 1B vs 300M"),
)

#: The pairs shown by default: the paper's (a pairs YAML adds more; see :func:`load_pairs`).
DEFAULT_PAIRS: tuple[MatchedPair, ...] = PAPER_PAIRS


def matched_comparisons(cube: xr.Dataset, pairs: Sequence[MatchedPair] = DEFAULT_PAIRS,
                        regime: str = "full", metric: str = "mcc") -> pd.DataFrame:
    """Δ macro and per-category Δ (a − b) for each pair whose two models are in the cube.

    Returns
    -------
    pandas.DataFrame
        columns axis, a, b, note, delta_macro, wins_a, wins_b (categories where a / b is
        better), then one Δ column per category.
    """
    models = {str(m) for m in cube["model"].values}
    mm = macro_micro(cube, metric).sel(regime=regime)["macro"]
    cats = category_scores(cube, metric).sel(regime=regime)
    rows = []
    for pair in pairs:
        if pair.a not in models or pair.b not in models:
            continue
        d = (cats.sel(model=pair.a) - cats.sel(model=pair.b)).values
        row = {"axis": pair.axis, "a": pair.a, "b": pair.b, "note": pair.note,
               "delta_macro": float(mm.sel(model=pair.a) - mm.sel(model=pair.b)),
               "wins_a": int(np.sum(d > 0)), "wins_b": int(np.sum(d < 0))}
        row.update(dict(zip(present_categories(cube), map(float, d))))
        rows.append(row)
    return pd.DataFrame(rows, columns=["axis", "a", "b", "note", "delta_macro", "wins_a",
                                       "wins_b", *present_categories(cube)])


def load_pairs(path) -> tuple[MatchedPair, ...]:
    """Read matched pairs from a YAML (or JSON) file.

    The file is a list of mappings with keys ``axis``, ``a``, ``b`` and optionally ``note``::

        - {axis: tokenization, a: my-bpe-model, b: my-kmer-model, note: same data}

    Raises
    ------
    InputError
        When the file is not such a list (naming the bad entry).
    """
    from geneb.core.errors import InputError
    from geneb.core.files import read_yaml

    doc = read_yaml(path, "pairs file")
    if not isinstance(doc, list):
        raise InputError(f"{str(path)!r} must hold a list of pairs (axis, a, b, note)")
    pairs = []
    for i, item in enumerate(doc, 1):
        if not isinstance(item, dict) or not {"axis", "a", "b"} <= set(item):
            raise InputError(f"pair {i} in {str(path)!r} needs keys axis, a and b; got {item!r}")
        pairs.append(MatchedPair(str(item["axis"]), str(item["a"]), str(item["b"]),
                                 str(item.get("note", ""))))
    return tuple(pairs)
