"""Open the Zarr root group of a store: a local folder, a packed ``.zip`` or a URL.

Local folders open for reading (``"r"``) or appending (``"a"``, created when missing);
zips and URLs (``http(s)://``, ``s3://``, through fsspec) are read-only. Every opening
checks that the group is a geneb store this version reads.
"""

from __future__ import annotations

from typing import Any

import zarr

from geneb.core.errors import InputError, MissingDataError, StoreFormatError
from geneb.core.provenance import library_versions

from . import layout
from ._location import Location
from .locking import FolderLock
from ._safety import check_attrs


def root_lock(path: str, lock_timeout: float | None) -> FolderLock:
    """The lock on the whole store folder (held while its root or task tables change)."""
    return FolderLock(path, f"store {path!r}", lock_timeout)


def check_format(root: zarr.Group, path: str, mode: str) -> None:
    """Refuse a group that is not a geneb store, is newer than this geneb, or (for
    ``mode="a"``) is a packed snapshot.

    Raises
    ------
    StoreFormatError, InputError
    """
    meta = root.attrs.get(layout.ROOT_KEY)
    if not isinstance(meta, dict):
        raise StoreFormatError(f"{path!r} is not a geneb store (no {layout.ROOT_KEY!r} "
                               f"attribute); create one with `geneb extract`")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > layout.FORMAT_VERSION:
        raise StoreFormatError(f"{path!r} has store format {version!r}, newer than this "
                               f"geneb reads ({layout.FORMAT_VERSION}); upgrade geneb")
    if mode == "a" and meta.get("packed"):
        raise InputError(f"{path!r} is a packed snapshot (read-only); write into the "
                         f"original store folder")
    check_attrs(dict(root.attrs), "/")


def open_root(location: Location, mode: str, *, storage_options: dict[str, Any] | None = None,
              lock_timeout: float | None = None) -> zarr.Group:
    """The checked root group of the store at ``location``.

    Parameters
    ----------
    location : Location
    mode : {"r", "a"}
        ``"a"`` (local folders only) creates the store when missing.
    storage_options : dict, optional
        fsspec options for URLs.
    lock_timeout : float, optional
        Seconds to wait for another process initialising the same folder.
    """
    if mode == "r":
        root = _open_read(location, storage_options)
    elif mode == "a":
        root = _open_append(location, lock_timeout)
    else:
        raise InputError(f"mode must be 'r' or 'a', not {mode!r}")
    check_format(root, location.text, mode)
    return root


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


def _open_remote(location: Location, storage_options: dict[str, Any] | None) -> zarr.Group:
    path = location.text
    try:
        if location.is_zip:
            return zarr.open_group(_remote_zip(path, storage_options), mode="r", zarr_format=3)
        return zarr.open_group(path, mode="r", zarr_format=3,
                               storage_options=storage_options or {})
    except ImportError as exc:
        raise InputError(f"cannot read {path!r}: {exc}; install it with "
                         f"`pip install {exc.name or 'fsspec'}`") from None
    except Exception as exc:
        if location.is_zip and "range requests" in str(exc):
            raise InputError(
                f"the server of {path!r} does not support range requests, which "
                f"reading a zip in place needs; serve a snapshot folder instead "
                f"(`geneb store pack STORE OUT.zarr`)") from None
        raise MissingDataError(
            f"no geneb store at {path!r} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:120] if str(exc) else 'not found'}); "
            f"check the URL and that the server is up") from None


def _open_read(location: Location, storage_options: dict[str, Any] | None) -> zarr.Group:
    if location.is_remote:
        return _open_remote(location, storage_options)
    path = location.text
    if not location.local_path.exists():
        raise MissingDataError(f"no embedding store at {path!r}; create one with "
                               f"`geneb extract --store {path}`")
    try:
        if location.kind == "zip":
            return zarr.open_group(zarr.storage.ZipStore(path, mode="r"), mode="r",
                                   zarr_format=3)
        return zarr.open_group(path, mode="r", zarr_format=3)
    except Exception as exc:  # zarr raises several types for a non-store folder
        raise StoreFormatError(f"{path!r} is not a geneb store (not a readable Zarr v3 "
                               f"group: {type(exc).__name__}: {str(exc)[:80]}); give the "
                               f"store `geneb extract` made") from None


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
            existing = zarr.open_group(path, mode="r", zarr_format=3)
        except Exception:
            raise StoreFormatError(f"{path!r} is not a Zarr v3 store; choose an empty "
                                   f"or new folder") from None
        if layout.ROOT_KEY in existing.attrs:
            check_format(existing, path, "a")
        elif len(list(existing.keys())):
            raise StoreFormatError(f"{path!r} is a Zarr group but not a geneb store; "
                                   f"choose an empty or new folder")


def _open_append(location: Location, lock_timeout: float | None) -> zarr.Group:
    _refuse_unwritable(location)
    path = location.text
    location.local_path.mkdir(parents=True, exist_ok=True)
    with root_lock(path, lock_timeout):
        root = zarr.open_group(path, mode="a", zarr_format=3)
        if layout.ROOT_KEY not in root.attrs:
            root.attrs[layout.ROOT_KEY] = {
                "format_version": layout.FORMAT_VERSION,
                "created": layout.timestamp(),
                "versions": library_versions(),
            }
    return root
