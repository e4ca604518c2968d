"""Shared by the steps of ``bench/gpu_check.sh``: options, JSON results, failing soft.

A step is a function ``(args) -> dict``; :func:`run_step` writes what it returns (with
``status``: ``ok``, ``skipped`` or ``failed``, and a ``reason`` unless ok) to ``--json``, and
turns an exception into a ``failed`` record naming it, so the calling script always finds a
result and carries on with the next step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Callable

STATUSES = ("ok", "skipped", "failed")


def skipped(reason: str, **extra) -> dict:
    """A part that did not run here, and why."""
    return {"status": "skipped", "reason": reason, **extra}


def failed(reason: str, **extra) -> dict:
    return {"status": "failed", "reason": reason, **extra}


def write_json(path: Path, obj: dict) -> None:
    """Write ``obj`` to ``path`` atomically (a reader never sees half a file)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1, default=str))
    os.replace(tmp, path)


def step_parser(description: str, small: bool = True) -> argparse.ArgumentParser:
    """``--device cpu|cuda``, ``--json PATH`` and (for steps with sizes) ``--small``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--device", choices=("cpu", "cuda"), required=True)
    if small:
        ap.add_argument("--small", action="store_true",
                        help="tiny sizes (runs in seconds on CPU)")
    ap.add_argument("--json", type=Path, required=True, help="write the step's result here")
    return ap


def run_step(fn: Callable[[argparse.Namespace], dict], ap: argparse.ArgumentParser,
             argv=None) -> int:
    """Parse, run ``fn``, write its result; exit status 1 when the step failed."""
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        out = fn(args)
        out.setdefault("status", "ok")
    except Exception as exc:  # fail soft: the record says what broke
        traceback.print_exc()
        out = failed(f"{type(exc).__name__}: {exc}")
    if out["status"] not in STATUSES:
        out = failed(f"step returned status {out['status']!r}")
    out["seconds"] = round(time.perf_counter() - t0, 2)
    write_json(args.json, out)
    print(f"{ap.description}: {out['status']}" + (f" ({out['reason']})" if "reason" in out
                                                  else ""), flush=True)
    return 0 if out["status"] != "failed" else 1


def bench_dir() -> Path:
    """This folder, put on ``sys.path`` so the bench modules import each other."""
    here = Path(__file__).resolve().parent
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    return here
