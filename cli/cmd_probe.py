"""``geneb probe``: fit GENEB probes on stored embeddings into a result cube.

The cube is incremental: an existing --out is extended (new models, tasks, seeds or k values)
and only its empty cells are fitted; an interrupted run resumes with the same command. A
changed setting (C, max-iter, tol, standardisation, backend family) is refused: use a new --out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .guards import check_cube_out, check_parent
from .probe_options import add_probe_args, probe_kwargs


def add_parser(sub) -> None:
    p = sub.add_parser("probe", help="probe stored embeddings into a result cube",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", required=True,
                   help="embedding store: folder, packed .zip, or read-only URL (http://, s3://)")
    p.add_argument("--out", type=Path, required=True,
                   help="result cube to write or extend (cube.zarr; its folder must exist)")
    p.add_argument("--parents", action="store_true",
                   help="create the missing folders above --out (as mkdir -p)")
    p.add_argument("--models", nargs="+", default=None, help="models (default: all in the store)")
    p.add_argument("--tasks", nargs="+", default=None, help="tasks (default: all in the store)")
    add_probe_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geneb.probe import probe_store

    check_parent(args.out, "--out", args.parents)
    check_cube_out(args.out, force=False, extend=True)
    done = probe_store(args.store, args.out, models=args.models, tasks=args.tasks,
                       show_progress=not args.quiet, **probe_kwargs(args))
    cube = done.cube
    verb = "wrote" if done.fitted or done.refitted else "nothing to fit in"
    print(f"{verb} {args.out}: {cube.sizes['model']} models x {cube.sizes['task']} tasks "
          f"({cube.attrs['backend']}); {done.summary()}")
    return 0
