"""Start-up time of the first commands a user types, against importing numpy and pandas.

Each command runs as a fresh process, interleaved with the baseline
``python -c "import numpy, pandas"`` so both see the same machine load; the figure is the
median of the command's wall times over the median of the baseline's.

    .venv/bin/python bench/bench_cli_startup.py [--repeat 7]

prints one line per command, e.g.::

    startup: geneb tasks list 1.1x of python -c "import numpy, pandas"

The goal (issue 14) is at most 1.5x for ``--help``, ``tasks list`` and ``models list``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASELINE = [sys.executable, "-c", "import numpy, pandas"]
COMMANDS = (["--help"], ["tasks", "list"], ["models", "list"])


def geneb_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m geneb.cli.main``."""
    script = Path(sys.executable).parent / "geneb"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "geneb.cli.main"]


def wall_seconds(cmd: list[str]) -> float:
    """Wall time of one run of ``cmd`` (output discarded; a failure stops the bench)."""
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env={**os.environ, "TQDM_DISABLE": "1"})
    return time.perf_counter() - t0


def measure(repeat: int) -> dict[str, tuple[float, float]]:
    """Per command: (median seconds, median seconds of the baseline runs next to it)."""
    geneb = geneb_command()
    wall_seconds(BASELINE)  # warm the file cache once for both
    for args in COMMANDS:
        wall_seconds(geneb + args)
    out = {}
    for args in COMMANDS:
        base, cmd = [], []
        for _ in range(repeat):
            base.append(wall_seconds(BASELINE))
            cmd.append(wall_seconds(geneb + args))
        out[" ".join(args)] = (statistics.median(cmd), statistics.median(base))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="runs of each command (default 7)")
    args = ap.parse_args()
    results = measure(args.repeat)
    for name, (cmd, base) in results.items():
        print(f'startup: geneb {name} {cmd / base:.1f}x of python -c "import numpy, pandas"')
    print("medians (s): " + ", ".join(f"geneb {name} {cmd:.2f} vs baseline {base:.2f}"
                                      for name, (cmd, base) in results.items()))


if __name__ == "__main__":
    main()
