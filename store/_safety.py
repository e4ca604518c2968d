"""Treat a store from someone else as data, never code.

Every array geneb reads is checked first: plain numeric dtype, codecs from a short list of
pure decompressors (no pickle, no object codecs), attributes of bounded size and ids that
match where the array lives. Anything else is refused, naming the array.
"""

from __future__ import annotations

import json

import numpy as np
import zarr

from geneb.core.errors import StoreFormatError

#: Codecs geneb decodes: byte layout, checksums and pure decompressors.
ALLOWED_CODECS = frozenset({"bytes", "transpose", "blosc", "zstd", "gzip", "crc32c",
                            "sharding_indexed"})
#: numpy dtype kinds geneb reads: bool, signed/unsigned int, float.
ALLOWED_KINDS = frozenset("biuf")
#: Zarr v3 data types geneb reads (checked in the raw metadata, before zarr parses it).
ALLOWED_DATA_TYPES = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                "uint32", "uint64", "float16", "float32", "float64"})
#: Largest attribute document (JSON bytes) geneb accepts on one array or group.
MAX_ATTRS_BYTES = 1 << 20
#: Values of the ``status`` attribute geneb understands.
STATUSES = frozenset({"complete", "incomplete"})


def _codec_names(codecs) -> list[str]:
    names = []
    for c in codecs:
        d = c.to_dict() if hasattr(c, "to_dict") else c
        name = d.get("name", "?") if isinstance(d, dict) else str(d)
        names.append(name)
        conf = d.get("configuration", {}) if isinstance(d, dict) else {}
        if name == "sharding_indexed":
            names += _codec_names(conf.get("codecs", [])) + _codec_names(
                conf.get("index_codecs", []))
    return names


def check_array(arr: zarr.Array, where: str) -> zarr.Array:
    """Return ``arr`` if geneb may decode it, else raise naming ``where``.

    Raises
    ------
    StoreFormatError
        Object/string dtype, a codec outside :data:`ALLOWED_CODECS`, or oversized attrs.
    """
    meta = arr.metadata
    if getattr(meta, "zarr_format", 3) != 3:
        raise StoreFormatError(f"array {where!r} is Zarr v{meta.zarr_format}, not v3; refused")
    try:
        kind = np.dtype(arr.dtype).kind
    except TypeError:
        kind = "O"
    if kind not in ALLOWED_KINDS:
        raise StoreFormatError(f"array {where!r} has dtype {arr.dtype} (not plain numbers); "
                               f"refused: geneb reads only bool, int and float arrays")
    bad = [n for n in _codec_names(meta.to_dict().get("codecs", [])) if n not in ALLOWED_CODECS]
    if bad:
        raise StoreFormatError(f"array {where!r} uses codec(s) {', '.join(bad)}; refused: "
                               f"geneb decodes only {', '.join(sorted(ALLOWED_CODECS))}")
    check_attrs(dict(arr.attrs), where)
    return arr


def check_attrs(attrs: dict, where: str) -> dict:
    """Bound the size of an attribute document and the ``status`` value."""
    size = len(json.dumps(attrs, default=str).encode())
    if size > MAX_ATTRS_BYTES:
        raise StoreFormatError(f"{where!r} carries {size:,} bytes of attributes (limit "
                               f"{MAX_ATTRS_BYTES:,}); refused")
    status = attrs.get("status")
    if status is not None and status not in STATUSES:
        raise StoreFormatError(f"{where!r} has status {str(status)[:40]!r}; refused "
                               f"(expected one of {sorted(STATUSES)})")
    return attrs


def open_checked(group: zarr.Group, key: str, prefix: str = "",
                 doc: dict | None = None) -> zarr.Array:
    """``group[key]``, turning a metadata document zarr cannot parse into a refusal.

    The raw metadata (``doc``, when the caller has read it already) is screened for data
    type and codec names before zarr instantiates anything.
    """
    where = f"{prefix}/{key}" if prefix else key
    # with consolidated metadata zarr parsed every node when the store was opened (and
    # check_array below screens the result); otherwise screen the raw document first
    consolidated = getattr(group.metadata, "consolidated_metadata", None) is not None
    if doc is None and not consolidated:
        doc = _raw_metadata(group, key)
    if doc is not None:
        dtype = doc.get("data_type")
        if not (isinstance(dtype, str) and dtype in ALLOWED_DATA_TYPES):
            raise StoreFormatError(f"array {where!r} has dtype {str(dtype)[:40]} (not plain "
                                   f"numbers); refused: geneb reads only bool, int and float "
                                   f"arrays")
        bad = [n for n in _codec_names(doc.get("codecs", [])) if n not in ALLOWED_CODECS]
        if bad:
            raise StoreFormatError(f"array {where!r} uses codec(s) {', '.join(bad)}; refused: "
                                   f"geneb decodes only {', '.join(sorted(ALLOWED_CODECS))}")
    try:
        node = group[key]
    except Exception as exc:
        raise StoreFormatError(f"array {where!r} cannot be opened ({type(exc).__name__}: "
                               f"{str(exc)[:120]}); refused") from None
    if not isinstance(node, zarr.Array):
        raise StoreFormatError(f"{where!r} is not an array; refused")
    return node


def _raw_metadata(group: zarr.Group, key: str) -> dict | None:
    """The array's zarr.json as stored (None when it cannot be fetched this way)."""
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync
    path = "/".join(p for p in (group.path, key, "zarr.json") if p)
    try:
        buf = sync(group.store.get(path, prototype=default_buffer_prototype()))
    except Exception:
        return None
    if buf is None:
        return None
    try:
        doc = json.loads(buf.to_bytes())
    except ValueError:
        raise StoreFormatError(f"array {path!r} has unreadable metadata; refused") from None
    return doc if isinstance(doc, dict) else None
