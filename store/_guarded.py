"""Reads of small store objects that refuse, in one line naming the object, what cannot be
decoded."""

from __future__ import annotations

import numpy as np
import zarr

from geneb.core.errors import StoreFormatError


def _read_whole(arr: zarr.Array, where: str, store: str) -> np.ndarray:
    """All of a small array; a chunk that cannot be decoded is a refusal naming it."""
    try:
        return arr[:]
    except Exception as exc:  # codec errors surface as several exception types
        raise StoreFormatError(f"task table {where} in {store!r} cannot be decoded "
                               f"({type(exc).__name__}: {exc}); run `geneb store verify "
                               f"{store}`") from None


def _members(group: zarr.Group, where: str) -> list[tuple[str, zarr.Group]]:
    """Sub-groups of ``group`` (at ``where``), or a refusal naming it when unreadable."""
    try:
        return list(group.groups())
    except Exception as exc:
        raise StoreFormatError(f"group {where!r} has unreadable metadata "
                               f"({type(exc).__name__}); refused") from None
