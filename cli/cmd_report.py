"""``geneb report``: leaderboard (text and CSV) and report.html / report.md from a result cube."""

from __future__ import annotations

import argparse
from pathlib import Path

from geneb.analysis.official import load_official_cube, with_official
from geneb.cli.options import positive_int
from geneb.cli.outputs import write_report_files
from geneb.probe import open_cube


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="leaderboard and an HTML/Markdown report from a result cube",
                       description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--cube", type=Path, help="result cube (cube.zarr)")
    src.add_argument("--official", action="store_true",
                     help="report on the published GENEB results shipped with geneb")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for report.html, report.md, leaderboard.csv and task_scores.csv "
                        "(default: beside the cube)")
    p.add_argument("--with-official", action="store_true",
                   help="add the published GENEB results to compare with")
    p.add_argument("--no-html", action="store_true", help="only the leaderboard CSVs and text")
    p.add_argument("--bootstrap", type=positive_int, default=500, metavar="N",
                   help="bootstrap replicates for the rank intervals (default 500)")
    p.add_argument("--exclude", nargs="+", default=(), metavar="MODEL",
                   help="also compute the scaling correlation without these models")
    p.add_argument("--pairs", type=Path, default=None, metavar="YAML",
                   help="matched comparisons to show: a list of {axis, a, b, note} "
                        "(default: geneb's pairs among the 40 GENEB models)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geneb.analysis.compare import DEFAULT_PAIRS, load_pairs
    pairs = load_pairs(args.pairs) if args.pairs else DEFAULT_PAIRS  # check inputs first
    if args.official:
        cube = load_official_cube()
        out = args.out or Path("geneb_official_report")
    else:
        cube = open_cube(args.cube)
        out = args.out or args.cube.parent
        if args.with_official:
            cube = with_official(cube)
    print(write_report_files(cube, out))
    if not args.no_html:
        from geneb.analysis.report import write_report  # matplotlib: only when drawing
        paths = write_report(cube, out, n_boot=args.bootstrap, exclude_models=args.exclude,
                             pairs=pairs)
        print(f"wrote {paths['html']} and {paths['md']}")
    return 0
