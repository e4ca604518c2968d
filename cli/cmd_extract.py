"""``geneb extract``: embed tasks with models into a Zarr store (resumable)."""

from __future__ import annotations

import argparse

from geneb.cli.options import add_model_args, add_task_args, selected_models, selected_tasks
from geneb.extract import extract
from geneb.store import EmbeddingStore


def add_parser(sub) -> None:
    p = sub.add_parser("extract", help="compute embeddings into a store", description=__doc__)
    p.add_argument("--store", required=True, help="Zarr store folder (created if missing)")
    add_task_args(p)
    add_model_args(p)
    p.add_argument("--dtype", choices=("float32", "float16"), default="float32",
                   help="on-disk dtype (default float32)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    tasks = selected_tasks(args)
    models = selected_models(args)
    store = EmbeddingStore(args.store, mode="a")
    results = extract(store, models, tasks, dtype=args.dtype, show_progress=not args.quiet)
    for r in results:
        print(f"{r.model_id:30s} {r.task_id:60s} {r.status:8s} {r.n_embedded:7d} seq "
              f"{r.seconds:6.1f} s")
    return 0
