"""Probe backends behind one interface, chosen by name (``--backend``).

``sklearn`` (the reference), ``torch`` (batched, CPU or CUDA), ``cuml`` (optional extra) and
``auto``: the fastest available backend whose parity with the reference is measured
(torch, on CUDA when there is a GPU), falling back to sklearn with a warning.
"""

from __future__ import annotations

import os
import warnings

from geneb.core.errors import InputError

from .base import BACKENDS, FitResult, ProbeBackend
from . import sklearn_backend  # noqa: F401  (registers "sklearn")
from . import torch_backend  # noqa: F401  (registers "torch")
from . import cuml_backend  # noqa: F401  (registers "cuml")
from ..protocol import ProbeProtocol

#: What ``--backend`` accepts.
BACKEND_CHOICES = ("auto", "torch", "cuml", "sklearn")

#: Environment variable naming a ``gpu_check.json`` whose measurements ``auto`` uses.
EVIDENCE_VARIABLE = "GENEB_BACKEND_EVIDENCE"


def get_backend(name: str, protocol: ProbeProtocol, *, device: str | None = None,
                exact_reference: bool = False) -> ProbeBackend:
    """The backend ``name`` (or ``auto``) configured for ``protocol``.

    The returned backend carries ``choice``: ``{"asked", "chosen", "reason"}``, which the
    runner records in the cube's attrs (``backend_choice``).

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
        return _chosen(BACKENDS.get("sklearn")(protocol), name, "--exact-reference")
    if name == "auto":
        return _auto(protocol, device)
    cls = BACKENDS.get(name)
    if name == "torch":
        return _chosen(cls(protocol, device=device), name, "asked for by name")
    if device is not None and name != "torch":
        raise InputError(f"--device applies to the torch backend only, not {name!r}")
    return _chosen(cls(protocol), name, "asked for by name")


def _chosen(engine: ProbeBackend, asked: str, reason: str) -> ProbeBackend:
    engine.choice = {"asked": asked, "chosen": engine.name, "reason": reason}
    return engine


def _auto(protocol: ProbeProtocol, device: str | None) -> ProbeBackend:
    """By measured evidence (:func:`~geneb.probe.backends.select.auto_choice`; the
    ``gpu_check.json`` named by ``$GENEB_BACKEND_EVIDENCE``, if set), with torch → cuML →
    scikit-learn as the fallback when the chosen one cannot start."""
    from .select import auto_choice

    evidence = os.environ.get(EVIDENCE_VARIABLE) or None
    if evidence is not None and not os.path.isfile(evidence):
        raise InputError(f"${EVIDENCE_VARIABLE}={evidence!r} is not a file; point it at a "
                         f"gpu_check.json (bench/gpu_check.sh) or unset it")
    try:
        name, reason = auto_choice(device, evidence)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    try:
        engine = (BACKENDS.get("torch")(protocol, device=device) if name == "torch"
                  else BACKENDS.get(name)(protocol))
        return _chosen(engine, "auto", reason)
    except Exception as exc:  # torch missing or broken: cuML if present, else the reference
        if device is not None:  # an explicit device that cannot be honoured is an error
            raise InputError(f"--device {device}: the {name} probe backend cannot use it "
                             f"({exc}); leave --device out to let auto choose") from None
        failed = f"{name} failed to start ({type(exc).__name__}: {exc})"
    if cuml_backend.cuml_available() and name != "cuml":
        return _chosen(BACKENDS.get("cuml")(protocol), "auto", f"{reason}; {failed}")
    warnings.warn(f"probe backend auto: {failed}; falling back to "
                  f"scikit-learn (slow, exact reference)", RuntimeWarning, stacklevel=2)
    return _chosen(BACKENDS.get("sklearn")(protocol), "auto", f"{reason}; {failed}")


__all__ = ["BACKENDS", "BACKEND_CHOICES", "FitResult", "ProbeBackend", "get_backend"]
