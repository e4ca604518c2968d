"""``geneb export --submission``: one model of a result cube as an official GENEB submission JSON."""

from __future__ import annotations

import argparse
from pathlib import Path

from geneb.core.errors import InputError


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write a run as a GENEB submission JSON",
                       description=__doc__)
    p.add_argument("--cube", type=Path, required=True, help="result cube (cube.zarr)")
    p.add_argument("--submission", type=Path, required=True, metavar="JSON",
                   help="submission file to write (official schema 1.0; its folder must exist)")
    p.add_argument("--model", default=None, help="model to export (needed if the cube has several)")
    p.add_argument("--display", default="", help="display name (default: the catalog's)")
    p.add_argument("--url", default="", help="link to the model")
    p.add_argument("--submitted-by", default="", help="your name")
    p.add_argument("--training-data", default="", help="pretraining data, in words")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geneb.analysis.official import release_task_ids
    from geneb.analysis.submission import (FEW_MISSING, missing_tasks, to_submission,
                                           write_submission)
    from .guards import check_parent
    from geneb.probe import open_cube

    check_parent(args.submission, "--submission", parents=False)
    cube = open_cube(args.cube)
    models = [str(m) for m in cube["model"].values]
    model = args.model
    if model is None:
        if len(models) != 1:
            raise InputError(f"the cube has {len(models)} models; pick one with --model "
                             f"({', '.join(models)})")
        model = models[0]
    missing = missing_tasks(cube, model) if model in models else []
    if len(missing) > FEW_MISSING:  # as the library says it, with the cube's path
        n, have = len(release_task_ids()), cube.sizes["task"]
        raise InputError(f"cannot export {model!r}: a submission needs all {n} GENEB tasks; "
                         f"this cube has {have} task{'s' if have != 1 else ''}, with results "
                         f"for {n - len(missing)} of them (run `geneb tasks list --missing "
                         f"{args.cube}` to see which)")
    doc = to_submission(cube, model, display=args.display, url=args.url,
                        submitted_by=args.submitted_by, training_data=args.training_data)
    write_submission(doc, args.submission)
    print(f"wrote {args.submission}: {model}, {len(doc['results'])} regimes x "
          f"{len(doc['results']['full'])} tasks (schema {doc['schema_version']})")
    return 0
