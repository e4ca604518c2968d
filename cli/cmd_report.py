"""``geneb report``: leaderboard (text and CSV) and report.html / report.md / report.json from a
result cube.

Headline analyses use the official rows only; ``--include submissions`` / ``--include
computed`` add the others (marked wherever they appear). Your own models are always shown
with ``--with-official``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geneb.analysis.provenance import INCLUDE_WORDS, parse_include, select_rows
from geneb.core.errors import InputError
from geneb.core.registry import did_you_mean

from .options import command_line, positive_int

#: Options that only change report.html / .md / .json (an error with --no-html).
_REPORT_ONLY = {"bootstrap": "--bootstrap", "exclude": "--exclude", "pairs": "--pairs",
                "max_params": "--max-params"}


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="leaderboard and an HTML/Markdown/JSON report from a "
                       "result cube", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--cube", type=Path, help="result cube (cube.zarr)")
    src.add_argument("--official", action="store_true",
                     help="report on the published GENEB results shipped with geneb")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for report.html, report.md, report.json, leaderboard.csv and "
                        "task_scores.csv (default: beside the cube)")
    p.add_argument("--with-official", action="store_true",
                   help="add the published GENEB results to compare your models with")
    p.add_argument("--include", nargs="+", action="extend", default=[], metavar="KIND",
                   choices=list(INCLUDE_WORDS),
                   help="rows besides the official ones: submissions (self-reported) and/or "
                        "computed (probed here); they are marked wherever they appear")
    p.add_argument("--no-html", action="store_true", help="only the leaderboard CSVs and text")
    p.add_argument("--bootstrap", type=positive_int, default=None, metavar="N",
                   help="bootstrap replicates for the rank intervals (default 500)")
    p.add_argument("--exclude", nargs="+", default=None, metavar="MODEL",
                   help="also compute the scaling correlation without these models")
    p.add_argument("--pairs", type=Path, default=None, metavar="YAML",
                   help="matched pairs to add to the paper's: a list of {axis, a, b, note}")
    p.add_argument("--max-params", type=float, default=None, metavar="N",
                   help="size limit of the 'best model under N parameters' figure "
                        "(default 1e8)")
    p.set_defaults(func=run)


def _check_options(args: argparse.Namespace) -> None:
    """Refuse options this invocation would not use."""
    if args.official and args.with_official:
        raise InputError("--with-official adds the published results to your --cube; with "
                         "--official they are the whole report already: leave it out")
    if args.no_html:
        used = [flag for key, flag in _REPORT_ONLY.items() if getattr(args, key) is not None]
        if used:
            one = len(used) == 1
            raise InputError(f"{', '.join(used)} {'changes' if one else 'change'} "
                             f"report.html/.md/.json, which --no-html does not write: drop "
                             f"{'it' if one else 'them'} or --no-html")
    if args.max_params is not None and not args.max_params > 0:
        raise InputError(f"--max-params {args.max_params:g}: give a parameter count > 0, "
                         f"e.g. 1e8")


def _check_exclude(names: list[str], cube) -> None:
    models = [str(m) for m in cube["model"].values]
    for name in names:
        if name not in models:
            raise InputError(f"--exclude {name!r}: no such model in the results."
                             f"{did_you_mean(name, models)}")


def run(args: argparse.Namespace) -> int:
    from geneb.analysis.combine import with_official
    from geneb.analysis.compare import PAPER_PAIRS, load_pairs
    from geneb.analysis.leaderboard_files import write_leaderboard_files
    from geneb.analysis.official import load_official_cube
    from geneb.probe import open_cube

    _check_options(args)
    include = parse_include(args.include)
    pairs = PAPER_PAIRS + (load_pairs(args.pairs) if args.pairs else ())  # check inputs first
    keep: tuple[str, ...] = ()
    if args.official:
        cube = load_official_cube()
        out = args.out or Path("geneb_official_report")
    else:
        cube = open_cube(args.cube)
        out = args.out or args.cube.parent
        if args.with_official:
            keep = tuple(str(m) for m in cube["model"].values)
            cube = with_official(cube)
    select_rows(cube, include, keep)  # an --include that adds nothing: refused before writing
    _check_exclude(args.exclude or [], cube)
    print(write_leaderboard_files(cube, out, command=command_line(), include=include, keep=keep))
    if not args.no_html:
        from geneb.analysis.report import write_report  # matplotlib: only when drawing
        paths = write_report(cube, out, n_boot=args.bootstrap or 500,
                             exclude_models=tuple(args.exclude or ()), pairs=pairs,
                             max_params=args.max_params or 1e8, include=include, keep=keep)
        print(f"wrote {paths['html']}, {paths['md']} and {paths['json']}")
    return 0
