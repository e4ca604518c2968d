"""The metadata documents of a store, read raw: from its consolidated metadata or one by one.

A geneb store keeps the metadata of every node (group or array) consolidated in its root
``zarr.json`` (see :mod:`._consolidate`). Over HTTP or S3 that document is fetched once, and
:class:`StoreIndex` answers every later metadata question from memory. zarr itself is given
an :class:`IndexedStore`: metadata documents come from the index (only the nodes geneb
actually opens are ever parsed by zarr), data objects from the real store. Local folders are
read document by document (the files are the truth while writers change them).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from typing import Any

from zarr.abc.store import (ByteRequest, OffsetByteRequest, RangeByteRequest, Store,
                            SuffixByteRequest)
from zarr.core.buffer import Buffer, BufferPrototype, default_buffer_prototype
from zarr.core.sync import sync
from zarr.storage import WrapperStore

from geneb.core.errors import StoreFormatError

META = "zarr.json"


def _meta_key(path: str) -> str:
    return f"{path}/{META}" if path else META


def _node_path(key: str) -> str | None:
    """The node a metadata key belongs to (None: not a metadata key)."""
    if key == META:
        return ""
    if key.endswith("/" + META):
        return key[:-len(META) - 1]
    return None


def parse_doc(raw: bytes, where: str) -> dict:
    """A metadata document as a dict, or a refusal naming ``where``."""
    try:
        doc = json.loads(raw)
    except ValueError:
        raise StoreFormatError(f"{where!r} has unreadable metadata (not JSON); "
                               f"refused") from None
    if not isinstance(doc, dict):
        raise StoreFormatError(f"{where!r} has unreadable metadata (not a JSON object); "
                               f"refused")
    return doc


async def _collect(it: AsyncIterator[str]) -> list[str]:
    return [k async for k in it]


class StoreIndex:
    """Raw metadata documents of a store, by node path (``""`` is the root).

    Parameters
    ----------
    store : zarr Store
        Where documents not held in memory are read from.
    root : dict
        The root ``zarr.json``, as read when the store was opened.
    use_consolidated : bool
        Answer from the root's consolidated metadata (when it has one) instead of
        reading each document: for read-only copies (URLs, packed snapshots).
    """

    def __init__(self, store: Store, root: dict, use_consolidated: bool) -> None:
        self.store = store
        self.root = root
        local = getattr(store, "root", None) if type(store).__name__ == "LocalStore" else None
        self._folder = None if local is None else str(local)
        cons = root.get("consolidated_metadata") if use_consolidated else None
        docs = cons.get("metadata") if isinstance(cons, dict) else None
        self.consolidated = isinstance(docs, dict)
        self._docs: dict[str, dict] = {}
        self._children: dict[str, list[str]] = {}
        if self.consolidated:
            for path, doc in docs.items():
                if not isinstance(doc, dict):
                    raise StoreFormatError(f"{path!r} has unreadable consolidated metadata; "
                                           f"refused")
                self._docs[path] = doc
                parent, _, name = path.rpartition("/")
                self._children.setdefault(parent, []).append(name)

    @property
    def root_attrs(self) -> dict:
        attrs = self.root.get("attributes")
        return attrs if isinstance(attrs, dict) else {}

    def doc(self, path: str) -> dict | None:
        """The node's metadata document, None when there is no node at ``path``.

        Raises
        ------
        StoreFormatError
            When the document exists but is not a JSON object.
        """
        if path == "":
            return self.root
        if self.consolidated:
            return self._docs.get(path)
        if self._folder is not None:  # a local folder: read the file (no event-loop round trip)
            try:
                with open(f"{self._folder}/{_meta_key(path)}", "rb") as fh:
                    return parse_doc(fh.read(), path)
            except (FileNotFoundError, NotADirectoryError):
                return None
        try:
            buf = sync(self.store.get(_meta_key(path), prototype=default_buffer_prototype()))
        except (OSError, ValueError):
            return None
        return None if buf is None else parse_doc(buf.to_bytes(), path)

    def children(self, path: str) -> list[str]:
        """Names of the nodes directly under the group at ``path`` (sorted)."""
        if self.consolidated:
            return sorted(self._children.get(path, []))
        try:
            names = sync(_collect(self.store.list_dir(path)))
        except (OSError, ValueError, NotImplementedError):
            return []
        names = {n.strip("/") for n in names}  # HTTP listings end folders with "/"
        return sorted(n for n in names if n and n != META and not n.startswith("."))

    def node_type(self, path: str) -> str | None:
        """``"group"``, ``"array"`` or None (no node there)."""
        doc = self.doc(path)
        kind = doc.get("node_type") if doc else None
        return kind if kind in ("group", "array") else None

    def attrs(self, path: str) -> dict:
        doc = self.doc(path)
        attrs = doc.get("attributes") if doc else None
        return attrs if isinstance(attrs, dict) else {}


def _cut(data: bytes, byte_range: ByteRequest) -> bytes:
    if isinstance(byte_range, RangeByteRequest):
        return data[byte_range.start:byte_range.end]
    if isinstance(byte_range, SuffixByteRequest):
        return data[-byte_range.suffix:] if byte_range.suffix else b""
    return data[byte_range.offset:]


def _without_consolidated(doc: dict) -> bytes:
    return json.dumps({k: v for k, v in doc.items() if k != "consolidated_metadata"}).encode()


class IndexedStore(WrapperStore):
    """A zarr store whose metadata documents come from a :class:`StoreIndex`.

    The root document is served without its consolidated metadata, so zarr never parses
    the whole hierarchy; with a consolidated index, every other document is served from
    memory too (no request). Data objects and writes go to the wrapped store; byte ranges
    (a shard's index and chunks) are cut locally when the server sends whole objects.
    """

    def __init__(self, store: Store, index: StoreIndex) -> None:
        super().__init__(store)
        self._index = index
        self._whole: dict[str, bytes] = {}  # the last object a server sent whole

    async def _ranged(self, key: str, prototype: BufferPrototype,
                      byte_range: ByteRequest) -> Buffer | None:
        """A byte range of an object, also from servers that ignore range requests
        (``python -m http.server`` sends the whole object: it is kept and sliced)."""
        if key in self._whole:
            return prototype.buffer.from_bytes(_cut(self._whole[key], byte_range))
        if isinstance(byte_range, OffsetByteRequest):
            buf = await self._store.get(key, prototype)
            return None if buf is None else prototype.buffer.from_bytes(
                _cut(buf.to_bytes(), byte_range))
        buf = await self._store.get(key, prototype, byte_range)
        want = (byte_range.suffix if isinstance(byte_range, SuffixByteRequest)
                else byte_range.end - byte_range.start)
        if buf is None or len(buf) <= want:
            return buf
        self._whole = {key: buf.to_bytes()}
        return prototype.buffer.from_bytes(_cut(self._whole[key], byte_range))

    def _with_store(self, store: Store) -> "IndexedStore":
        return type(self)(store, self._index)

    async def get(self, key: str, prototype: BufferPrototype,
                  byte_range: ByteRequest | None = None) -> Buffer | None:
        path = _node_path(key)
        if byte_range is not None:
            return await self._ranged(key, prototype, byte_range)
        if path is None:
            return await self._store.get(key, prototype)
        if path == "":  # as read when the store was opened
            return prototype.buffer.from_bytes(_without_consolidated(self._index.root))
        if not self._index.consolidated:
            return await self._store.get(key, prototype)
        doc = self._index.doc(path)
        return None if doc is None else prototype.buffer.from_bytes(json.dumps(doc).encode())

    async def exists(self, key: str) -> bool:
        path = _node_path(key)
        if path and self._index.consolidated:
            return self._index.doc(path) is not None
        return await self._store.exists(key)

    def list_dir(self, prefix: str) -> AsyncIterator[str]:
        if self._index.consolidated:
            return self._listed(self._index.children(prefix.rstrip("/")))
        return self._store.list_dir(prefix)

    @staticmethod
    async def _listed(names: list[str]) -> AsyncIterator[str]:
        for name in names:
            yield name

    async def get_partial_values(self, prototype: BufferPrototype,
                                 key_ranges: Iterable[tuple[str, ByteRequest | None]]
                                 ) -> list[Buffer | None]:
        return [await self.get(k, prototype, r) for k, r in key_ranges]

    async def _get_many(self, requests: Iterable[tuple[str, BufferPrototype, Any]]
                        ) -> AsyncGenerator[tuple[str, Buffer | None], None]:
        for key, prototype, byte_range in requests:
            yield key, await self.get(key, prototype, byte_range)
