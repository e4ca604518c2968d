"""``geneb probe``: fit GENEB probes on stored embeddings and save the result cube."""

from __future__ import annotations

import argparse
from pathlib import Path

from geneb.core.errors import InputError
from geneb.probe import BACKENDS, run_probes, save_cube
from geneb.store import EmbeddingStore


def add_parser(sub) -> None:
    p = sub.add_parser("probe", help="probe stored embeddings into a result cube",
                       description=__doc__)
    p.add_argument("--store", required=True,
                   help="embedding store: folder, packed .zip, or read-only URL (http://, s3://)")
    p.add_argument("--out", type=Path, required=True, help="result cube to write (cube.zarr)")
    p.add_argument("--models", nargs="+", default=None, help="models (default: all in the store)")
    p.add_argument("--tasks", nargs="+", default=None, help="tasks (default: all in the store)")
    p.add_argument("--backend", default="sklearn", help=f"one of {', '.join(BACKENDS.names())}")
    p.add_argument("--workers", type=int, default=None, help="parallel probe workers")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = EmbeddingStore(args.store, mode="r")
    complete = [(m, t) for m, t, status in store.embeddings() if status == "complete"]
    models = args.models or sorted({m for m, _ in complete})
    tasks = args.tasks or sorted({t for _, t in complete})
    if not models or not tasks:
        raise InputError(f"store {str(args.store)!r} holds no complete embeddings; "
                         f"run `geneb extract --store {args.store}` first")
    BACKENDS.get(args.backend)
    cube = run_probes(store, models, tasks, backend=args.backend, n_workers=args.workers,
                      show_progress=not args.quiet)
    save_cube(cube, args.out)
    print(f"wrote {args.out}: {len(models)} models x {len(tasks)} tasks")
    return 0
