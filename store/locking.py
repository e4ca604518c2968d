"""Inter-process locks for writers of a local store (``flock`` on a folder).

A lock is taken on the folder itself (no lock files inside the store, so plain Zarr and
xarray readers see nothing foreign). The operating system drops the lock when the holder
exits, even after SIGKILL, so a crashed writer never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import sys
import time

from geneb.core.errors import InputError

try:  # POSIX only; elsewhere writers are not protected against each other
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


#: Locks this process holds: real path -> [fd, holders]. Re-entrant within a process.
_HELD: dict[str, list[int]] = {}


class FolderLock:
    """Exclusive lock on a folder between processes (re-entrant within one process).

    Parameters
    ----------
    folder : str
        Existing folder to lock.
    what : str
        Words naming what the lock protects, for the waiting message.
    timeout : float or None
        Seconds to wait for another holder; None waits as long as it takes.
    """

    def __init__(self, folder: str, what: str, timeout: float | None = None) -> None:
        self.folder = folder
        self.what = what
        self.timeout = timeout
        self._key = os.path.realpath(folder)
        self._fd: int | None = None

    def acquire(self) -> "FolderLock":
        if fcntl is None or self._fd is not None:
            return self
        if self._key in _HELD:
            _HELD[self._key][1] += 1
            self._fd = _HELD[self._key][0]
            return self
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"geneb: waiting for another process writing {self.what}", file=sys.stderr,
                  flush=True)
            deadline = None if self.timeout is None else time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() > deadline:
                        os.close(fd)
                        raise InputError(
                            f"another process is still writing {self.what} after "
                            f"{self.timeout:.0f} s; wait for it to finish, then re-run") from None
                    time.sleep(0.1)
        self._fd = fd
        _HELD[self._key] = [fd, 1]
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        self._fd = None
        entry = _HELD.get(self._key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del _HELD[self._key]
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])

    @property
    def held(self) -> bool:
        return self._fd is not None

    def fileno(self) -> int | None:
        """The descriptor of the locked folder or file while held (None otherwise)."""
        return self._fd

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:
            pass
