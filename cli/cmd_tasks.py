"""``geneb tasks list|show|add|check``: the task catalog, your own tasks, and data quality."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from geneb.catalog.categories import resolve_category
from geneb.catalog.tasks import GENEB_BENCHMARK, MINI_BENCHMARK, TASKS, get_task
from geneb.cli.options import add_load_args, load_options, with_cli_options
from geneb.core.errors import GenebError, InputError
from geneb.tasks import load_task, load_task_file, read_task_config
from geneb.tasks.config import FORMATS, load_source, source_from_mapping
from geneb.tasks.data import TaskData
from geneb.tasks.gue import DEV_MODES
from geneb.tasks.quality import format_quality, quality_report, write_quality
from geneb.tasks.specs import USER_BENCHMARK
from geneb.tasks.user import (add_user_task, tasks_home, user_quality, user_source,
                              user_task_ids)

#: ``geneb tasks add`` flags that map onto task YAML keys.
_ADD_FLAGS = ("task_id", "path", "format", "category", "sequence_column", "label_column",
              "split_column", "train_values", "test_values", "sep", "label_pattern",
              "split_pattern", "name", "dev", "task", "genome", "test_fraction", "split_seed")


def add_parser(sub) -> None:
    p = sub.add_parser("tasks", help="list, show, add and check tasks", description=__doc__)
    tsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    home = dict(type=Path, default=None, help="folder of your added tasks (default $GENEB_HOME or ~/.geneb)")

    lp = tsub.add_parser("list", help="list tasks")
    lp.add_argument("--category", default=None, help="only this category")
    lp.add_argument("--benchmark", default=None, choices=(GENEB_BENCHMARK, MINI_BENCHMARK, USER_BENCHMARK),
                    help="only this benchmark (user = tasks added with `geneb tasks add`)")
    lp.add_argument("--home", **home)
    lp.set_defaults(func=run_list)

    sp = tsub.add_parser("show", help="show one task and its data-quality report")
    sp.add_argument("task", help="task id")
    sp.add_argument("--tasks-dir", type=Path, default=None,
                    help="local copy of the GENEB task files, for official tasks")
    sp.add_argument("--home", **home)
    sp.set_defaults(func=run_show)

    ap = tsub.add_parser(
        "add", help="add your own task from a YAML and/or flags (checked, with a quality report)",
        description="Add a task once, then use it by id (`geneb run --tasks ID`). The source is "
                    "read and validated, its data-quality report computed, and both are stored "
                    "in HOME/tasks/. Flags override keys of the YAML.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="formats: table (CSV/TSV/Parquet, gzip ok), fasta (label in header by "
               "--label-pattern), gue (--name group/task), nt (--task), genomic-benchmarks "
               "({train,test}/<class>/<id>.txt), genomic-benchmarks-coords (--genome FASTA), "
               "geneb-release, auto\n\nexample YAML:\n  task_id: my_enhancers\n  category: "
               "Enhancers\n  format: table\n  path: enhancers.tsv.gz\n  sequence_column: seq\n"
               "  label_column: activity\n  # no split_column: seeded stratified split")
    ap.add_argument("config", nargs="?", type=Path, help="task YAML (optional when flags say it all)")
    ap.add_argument("--task-id", default=None)
    ap.add_argument("--path", default=None, help="data file or folder")
    ap.add_argument("--format", default=None, choices=FORMATS)
    ap.add_argument("--category", default=None, help="one of the 13 GENEB categories, or other")
    ap.add_argument("--sequence-column", default=None)
    ap.add_argument("--label-column", default=None)
    ap.add_argument("--split-column", default=None,
                    help="column holding train/test (none: seeded stratified split)")
    ap.add_argument("--train-values", nargs="+", default=None, help="split values meaning train")
    ap.add_argument("--test-values", nargs="+", default=None, help="split values meaning test")
    ap.add_argument("--sep", default=None, help="field separator of a text table")
    ap.add_argument("--label-pattern", default=None, help="FASTA: regex with a group for the label")
    ap.add_argument("--split-pattern", default=None, help="FASTA: regex with a group for the split")
    ap.add_argument("--name", default=None, help="GUE: group/task")
    ap.add_argument("--dev", default=None, choices=DEV_MODES, help="GUE: what dev.csv is used as")
    ap.add_argument("--task", default=None, help="Nucleotide Transformer: value of the task column")
    ap.add_argument("--genome", default=None, help="Genomic Benchmarks coordinates: genome FASTA")
    ap.add_argument("--test-fraction", type=float, default=None)
    ap.add_argument("--split-seed", type=int, default=None)
    ap.add_argument("--replace", action="store_true", help="overwrite a task with the same id")
    ap.add_argument("--home", **home)
    add_load_args(ap)
    ap.set_defaults(func=run_add)

    cp = tsub.add_parser("check", help="data-quality report of tasks (stored next to their data)")
    cp.add_argument("tasks", nargs="*", metavar="TASK", help="task ids (catalog or added)")
    cp.add_argument("--tasks-dir", type=Path, default=None,
                    help="GENEB task files: check every official task there (or TASK ...)")
    cp.add_argument("--task-file", action="append", type=Path, default=[], metavar="CSV")
    cp.add_argument("--task-config", action="append", type=Path, default=[], metavar="YAML")
    cp.add_argument("--no-write", action="store_true", help="print only; store no report")
    cp.add_argument("--json", action="store_true", help="print the full reports as JSON")
    cp.add_argument("--home", **home)
    add_load_args(cp)
    cp.set_defaults(func=run_check)


def run_list(args: argparse.Namespace) -> int:
    rows = [{"task_id": s.task_id, "category": s.category, "benchmark": s.benchmark,
             "classes": s.n_classes, "source": s.source_benchmark[:40]} for s in TASKS.values()]
    for tid in user_task_ids(args.home):
        try:
            src = user_source(tid, args.home)
            cat = resolve_category(src.category, allow_other=True) if src.category else "?"
            rows.append({"task_id": tid, "category": cat, "benchmark": USER_BENCHMARK,
                         "classes": None, "source": f"{src.resolved_format()}: {src.path}"[-40:]})
        except GenebError as exc:
            rows.append({"task_id": tid, "category": "?", "benchmark": USER_BENCHMARK,
                         "classes": None, "source": f"unreadable: {exc}"[:40]})
    if args.category:
        cat = resolve_category(args.category, allow_other=True)
        rows = [r for r in rows if r["category"] == cat]
    if args.benchmark:
        rows = [r for r in rows if r["benchmark"] == args.benchmark]
    df = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_colwidth", 80,
                           "display.max_rows", 1000):
        print(df.to_string(index=False) if len(df) else "no tasks match")
    print(f"\n{len(df)} tasks")
    return 0


def _print_counts(data: TaskData) -> None:
    counts = pd.crosstab(pd.Series(data.split, name="split").map({0: "train", 1: "test"}),
                         pd.Series(data.labels, name="class").map(dict(enumerate(data.classes))))
    lengths = [len(s) for s in data.sequences]
    print(f"{'sequences':16s} {data.n} (length {min(lengths)}-{max(lengths)} bp)")
    print(counts.to_string())


def _stored_or_fresh(path: Path | None, data: TaskData) -> dict:
    """A stored report when it was made from the same data, else a fresh one."""
    if path is not None and path.is_file():
        stored = json.loads(path.read_text())
        if stored.get("source_checksum") == data.source_checksum:
            return stored
    return quality_report(data)


def run_show(args: argparse.Namespace) -> int:
    if args.task not in TASKS and args.task in user_task_ids(args.home):
        src = user_source(args.task, args.home)
        for key, value in src.to_dict().items():
            print(f"{key:16s} {value}")
        data = load_source(src)
        _print_counts(data)
        report = user_quality(args.task, args.home)
        if report is None or report.get("source_checksum") != data.source_checksum:
            report = quality_report(data)
        print(format_quality(report))
        return 0
    spec = get_task(args.task)
    for key, value in spec.__dict__.items():
        if key == "sources":
            for src in value:
                print(f"{'source':16s} {src['file']} ({src['repository']} @ {src['commit'][:10]}, "
                      f"{src['license']}; sha256 {src['sha256'][:12]})")
        elif value not in ("", None):
            print(f"{key:16s} {value}")
    try:
        data = load_task(spec, tasks_dir=args.tasks_dir)
    except GenebError:
        print(f"{'data':16s} not shipped with geneb (pass --tasks-dir with the GENEB task files)")
        return 0
    _print_counts(data)
    stored = (args.tasks_dir / f"{spec.task_id}.quality.json") if args.tasks_dir else None
    print(format_quality(_stored_or_fresh(stored, data)))
    return 0


def run_add(args: argparse.Namespace) -> int:
    mapping: dict = {}
    base = Path.cwd()
    if args.config is not None:
        src = read_task_config(args.config)
        mapping = src.to_dict()
    for key in _ADD_FLAGS:
        value = getattr(args, key)
        if value is not None:
            mapping[key] = value
    if args.ambiguity != "n":
        mapping["ambiguity"] = args.ambiguity
    if args.no_subsample:
        mapping["max_train"] = None
    if "path" not in mapping:
        raise InputError("tasks add needs a task YAML or --path (the data file or folder)")
    src = source_from_mapping(mapping, base, str(args.config or "tasks add"))
    data, report, path = add_user_task(src, args.home, replace=args.replace)
    print(f"added task {data.task_id!r} ({data.spec.category}; {data.n} sequences, "
          f"{len(data.classes)} classes) -> {path}")
    print(format_quality(report))
    print(f"use it with: geneb run --tasks {data.task_id}")
    return 0


def _check_targets(args: argparse.Namespace) -> list[tuple[TaskData, Path | None]]:
    """(task, where its report goes) for everything named on the command line."""
    from geneb.tasks import load_tasks_dir
    options = load_options(args)
    out = []
    users = set(user_task_ids(args.home))
    catalog_specs = []
    for tid in args.tasks:
        if tid not in TASKS and tid in users:
            src = with_cli_options(user_source(tid, args.home), args)
            out.append((load_source(src), tasks_home(args.home) / f"{tid}.quality.json"))
        else:
            catalog_specs.append(get_task(tid))
    if args.tasks_dir is not None:
        specs = [s for s in catalog_specs if s.benchmark == GENEB_BENCHMARK] if args.tasks else \
            [s for s in TASKS.values() if s.benchmark == GENEB_BENCHMARK]
        loaded, scan = load_tasks_dir(args.tasks_dir, specs, allow_missing=True, options=options)
        if scan.missing:
            print(f"geneb: warning: {scan.missing_message(args.tasks_dir, len(specs))}")
        for name in scan.unknown:
            print(f"geneb: warning: {args.tasks_dir}: {name} is not a GENEB task id; not checked")
        out += [(t, args.tasks_dir / f"{t.task_id}.quality.json") for t in loaded]
        catalog_specs = [s for s in catalog_specs if s.benchmark != GENEB_BENCHMARK]
    out += [(load_task(s, options=options), None) for s in catalog_specs]
    for f in args.task_file:
        out.append((load_task_file(f, options=options), f.with_name(f.name.split(".")[0] + ".quality.json")))
    for c in args.task_config:
        out.append((load_source(with_cli_options(read_task_config(c), args)), c.with_name(c.name.split(".")[0] + ".quality.json")))
    if not out:
        raise InputError("nothing to check: name tasks, --tasks-dir, --task-file or --task-config")
    return out


def run_check(args: argparse.Namespace) -> int:
    targets = _check_targets(args)
    reports = []
    for data, dest in targets:
        report = quality_report(data)
        reports.append(report)
        written = ""
        if dest is not None and not args.no_write:
            try:
                written = f" -> {write_quality(report, dest)}"
            except OSError as exc:
                written = f" (report not stored: {exc.strerror})"
        if not args.json:
            print(f"== {data.task_id} ({data.spec.category}){written}")
            print(format_quality(report))
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        flagged = [r["task_id"] for r in reports if r["shortcut"]]
        leaks = [r["task_id"] for r in reports if r["duplicates"]["exact"]["test_rows_in_train"]]
        print(f"\n{len(reports)} tasks checked; shortcut-solvable: {len(flagged)}"
              f"{' (' + ', '.join(flagged) + ')' if flagged else ''}; test sequences in train: "
              f"{len(leaks)}{' (' + ', '.join(leaks) + ')' if leaks else ''}")
    return 0
