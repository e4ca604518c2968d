"""Files every reporting command writes: leaderboard and per-task CSVs, run info."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import xarray as xr

from geneb.analysis import format_leaderboard, leaderboard_frame, task_frame
from geneb.core.atomic import atomic_write_text
from geneb.core.provenance import library_versions


def _atomic_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write_text(path, df.to_csv(index=False, float_format="%.6f"))


def write_report_files(cube: xr.Dataset, out: Path, timings: dict | None = None) -> str:
    """Write ``leaderboard.csv``, ``task_scores.csv`` and ``run_info.json`` into ``out``.

    Returns the text leaderboard.
    """
    out.mkdir(parents=True, exist_ok=True)
    _atomic_csv(leaderboard_frame(cube), out / "leaderboard.csv")
    _atomic_csv(task_frame(cube), out / "task_scores.csv")
    info = {"command": " ".join(["geneb", *sys.argv[1:]]), "versions": library_versions(),
            "protocol": cube.attrs.get("protocol"), "backend": cube.attrs.get("backend"),
            "models": [str(m) for m in cube["model"].values],
            "tasks": [str(t) for t in cube["task"].values], **(timings or {})}
    atomic_write_text(out / "run_info.json", json.dumps(info, indent=1, default=str) + "\n")
    return format_leaderboard(cube)
