"""``geneb import-results``: official GENEB results (release files, submissions) into a result cube."""

from __future__ import annotations

import argparse
from pathlib import Path

from .guards import check_cube_out, check_parent


def add_parser(sub) -> None:
    p = sub.add_parser("import-results", help="read official GENEB results into a result cube",
                       description=__doc__ + "\n\nPublished scores are seed means; they are "
                       "stored at seed -1. Each model's `source` coordinate says official "
                       "(release leaderboard) or submission (self-reported).")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="leaderboard_tasks.json(.gz), submission JSON files, or folders holding "
                        "them (default: the GENEB release copy shipped with geneb)")
    p.add_argument("--out", type=Path, required=True, help="result cube to write (cube.zarr); "
                   "an existing path is refused unless it is a result cube and --force is given")
    p.add_argument("--force", action="store_true", help="replace an existing result cube at --out")
    p.add_argument("--parents", action="store_true",
                   help="create the missing folders above --out (as mkdir -p)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geneb.analysis.official import import_results
    from geneb.probe import save_cube

    check_parent(args.out, "--out", args.parents)
    check_cube_out(args.out, args.force)
    cube = import_results(args.paths or None)
    save_cube(cube, args.out)
    src = [str(s) for s in cube["source"].values]
    counts = ", ".join(f"{src.count(s)} {s}" for s in dict.fromkeys(src))
    print(f"imported {cube.sizes['model']} models x {cube.sizes['task']} tasks x "
          f"{cube.sizes['regime']} regimes ({counts}) -> {args.out}")
    if any(s != "official" for s in src):
        print("reports and rankings use the official rows; add the others with "
              "`--include submissions` (geneb report / recommend)")
    return 0
