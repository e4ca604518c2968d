"""Open the Zarr root group of a store: a local folder, a packed ``.zip`` or a URL.

Local folders open for reading (``"r"``) or appending (``"a"``, created when missing);
zips and URLs (``http(s)://``, ``s3://``, through fsspec) are read-only. Every opening
checks that the group is a geneb store this version reads. A URL or a zip is opened from
its consolidated metadata: one request for the whole hierarchy (see :mod:`._index`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.core.sync import sync

from geneb.core.errors import InputError, MissingDataError, StoreFormatError
from geneb.core.provenance import library_versions

from . import _consolidate, layout
from ._index import IndexedStore, StoreIndex, parse_doc
from ._location import Location
from ._safety import check_attrs
from .locking import FolderLock


class OpenedStore(NamedTuple):
    """What opening a store gives: zarr's root group, the raw metadata index, the layout."""

    root: zarr.Group
    index: StoreIndex
    layout: layout.StoreLayout


def root_lock(path: str, lock_timeout: float | None) -> FolderLock:
    """The lock on the whole store folder (held while its root or task tables change)."""
    return FolderLock(path, f"store {path!r}", lock_timeout)


def check_format(attrs: dict, path: str, mode: str) -> dict:
    """The ``geneb_store`` root attribute, once checked: a geneb store this geneb reads,
    and (for ``mode="a"``) one it may write into.

    Raises
    ------
    StoreFormatError, InputError
    """
    meta = attrs.get(layout.ROOT_KEY)
    if not isinstance(meta, dict):
        raise StoreFormatError(f"{path!r} is not a geneb store (no {layout.ROOT_KEY!r} "
                               f"attribute); create one with `geneb extract`")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > layout.FORMAT_VERSION:
        raise StoreFormatError(f"{path!r} has store format {version!r}, newer than this "
                               f"geneb reads ({layout.FORMAT_VERSION}); upgrade geneb")
    if version not in layout.READABLE_VERSIONS:
        raise StoreFormatError(f"{path!r} has store format {version!r}, which this geneb "
                               f"does not read; re-extract it")
    if mode == "a":
        if meta.get("packed"):
            raise InputError(f"{path!r} is a packed snapshot (read-only); write into the "
                             f"original store folder")
        if version < layout.FORMAT_VERSION:
            raise InputError(f"{path!r} has store format {version}; this geneb writes format "
                             f"{layout.FORMAT_VERSION}: run `geneb store upgrade {path}` first "
                             f"(reading works on both)")
        if meta.get("upgrading"):
            raise InputError(f"an upgrade of {path!r} was interrupted; run `geneb store "
                             f"upgrade {path}` again to finish it")
    check_attrs(attrs, "/")
    return meta


def open_store(location: Location, mode: str, *,
               storage_options: dict[str, Any] | None = None,
               lock_timeout: float | None = None,
               new_layout: layout.StoreLayout | None = None) -> OpenedStore:
    """Open the store at ``location`` and check it.

    Parameters
    ----------
    location : Location
    mode : {"r", "a"}
        ``"a"`` (local folders only) creates the store when missing.
    storage_options : dict, optional
        fsspec options for URLs.
    lock_timeout : float, optional
        Seconds to wait for another process initialising the same folder.
    new_layout : StoreLayout, optional
        Layout of a store created here (default :data:`layout.DEFAULT_LAYOUT`).
    """
    if mode not in ("r", "a"):
        raise InputError(f"mode must be 'r' or 'a', not {mode!r}")
    if mode == "a":
        _create_if_missing(location, lock_timeout, new_layout or layout.DEFAULT_LAYOUT)
    store, use_consolidated = _zarr_store(location, storage_options, mode)
    root_doc = _root_doc(store, location)
    meta = check_format(root_doc.get("attributes") or {}, location.text, mode)
    index = StoreIndex(store, root_doc, use_consolidated)
    try:
        root = zarr.open_group(IndexedStore(store, index), mode=mode, zarr_format=3,
                               use_consolidated=False)
    except Exception as exc:
        raise StoreFormatError(f"{location.text!r} is not a geneb store (not a readable Zarr "
                               f"v3 group: {type(exc).__name__}: {str(exc)[:80]})") from None
    return OpenedStore(root, index, layout.StoreLayout.from_attrs(meta.get("layout")))


def _zarr_store(location: Location, storage_options: dict[str, Any] | None,
                mode: str) -> tuple[Any, bool]:
    """The zarr store under ``location`` and whether to read it from consolidated metadata."""
    path = location.text
    if location.is_remote:
        try:
            if location.is_zip:
                return _remote_zip(path, storage_options), True
            from zarr.storage import FsspecStore
            return FsspecStore.from_url(path, storage_options=storage_options or {},
                                        read_only=True), True
        except ImportError as exc:
            raise InputError(f"cannot read {path!r}: {exc}; install it with "
                             f"`pip install {exc.name or 'fsspec'}`") from None
        except Exception as exc:
            raise _remote_error(exc, location) from None
    if not location.local_path.exists():
        raise MissingDataError(f"no embedding store at {path!r}; create one with "
                               f"`geneb extract --store {path}`")
    if location.kind == "zip":
        return sync(zarr.storage.ZipStore.open(path, mode="r")), True
    return zarr.storage.LocalStore(path, read_only=mode == "r"), False


def _root_doc(store: Any, location: Location) -> dict:
    """The root ``zarr.json`` of the store, parsed (one request for a URL)."""
    path = location.text
    try:
        buf = sync(store.get("zarr.json", prototype=default_buffer_prototype()))
    except Exception as exc:
        if not location.is_remote:
            raise StoreFormatError(f"{path!r} is not a geneb store (not a readable Zarr v3 "
                                   f"group: {type(exc).__name__}: {str(exc)[:80]}); give "
                                   f"the store `geneb extract` made") from None
        raise _remote_error(exc, location) from None
    if buf is None:
        if location.is_remote:
            raise MissingDataError(f"no geneb store at {path!r} (no zarr.json there); check "
                                   f"the URL and that the server is up")
        raise StoreFormatError(f"{path!r} is not a geneb store (not a Zarr v3 group: no "
                               f"zarr.json); give the store `geneb extract` made")
    doc = parse_doc(buf.to_bytes(), path)
    if doc.get("zarr_format") != 3 or doc.get("node_type") != "group":
        raise StoreFormatError(f"{path!r} is not a geneb store (not a Zarr v3 group); give "
                               f"the store `geneb extract` made")
    return doc


def _remote_error(exc: Exception, location: Location) -> Exception:
    """The one-line error for a URL that could not be read."""
    path = location.text
    if location.is_zip and "range requests" in str(exc):
        return InputError(f"the server of {path!r} does not support range requests, which "
                          f"reading a zip in place needs; serve a snapshot folder instead "
                          f"(`geneb store pack STORE OUT.zarr`)")
    first = str(exc).splitlines()[0][:120] if str(exc) else "not found"
    return MissingDataError(f"no geneb store at {path!r} ({type(exc).__name__}: {first}); "
                            f"check the URL and that the server is up")


def _remote_zip(url: str, storage_options: dict[str, Any] | None) -> zarr.abc.store.Store:
    """A read-only Zarr store over a packed zip at a URL (read by ranges, never downloaded
    whole when the server supports range requests, as S3 does)."""
    import warnings

    import fsspec
    from fsspec.implementations.asyn_wrapper import AsyncFileSystemWrapper
    from zarr.storage import FsspecStore

    zipfs = fsspec.filesystem("zip", fo=url, target_options=storage_options or {})
    with warnings.catch_warnings():  # "fs was not created with asynchronous=True": it is wrapped
        warnings.simplefilter("ignore")
        return FsspecStore(AsyncFileSystemWrapper(zipfs), read_only=True, path="")


def _refuse_unwritable(location: Location) -> None:
    """Refuse a location that cannot become a store folder, before anything is written."""
    path = location.text
    if location.is_remote:
        raise InputError(f"{path!r} is a URL: remote stores are read-only; extract into "
                         f"a local folder and upload it (or `geneb store pack` it)")
    if location.kind == "zip":
        raise InputError(f"{path!r} is a packed store (read-only); write into a store "
                         f"folder, then `geneb store pack` it again")
    folder = location.local_path
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{path!r} is a file, not a store folder; choose another path")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "zarr.json").exists():
        raise StoreFormatError(f"{path!r} is a non-empty folder but not a geneb store; "
                               f"choose an empty or new folder")
    if (folder / "zarr.json").exists():
        try:
            doc = parse_doc((folder / "zarr.json").read_bytes(), path)
        except (OSError, StoreFormatError):
            raise StoreFormatError(f"{path!r} is not a Zarr v3 store; choose an empty "
                                   f"or new folder") from None
        attrs = doc.get("attributes") or {}
        if layout.ROOT_KEY in attrs:
            check_format(attrs, path, "a")
        elif doc.get("zarr_format") != 3 or any(
                p.is_dir() and not p.name.startswith(".") for p in folder.iterdir()):
            raise StoreFormatError(f"{path!r} is a Zarr group but not a geneb store; "
                                   f"choose an empty or new folder")


def _create_if_missing(location: Location, lock_timeout: float | None,
                       new_layout: layout.StoreLayout) -> None:
    _refuse_unwritable(location)
    path = location.text
    location.local_path.mkdir(parents=True, exist_ok=True)
    with root_lock(path, lock_timeout):
        root = zarr.open_group(path, mode="a", zarr_format=3, use_consolidated=False)
        if layout.ROOT_KEY not in root.attrs:
            root.attrs[layout.ROOT_KEY] = {
                "format_version": layout.FORMAT_VERSION,
                "created": layout.timestamp(),
                "versions": library_versions(),
                "layout": new_layout.to_attrs(),
            }
            _consolidate.rebuild(path)
