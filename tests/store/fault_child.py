"""Run ``geneb ARGS`` in this process with a store-write fault installed.

Usage: ``python fault_child.py FAULT ARGS...``, FAULT being

``kill:<point>:<chunk>``
    SIGKILL this process at ``point`` of the chunk write number ``chunk`` (0-based count of
    this process): ``data`` (rows written, not yet recorded), ``done`` (chunk recorded) or
    ``finalize`` (just before the status flips; any chunk number).
``sleep:<seconds>``
    Pause after each recorded chunk, so tests can interleave processes.

The fault is a :func:`geneb.store.writer.set_write_hook` callback: the store code itself
knows nothing of it.
"""

from __future__ import annotations

import os
import signal
import sys
import time


def fault_hook(spec: str):
    """The write hook for ``spec`` (see the module docstring)."""
    parts = spec.split(":")
    if parts[0] == "kill" and len(parts) == 3:
        where, chunk = parts[1], int(parts[2])

        def kill(point: str, n_written: int) -> None:
            if point == where and (point == "finalize" or n_written == chunk):
                os.kill(os.getpid(), signal.SIGKILL)
        return kill
    if parts[0] == "sleep" and len(parts) == 2:
        seconds = float(parts[1])

        def pause(point: str, n_written: int) -> None:
            if point == "done":
                time.sleep(seconds)
        return pause
    raise SystemExit(f"fault_child.py: bad fault {spec!r}")


if __name__ == "__main__":
    from geneb.cli.main import main
    from geneb.store.writer import set_write_hook

    set_write_hook(fault_hook(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
