"""Random-init control: a small BERT with seeded random weights and nucleotide tokens.

Untrained networks are a standard GFM baseline: whatever a probe finds in their
embeddings comes from the architecture and the tokenisation, not from pretraining.
"""

from __future__ import annotations

import torch
from transformers import BertConfig, BertModel

from geneb.catalog.models import ModelSpec

from .char_tokenizer import build_char_tokenizer
from .hf import HFFeaturizer
from .options import ExtractOptions
from .settings import with_family_defaults


def build_random_bert(spec: ModelSpec, options: ExtractOptions | None = None) -> HFFeaturizer:
    """Build the network from ``spec.options`` (defaults
    :data:`~geneb.extract.settings.RANDOM_BERT_CONFIG`) with ``torch.manual_seed(seed)``."""
    spec = with_family_defaults(spec)
    opts = dict(spec.options)
    tokenizer = build_char_tokenizer()
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=opts["hidden_size"],
        num_hidden_layers=opts["num_hidden_layers"],
        num_attention_heads=opts["num_attention_heads"],
        intermediate_size=opts["intermediate_size"],
        max_position_embeddings=opts["max_position_embeddings"],
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(opts["seed"]))
        model = BertModel(config, add_pooling_layer=False)
    return HFFeaturizer(spec, model, tokenizer, max_length=int(opts["max_length"]),
                        device="cpu", options=options)
