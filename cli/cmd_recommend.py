"""``geneb recommend``: which model to use for a category, or for your own task.

By category (default data: the published GENEB results shipped with geneb)::

    geneb recommend --category "Splice Sites" --regime 10shot --max-params 1e8

For your task, with the models whose embeddings are in a store (quick probes: 10-shot over
3 seeds and the full train split; the intervals resample the task's test rows)::

    geneb recommend --task my.csv --store emb.zarr

Rankings by category use the official rows; ``--include submissions`` adds self-reported
results (marked).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geneb.analysis.provenance import INCLUDE_WORDS, parse_include
from geneb.core.errors import InputError, MissingDataError
from geneb.tasks.loaders import flag

from .options import add_layout_args, layout_values, positive_int, task_file_layouts, warn_tasks


def add_parser(sub) -> None:
    p = sub.add_parser("recommend", help="rank models for a category or your own task",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--category", help="one of the 13 GENEB categories, e.g. 'Splice Sites'")
    what.add_argument("--task", type=Path, metavar="FILE",
                      help="your task file (sequence,label,split; other layouts: the options "
                           "below, or --train/--test; a .yaml is a task config); needs --store")
    p.add_argument("--store", type=Path, help="embedding store whose models to rank (with --task)")
    p.add_argument("--results", type=Path, default=None, metavar="CUBE",
                   help="result cube to rank from (default: the shipped official results)")
    p.add_argument("--regime", default="full", help="1shot, 10shot or full (default full)")
    p.add_argument("--max-params", type=float, default=None, help="largest model size, e.g. 1e8")
    p.add_argument("--top", type=int, default=None, help="show only the best N")
    p.add_argument("--bootstrap", type=positive_int, default=1000, metavar="N",
                   help="bootstrap replicates for the intervals (default 1000)")
    p.add_argument("--include", nargs="+", action="extend", default=[], metavar="KIND",
                   choices=list(INCLUDE_WORDS),
                   help="with --category: rank rows besides the official ones too: "
                        "submissions (self-reported) and/or computed (probed here); marked")
    p.add_argument("--json", action="store_true", help="JSON output for programs")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_layout_args(p, path_flags=(), task_flags=("--task-value",), skip=("category",),
                    title="reading your task file (with --task)")
    p.set_defaults(func=run)


def _check_options(args: argparse.Namespace) -> None:
    """Refuse options the chosen route (--category or --task) would not use."""
    unused = ([("--results", args.results is not None), ("--include", bool(args.include))]
              if args.category is None else
              [("--store", args.store is not None), ("--quiet", args.quiet)])
    flags = [flag for flag, given in unused if given]
    if flags:
        route = "--task (your task is probed here)" if args.category is None else "--category"
        raise InputError(f"{', '.join(flags)} {'does' if len(flags) == 1 else 'do'} not apply "
                         f"to {route}; leave {'it' if len(flags) == 1 else 'them'} out")


def _task_ranking(args: argparse.Namespace):
    """Embed the user's task with every model in the store, probe it quickly here and rank
    the models with intervals over its test rows (and seeds)."""
    layouts = task_file_layouts(args, files=[args.task] if args.task else [], configs=[])
    if len(layouts) != 1:
        raise InputError("give --category, or your task: --task FILE (or --train FILE --test FILE)")
    if args.store is None:
        raise InputError("--task needs --store EMB.zarr (the store whose models to rank)")
    if not args.store.exists():
        raise MissingDataError(f"no embedding store at {str(args.store)!r}; make one with "
                               f"`geneb extract` or `geneb run`")
    from geneb.analysis.recommend import (RankQuery, check_quick_regime, recommend_from_store,
                                          store_models)
    from geneb.catalog.models import MODELS
    from geneb.extract import extract
    from geneb.store import EmbeddingStore
    from geneb.tasks import load_layout

    task = load_layout(layouts[0][1])
    warn_tasks([task])
    store = EmbeddingStore(args.store, mode="a")
    models = store_models(store)
    check_quick_regime(args.regime)
    print(f"geneb recommend: probing {task.task_id} with {len(models)} models", file=sys.stderr)
    extract(store, [MODELS.get(m) for m in models], [task], show_progress=not args.quiet)
    query = RankQuery(regime=args.regime, max_params=args.max_params, n_boot=args.bootstrap,
                      top=args.top)
    return recommend_from_store(store, models, task.task_id, query)


def run(args: argparse.Namespace) -> int:
    _check_options(args)
    if args.category is None:
        table = _task_ranking(args)
    else:
        if layout_values(args):
            raise InputError(f"{', '.join(flag(k) for k in layout_values(args))} read your task "
                             f"file; they are not used with --category (use --task FILE)")
        from geneb.analysis.official import load_official_cube
        from geneb.analysis.recommend import recommend
        from geneb.probe import open_cube

        cube = open_cube(args.results) if args.results else load_official_cube()
        table = recommend(cube, category=args.category, regime=args.regime,
                          max_params=args.max_params, n_boot=args.bootstrap, top=args.top,
                          include=parse_include(args.include))
    table.attrs["data"] = str(args.results) if args.results else (
        "your task, probed here" if args.category is None else "published GENEB results (shipped)")
    from geneb.analysis.recommend import format_recommendation, recommendation_json
    if args.json:
        print(json.dumps(recommendation_json(table), indent=1))
    else:
        print(format_recommendation(table))
    return 0
