"""``geneb tasks list|show|add|check``: the task catalog, your own tasks, and data quality."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from geneb.catalog.tasks import GENEB_BENCHMARK, MINI_BENCHMARK, TASKS, get_task
from geneb.core.errors import GenebError, InputError
from geneb.tasks.config import read_task_config
from geneb.tasks.data import Task
from geneb.tasks.layout import TaskLayout, layout_from_mapping
from geneb.tasks.loaders import LOADERS, load_layout
from geneb.tasks.quality import current_report, format_quality, quality_report, write_quality
from geneb.tasks.specs import USER_BENCHMARK
from geneb.tasks.user import add_user_task, tasks_home, user_source, user_task_ids

from .options import add_layout_args, given_load, layout_values, task_file_layouts, warn_tasks, with_flags

_FORMATS_HELP = "\n".join(f"  {f:26s} {ld.reads}" for f, ld in LOADERS.items())
_EXAMPLES = """examples (each layout in one line):
  geneb tasks add --train train.tsv --test test.tsv --sequence-column text --task-id prom
  geneb tasks add --path splice.data --column-names label,id,sequence --label-map '+=1,-=0'
  geneb tasks add --path kmers.tsv --sequence-format kmer --test-fraction 0.2
  geneb tasks add --path multi.tsv --task promoter_all --test-fraction 0.2 --dry-run
  geneb tasks add --path x.fa --label-pattern 'label=(\\w+)'
  geneb tasks add --format gue --path GUE --name prom/prom_300_tata
  geneb tasks add enh.yaml          # the same keys in a YAML (flags override them)"""


def add_parser(sub) -> None:
    p = sub.add_parser("tasks", help="list, show, add and check tasks", description=__doc__)
    tsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    home = dict(type=Path, default=None, help="folder of your added tasks (default $GENEB_HOME or ~/.geneb)")

    lp = tsub.add_parser("list", help="list tasks")
    lp.add_argument("--category", default=None, help="only this category")
    lp.add_argument("--benchmark", default=None, choices=(GENEB_BENCHMARK, MINI_BENCHMARK, USER_BENCHMARK),
                    help="only this benchmark (user = tasks added with `geneb tasks add`)")
    lp.add_argument("--home", **home)
    lp.add_argument("--missing", type=Path, default=None, metavar="CUBE",
                    help="only the GENEB tasks without results in this result cube (what "
                         "`geneb export` still needs)")
    lp.set_defaults(func=run_list)

    sp = tsub.add_parser("show", help="show one task and its data-quality report")
    sp.add_argument("task", help="task id")
    sp.add_argument("--tasks-dir", type=Path, default=None,
                    help="local copy of the GENEB task files, for official tasks")
    sp.add_argument("--home", **home)
    sp.set_defaults(func=run_show)

    ap = tsub.add_parser(
        "add", help="add your own task from flags and/or a YAML (checked, with a quality report)",
        description="Add a task once, then use it by id (`geneb run --tasks ID`). The source is "
                    "read and validated, its data-quality report computed, and both are stored "
                    "in HOME/tasks/. Flags are the YAML keys and override them; an option the "
                    "chosen loader does not use is an error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"formats (--format, default auto):\n{_FORMATS_HELP}\n\n{_EXAMPLES}\n\n"
               f"all keys and which loader reads them: docs/tasks.md")
    ap.add_argument("config", nargs="?", type=Path, metavar="YAML|FILE",
                    help="task YAML (flags override its keys), or the data file (as --path)")
    ap.add_argument("--dry-run", action="store_true",
                    help="print what would be loaded (rows per split, classes, lengths, "
                         "category, options) and write nothing")
    ap.add_argument("--replace", action="store_true", help="overwrite a task with the same id")
    ap.add_argument("--home", **home)
    add_layout_args(ap)
    ap.set_defaults(func=run_add)

    cp = tsub.add_parser("check", help="data-quality report of tasks (stored next to their data)")
    cp.add_argument("tasks", nargs="*", metavar="TASK", help="task ids (catalog or added)")
    cp.add_argument("--tasks-dir", type=Path, default=None,
                    help="GENEB task files: check every official task there (or TASK ...)")
    cp.add_argument("--task-config", action="append", type=Path, default=[], metavar="YAML")
    cp.add_argument("--no-write", action="store_true", help="print only; store no report")
    cp.add_argument("--json", action="store_true", help="print the full reports as JSON")
    cp.add_argument("--home", **home)
    add_layout_args(cp, repeat_path=True)
    cp.set_defaults(func=run_check)


def run_list(args: argparse.Namespace) -> int:
    import pandas as pd

    from geneb.tasks.select import task_listing

    rows = task_listing(category=args.category, benchmark=args.benchmark, home=args.home)
    if args.missing is not None:
        from geneb.analysis.submission import missing_tasks
        from geneb.probe import open_cube
        cube = open_cube(args.missing)
        missing = {t for m in cube["model"].values for t in missing_tasks(cube, str(m))}
        rows = [r for r in rows if r["task_id"] in missing]
    df = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_colwidth", 80,
                           "display.max_rows", 1000):
        print(df.to_string(index=False) if len(df) else "no tasks match")
    print(f"\n{len(df)} tasks")
    return 0


def _print_counts(data: Task) -> None:
    import pandas as pd

    counts = pd.crosstab(pd.Series(data.split, name="split").map({0: "train", 1: "test"}),
                         pd.Series(data.labels, name="class").map(dict(enumerate(data.classes))))
    lengths = [len(s) for s in data.sequences]
    print(f"{'sequences':16s} {data.n} (length {min(lengths)}-{max(lengths)} bp)")
    print(counts.to_string())


def run_show(args: argparse.Namespace) -> int:
    if args.task not in TASKS and args.task in user_task_ids(args.home):
        src = user_source(args.task, args.home)
        for key, value in src.to_dict().items():
            print(f"{key:16s} {value}")
        data = load_layout(src)
        _print_counts(data)
        print(format_quality(current_report(data, tasks_home(args.home) / f"{args.task}.quality.json")))
        return 0
    spec = get_task(args.task)
    for key, value in spec.__dict__.items():
        if key == "sources":
            for src in value:
                print(f"{'source':16s} {src['file']} ({src['repository']} @ {src['commit'][:10]}, "
                      f"{src['license']}; sha256 {src['sha256'][:12]})")
        elif value not in ("", None):
            print(f"{key:16s} {value}")
    from geneb.tasks.load import load_task

    try:
        data = load_task(spec, tasks_dir=args.tasks_dir)
    except GenebError:
        print(f"{'data':16s} not shipped with geneb (pass --tasks-dir with the GENEB task files)")
        return 0
    _print_counts(data)
    stored = (args.tasks_dir / f"{spec.task_id}.quality.json") if args.tasks_dir else None
    print(format_quality(current_report(data, stored)))
    return 0


def _add_layout(args: argparse.Namespace) -> TaskLayout:
    """The YAML's keys (if a YAML is given) with the flags over them."""
    values = layout_values(args)
    if args.config is not None and args.config.suffix.lower() not in (".yaml", ".yml"):
        if values.get("path"):  # `tasks add data.csv`: the data file itself
            raise InputError(f"{args.config} and --path {values['path']} both name the data; "
                             f"give one (two files? --train FILE --test FILE)")
        values["path"], args.config = str(args.config), None
    if args.config is None:
        if not any(values.get(k) for k in ("path", "train", "test")):
            raise InputError("tasks add needs a task YAML, --path FILE, or --train FILE --test FILE")
        return layout_from_mapping(values, Path.cwd(), "tasks add")
    return with_flags(read_task_config(args.config), values, str(args.config))


def _print_dry_run(layout: TaskLayout, data: Task) -> None:
    print(f"dry run: nothing written. Task {data.task_id!r} would be added:")
    print(f"{'category':16s} {data.spec.category}")
    fmt = layout.resolved_format()
    print(f"{'format':16s} {fmt}{' (decided from the path)' if layout.format == 'auto' else ''}")
    for key, value in layout.to_dict().items():
        if key not in ("format", "task_id", "category"):
            print(f"{key:16s} {value!r}" if key == "sep" else f"{key:16s} {value}")
    _print_counts(data)
    for key in ("rows_unused", "kmer_k", "split"):
        if data.prep.get(key):
            print(f"{key:16s} {data.prep[key]}")
    for w in data.warnings:
        print(f"warning: {w}")


def run_add(args: argparse.Namespace) -> int:
    layout = _add_layout(args)
    if args.dry_run:
        _print_dry_run(layout, load_layout(layout))
        return 0
    data, report, path = add_user_task(layout, args.home, replace=args.replace)
    print(f"added task {data.task_id!r} ({data.spec.category}; {data.n} sequences, "
          f"{len(data.classes)} classes) -> {path}")
    warn_tasks([data])
    print(format_quality(report))
    print(f"use it with: geneb run --tasks {data.task_id}")
    return 0


def _check_targets(args: argparse.Namespace) -> list[tuple[Task, Path | None]]:
    """(task, where its report goes) for everything named on the command line."""
    from geneb.tasks.select import quality_targets

    targets, notes = quality_targets(tasks=args.tasks, tasks_dir=args.tasks_dir,
                                     files=task_file_layouts(args), load=given_load(args),
                                     home=args.home)
    for note in notes:
        print(f"geneb: warning: {note}")
    if not targets:
        raise InputError("nothing to check: name tasks, --tasks-dir, --task-file/--path, "
                         "--train/--test or --task-config")
    return targets


def run_check(args: argparse.Namespace) -> int:
    targets = _check_targets(args)
    warn_tasks([data for data, _ in targets])
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
