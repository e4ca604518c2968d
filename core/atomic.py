"""Atomic file writes: write a unique temporary file in the target folder, then rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a part.

    The temporary file has a unique name in the same folder (so two concurrent writers
    to one folder never share it) and is removed if anything fails before the rename.

    Parameters
    ----------
    path : path-like
        Destination file; its folder must exist.
    data : bytes
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """:func:`atomic_write_bytes` for text (encoded with ``encoding``)."""
    atomic_write_bytes(path, text.encode(encoding))
