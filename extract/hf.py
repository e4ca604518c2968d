"""Hugging Face transformers models as featurizers (last layer, masked mean)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from geneb.catalog.models import ModelSpec
from geneb.core.errors import MissingDataError
from geneb.extract.featurizer import FAMILIES, Featurizer
from geneb.extract.pooling import masked_mean


def pick_device(requested: str | None = None) -> torch.device:
    """``cuda`` when a GPU is visible, else ``cpu`` (or the requested device)."""
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class HFFeaturizer(Featurizer):
    """Embeds with a transformers model and tokenizer already in memory.

    Parameters
    ----------
    spec : ModelSpec
    model : transformers.PreTrainedModel
        Returns ``last_hidden_state`` of shape (batch, tokens, dim).
    tokenizer : transformers tokenizer
    max_length : int
        Tokens per sequence (special tokens included); longer inputs are truncated
        and counted in :attr:`n_truncated`.
    """

    batch_size = 64

    def __init__(self, spec: ModelSpec, model, tokenizer, max_length: int,
                 device: str | None = None) -> None:
        super().__init__(spec)
        self.device = pick_device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.max_length = int(max_length)

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    @torch.inference_mode()
    def embed(self, sequences: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(sequences), self.dim), np.float32)
        order = np.argsort([len(s) for s in sequences], kind="stable")  # less padding
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = [sequences[i] for i in idx]
            full = self.tokenizer(batch, add_special_tokens=True)["input_ids"]
            self.n_truncated += sum(len(ids) > self.max_length for ids in full)
            enc = self.tokenizer(batch, padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
            enc = {k: v.to(self.device) for k, v in enc.items()
                   if k in ("input_ids", "attention_mask")}
            hidden = self.model(**enc).last_hidden_state
            out[idx] = masked_mean(hidden, enc["attention_mask"]).cpu().numpy()
        return out

    def config(self) -> dict[str, Any]:
        return {**super().config(), "layer": "last", "pooling": "attention-mask mean",
                "max_length": self.max_length, "truncation": "right, at the model limit"}

    def provenance(self) -> dict[str, Any]:
        return {"device": str(self.device), "n_truncated": int(self.n_truncated)}


def load_hf_featurizer(spec: ModelSpec) -> HFFeaturizer:
    """Load a registered model's weights and tokenizer with transformers.

    Works offline for a local path or a model already in the Hugging Face cache.
    """
    from transformers import AutoModel, AutoTokenizer

    source = spec.option("path") or spec.hf_id
    if not source:
        raise MissingDataError(
            f"model {spec.model_id!r} has no Hugging Face id ({spec.weights_source}); "
            f"download its weights yourself and register the local folder")
    revision = spec.option("revision")
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, revision=revision)
        model = AutoModel.from_pretrained(source, revision=revision)
    except OSError as exc:
        raise MissingDataError(
            f"cannot load model {spec.model_id!r} from {source!r}: its weights are not in a "
            f"local folder or the Hugging Face cache and cannot be downloaded here "
            f"({str(exc).splitlines()[0]})") from None
    limit = spec.option("max_length") or getattr(tokenizer, "model_max_length", 512)
    limit = min(int(limit), int(getattr(model.config, "max_position_embeddings", limit) or limit))
    return HFFeaturizer(spec, model, tokenizer, limit)


FAMILIES.register("hf", load_hf_featurizer)
