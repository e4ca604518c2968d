"""Load a Hugging Face model as a featurizer: config, remote-code checks, weights, limits.

Works offline for a local folder or a model in the Hugging Face cache; the ``hf`` entry
of :data:`~geneb.extract.featurizer.FAMILIES` is :func:`load_hf_featurizer`.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from geneb.catalog.models import ModelSpec
from geneb.core.errors import InputError, MissingDataError

from .hf import HFFeaturizer, autocast_dtype, pick_device
from .options import ExtractOptions

__all__ = ["load_hf_featurizer", "check_remote_code", "resolve_max_length", "code_sha256"]

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def _read_config(source: str, revision: str | None, model_id: str) -> dict[str, Any]:
    """The raw config.json of a local folder or a cached/downloadable Hub repo."""
    local = Path(source).expanduser()
    if local.is_dir():
        path = local / "config.json"
        if not path.is_file():
            raise MissingDataError(f"model {model_id!r}: folder {str(local)!r} has no "
                                   f"config.json (save it with `model.save_pretrained(folder)`)")
        return json.loads(path.read_text())
    try:
        from huggingface_hub import hf_hub_download
        path = hf_hub_download(source, "config.json", revision=revision)
    except Exception as exc:  # offline, not cached, unknown repo, unknown revision
        raise MissingDataError(
            f"model {model_id!r}: config.json of {source!r}"
            f"{f' at revision {revision}' if revision else ''} is not in the local Hugging Face "
            f"cache and cannot be downloaded here ({type(exc).__name__}); download it where "
            f"there is network (`hf download {source}`) or register a local folder") from None
    return json.loads(Path(path).read_text())


def code_sha256(folder: str) -> str | None:
    """Hash of the Python files shipped in a local model folder (None when there are none)."""
    files = sorted(Path(folder).glob("*.py"))
    if not files:
        return None
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def check_remote_code(spec: ModelSpec, cfg: dict[str, Any], options: ExtractOptions,
                      source: str, revision: str | None) -> bool:
    """Whether the model's own code must run; refuses unless allowed and pinned.

    Raises
    ------
    InputError
        The model ships code (``auto_map`` in config.json, or known to) and
        ``--trust-remote-code`` was not given, or a Hub model is not pinned to a commit.
    """
    needs = bool(cfg.get("auto_map")) or spec.trust_remote_code
    if not needs:
        return False
    if not options.trust_remote_code:
        raise InputError(
            f"model {spec.model_id!r} ships its own Python code (auto_map in its config.json); "
            f"geneb runs remote code only with --trust-remote-code and a pinned --revision "
            f"COMMIT (40-hex); read the code first")
    if not Path(source).expanduser().is_dir() and not (revision and _COMMIT.match(revision)):
        raise InputError(
            f"model {spec.model_id!r} runs remote code, so its revision must be pinned to a "
            f"40-hex commit (got {revision!r}); pass --revision COMMIT or set revision: in "
            f"the model file")
    return True


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
    source = spec.option("path") or spec.hf_id
    if not source:
        raise MissingDataError(
            f"model {spec.model_id!r} has no Hugging Face id "
            f"({spec.supported or spec.weights_source}); download its weights yourself and "
            f"register the local folder (`--models PATH` or a --model-file)")
    if spec.supported.startswith("supervised"):
        raise InputError(f"model {spec.model_id!r}: {spec.supported}; the paper embedded it "
                         f"with its own code, which geneb's transformers adapter does not run")
    revision = options.revision or spec.revision
    if spec.trust_remote_code:  # known to ship code: refuse before touching the network
        check_remote_code(spec, {}, options, source, revision)
    cfg = _read_config(source, revision, spec.model_id)
    trust = check_remote_code(spec, cfg, options, source, revision)
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
