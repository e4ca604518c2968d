"""``geneb report``: leaderboard (text and CSV) from a result cube."""

from __future__ import annotations

import argparse
from pathlib import Path

from geneb.cli.outputs import write_report_files
from geneb.probe import open_cube


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="leaderboard from a result cube", description=__doc__)
    p.add_argument("--cube", type=Path, required=True, help="result cube (cube.zarr)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for leaderboard.csv and task_scores.csv (default: beside the cube)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cube = open_cube(args.cube)
    print(write_report_files(cube, args.out or args.cube.parent))
    return 0
