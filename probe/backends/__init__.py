"""Probe backends behind one interface, chosen by name (``--backend``).

``sklearn`` (the reference), ``torch`` (batched, CPU or CUDA), ``cuml`` (optional extra) and
``auto``: the fastest available backend whose parity with the reference is measured
(torch, on CUDA when there is a GPU), falling back to sklearn with a warning.
"""

from __future__ import annotations

import warnings

from geneb.core.errors import InputError

from .base import BACKENDS, FitResult, ProbeBackend
from . import sklearn_backend  # noqa: F401  (registers "sklearn")
from . import torch_backend  # noqa: F401  (registers "torch")
from . import cuml_backend  # noqa: F401  (registers "cuml")
from ..protocol import ProbeProtocol

#: What ``--backend`` accepts.
BACKEND_CHOICES = ("auto", "torch", "cuml", "sklearn")


def get_backend(name: str, protocol: ProbeProtocol, *, device: str | None = None,
                exact_reference: bool = False) -> ProbeBackend:
    """The backend ``name`` (or ``auto``) configured for ``protocol``.

    Parameters
    ----------
    name : str
        A registered backend or ``"auto"``.
    device : str, optional
        torch device (``cpu``, ``cuda``); default CUDA when available.
    exact_reference : bool
        Use scikit-learn itself whatever ``name`` says (bit-for-bit GENEB numbers).
    """
    if exact_reference:
        return BACKENDS.get("sklearn")(protocol)
    if name == "auto":
        return _auto(protocol, device)
    cls = BACKENDS.get(name)
    if name == "torch":
        return cls(protocol, device=device)
    if device is not None and name != "torch":
        raise InputError(f"--device applies to the torch backend only, not {name!r}")
    return cls(protocol)


def _auto(protocol: ProbeProtocol, device: str | None) -> ProbeBackend:
    try:
        return BACKENDS.get("torch")(protocol, device=device)
    except Exception as exc:  # torch missing or broken: cuML if present, else the reference
        if device is not None:  # an explicit device that cannot be honoured is an error
            raise InputError(f"--device {device}: the torch probe backend cannot use it "
                             f"({exc}); leave --device out to let auto choose") from None
        reason = f"{type(exc).__name__}: {exc}"
    if cuml_backend.cuml_available():
        return BACKENDS.get("cuml")(protocol)
    warnings.warn(f"probe backend auto: torch is not usable ({reason}); falling back to "
                  f"scikit-learn (slow, exact reference)", RuntimeWarning, stacklevel=2)
    return BACKENDS.get("sklearn")(protocol)


__all__ = ["BACKENDS", "BACKEND_CHOICES", "FitResult", "ProbeBackend", "get_backend"]
