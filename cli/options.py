"""Arguments shared by several subcommands, and turning them into tasks and models."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from geneb.catalog.categories import resolve_category
from geneb.catalog.models import ModelSpec, builtin_models, load_model_file, resolve_model
from geneb.catalog.tasks import GENEB_BENCHMARK, MINI_BENCHMARK, TASKS, benchmark_tasks, get_task
from geneb.core.errors import InputError
from geneb.tasks import (LoadOptions, TaskData, load_source, load_task, load_task_file,
                         load_tasks_dir, read_task_config)
from geneb.tasks.normalize import AMBIGUITY_MODES
from geneb.tasks.options import MAX_TRAIN
from geneb.tasks.config import TaskSource
from geneb.tasks.user import user_source, user_task_ids


def positive_int(text: str) -> int:
    """argparse ``type`` for counts that must be at least 1 (--bootstrap, --workers, ...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give 1 or more")
    return value


def add_load_args(p: argparse.ArgumentParser) -> None:
    """Options every task loader honours (--ambiguity, --no-subsample)."""
    g = p.add_argument_group("reading task data")
    g.add_argument("--ambiguity", choices=AMBIGUITY_MODES, default="n",
                   help="IUPAC ambiguity letters (R, Y, S, ...): replace by N (default), reject, keep")
    g.add_argument("--no-subsample", action="store_true",
                   help=f"keep train splits above {MAX_TRAIN:,} sequences whole (default: a stratified "
                        f"sample of {MAX_TRAIN:,} with seed 42, recorded)")


def add_task_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("task selection")
    g.add_argument("--benchmark", default=None,
                   help=f"built-in benchmark to run (default: {MINI_BENCHMARK}, or {GENEB_BENCHMARK} "
                        f"with --tasks-dir, unless --tasks or a task file is given)")
    g.add_argument("--tasks", nargs="+", metavar="TASK", default=None,
                   help="task ids (see `geneb tasks list`; includes tasks added with `geneb tasks add`)")
    g.add_argument("--tasks-dir", type=Path, default=None, metavar="DIR",
                   help="local copy of the GENEB task files (<task_id>.csv with text,label,split): "
                        "runs the official tasks; missing ones are listed")
    g.add_argument("--allow-missing-tasks", action="store_true",
                   help="with --tasks-dir: run the tasks that have files (the missing ones are listed)")
    g.add_argument("--task-file", action="append", type=Path, default=[], metavar="CSV",
                   help="your own task: CSV/TSV with columns sequence,label,split "
                        "(split = train|test); repeatable")
    g.add_argument("--task-config", action="append", type=Path, default=[], metavar="YAML",
                   help="your own task described by a YAML (format, path, columns...; see "
                        "`geneb tasks add --help`); repeatable")
    g.add_argument("--category", default=None,
                   help="keep only tasks of this category (e.g. 'Promoters')")
    add_load_args(p)


def add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--models", nargs="+", metavar="MODEL", default=None,
                   help="model ids (see `geneb models list`), Hugging Face ids (org/name or "
                        "hf:org/name) or local model folders (default: the built-in featurizers)")
    p.add_argument("--model-file", type=Path, default=None, metavar="YAML",
                   help="models to add from a YAML file (a 'models:' list of id, hf_id or "
                        "path, revision, pooling, max_length, trust_remote_code)")


def load_options(args: argparse.Namespace) -> LoadOptions:
    return LoadOptions(ambiguity=getattr(args, "ambiguity", "n"),
                       max_train=None if getattr(args, "no_subsample", False) else MAX_TRAIN)


def with_cli_options(src: TaskSource, args: argparse.Namespace) -> TaskSource:
    """A task source with --ambiguity / --no-subsample applied where given on the command line."""
    changes = {}
    if getattr(args, "ambiguity", "n") != "n":
        changes["ambiguity"] = args.ambiguity
    if getattr(args, "no_subsample", False):
        changes["max_train"] = None
    return replace(src, **changes) if changes else src


def _warn(tasks: list[TaskData]) -> None:
    for t in tasks:
        for w in t.warnings:
            print(f"geneb: warning: {t.task_id}: {w}", file=sys.stderr)


def selected_tasks(args: argparse.Namespace) -> list[TaskData]:
    """Load the selected tasks; everything is validated before any work starts."""
    options = load_options(args)
    tasks_dir = getattr(args, "tasks_dir", None)
    task_configs = getattr(args, "task_config", [])
    cat = resolve_category(args.category, allow_other=True) if args.category else None
    specs, user_ids = [], []
    users = set(user_task_ids()) if args.tasks else set()
    for t in args.tasks or []:
        if t in TASKS or t not in users:
            specs.append(get_task(t))
        else:
            user_ids.append(t)
    has_files = bool(args.task_file or task_configs)
    if args.benchmark or not (args.tasks or has_files) or (tasks_dir is not None and not args.tasks):
        default = GENEB_BENCHMARK if tasks_dir is not None else MINI_BENCHMARK
        specs += benchmark_tasks(args.benchmark or default)
    specs = list(dict.fromkeys(specs))
    if cat:
        specs = [s for s in specs if s.category == cat]
    official = [s for s in specs if s.benchmark != MINI_BENCHMARK]
    data = [load_task(s, options=options) for s in specs if s.benchmark == MINI_BENCHMARK]
    if official and tasks_dir is not None:
        loaded, scan = load_tasks_dir(tasks_dir, official, allow_missing=args.allow_missing_tasks,
                                      options=options)
        if scan.missing:
            print(f"geneb: warning: {scan.missing_message(tasks_dir, len(official))}; running the "
                  f"other {len(loaded)}", file=sys.stderr)
        for name in scan.unknown:
            print(f"geneb: warning: {tasks_dir}: {name} is not a selected GENEB task id; not used",
                  file=sys.stderr)
        data += loaded
    else:
        data += [load_task(s, options=options) for s in official]
    data += [load_source(with_cli_options(user_source(t), args)) for t in user_ids]
    data += [load_task_file(f, options=options) for f in args.task_file]
    data += [load_source(with_cli_options(read_task_config(c), args)) for c in task_configs]
    if cat:
        data = [t for t in data if t.spec.category == cat]
    ids = [t.task_id for t in data]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"task id(s) {', '.join(dupes)} selected twice; rename a --task-file")
    if not data:
        raise InputError("no tasks selected; check --tasks/--category (see `geneb tasks list`)")
    _warn(data)
    return data


def selected_models(args: argparse.Namespace) -> list[ModelSpec]:
    specs = [resolve_model(m) for m in dict.fromkeys(args.models or [])]
    if getattr(args, "model_file", None):
        specs += load_model_file(str(args.model_file))
    return specs or builtin_models()
