"""Per-unit records of an embedding array: which units are done, their checksums, truncations.

A *unit* is what is written, resumed and checked at once: a chunk (chunked layout and
format 1) or a shard (sharded layout). Where the records live:

- format 2, while the array is written: arrays ``done``, ``checksum``, ``truncated`` of one
  entry per unit in the hidden sub-group ``_records`` (one object per entry, so writers of
  different units never touch the same object);
- format 2, once complete: the checksums in ``X``'s ``checksum`` attribute (the truncation
  total is in its provenance), ``_records`` removed;
- format 1: ``chunk_done``, ``chunk_checksum``, ``chunk_truncated`` next to ``X``, one entry
  per chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import zarr

from geneb.core.errors import StoreFormatError

from . import layout
from ._checksum import ALGORITHMS, BLAKE2B
from ._safety import open_checked

#: dtype and "not recorded" value of each record.
RECORD_KINDS = {layout.DONE: ("bool", False), layout.CHECKSUM: ("uint64", 0),
                layout.TRUNCATED: ("int32", -1)}


def unit_rows(arr: zarr.Array) -> int:
    """Rows per unit of ``arr``: its shard height when sharded, else its chunk height."""
    shards = arr.shards
    return int(shards[0] if shards else arr.chunks[0])


def n_units(arr: zarr.Array) -> int:
    return max(1, -(-arr.shape[0] // unit_rows(arr)))


@dataclass(frozen=True)
class UnitRecords:
    """The records of one array.

    Attributes
    ----------
    rows : int
        Rows per unit.
    done : ndarray of bool, shape (n_units,)
    checksums : ndarray of uint64, shape (n_units,)
        BLAKE2b-64 of each unit's values (0: none recorded).
    truncated : ndarray of int32, shape (n_units,), or None
        Sequences truncated per unit (-1: not recorded); None once complete (format 2).
    algorithm : str
        How the checksums were computed (see :mod:`._checksum`).
    """

    rows: int
    done: np.ndarray
    checksums: np.ndarray
    truncated: np.ndarray | None
    algorithm: str = BLAKE2B


def checksum_attr(sums: np.ndarray, rows: int, algorithm: str) -> dict:
    """The ``checksum`` attribute of a complete array (format 2)."""
    return {"algorithm": algorithm, "rows": int(rows),
            "values": [f"{int(v):016x}" for v in sums]}


def array_algorithm(arr: zarr.Array) -> str:
    """The checksum algorithm of an array (format 1 arrays: BLAKE2b-64)."""
    attrs = arr.attrs
    done = attrs.get(layout.CHECKSUM_ATTR)
    algo = done.get("algorithm") if isinstance(done, dict) else attrs.get("checksum_algorithm")
    algo = algo or BLAKE2B
    if algo not in ALGORITHMS:
        raise StoreFormatError(f"{arr.path!r} uses checksum algorithm {str(algo)[:40]!r}; "
                               f"refused (geneb knows {', '.join(ALGORITHMS)})")
    return algo


def _parse_checksum_attr(value: object, n: int, where: str) -> np.ndarray:
    vals = value.get("values") if isinstance(value, dict) else None
    try:
        sums = np.array([int(v, 16) for v in vals], dtype=np.uint64)
    except (TypeError, ValueError):
        sums = None
    if sums is None or sums.shape != (n,):
        raise StoreFormatError(f"{where!r} has a malformed {layout.CHECKSUM_ATTR!r} attribute "
                               f"(expected {n} hexadecimal checksums); refused")
    return sums


def record_names(group: zarr.Group) -> dict[str, str] | None:
    """Path (inside ``group``) of each record array, or None when it has none."""
    try:
        if layout.RECORDS_GROUP in group:
            return {k: f"{layout.RECORDS_GROUP}/{k}" for k in RECORD_KINDS}
        if layout.V1_RECORDS[layout.DONE] in group:
            return dict(layout.V1_RECORDS)
    except Exception:  # unreadable child metadata: treated as no records, refused below
        return None
    return None


def read_records(group: zarr.Group | Callable[[], zarr.Group], arr: zarr.Array,
                 where: str) -> UnitRecords:
    """The records of ``arr`` (which lives in ``group``, or the group ``group()`` opens when
    it is needed; ``where`` names the array in errors).

    Raises
    ------
    StoreFormatError
        When the records are missing or do not fit the array.
    """
    rows, n = unit_rows(arr), n_units(arr)
    attrs = arr.attrs
    if attrs.get("status") == layout.STATUS_COMPLETE and layout.CHECKSUM_ATTR in attrs:
        sums = _parse_checksum_attr(attrs[layout.CHECKSUM_ATTR], n, where)
        return UnitRecords(rows, np.ones(n, bool), sums, None, array_algorithm(arr))
    if callable(group):
        group = group()
    names = record_names(group)
    if names is None:
        raise StoreFormatError(f"{where!r} has no per-unit records (neither "
                               f"{layout.RECORDS_GROUP!r} nor a {layout.CHECKSUM_ATTR!r} "
                               f"attribute); refused")
    out = {}
    for kind, name in names.items():
        if name not in group:
            out[kind] = None
            continue
        rec = open_checked(group, name, where.rpartition("/")[0])[:]
        if rec.shape != (n,):
            raise StoreFormatError(f"{where!r}: record {name!r} has {rec.shape[0]} entries for "
                                   f"{n} units; refused")
        out[kind] = rec
    if out[layout.DONE] is None:
        raise StoreFormatError(f"{where!r} has no {names[layout.DONE]!r} record; refused")
    sums = out[layout.CHECKSUM]
    return UnitRecords(rows, out[layout.DONE].astype(bool),
                       np.zeros(n, np.uint64) if sums is None else sums.astype(np.uint64),
                       out[layout.TRUNCATED], array_algorithm(arr))


def create_records(group: zarr.Group, n: int) -> None:
    """Create the ``_records`` arrays of an array of ``n`` units (one object per entry)."""
    rec = group.require_group(layout.RECORDS_GROUP)
    for name, (kind, fill) in RECORD_KINDS.items():
        rec.create_array(name, shape=(n,), chunks=(1,), dtype=kind, fill_value=fill,
                         dimension_names=("unit",), overwrite=True)
