"""Checks on output paths before a command writes anything there."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from geneb.core.errors import InputError

#: The dims of every result-cube variable (as ``geneb.probe.cube.CELL_DIMS``; read from
#: the Zarr metadata here so the check loads no data).
_CUBE_DIMS = {"model", "task", "regime", "seed"}
#: Root attribute of an embedding store (``geneb.store.layout.ROOT_KEY``).
_STORE_KEY = "geneb_store"


def _zarr_json(path: Path) -> dict | None:
    try:
        doc = json.loads((path / "zarr.json").read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def is_result_cube(path: str | Path) -> bool:
    """True when ``path`` is a saved geneb result cube (a Zarr v3 group with an ``mcc``
    array over model, task, regime, seed) and not an embedding store.

    Only metadata documents are read, so the check is cheap on any size of cube. A cube
    that an interrupted save set aside (``.NAME.old-*``) is restored first.
    """
    from geneb.probe.cube import restore_cube

    path = Path(path)
    restore_cube(path)
    root = _zarr_json(path)
    if root is None or root.get("node_type") != "group":
        return False
    if _STORE_KEY in (root.get("attributes") or {}):
        return False
    mcc = _zarr_json(path / "mcc")
    return (mcc is not None and mcc.get("node_type") == "array"
            and _CUBE_DIMS <= set(mcc.get("dimension_names") or ()))


def check_output_folder(path: str | Path, what: str = "output folder") -> None:
    """Refuse a folder path that is (or lies under) an existing file."""
    path = Path(path)
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise InputError(f"{what} {str(path)!r}: {str(p)!r} is a file, not a folder; "
                                 f"choose another path")
            return


def check_cube_out(path: str | Path, force: bool, flag: str = "--out",
                   extend: bool = False) -> None:
    """Refuse an output path that a result cube must not replace.

    A missing path or an empty folder is fine; an existing result cube is replaced only
    with ``force`` (or, with ``extend``, added to: ``geneb probe`` and ``geneb run`` fill
    the missing cells of the cube they are given); anything else (an embedding store,
    another folder, a file) is never overwritten.

    Raises
    ------
    InputError
        One line naming the path and what to do.
    """
    from geneb.probe.cube import restore_cube

    path = Path(path)
    check_output_folder(path.parent, "folder of " + flag)
    restore_cube(path)  # a cube that an interrupted save set aside is a cube here
    if not path.exists() and not path.is_symlink():
        return
    if path.is_dir() and not any(path.iterdir()):
        return
    root = _zarr_json(path) if path.is_dir() else None
    if root is not None and _STORE_KEY in (root.get("attributes") or {}):
        raise InputError(f"{flag} {str(path)!r} is an embedding store, not a result cube; "
                         f"refusing to overwrite it: give another path (e.g. cube.zarr)")
    if not is_result_cube(path):
        raise InputError(f"{flag} {str(path)!r} exists and is not a geneb result cube; "
                         f"refusing to overwrite it: give a new path")
    if not (force or extend):
        raise InputError(f"{flag} {str(path)!r} already holds a result cube; add --force to "
                         f"replace it, or give another path")


def check_parent(path: str | Path, flag: str, parents: bool) -> None:
    """Refuse an output path whose folder does not exist, as ``mkdir`` does without ``-p``,
    unless ``parents`` (``--parents``); and a path under a file. URLs are left to the store.

    Raises
    ------
    InputError
        Naming the flag, the path, the missing folder and the fix.
    """
    if "://" in str(path):
        return
    path = Path(path)
    check_output_folder(path.parent, f"folder of {flag}")
    if not parents and not path.parent.exists():
        raise InputError(f"{flag} {str(path)!r}: folder {str(path.parent)!r} does not exist; "
                         f"create it first, or add --parents to create it")


@contextmanager
def removed_on_failure(path: str | Path, keep: Callable[[Path], bool]) -> Iterator[None]:
    """Remove the folder ``path``, and the parents made for it, when the block fails,
    if it did not exist before the block and ``keep(path)`` is False.

    ``keep`` says whether the folder holds work worth keeping (finished chunks to resume
    from); when it cannot tell (it raises), the folder is kept. Parents are removed only
    while empty, so nothing another process put there is touched.
    """
    path = Path(path)
    created = [p for p in (path, *path.parents) if not p.exists()]  # deepest first
    try:
        yield
    except BaseException:
        if created and "://" not in str(path):
            _remove_created(path, created[1:], keep)
        raise


def _remove_created(path: Path, parents: list[Path], keep: Callable[[Path], bool]) -> None:
    if path.exists():
        try:
            if keep(path):
                return
        except Exception:  # cannot tell what it holds: keep it
            return
        shutil.rmtree(path, ignore_errors=True)
    for folder in parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): stop there
            break
