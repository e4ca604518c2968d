"""Probe backends behind one interface, chosen by name (``--backend``)."""

from geneb.probe.backends.base import BACKENDS, FitResult, ProbeBackend, get_backend
from geneb.probe.backends import sklearn_backend  # noqa: F401  (registers "sklearn")

__all__ = ["BACKENDS", "FitResult", "ProbeBackend", "get_backend"]
