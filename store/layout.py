"""Names, paths and the on-disk layout of a geneb store (see docs/store.md)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from geneb.core.errors import InputError

#: Version of the on-disk format; readers refuse stores with a newer one. Format 1: one
#: object per chunk, per-chunk records next to ``X``, no consolidated metadata. Format 2:
#: chunked or sharded ``X``, records in a hidden ``_records`` group while writing and in
#: ``X``'s attributes once complete, consolidated metadata in the root ``zarr.json``.
FORMAT_VERSION = 2
#: Formats this geneb reads (it writes only :data:`FORMAT_VERSION`).
READABLE_VERSIONS = (1, 2)
#: Root attribute that marks a Zarr group as a geneb store.
ROOT_KEY = "geneb_store"

TASKS_GROUP = "tasks"
EMBEDDINGS_GROUP = "embeddings"
ARRAY_NAME = "X"
#: Hidden sub-group of an array's group holding its per-unit records while it is written.
RECORDS_GROUP = "_records"
#: Record arrays in :data:`RECORDS_GROUP` (format 2), one entry per unit of work.
DONE = "done"
CHECKSUM = "checksum"
TRUNCATED = "truncated"
#: Format 1 names of the same records, next to ``X`` and one entry per chunk.
V1_RECORDS = {DONE: "chunk_done", CHECKSUM: "chunk_checksum", TRUNCATED: "chunk_truncated"}
#: Attribute of a complete ``X`` (format 2) holding its per-unit checksums.
CHECKSUM_ATTR = "checksum"
#: Folder inside a store where ``geneb store upgrade`` builds arrays before swapping them in.
STAGING = ".geneb-staging"

STATUS_COMPLETE = "complete"
STATUS_INCOMPLETE = "incomplete"

CHUNKED = "chunked"
SHARDED = "sharded"
LAYOUT_KINDS = (CHUNKED, SHARDED)
#: Raw (decoded) size a shard aims at: the unit of writing, resuming and checked reading.
DEFAULT_SHARD_BYTES = 64 << 20


@dataclass(frozen=True)
class StoreLayout:
    """How the embedding arrays of a store are laid out in objects.

    Attributes
    ----------
    kind : {"chunked", "sharded"}
        ``"chunked"``: one object per chunk (``chunk_rows`` rows), the unit of writing and
        checking. ``"sharded"``: Zarr's ``sharding_indexed`` codec, one object per shard
        of whole chunks of about ``shard_bytes`` raw bytes; a shard is written whole
        (then renamed into place) and is the unit of writing, resuming and checking.
    shard_bytes : int
        Target raw size of a shard (sharded layout only).
    """

    kind: str
    shard_bytes: int = DEFAULT_SHARD_BYTES

    def __post_init__(self) -> None:
        if self.kind not in LAYOUT_KINDS:
            raise InputError(f"store layout {self.kind!r} is not one of "
                             f"{', '.join(LAYOUT_KINDS)}; choose one of them")
        if not isinstance(self.shard_bytes, int) or self.shard_bytes < 1:
            raise InputError(f"shard size {self.shard_bytes!r} must be a positive number "
                             f"of bytes")

    def shard_rows(self, chunk_rows: int, dim: int, itemsize: int) -> int | None:
        """Rows per shard for an array of ``dim`` columns (None: not sharded)."""
        if self.kind != SHARDED:
            return None
        chunk_bytes = chunk_rows * dim * itemsize
        return chunk_rows * max(1, self.shard_bytes // max(chunk_bytes, 1))

    def to_attrs(self) -> dict:
        return {"kind": self.kind, "shard_bytes": self.shard_bytes}

    @classmethod
    def from_attrs(cls, attrs: object) -> "StoreLayout":
        """The layout recorded in a store's root attributes (format 1 stores are chunked)."""
        if not isinstance(attrs, dict):
            return cls(CHUNKED)
        return cls(str(attrs.get("kind")), int(attrs.get("shard_bytes", DEFAULT_SHARD_BYTES)))


#: The layout of new stores, chosen by bench/bench_store_scale.py (docs/store.md).
DEFAULT_LAYOUT = StoreLayout(SHARDED)


def as_layout(value: "StoreLayout | str | None") -> StoreLayout | None:
    """A :class:`StoreLayout` from a layout or its kind (None stays None)."""
    if value is None or isinstance(value, StoreLayout):
        return value
    return StoreLayout(str(value))


def safe_key(name: str) -> str:
    """A store key for a model or task id ("org/model" becomes "org__model")."""
    return name.replace("/", "__")


def task_path(task_id: str) -> str:
    return f"{TASKS_GROUP}/{safe_key(task_id)}"


def embedding_path(model_id: str, task_id: str) -> str:
    return f"{EMBEDDINGS_GROUP}/{safe_key(model_id)}/{safe_key(task_id)}"


def timestamp() -> str:
    """Now in UTC, to the second (ISO 8601): the ``created``/``completed`` attributes."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
