"""Atomic file writes: write a unique temporary file in the target folder, then rename.

The file ends up with the permissions any newly created file gets (``0o666`` less the
process umask), not the private ``0o600`` of the temporary file, so a report or a CSV is
as readable as the user's other files. Only lock files may stay private.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``).

    Elsewhere it is read by setting and restoring it (``os.umask`` has no getter).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never a part.

    The temporary file has a unique name in the same folder (so two concurrent writers
    to one folder never share it) and is removed if anything fails before the rename.

    Parameters
    ----------
    path : path-like
        Destination file; its folder must exist.
    data : bytes
    private : bool
        Keep the file readable by its owner only (``0o600``); default: the mode a new file
        gets under the current umask (``0o666 & ~umask``).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if not private:  # mkstemp makes 0o600; give it what open() would have
                os.fchmod(fh.fileno(), 0o666 & ~current_umask())
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8", *,
                      private: bool = False) -> None:
    """:func:`atomic_write_bytes` for text (encoded with ``encoding``)."""
    atomic_write_bytes(path, text.encode(encoding), private=private)
