"""Check an extraction request before anything is created or any data is loaded.

Every option must be used by some model of the request, every asked-for layer must exist,
and every transformers model must be loadable short of its weights (its config.json local,
cached, or one Hub request away). Nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Iterable

from geneb.catalog.models import ModelSpec
from geneb.core.errors import InputError

from .hf_config import hidden_states, locate
from .options import ExtractOptions
from .settings import with_family_defaults

__all__ = ["check_request"]

#: ExtractOptions fields → the featurizer families that use them.
_USED_BY = {
    **{name: ("hf", "random-init") for name in ("layers", "pooling", "long", "window", "stride",
                                                 "reverse_complement", "batch_size")},
    **{name: ("hf",) for name in ("precision", "device", "trust_remote_code", "revision")},
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _check_used(models: list[ModelSpec], options: ExtractOptions) -> None:
    """Refuse a non-default option that no model of the request uses."""
    default = ExtractOptions()
    for name, families in _USED_BY.items():
        if getattr(options, name) == getattr(default, name):
            continue
        if not any(m.family in families for m in models):
            users = "Hugging Face models" + (" and random-bert" if "random-init" in families
                                             else "")
            ids = ", ".join(m.model_id for m in models)
            raise InputError(f"{_flag(name)} is used only by {users}, and none is selected "
                             f"({ids}); drop {_flag(name)}")
    if options.long != "window" and (options.window is not None or options.stride is not None):
        which = "--window" if options.window is not None else "--stride"
        raise InputError(f"{which} applies to --long window only; add --long window or drop "
                         f"{which}")


def _check_layers(spec: ModelSpec, layers: tuple, n_states: int | None) -> None:
    if n_states is None:
        return  # the config does not say: checked on the first batch
    for layer in layers:
        if layer != "last" and not -n_states <= int(layer) < n_states:
            top = n_states - 1
            raise InputError(f"model {spec.model_id!r} has hidden states 0..{top}; layer "
                             f"{layer} does not exist (--layers takes last, 0..{top} or "
                             f"-1..-{n_states})")


def check_request(models: Iterable[ModelSpec], options: ExtractOptions | None = None, *,
                  locate_models: bool = True) -> None:
    """Refuse an extraction that would fail on its own terms, before it starts.

    Parameters
    ----------
    models : iterable of ModelSpec
    options : ExtractOptions, optional
    locate_models : bool
        Also find each Hugging Face model's config.json (local, cached or on the Hub) and
        check its layers. False where only the workers of a Dask cluster can reach the
        models: they check on loading.

    Raises
    ------
    InputError
        An option no selected model uses (``--layers`` with k-mer spectra only, ``--window``
        without ``--long window``), a layer the model does not have, remote code not
        allowed or not pinned.
    MissingDataError
        A transformers model whose config.json is neither local nor cached and cannot be
        fetched (offline: at once, naming ``--revision`` when it was given).
    """
    models = list(models)
    options = options or ExtractOptions()
    _check_used(models, options)
    for spec in models:
        if spec.family == "hf" and locate_models:
            _check_layers(spec, options.layers, hidden_states(locate(spec, options).config))
        elif spec.family == "random-init":
            layers = int(with_family_defaults(spec).options["num_hidden_layers"])
            _check_layers(spec, options.layers, layers + 1)
