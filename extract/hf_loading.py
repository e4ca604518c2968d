"""Load a Hugging Face model as a featurizer: config, remote-code checks, weights, limits.

Works offline for a local folder or a model in the Hugging Face cache; the ``hf`` entry
of :data:`~geneb.extract.featurizer.FAMILIES` is :func:`load_hf_featurizer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geneb.catalog.models import ModelSpec
from geneb.core.errors import MissingDataError

from .hf import HFFeaturizer, autocast_dtype, pick_device
from .hf_config import check_remote_code, code_sha256, locate
from .options import ExtractOptions

__all__ = ["load_hf_featurizer", "check_remote_code", "resolve_max_length", "code_sha256"]


def _model_class(cfg: dict[str, Any], trust: bool):
    import transformers

    auto_map = cfg.get("auto_map") or {}
    if trust and "AutoModel" not in auto_map:
        for name in ("AutoModelForMaskedLM", "AutoModelForCausalLM"):
            if name in auto_map:
                return getattr(transformers, name)
    return transformers.AutoModel


def resolve_max_length(spec: ModelSpec, tokenizer, model) -> int | None:
    """The token limit: the paper's (catalog) limit, else tokenizer and position limits."""
    if spec.option("max_length"):
        return int(spec.option("max_length"))
    limits = []
    if spec.max_length:
        limits.append(int(spec.max_length))
    tok_max = getattr(tokenizer, "model_max_length", None)
    if tok_max and tok_max < 1_000_000_000:
        limits.append(int(tok_max))
    mpe = getattr(model.config, "max_position_embeddings", None)
    if mpe and getattr(model.config, "position_embedding_type", "absolute") == "absolute" \
            and model.config.model_type not in ("llama", "mistral", "gpt_neox"):
        # ESM reserves its padding index in the position table
        limits.append(int(mpe) - (2 if model.config.model_type == "esm" else 0))
    if model.config.model_type in ("gpt2",):
        limits.append(int(model.config.n_positions))
    return min(limits) if limits else None


def load_hf_featurizer(spec: ModelSpec, options: ExtractOptions | None = None) -> HFFeaturizer:
    """Load a model's weights and tokenizer with transformers (by Hub id or local path).

    Works offline for a local folder or a model in the Hugging Face cache.

    Raises
    ------
    MissingDataError
        Weights, config or tokenizer are not available offline (the message names the model
        and the missing piece).
    InputError
        Remote code without ``--trust-remote-code`` / a pinned revision.
    """
    from transformers import AutoTokenizer

    options = options or ExtractOptions()
    found = locate(spec, options)
    source, revision, cfg, trust = found.source, found.revision, found.config, found.trust
    kw = {"revision": revision, "trust_remote_code": trust}
    half = autocast_dtype(pick_device(options.device), options.precision)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **kw)
    except (OSError, ValueError) as exc:
        raise MissingDataError(
            f"cannot load the tokenizer of model {spec.model_id!r} from {source!r}: "
            f"{str(exc).splitlines()[0]} (tokenizer files missing or not cached)") from None
    try:
        # on a GPU with bf16/fp16, load the weights in that dtype too (a 7B model fits)
        model = _model_class(cfg, trust).from_pretrained(
            source, **kw, **({"dtype": half} if half is not None else {}))
    except (OSError, ValueError) as exc:
        raise MissingDataError(
            f"cannot load the weights of model {spec.model_id!r} from {source!r}: its weights "
            f"are not in that folder or the Hugging Face cache and cannot be downloaded here "
            f"({str(exc).splitlines()[0]})") from None
    info = {"source": source, "revision": revision,
            "code_sha256": code_sha256(source) if trust and Path(source).is_dir() else None}
    return HFFeaturizer(spec, model, tokenizer, resolve_max_length(spec, tokenizer, model),
                        options=options, source_info=info)
