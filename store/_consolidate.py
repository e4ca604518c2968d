"""Consolidated metadata of a local store folder, kept current as writers change it.

The root ``zarr.json`` carries every node's metadata document (Zarr's ``consolidated_metadata``
field), so a reader over HTTP or S3 opens the whole store with one request, and plain
``xarray.open_zarr`` opens it without the "consolidated metadata" warning. Writers refresh
the entries of what they changed (a task table, one array) under the store's root lock;
:func:`rebuild` recomputes all of it. Readers of a local folder read the node files
themselves (they are the truth while writers work); the consolidated copy is for readers of
a copy of the folder (a URL, a packed snapshot).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from geneb.core.atomic import atomic_write_bytes

from ._index import META, parse_doc

CONSOLIDATED = "consolidated_metadata"


def _walk_docs(folder: Path, prefix: str) -> dict[str, dict]:
    """Every node document at and under ``prefix`` (relative path -> document)."""
    out: dict[str, dict] = {}
    base = folder / prefix if prefix else folder
    for here, dirs, files in os.walk(base):
        rel = Path(here).relative_to(folder).as_posix()
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if META not in files:
            if rel != "." and here != str(base):
                dirs[:] = []  # not a node: nothing under it is one (chunk folders)
            continue
        doc = parse_doc((Path(here) / META).read_bytes(), rel)
        if rel != ".":
            out[rel] = {k: v for k, v in doc.items() if k != CONSOLIDATED}
        if doc.get("node_type") == "array":
            dirs[:] = []  # chunks and shards below
    return out


def root_document(folder: str | Path, root_attrs: dict | None = None) -> bytes:
    """The root ``zarr.json`` with freshly consolidated metadata of the whole folder
    (and ``root_attrs`` in place of its attributes, when given)."""
    folder = Path(folder)
    root = parse_doc((folder / META).read_bytes(), "/")
    if root_attrs is not None:
        root["attributes"] = root_attrs
    return _encode(root, _walk_docs(folder, ""))


def rebuild(folder: str | Path, root_attrs: dict | None = None) -> None:
    """Recompute the consolidated metadata of the whole folder (optionally new root attrs).

    Works on any local Zarr v3 folder (the result cube uses it too), without zarr's
    "not part of the specification" warning.
    """
    atomic_write_bytes(Path(folder) / META, root_document(folder, root_attrs))


def refresh(folder: str | Path, paths: Iterable[str]) -> None:
    """Refresh the entries of the nodes at and under ``paths``, and of their parents.

    The caller holds the store's root lock. A root without consolidated metadata (a store
    just created) is consolidated whole.
    """
    folder = Path(folder)
    root = parse_doc((folder / META).read_bytes(), "/")
    cons = root.get(CONSOLIDATED)
    meta = cons.get("metadata") if isinstance(cons, dict) else None
    if not isinstance(meta, dict):
        write_root(folder, root, _walk_docs(folder, ""))
        return
    for path in paths:
        stale = [k for k in meta if k == path or k.startswith(path + "/")]
        for k in stale:
            del meta[k]
        if (folder / path).is_dir():
            meta.update(_walk_docs(folder, path))
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if (folder / parent / META).exists():
                doc = parse_doc((folder / parent / META).read_bytes(), parent)
                meta[parent] = {k: v for k, v in doc.items() if k != CONSOLIDATED}
    write_root(folder, root, meta)


def _encode(root: dict, meta: dict[str, dict]) -> bytes:
    doc = {k: v for k, v in root.items() if k != CONSOLIDATED}
    doc[CONSOLIDATED] = {"kind": "inline", "must_understand": False,
                         "metadata": dict(sorted(meta.items()))}
    return json.dumps(doc, separators=(",", ":")).encode()


def write_root(folder: Path, root: dict, meta: dict[str, dict]) -> None:
    """Write the root document with ``meta`` as its consolidated metadata (atomically)."""
    atomic_write_bytes(folder / META, _encode(root, meta))


def is_current(folder: str | Path) -> bool:
    """True when the consolidated metadata equals the node files (a cheap-enough check
    for ``verify``: it reads every metadata document once)."""
    folder = Path(folder)
    root = parse_doc((folder / META).read_bytes(), "/")
    cons = root.get(CONSOLIDATED)
    meta = cons.get("metadata") if isinstance(cons, dict) else None
    return isinstance(meta, dict) and meta == _walk_docs(folder, "")
