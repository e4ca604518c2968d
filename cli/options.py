"""Arguments shared by several subcommands, and turning them into tasks and models."""

from __future__ import annotations

import argparse
from pathlib import Path

from geneb.catalog.categories import resolve_category
from geneb.catalog.models import ModelSpec, builtin_models
from geneb.catalog.tasks import MINI_BENCHMARK, benchmark_tasks, get_task
from geneb.tasks import TaskData, load_task, load_task_file


def add_task_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("task selection")
    g.add_argument("--benchmark", default=None,
                   help=f"built-in benchmark to run (default: {MINI_BENCHMARK} unless --tasks "
                        f"or --task-file is given)")
    g.add_argument("--tasks", nargs="+", metavar="TASK", default=None,
                   help="task ids (see `geneb tasks list`)")
    g.add_argument("--task-file", action="append", type=Path, default=[], metavar="CSV",
                   help="your own task: CSV/TSV with columns sequence,label,split "
                        "(split = train|test); repeatable")
    g.add_argument("--category", default=None,
                   help="keep only tasks of this category (e.g. 'Promoters')")


def add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--models", nargs="+", metavar="MODEL", default=None,
                   help="model ids (see `geneb models list`), Hugging Face ids (org/name or "
                        "hf:org/name) or local model folders (default: the built-in featurizers)")
    p.add_argument("--model-file", type=Path, default=None, metavar="YAML",
                   help="models to add from a YAML file (a 'models:' list of id, hf_id or "
                        "path, revision, pooling, max_length, trust_remote_code)")


def selected_tasks(args: argparse.Namespace) -> list[TaskData]:
    """Load the selected tasks; everything is validated before any work starts."""
    specs = []
    if args.tasks:
        specs += [get_task(t) for t in args.tasks]
    if args.benchmark or not (args.tasks or args.task_file):
        specs += benchmark_tasks(args.benchmark or MINI_BENCHMARK)
    data = [load_task(s) for s in dict.fromkeys(specs)]
    data += [load_task_file(f) for f in args.task_file]
    if args.category:
        cat = resolve_category(args.category, allow_other=True)
        data = [t for t in data if t.spec.category == cat]
    ids = [t.task_id for t in data]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        from geneb.core.errors import InputError
        raise InputError(f"task id(s) {', '.join(dupes)} selected twice; rename a --task-file")
    if not data:
        from geneb.core.errors import InputError
        raise InputError("no tasks selected; check --tasks/--category (see `geneb tasks list`)")
    return data


def selected_models(args: argparse.Namespace) -> list[ModelSpec]:
    from geneb.catalog.models import load_model_file, resolve_model
    specs = [resolve_model(m) for m in dict.fromkeys(args.models or [])]
    if getattr(args, "model_file", None):
        specs += load_model_file(str(args.model_file))
    return specs or builtin_models()
