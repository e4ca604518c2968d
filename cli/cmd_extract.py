"""``geneb extract``: embed tasks with models into a Zarr store (resumable).

Models: registered ids, Hugging Face ids or local folders (``--models``), or a YAML file
(``--model-file``). Non-reference choices (another layer, pooling, windows, reverse
complement) are stored as model variants such as ``MODEL@layer-6``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geneb.catalog.models import POOLING_KINDS
from .guards import check_parent, removed_on_failure
from .options import (add_model_args, add_task_args, positive_int, selected_models,
                               selected_tasks)
from .parsing import seconds
from .task_checks import warn_duplicates
from geneb.extract.options import LONG_MODES, PRECISIONS, ExtractOptions


def add_parser(sub) -> None:
    p = sub.add_parser("extract", help="compute embeddings into a store", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", required=True,
                   help="Zarr store folder (created if missing; its folder must exist)")
    p.add_argument("--parents", action="store_true",
                   help="create the missing folders above --store (as mkdir -p)")
    add_task_args(p)
    add_model_args(p)
    p.add_argument("--dtype", choices=("float32", "float16"), default="float32",
                   help="on-disk dtype (default float32)")
    g = p.add_argument_group("how models are run")
    g.add_argument("--layers", nargs="+", default=["last"], metavar="LAYER",
                   help="'last' and/or hidden-state indices (0 = embeddings, -2 = one before "
                        "last); all come from one forward pass, each stored as MODEL@layer-N")
    g.add_argument("--pooling", choices=POOLING_KINDS, default=None,
                   help="default: the paper's pooling of each model (mostly attention-mask mean)")
    g.add_argument("--long", choices=LONG_MODES, default="truncate",
                   help="sequences longer than the model limit: truncate (reference, counted) "
                        "or sliding windows averaged")
    g.add_argument("--window", type=positive_int, default=None, help="window length in tokens "
                   "(default: the model limit)")
    g.add_argument("--stride", type=positive_int, default=None, help="window step in tokens "
                   "(default: half the window)")
    g.add_argument("--reverse-complement", action="store_true",
                   help="average each embedding with that of the reverse complement")
    g.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="auto: bf16 autocast on a CUDA GPU, fp32 on CPU")
    g.add_argument("--batch-size", type=positive_int, default=64,
                   help="sequences per forward pass to start with (halved on out-of-memory)")
    g.add_argument("--device", default=None, help="cuda, cuda:1, cpu (default: GPU if any)")
    g.add_argument("--trust-remote-code", action="store_true",
                   help="allow models whose Python code ships with their weights (needs a "
                        "pinned --revision for Hub models)")
    g.add_argument("--revision", default=None, help="Hub commit (40-hex) of the model to load")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address: spread (model, task, chunks) units over its "
                        "workers, all writing into --store (a path every worker can reach)")
    p.add_argument("--chunk-rows", type=positive_int, default=None,
                   help="rows per stored chunk; a shard of whole chunks (about 64 MB) is the "
                        "unit of resumption and distribution")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--lock-timeout", type=seconds, default=None, metavar="SECONDS",
                   help="when another process is writing the same (model, task), give up after "
                        "this long with an error (default: wait until it finishes)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geneb.extract import extract
    from geneb.extract.preflight import check_request
    from geneb.store import EmbeddingStore

    options = ExtractOptions(
        layers=tuple(args.layers), pooling=args.pooling, long=args.long, window=args.window,
        stride=args.stride, reverse_complement=args.reverse_complement,
        precision=args.precision, batch_size=args.batch_size, device=args.device,
        trust_remote_code=args.trust_remote_code, revision=args.revision)
    models = selected_models(args)  # names, options and layers before any data is read
    check_request(models, options, locate_models=args.scheduler is None)
    check_parent(args.store, "--store", args.parents)
    tasks = selected_tasks(args)
    warn_duplicates(tasks)
    kw = {"chunk_rows": args.chunk_rows} if args.chunk_rows else {}
    with removed_on_failure(args.store, keep=_holds_chunks):  # a failed first run: no store
        store = EmbeddingStore(args.store, mode="a", lock_timeout=args.lock_timeout)
        results = extract(store, models, tasks, dtype=args.dtype, show_progress=not args.quiet,
                          options=options, scheduler=args.scheduler, **kw)
    for r in results:
        print(f"{r.model_id:30s} {r.task_id:60s} {r.status:8s} {r.n_embedded:7d} seq "
              f"{r.seconds:6.1f} s")
    return 0


def _holds_chunks(path: Path) -> bool:
    """Whether the store at ``path`` holds a finished chunk (worth keeping to resume)."""
    from geneb.store import EmbeddingStore, tools

    if not (path / "zarr.json").exists():
        return False
    return any(e.chunks_done for e in tools.list_arrays(EmbeddingStore(path, mode="r")))
