"""The leaderboard files of a cube: ``leaderboard.csv``, ``task_scores.csv``, ``run_info.json``
(and ``leaderboard_other_tasks.csv`` when some models ran on other tasks)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import xarray as xr

from geneb.core.atomic import atomic_write_text
from geneb.core.provenance import library_versions

from ._view import analysis_view, own_tasks_view
from .leaderboard import format_leaderboard, leaderboard_frame, task_frame
from .provenance import row_sources, select_rows


def _atomic_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write_text(path, df.to_csv(index=False, float_format="%.6f"))


#: Leaderboard of the models a ranking leaves out (they ran on other tasks than the
#: published ones), written only when there are such models.
OTHER_TASKS_CSV = "leaderboard_other_tasks.csv"


def write_leaderboard_files(cube: xr.Dataset, out: str | Path, *, command: str = "",
                            timings: dict | None = None, include: Sequence[str] = (),
                            keep: Sequence[str] = ()) -> str:
    """Write ``leaderboard.csv``, ``task_scores.csv`` and ``run_info.json`` into ``out``.

    Rows are selected as in the report (:func:`~geneb.analysis.provenance.select_rows`:
    official rows, plus ``include`` sources and the ``keep`` models; a cube without
    official rows whole), and the leaderboard ranks the same view as the HTML report
    (:func:`analysis_view`): with published results in the cube, the official tasks and
    the models complete on them. Models left out (e.g. runs on your own tasks) are listed
    separately, on their own tasks, in ``leaderboard_other_tasks.csv`` and after the text
    leaderboard. Both CSVs have a ``source`` column.

    Parameters
    ----------
    cube : xarray.Dataset, dims (model, task, regime, seed)
    out : path-like
        Folder (created when missing).
    command : str
        The command line recorded in ``run_info.json``.
    timings : dict, optional
        Added to ``run_info.json`` (e.g. ``extract_s``, ``probe_s``).
    include, keep : sequence of str
        Sources besides ``official``, and models always kept.

    Returns
    -------
    str
        The text leaderboard (with the unranked models and the rows left out, if any).
    """
    out = Path(out)
    selected, selection = select_rows(cube, include, keep)
    out.mkdir(parents=True, exist_ok=True)
    view, dropped = analysis_view(selected)
    ranked = set(str(m) for m in view["model"].values)
    others = [m for m in dropped if m not in ranked]
    _atomic_csv(leaderboard_frame(view), out / "leaderboard.csv")
    if others:
        other_view = own_tasks_view(selected, others)
        _atomic_csv(leaderboard_frame(other_view), out / OTHER_TASKS_CSV)
    else:
        (out / OTHER_TASKS_CSV).unlink(missing_ok=True)  # stale from an earlier report
    tasks = task_frame(selected)
    tasks.insert(1, "source", tasks["model"].map(dict(zip(
        [str(m) for m in selected["model"].values], row_sources(selected)))))
    _atomic_csv(tasks, out / "task_scores.csv")
    info = {"command": command, "versions": library_versions(),
            "protocol": cube.attrs.get("protocol"), "backend": cube.attrs.get("backend"),
            "rows": selection.as_json(),
            "models": [str(m) for m in selected["model"].values],
            "tasks": [str(t) for t in selected["task"].values], **(timings or {})}
    atomic_write_text(out / "run_info.json", json.dumps(info, indent=1, default=str) + "\n")
    text = format_leaderboard(view)
    if others:
        text += (f"\nnot ranked above (no complete results on these tasks): {', '.join(others)}; "
                 f"on their own tasks ({OTHER_TASKS_CSV}):\n" + format_leaderboard(other_view))
    if selection.left_out:
        text += "\n" + selection.describe()
    return text


__all__ = ["OTHER_TASKS_CSV", "write_leaderboard_files"]
