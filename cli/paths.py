"""Checks on output paths, done before any work so a bad path never costs a run."""

from __future__ import annotations

import json
from pathlib import Path

from geneb.core.errors import InputError


def check_output_folder(path: Path, what: str = "output folder") -> None:
    """Refuse a folder path that is (or lies under) an existing file."""
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise InputError(f"{what} {str(path)!r}: {str(p)!r} is a file, not a folder; "
                                 f"choose another path")
            return


def _zarr_attributes(path: Path) -> dict | None:
    try:
        return json.loads((path / "zarr.json").read_text()).get("attributes", {})
    except (OSError, ValueError, AttributeError):
        return None


def check_cube_output(path: Path) -> None:
    """A result cube may be written at ``path``: new, or an existing cube to extend.

    Refuses a file, an embedding store, or any other existing folder, so that writing a
    cube never replaces data that is not a cube.
    """
    check_output_folder(path.parent, "cube folder")
    if not path.exists():
        return
    attrs = _zarr_attributes(path) if path.is_dir() else None
    if attrs is None or "geneb_cube_version" not in attrs:
        kind = "an embedding store" if attrs and "geneb_store" in attrs else "not a result cube"
        raise InputError(f"--out {str(path)!r} exists and is {kind}; a cube never replaces it: "
                         f"choose a new path")
