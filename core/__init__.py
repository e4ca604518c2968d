"""Bottom layer of geneb: errors, the registry pattern and provenance helpers.

Every other layer may import from here; this package imports no other geneb layer.
"""

from .errors import (
    GenebError,
    InputError,
    MissingDataError,
    StoreFormatError,
    UnknownNameError,
)
from .registry import Registry

__all__ = [
    "GenebError",
    "InputError",
    "MissingDataError",
    "StoreFormatError",
    "UnknownNameError",
    "Registry",
]
