"""``geneb probe``: fit GENEB probes on stored embeddings into a result cube.

The cube is incremental: an existing --out is extended (new models, tasks, seeds or k values)
and only its empty cells are fitted; an interrupted run resumes with the same command. A
changed setting (C, max-iter, tol, standardisation, backend family) is refused: use a new --out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geneb.cli.probe_options import add_probe_args, probe_kwargs
from geneb.cli.guards import check_cube_out
from geneb.core.errors import InputError, UnknownNameError
from geneb.core.registry import did_you_mean
from geneb.probe import get_backend, run_probes
from geneb.store import EmbeddingStore


def add_parser(sub) -> None:
    p = sub.add_parser("probe", help="probe stored embeddings into a result cube",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", required=True,
                   help="embedding store: folder, packed .zip, or read-only URL (http://, s3://)")
    p.add_argument("--out", type=Path, required=True,
                   help="result cube to write or extend (cube.zarr)")
    p.add_argument("--models", nargs="+", default=None, help="models (default: all in the store)")
    p.add_argument("--tasks", nargs="+", default=None, help="tasks (default: all in the store)")
    add_probe_args(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def _known(names: list[str] | None, known: list[str], kind: str, store: str) -> list[str]:
    """The requested names, de-duplicated, each present in the store (did-you-mean if not)."""
    out = list(dict.fromkeys(names or []))
    for name in out:
        if name not in known:
            raise UnknownNameError(f"{kind} {name!r} has no complete embeddings in {store!r}."
                                   f"{did_you_mean(name, known)} See `geneb store ls {store}`.")
    return out


def run(args: argparse.Namespace) -> int:
    check_cube_out(args.out, force=False, extend=True)
    kwargs = probe_kwargs(args)
    get_backend(args.backend, kwargs["protocol"], device=args.device,
                exact_reference=args.exact_reference)  # bad backend/device: fail before work
    store = EmbeddingStore(args.store, mode="r")
    complete = [(m, t) for m, t, status in store.embeddings() if status == "complete"]
    if not complete:
        raise InputError(f"store {str(args.store)!r} holds no complete embeddings; "
                         f"run `geneb extract --store {args.store}` first")
    models = _known(args.models, sorted({m for m, _ in complete}), "model", args.store)
    tasks = _known(args.tasks, sorted({t for _, t in complete}), "task", args.store)
    # by default exactly the complete (model, task) pairs; named ones must all be there
    pairs = [(m, t) for m, t in complete
             if (not models or m in models) and (not tasks or t in tasks)]
    if not pairs:
        raise InputError(f"no complete embeddings for that selection in {str(args.store)!r}; "
                         f"see `geneb store ls {args.store}`")
    models = models or sorted({m for m, _ in pairs})
    tasks = tasks or sorted({t for _, t in pairs})
    if args.models and args.tasks:
        pairs = None  # an explicit grid: a missing pair is an error, with the extract command
    cube = run_probes(store, models, tasks, pairs=pairs, out=args.out,
                      show_progress=not args.quiet, **kwargs)
    print(f"wrote {args.out}: {cube.sizes['model']} models x {cube.sizes['task']} tasks "
          f"({cube.attrs['backend']})")
    return 0
