"""Model specifications: the 40 GENEB models and geneb's built-in featurizers.

Both live in one registry, so ``geneb models list``, extraction and the result cube
treat a k-mer baseline exactly like a foundation model.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from importlib import resources
from types import MappingProxyType
from typing import Any

from geneb.core.errors import UnknownNameError
from geneb.core.registry import Registry, close_matches


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
    revision : str or None
        Pinned Hugging Face revision (commit hash) to load; None = whatever is cached.
    trust_remote_code : bool
        The model's code lives with its weights (``auto_map`` in its config.json).
        geneb runs such code only with ``--trust-remote-code`` and a pinned revision.
    pooling_kind : str
        The paper's pooling parsed from :attr:`pooling`: ``"mean"`` (attention-mask mean),
        ``"unmasked-mean"``, ``"cls"`` or ``"last"`` (see :mod:`geneb.extract.pooling`).
    max_length : int or None
        Token limit the paper truncated at (None: the tokenizer/model limit).
    max_chars : int or None
        Character limit applied before tokenisation (HyenaDNA: 160,000).
    padding_side : {"right", "left"}
    add_special_tokens : bool
    max_batch : int or None
        Most sequences per forward pass (Evo-1: one at a time, as in the paper).
    supported : str
        Empty when the generic transformers adapter reproduces the paper's extraction;
        otherwise why not (custom tokenizer, head outputs, weights outside the Hub).
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
    revision: str | None = None
    trust_remote_code: bool = False
    pooling_kind: str = "mean"
    max_length: int | None = None
    max_chars: int | None = None
    padding_side: str = "right"
    add_special_tokens: bool = True
    max_batch: int | None = None
    supported: str = ""
    published: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), compare=False)
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)

    def __reduce__(self):
        # mappingproxy does not pickle; specs travel to Dask workers as plain dicts
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["options"], state["published"] = dict(self.options), dict(self.published)
        return (_spec_from_state, (state,))


def _spec_from_state(state: dict[str, Any]) -> ModelSpec:
    state = dict(state)
    state["options"] = MappingProxyType(state["options"])
    state["published"] = MappingProxyType(state["published"])
    return ModelSpec(**state)


MODELS: Registry[ModelSpec] = Registry("model", hint="geneb models list")

_PUBLISHED = ("macro_MCC_full", "micro_MCC_full", "macro_MCC_10shot", "macro_MCC_1shot",
              "rank_full_macro")


def _num(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


#: Official models whose modeling code ships with their weights (``auto_map`` in the
#: Hub config.json; from the model cards). Revisions are not known offline: pin one
#: with ``--revision`` (a 40-hex commit) before running their code.
REMOTE_CODE_MODELS = frozenset({
    "evo-1-131k-base", "LucaOne-default-step36M", "Omni-DNA-1B", "Omni-DNA-300M",
    "eccdnamamba_weights", "gena-lm-bert-large-t2t", "gena-lm-bert-base-t2t-multi",
    "gena-lm-bert-base", "nucleotide-transformer-v2-250m-multi-species",
    "nucleotide-transformer-v2-100m-multi-species",
    "nucleotide-transformer-v2-50m-3mer-multi-species",
    "nucleotide-transformer-v2-50m-multi-species", "agro-nucleotide-transformer-1b",
    "PlantCaduceus_l32", "DNABERT-S", "dnabert2-no-flashattention", "MutBERT",
    "hyenadna-large-1m-seqlen-hf", "hyenadna-medium-160k-seqlen-hf",
    "caduceus-ps_seqlen-131k_d_model-256_n_layer-16",
    "caduceus-ph_seqlen-1k_d_model-256_n_layer-4_lr-8e-3", "BioFM-265M",
})


def parse_pooling(text: str) -> str:
    """The pooling kind named by a catalog ``pooling_and_layer`` text.

    >>> parse_pooling("UNMASKED mean over all positions of last hidden layer")
    'unmasked-mean'
    """
    t = text.lower()
    if "unmasked mean" in t:
        return "unmasked-mean"
    if t.startswith("cls token"):
        return "cls"
    if "last-token" in t:
        return "last"
    return "mean"


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def parse_limits(input_handling: str, native_context: str) -> dict[str, Any]:
    """Token/character limits, padding side and special tokens from the catalog text.

    Returns
    -------
    dict with keys ``max_length`` (tokens or None), ``max_chars`` (or None),
    ``padding_side`` and ``add_special_tokens``.
    """
    h = input_handling.lower()
    out: dict[str, Any] = {"max_length": None, "max_chars": None,
                           "padding_side": "left" if "left padding" in h else "right",
                           "add_special_tokens": "no special tokens" not in h,
                           "max_batch": 1 if "one sequence per forward" in h else None}
    m = re.search(r"truncate to ([\d,]+) (tokens|characters)", h)
    if m:
        out["max_length" if m.group(2) == "tokens" else "max_chars"] = _int(m.group(1))
    elif (m := re.search(r"truncate to max_position_embeddings-(\d+)", h)):
        out["max_length"] = None  # the model limit minus specials: resolved at load time
    elif "truncat" in h and (m := re.search(r"([\d,]+) tokens", native_context.lower())):
        out["max_length"] = _int(m.group(1))
    return out


def _support_note(row: dict[str, str]) -> str:
    if row["weights_source"] != "HF":
        return f"weights are not on the Hugging Face Hub ({row['hf_id']}); register a local copy"
    h = row["geneb_extractor_input_handling"].lower() + " " + row["pooling_and_layer"].lower()
    one_hot = row["tokenization"].startswith("one-hot")
    if "output predictions" in h or "final embedding" in h or one_hot:
        return "supervised CNN+Transformer on one-hot input: not a transformers AutoModel"
    if "embedder" in h:
        return "needs the biofm_eval Embedder (annotation tokens); generic path is approximate"
    if "one-hot encoded" in h:
        return "token ids are fed as one-hot vectors by its own code (remote code)"
    return ""


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
                trust_remote_code=row["model_id"] in REMOTE_CODE_MODELS,
                pooling_kind=parse_pooling(row["pooling_and_layer"]),
                supported=_support_note(row),
                **parse_limits(row["geneb_extractor_input_handling"], row["native_context"]),
                published=MappingProxyType({k: _num(row[k]) for k in _PUBLISHED}),
            ))


def _load_builtin() -> None:
    """The built-in featurizers. How they extract (k-mer counts or frequencies, the
    random network's config) is set in :mod:`geneb.extract.settings`; the texts here
    describe those settings (a test checks they agree)."""
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
            pooling=f"counts of all 4^{k} k-mers",
            builtin=True,
            options=MappingProxyType({"k": k}),
        ))
    MODELS.register("random-bert", ModelSpec(
        model_id="random-bert",
        family="random-init",
        display="random-init BERT",
        architecture="BERT encoder, random weights (seeded), transformers BertModel",
        arch_short="T-enc",
        tokenization="single nucleotide",
        pretraining_group="none (random init)",
        native_context="1024 tokens",
        input_handling="truncate to the model limit",
        pooling="attention-mask mean of last hidden layer",
        builtin=True,
    ))


_load_official()
_load_builtin()


def get_model(model_id: str) -> ModelSpec:
    """Look up a model by id (raises :class:`UnknownNameError` with suggestions)."""
    if model_id not in MODELS:
        raise unknown_model(model_id)
    return MODELS.get(model_id)


def unknown_model(name: str) -> UnknownNameError:
    """The error for a model name that is not registered, offering the registered models
    whose id, display name, Hugging Face id or its last part (``DNABERT-2-117M``) is close
    to ``name`` (case-insensitive)."""
    aliases: dict[str, str] = {}  # alias -> model id; a model's own id first
    for spec in MODELS.values():
        aliases.setdefault(spec.model_id, spec.model_id)
    for spec in MODELS.values():
        for alias in (spec.display, spec.hf_id, spec.weights_source):
            if alias and alias not in ("HF", "-"):
                aliases.setdefault(alias, spec.model_id)
                aliases.setdefault(alias.rstrip("/").rsplit("/", 1)[-1], spec.model_id)
    exact = [mid for alias, mid in aliases.items() if alias.lower() == name.lower()]
    ids = list(dict.fromkeys(exact + [aliases[a] for a in close_matches(name, list(aliases), 6)]))
    offers = [f"{m!r}" + (f" ({MODELS.get(m).hf_id})" if MODELS.get(m).hf_id else "")
              for m in ids[:3]]
    hint = f" Did you mean {', '.join(offers)}?" if offers else ""
    return UnknownNameError(f"unknown model {name!r}.{hint} List them with `geneb models list`; "
                            f"a Hugging Face model is given as org/name.")


#: Catalog fields that become per-model coordinates of a result cube as they are.
_COORD_FIELDS = ("architecture", "arch_short", "tokenization", "pretraining_group")


def model_coords(model_ids: Iterable[str], *, params: Mapping[str, Any] | None = None,
                 display: Mapping[str, Any] | None = None) -> dict[str, list]:
    """The per-model coordinates of a result cube, from the catalog.

    Parameters
    ----------
    model_ids : iterable of str
        Registered ids or others (those get NaN params, empty fields and their id as
        display name).
    params, display : mapping of model id to value, optional
        Values that take precedence over the catalog's (e.g. from published results);
        a missing or empty value falls back to the catalog.

    Returns
    -------
    dict of str to list
        ``params`` (float, NaN when unknown), ``architecture``, ``arch_short``,
        ``tokenization``, ``pretraining_group`` and ``display``, one entry per model.
    """
    out: dict[str, list] = {"params": [], **{k: [] for k in _COORD_FIELDS}, "display": []}
    for m in model_ids:
        spec = MODELS.get(m) if m in MODELS else None
        n_params = (params or {}).get(m) or (spec.params if spec else None)
        out["params"].append(float(n_params) if n_params else float("nan"))
        for key in _COORD_FIELDS:
            out[key].append(getattr(spec, key) if spec else "")
        out["display"].append((display or {}).get(m) or (spec.display if spec else "") or m)
    return out


POOLING_KINDS = ("mean", "mean-nospecial", "unmasked-mean", "cls", "last", "max")
_USER_KEYS = {"id", "hf_id", "path", "revision", "trust_remote_code", "pooling", "max_length",
              "max_batch",
              "max_chars", "padding_side", "add_special_tokens", "params", "architecture",
              "tokenization", "display"}


def user_model(source: str, *, model_id: str | None = None, **fields: Any) -> ModelSpec:
    """A model the user brings: a Hugging Face id (``org/name``) or a local folder.

    Parameters
    ----------
    source : str
        ``hf:org/name``, ``org/name`` or a path to a ``save_pretrained`` folder.
    model_id : str, optional
        Id in the store (default: the HF id, or the folder name).
    **fields
        ``revision``, ``trust_remote_code``, ``pooling`` (one of :data:`POOLING_KINDS`),
        ``max_length``, ``max_chars``, ``padding_side``, ``add_special_tokens``, ``params``,
        ``architecture``, ``tokenization``, ``display``.
    """
    from pathlib import Path

    from geneb.core.errors import InputError

    unknown = set(fields) - _USER_KEYS
    if unknown:
        raise InputError(f"unknown model field(s) {sorted(unknown)}; allowed: "
                         f"{sorted(_USER_KEYS)}")
    pooling = fields.pop("pooling", "mean")
    if pooling not in POOLING_KINDS:
        raise InputError(f"pooling {pooling!r} of model {source!r} is not one of {POOLING_KINDS}")
    side = fields.get("padding_side", "right")
    if side not in ("left", "right"):
        raise InputError(f"padding_side {side!r} of model {source!r} must be 'left' or 'right'")
    hf_id, path = None, None
    if source.startswith("hf:"):
        hf_id = source[3:]
    elif Path(source).expanduser().is_dir():
        path = str(Path(source).expanduser().resolve())
    elif source.count("/") == 1 and not source.startswith((".", "/", "~")):
        hf_id = source
    else:
        raise InputError(f"model {source!r} is not a registered id, a Hugging Face id "
                         f"(org/name) or an existing local folder; see `geneb models list`")
    mid = model_id or hf_id or Path(path).name
    opts = {"path": path} if path else {}
    for key in ("max_length", "max_chars", "params", "max_batch"):
        if fields.get(key) is not None:
            fields[key] = int(fields[key])
    return ModelSpec(
        model_id=mid, family="hf", display=fields.pop("display", mid), hf_id=hf_id,
        weights_source=path or "HF", pooling=f"{pooling} (user)", pooling_kind=pooling,
        input_handling="truncate to the model limit", pretraining_group="user",
        options=MappingProxyType(opts), **fields)


def resolve_model(name: str, **fields: Any) -> ModelSpec:
    """A registered model id, else a user model from an HF id or local folder."""
    if name in MODELS and not fields:
        return MODELS.get(name)
    if name in MODELS:
        from dataclasses import replace
        spec = MODELS.get(name)
        if "pooling" in fields:
            fields["pooling_kind"] = fields.pop("pooling")
        return replace(spec, **fields)
    if "/" in name or name.startswith("hf:"):
        return user_model(name, **fields)
    raise unknown_model(name)


def load_model_file(path: str) -> list[ModelSpec]:
    """Models from a small YAML file (no code needed).

    Format::

        models:
          - id: my-dnabert2            # id in the store
            hf_id: zhihan1996/DNABERT-2-117M   # or  path: /data/models/dnabert2
            revision: 7bce263b15377fc15361f52cfab88f8b586abda0
            trust_remote_code: true
            pooling: mean              # mean | mean-nospecial | unmasked-mean | cls | last | max
            max_length: 512
    """
    from geneb.core.errors import InputError
    from geneb.core.files import read_yaml

    doc = read_yaml(path, "model file")
    entries = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(f"model file {path!r} needs a top-level 'models:' list")
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not (entry.get("hf_id") or entry.get("path")):
            raise InputError(f"model {i} in {path!r} needs 'hf_id' or 'path'")
        entry = dict(entry)
        src = entry.pop("path", None) or "hf:" + entry.pop("hf_id")
        entry.pop("hf_id", None)
        out.append(user_model(str(src), model_id=entry.pop("id", None), **entry))
    return out


def builtin_models() -> list[ModelSpec]:
    """The weight-free featurizers geneb ships (the default models of ``geneb run``)."""
    return [m for m in MODELS.values() if m.builtin]
