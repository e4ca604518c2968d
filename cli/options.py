"""Arguments shared by several subcommands, and turning them into tasks and models.

The task-file flags are made here, in one place, from the fields of
:class:`~geneb.tasks.layout.TaskLayout` (``--`` + the YAML key with ``-`` for ``_``), and
every command that reads a task file (``run``, ``extract``, ``tasks add``, ``tasks check``,
``recommend --task``) takes them with the same meaning as the YAML keys.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from geneb.catalog.models import ModelSpec, builtin_models, load_model_file, resolve_model
from geneb.catalog.tasks import GENEB_BENCHMARK, MINI_BENCHMARK
from geneb.core.errors import InputError
from geneb.tasks.config import read_task_config
from geneb.tasks.data import Task
from geneb.tasks.layout import (DEV_MODES, FORMATS, SEQUENCE_FORMATS, TaskLayout, coerce_value,
                                layout_from_mapping)
from geneb.tasks.loaders import flag
from geneb.tasks.normalize import AMBIGUITY_MODES
from geneb.tasks.options import MAX_TRAIN

#: Layout fields that apply to every task, catalog ones included.
LOAD_FIELDS = ("ambiguity", "max_train", "subsample_seed")
_YAML = (".yaml", ".yml")


def command_line() -> str:
    """This invocation as typed (``geneb run --out x``), for ``run_info.json``."""
    return " ".join(["geneb", *sys.argv[1:]])


def positive_int(text: str) -> int:
    """argparse ``type`` for counts that must be at least 1 (--bootstrap, --workers, ...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; give 1 or more")
    return value


@dataclass(frozen=True)
class LayoutFlag:
    """The command-line form of one :class:`TaskLayout` field."""

    field: str
    help: str
    metavar: str | None = None
    choices: tuple | None = None
    nargs: str | None = None


LAYOUT_FLAGS: tuple[LayoutFlag, ...] = (
    LayoutFlag("path", "data file, folder or glob (CSV/TSV/Parquet/Arrow/FASTA, gzip ok; a "
               ".yaml is read as a task config)", "FILE"),
    LayoutFlag("train", "train file (or glob), with --test", "FILE"),
    LayoutFlag("test", "test file (or glob)", "FILE"),
    LayoutFlag("valid", "validation file: rows counted and recorded, not probed", "FILE"),
    LayoutFlag("format", "loader (default auto: decided from the path)", "FORMAT", FORMATS),
    LayoutFlag("task_id", "task id (default: from the file name)", "ID"),
    LayoutFlag("category", "one of the 13 GENEB categories (short or full name, any case), "
               "or other", "NAME"),
    LayoutFlag("sep", "field separator of a text table ('\\t' or tab understood)", "SEP"),
    LayoutFlag("column_names", "the file has no header line: its column names, "
               "e.g. label,id,sequence", "A,B,C"),
    LayoutFlag("sequence_column", "column of the sequences (default sequence|text|seq)", "NAME"),
    LayoutFlag("label_column", "column of the labels (default label|labels|class|y)", "NAME"),
    LayoutFlag("split_column", "column of the split (default split; without one: a seeded "
               "split)", "NAME"),
    LayoutFlag("train_values", "split values meaning train (default train)", "VALUE", nargs="+"),
    LayoutFlag("test_values", "split values meaning test (default test)", "VALUE", nargs="+"),
    LayoutFlag("task_column", "column naming the task of each row (default task), with --task",
               "NAME"),
    LayoutFlag("task", "keep only the rows of this task (value of --task-column)", "VALUE"),
    LayoutFlag("sequence_format", "kmer: sequences written as overlapping k-mers separated by "
               "spaces (k inferred and checked)", "FORMAT", SEQUENCE_FORMATS),
    LayoutFlag("label_map", "rename labels before coding, e.g. '+=1,-=0' (default: labels "
               "coded in sorted order)", "RAW=LABEL,..."),
    LayoutFlag("label_pattern", "FASTA: regular expression with a group for the label", "REGEX"),
    LayoutFlag("split_pattern", "FASTA: regular expression with a group for the split", "REGEX"),
    LayoutFlag("name", "GUE: the task as group/task", "GROUP/TASK"),
    LayoutFlag("dev", "GUE: what dev.csv is used as (default auto)", "MODE", DEV_MODES),
    LayoutFlag("revised", "Nucleotide Transformer: the revised release (default: 'revised' in "
               "the path)", "BOOL", nargs="?"),
    LayoutFlag("genome", "Genomic Benchmarks coordinates: the genome FASTA", "FASTA"),
    LayoutFlag("test_fraction", "data without a split: test share of a seeded stratified "
               "split (default 0.2)", "F"),
    LayoutFlag("split_seed", "seed of that split (default 42)", "N"),
    LayoutFlag("ambiguity", "IUPAC ambiguity letters (R, Y, S, ...): replace by N (default), "
               "reject, keep", "MODE", AMBIGUITY_MODES),
    LayoutFlag("max_train", f"train rows kept (a stratified sample with --subsample-seed; "
               f"default {MAX_TRAIN:,}; none keeps all)", "N"),
    LayoutFlag("subsample_seed", "seed of that sample (default 42)", "N"),
)
_ALIASES = {"column_names": ("--columns",)}


class _Once(argparse.Action):
    """Store a value; the same option given twice is an error, not a silent override."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} (or an alias of it) is given twice; give it once")
        setattr(namespace, self.dest, self.const if values is None or values == [] else values)


class _Append(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest, None) or []), values])


def _dest(name: str) -> str:
    return f"layout_{name}"


def add_layout_args(p: argparse.ArgumentParser, *, path_flags: tuple[str, ...] = ("--path", "--task-file"),
                    repeat_path: bool = False, task_flags: tuple[str, ...] = ("--task", "--task-value"),
                    skip: tuple[str, ...] = (), helps: dict | None = None,
                    title: str = "reading a task file") -> None:
    """Add one flag per :class:`TaskLayout` field (see :data:`LAYOUT_FLAGS`).

    Parameters
    ----------
    path_flags : tuple of str
        The flags of ``path`` (empty: the command names its file otherwise).
    repeat_path : bool
        ``path`` may be given several times (one task each).
    task_flags : tuple of str
        The flags of the row filter ``task`` (``recommend`` has its own ``--task``).
    skip : tuple of str
        Fields this command does not take from flags.
    helps : dict, optional
        Field → help text where this command says more.
    """
    g = p.add_argument_group(title, "the same keys as a task YAML; an option the chosen "
                                    "loader does not use is an error")
    for spec in LAYOUT_FLAGS:
        if spec.field in skip:
            continue
        names = {"path": path_flags, "task": task_flags}.get(spec.field, (flag(spec.field),))
        names = (*names, *_ALIASES.get(spec.field, ()))
        if not names:
            continue
        action = _Append if spec.field == "path" and repeat_path else _Once
        g.add_argument(*names, dest=_dest(spec.field), default=None, action=action,
                       metavar=spec.metavar, choices=spec.choices, nargs=spec.nargs,
                       const="true" if spec.nargs == "?" else None,
                       help=(helps or {}).get(spec.field, spec.help)
                       + (f" [{', '.join(spec.choices)}]" if spec.choices else ""))
    if "max_train" not in skip:
        g.add_argument("--no-subsample", dest=_dest("max_train"), action=_Once, nargs=0,
                       const="none", help="keep every train row (same as --max-train none)")


def layout_values(args: argparse.Namespace) -> dict:
    """The task-file flags given on the command line, by YAML key (text as typed)."""
    out = {}
    for spec in LAYOUT_FLAGS:
        value = getattr(args, _dest(spec.field), None)
        if value is not None:
            out[spec.field] = value
    return out


def given_load(args: argparse.Namespace) -> dict:
    """--ambiguity, --max-train/--no-subsample, --subsample-seed as given (coerced), by key."""
    values = layout_values(args)
    return {k: coerce_value(k, values[k], Path.cwd()) for k in LOAD_FIELDS if k in values}


def with_flags(layout: TaskLayout, values: dict, where: str) -> TaskLayout:
    """A layout with command-line values over its keys (flags override YAML keys)."""
    return layout_from_mapping({**layout.to_dict(), **values}, Path.cwd(), where)


def task_file_layouts(args: argparse.Namespace, files: list | None = None,
                      configs: list | None = None,
                      filters: tuple[str, ...] = ()) -> list[tuple[Path, TaskLayout]]:
    """Task layouts from files, task YAMLs and the task-file flags, with where each came from.

    Each file (``--task-file``/``--path``, or ``files``) is one task, each YAML another
    (a file ending in ``.yaml`` is read as one), flags overriding its keys; ``--train`` /
    ``--test`` alone describe one task. ``filters`` name flags that also mean something
    without a task file (``run``'s ``--category`` keeps only tasks of that category).

    Raises
    ------
    InputError
        Task-file options given without any task file: they would be ignored.
    """
    values = layout_values(args)
    given = values.pop("path", None)
    files = list(files if files is not None else (given if isinstance(given, list) else [given] if given else []))
    configs = list(configs if configs is not None else getattr(args, "task_config", None) or [])
    configs += [Path(f) for f in files if str(f).lower().endswith(_YAML)]
    files = [f for f in files if not str(f).lower().endswith(_YAML)]
    out = [(Path(c), with_flags(read_task_config(c), values, str(c))) for c in configs]
    for f in files:
        out.append((Path(f), layout_from_mapping({**values, "path": str(f)}, Path.cwd(), str(f))))
    if not out and any(values.get(k) for k in ("train", "test", "valid")):
        layout = layout_from_mapping(values, Path.cwd(), "--train/--test")
        out.append((Path(layout.first_file()), layout))
    if not out:
        stray = [k for k in values if k not in LOAD_FIELDS and k not in filters]
        if stray:
            verb = "applies" if len(stray) == 1 else "apply"
            raise InputError(f"{', '.join(flag(k) for k in stray)} only {verb} to task files, but "
                             f"no task file is given (--task-file/--path FILE, --train FILE "
                             f"--test FILE, or --task-config YAML)")
    return out


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
    g.add_argument("--task-config", action="append", type=Path, default=[], metavar="YAML",
                   help="your own task described by a YAML (format, path, columns...; see "
                        "`geneb tasks add --help`); repeatable")
    category = next(f.help for f in LAYOUT_FLAGS if f.field == "category")
    add_layout_args(p, path_flags=("--task-file", "--path"), repeat_path=True, helps={
        "path": "your own task: a file with columns sequence,label,split (other layouts: the "
                "options below; a .yaml is a task config); repeatable",
        "category": "keep only tasks of this category; also the category of the task files "
                    f"given here ({category})"})


def add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--models", nargs="+", metavar="MODEL", default=None,
                   help="model ids (see `geneb models list`), Hugging Face ids (org/name or "
                        "hf:org/name) or local model folders (default: the built-in featurizers)")
    p.add_argument("--model-file", type=Path, default=None, metavar="YAML",
                   help="models to add from a YAML file (a 'models:' list of id, hf_id or "
                        "path, revision, pooling, max_length, trust_remote_code)")


def warn_tasks(tasks: list[Task]) -> None:
    """Print every loader warning (nothing is dropped or decided silently)."""
    for t in tasks:
        for w in t.warnings:
            print(f"geneb: warning: {t.task_id}: {w}", file=sys.stderr)


def selected_tasks(args: argparse.Namespace) -> list[Task]:
    """The tasks the task-selection options name (:func:`geneb.tasks.select.select_tasks`),
    with every note and loader warning printed."""
    from geneb.tasks.select import select_tasks

    layouts = [layout for _, layout in task_file_layouts(args, filters=("category",))]
    selection = select_tasks(
        benchmark=args.benchmark, tasks=tuple(args.tasks or ()), tasks_dir=args.tasks_dir,
        allow_missing=args.allow_missing_tasks, category=layout_values(args).get("category"),
        layouts=tuple(layouts), load=given_load(args))
    for note in selection.notes:
        print(f"geneb: warning: {note}", file=sys.stderr)
    warn_tasks(list(selection.tasks))
    return list(selection.tasks)


def selected_models(args: argparse.Namespace) -> list[ModelSpec]:
    specs = [resolve_model(m) for m in dict.fromkeys(args.models or [])]
    if getattr(args, "model_file", None):
        specs += load_model_file(str(args.model_file))
    return specs or builtin_models()
