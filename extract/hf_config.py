"""What can be known of a Hugging Face model before loading it: its config.json (from a
folder, the local cache or one request to the Hub), whether it ships code, its layers.

Imports neither torch nor transformers, so a request is checked (and refused) in a
fraction of a second, before a store is created or data are loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geneb.catalog.models import ModelSpec
from geneb.core.errors import InputError, MissingDataError

from .options import ExtractOptions

__all__ = ["HubModel", "locate", "read_config", "check_remote_code", "code_sha256",
           "hidden_states", "offline"]

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_TRUE = ("1", "on", "yes", "true")
#: config.json keys that give the number of transformer blocks, by model family.
_LAYER_KEYS = ("num_hidden_layers", "n_layer", "num_layers", "n_layers")


def offline() -> bool:
    """True when the environment says there is no Hub (``HF_HUB_OFFLINE`` or
    ``TRANSFORMERS_OFFLINE`` set to 1/on/yes/true)."""
    return any(os.environ.get(k, "").strip().lower() in _TRUE
               for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _unreachable(source: str, revision: str | None, model_id: str, reason: str,
                 revision_flag: str | None) -> MissingDataError:
    at = f" at revision {revision}" if revision else ""
    if revision and revision_flag:
        at += f" (given with {revision_flag})"
    get = f"hf download {source}" + (f" --revision {revision}" if revision else "")
    return MissingDataError(
        f"model {model_id!r}: config.json of {source!r}{at} is not in the local Hugging Face "
        f"cache and cannot be downloaded here ({reason}); download it where there is "
        f"network (`{get}`) or register a local folder")


def _hub_config(source: str, revision: str | None, model_id: str,
                revision_flag: str | None) -> str:
    """Path of the cached config.json, downloaded first when the Hub answers; one request,
    no retries (the cache is tried first, and ``HF_HUB_OFFLINE`` makes no request)."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

    try:
        return hf_hub_download(source, "config.json", revision=revision, local_files_only=True)
    except Exception:  # not cached (or an id the cache cannot hold): ask the Hub, once
        pass
    if offline():
        raise _unreachable(source, revision, model_id, "HF_HUB_OFFLINE is set", revision_flag)
    try:
        get_hf_file_metadata(hf_hub_url(source, "config.json", revision=revision), timeout=10)
    except Exception as exc:
        name = type(exc).__name__
        reason = {"RepositoryNotFoundError": "no such model on the Hub, or it is private",
                  "RevisionNotFoundError": f"the Hub has no revision {revision!r}",
                  "EntryNotFoundError": "the repository has no config.json",
                  "RemoteEntryNotFoundError": "the repository has no config.json",
                  "GatedRepoError": "a gated model: log in with `hf auth login`"}.get(
            name, f"the Hub cannot be reached: {name}")
        raise _unreachable(source, revision, model_id, reason, revision_flag) from None
    try:
        return hf_hub_download(source, "config.json", revision=revision)
    except Exception as exc:
        raise _unreachable(source, revision, model_id, type(exc).__name__,
                           revision_flag) from None


def read_config(source: str, revision: str | None, model_id: str,
                revision_flag: str | None = None) -> dict[str, Any]:
    """The raw config.json of a local folder or of a cached or downloadable Hub repo.

    Parameters
    ----------
    source : str
        A ``save_pretrained`` folder or a Hub id (``org/name``).
    revision : str, optional
    model_id : str
        For messages.
    revision_flag : str, optional
        Where the revision was given (``"--revision"``), named in the error when the
        config cannot be had at that revision.

    Raises
    ------
    MissingDataError
        A folder without config.json; a Hub model neither cached nor downloadable (one
        line, after at most one request).
    """
    local = Path(source).expanduser()
    if local.is_dir():
        path = local / "config.json"
        if not path.is_file():
            raise MissingDataError(f"model {model_id!r}: folder {str(local)!r} has no "
                                   f"config.json (save it with `model.save_pretrained(folder)`)")
        return json.loads(path.read_text())
    return json.loads(Path(_hub_config(source, revision, model_id, revision_flag)).read_text())


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


def hidden_states(cfg: dict[str, Any]) -> int | None:
    """Hidden states a model returns (its blocks + the embedding output), from its
    config.json; None when the config does not say."""
    for key in _LAYER_KEYS:
        value = cfg.get(key)
        if isinstance(value, int) and value > 0:
            return value + 1
    return None


@dataclass(frozen=True)
class HubModel:
    """Where a transformers model's weights come from, before they are loaded.

    Attributes
    ----------
    source : str
        Local folder or Hub id.
    revision : str or None
    config : dict
        Its config.json.
    trust : bool
        Its own code runs (allowed and pinned).
    """

    source: str
    revision: str | None
    config: dict = field(compare=False)
    trust: bool = False


def locate(spec: ModelSpec, options: ExtractOptions) -> HubModel:
    """Check that a ``hf`` model can be loaded as asked, short of its weights: a source,
    a supported extraction, its config.json, remote code allowed and pinned.

    Raises
    ------
    MissingDataError, InputError
        One line naming the model and what to do.
    """
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
    cfg = read_config(source, revision, spec.model_id,
                      "--revision" if options.revision else None)
    trust = check_remote_code(spec, cfg, options, source, revision)
    return HubModel(source, revision, cfg, trust)
