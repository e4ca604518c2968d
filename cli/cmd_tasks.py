"""``geneb tasks list|show``: the task catalog."""

from __future__ import annotations

import argparse

import pandas as pd

from geneb.catalog.categories import resolve_category
from geneb.catalog.tasks import TASKS, get_task
from geneb.core.errors import GenebError
from geneb.tasks import load_task


def add_parser(sub) -> None:
    p = sub.add_parser("tasks", help="list or show tasks", description=__doc__)
    tsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = tsub.add_parser("list", help="list tasks")
    lp.add_argument("--category", default=None, help="only this category")
    lp.add_argument("--benchmark", default=None, choices=("geneb", "geneb-mini"),
                    help="only this benchmark")
    lp.set_defaults(func=run_list)
    sp = tsub.add_parser("show", help="show one task")
    sp.add_argument("task", help="task id")
    sp.set_defaults(func=run_show)


def run_list(args: argparse.Namespace) -> int:
    specs = TASKS.values()
    if args.category:
        cat = resolve_category(args.category)
        specs = [s for s in specs if s.category == cat]
    if args.benchmark:
        specs = [s for s in specs if s.benchmark == args.benchmark]
    df = pd.DataFrame([{"task_id": s.task_id, "category": s.category, "benchmark": s.benchmark,
                        "classes": s.n_classes, "source": s.source_benchmark[:40]} for s in specs])
    with pd.option_context("display.width", 250, "display.max_colwidth", 80,
                           "display.max_rows", 1000):
        print(df.to_string(index=False) if len(df) else "no tasks match")
    print(f"\n{len(df)} tasks")
    return 0


def run_show(args: argparse.Namespace) -> int:
    spec = get_task(args.task)
    for key, value in spec.__dict__.items():
        if key == "sources":
            for src in value:
                print(f"{'source':16s} {src['file']} ({src['repository']} @ {src['commit'][:10]}, "
                      f"{src['license']}; sha256 {src['sha256'][:12]})")
        elif value not in ("", None):
            print(f"{key:16s} {value}")
    try:
        data = load_task(spec)
    except GenebError:
        print(f"{'data':16s} not shipped with geneb")
        return 0
    counts = pd.crosstab(pd.Series(data.split, name="split").map({0: "train", 1: "test"}),
                         pd.Series(data.labels, name="class").map(dict(enumerate(data.classes))))
    lengths = [len(s) for s in data.sequences]
    print(f"{'sequences':16s} {data.n} (length {min(lengths)}-{max(lengths)} bp)")
    print(counts.to_string())
    return 0
