"""A task source described by a small YAML file (no code): which loader, which files, which options.

Example ``my_task.yaml``::

    task_id: my_enhancers
    category: Enhancers          # one of the 13 GENEB categories, or "other"
    format: table                # table | fasta | gue | nt | genomic-benchmarks |
                                 # genomic-benchmarks-coords | geneb-release | auto
    path: enhancers.tsv.gz       # relative to the YAML file
    sequence_column: seq
    label_column: activity
    split_column: fold           # omitted: seeded stratified split (test_fraction, split_seed)
    train_values: [train, dev]
    ambiguity: n                 # n | reject | keep
    max_train: 100000            # null keeps every train row
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from geneb.core.atomic import atomic_write_text
from geneb.core.errors import InputError, MissingDataError
from geneb.core.files import read_yaml
from geneb.core.registry import did_you_mean
from geneb.tasks.data import TaskData
from geneb.tasks.options import MAX_TRAIN, LoadOptions

FORMATS = ("auto", "table", "fasta", "gue", "nt", "genomic-benchmarks",
           "genomic-benchmarks-coords", "geneb-release")
_FASTA_ENDINGS = (".fa", ".fasta", ".fna", ".fa.gz", ".fasta.gz", ".fna.gz")


@dataclass(frozen=True)
class TaskSource:
    """Where a task's data is and how to read it (the content of a task YAML).

    Attributes
    ----------
    task_id, category, format, path
        ``path`` is absolute once read from a YAML (relative paths follow the YAML's folder).
    sequence_column, label_column, split_column, train_values, test_values, sep, column_names
        Table options (``format: table``); ``column_names`` for a file without a header line.
    label_pattern, split_pattern
        FASTA header patterns (``format: fasta``).
    name, dev
        GUE task ``group/task`` and what to do with dev.csv (``format: gue``).
    task, revised
        Nucleotide Transformer task to keep (``format: nt``).
    genome
        Genome FASTA (``format: genomic-benchmarks-coords``).
    ambiguity, max_train, subsample_seed, test_fraction, split_seed
        :class:`LoadOptions`.
    """

    task_id: str | None = None
    path: str = ""
    format: str = "auto"
    category: str | None = None
    sequence_column: str | None = None
    label_column: str | None = None
    split_column: str | None = None
    train_values: tuple[str, ...] = ("train",)
    test_values: tuple[str, ...] = ("test",)
    sep: str | None = None
    column_names: tuple[str, ...] | None = None
    label_pattern: str | None = None
    split_pattern: str | None = None
    name: str | None = None
    dev: str = "auto"
    task: str | None = None
    revised: bool | None = None
    genome: str | None = None
    ambiguity: str = "n"
    max_train: int | None = MAX_TRAIN
    subsample_seed: int = 42
    test_fraction: float = 0.2
    split_seed: int = 42

    @property
    def options(self) -> LoadOptions:
        return LoadOptions(ambiguity=self.ambiguity, max_train=self.max_train,
                           subsample_seed=self.subsample_seed, test_fraction=self.test_fraction,
                           split_seed=self.split_seed)

    def resolved_format(self) -> str:
        """The format, with "auto" decided from the path."""
        if self.format != "auto":
            return self.format
        p = Path(self.path)
        if p.is_dir():
            if (p / "train").is_dir() and any(q.is_dir() for q in (p / "train").iterdir()):
                return "genomic-benchmarks"
            if any(p.glob("*/*/test.csv")):
                return "gue"
            return "nt"
        if p.name.lower().endswith(_FASTA_ENDINGS):
            return "fasta"
        return "table"

    def to_dict(self) -> dict:
        """Non-default fields, YAML-ready."""
        default = TaskSource()
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v != getattr(default, f.name) or f.name in ("task_id", "path", "format"):
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out


def source_from_mapping(data: dict, base_dir: str | Path = ".", where: str = "task config") -> TaskSource:
    """Build a :class:`TaskSource` from a mapping (a parsed YAML), checking every key.

    Raises
    ------
    InputError
        Unknown keys (with suggestions), a bad format, missing ``path``, bad value types.
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping of options (key: value), got {type(data).__name__}")
    names = [f.name for f in fields(TaskSource)]
    unknown = [k for k in data if k not in names]
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r}.{did_you_mean(str(unknown[0]), names)} "
                         f"Keys: {', '.join(names)}")
    if not data.get("path"):
        raise InputError(f"{where}: no 'path' (the data file or folder)")
    values = dict(data)
    base = Path(base_dir)
    for key in ("path", "genome"):
        if values.get(key):
            p = Path(str(values[key])).expanduser()
            values[key] = str(p if p.is_absolute() else (base / p).resolve())
    for key in ("train_values", "test_values", "column_names"):
        if key in values:
            v = values[key]
            values[key] = tuple(str(x) for x in (v if isinstance(v, list | tuple) else [v]))
    if values.get("format", "auto") not in FORMATS:
        raise InputError(f"{where}: format {values['format']!r} is unknown."
                         f"{did_you_mean(str(values['format']), list(FORMATS))} Formats: {', '.join(FORMATS)}")
    if isinstance(values.get("max_train"), str) and values["max_train"].lower() in ("none", "null", "off"):
        values["max_train"] = None
    try:
        src = TaskSource(**values)
        src.options  # validates the option values
    except TypeError as exc:
        raise InputError(f"{where}: {exc}") from None
    return src


def read_task_config(path: str | Path) -> TaskSource:
    """Read a task YAML (paths inside are relative to its folder)."""
    path = Path(path)
    data = read_yaml(path, "task config")
    return source_from_mapping(data, path.parent, str(path))


def write_task_config(src: TaskSource, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, yaml.safe_dump(src.to_dict(), sort_keys=False))
    return path


def load_source(src: TaskSource) -> TaskData:
    """Load the task a :class:`TaskSource` describes, with the loader its format names."""
    from geneb.tasks.fasta import load_fasta_task
    from geneb.tasks.files import load_table_task
    from geneb.tasks.genomic_benchmarks import load_genomic_benchmark, load_genomic_benchmark_coords
    from geneb.tasks.gue import load_gue_task
    from geneb.tasks.nt import load_nt_task

    fmt = src.resolved_format()
    opts = src.options
    if fmt == "table":
        return load_table_task(src.path, task_id=src.task_id, category=src.category or "other",
                               sequence_column=src.sequence_column, label_column=src.label_column,
                               split_column=src.split_column, train_values=src.train_values,
                               test_values=src.test_values, sep=src.sep,
                               column_names=src.column_names, options=opts)
    if fmt == "fasta":
        if not src.label_pattern:
            raise InputError(f"{src.path}: a FASTA task needs label_pattern (a regular expression "
                             f"with a group, e.g. 'label=(\\w+)')")
        return load_fasta_task(src.path, src.label_pattern, split_pattern=src.split_pattern,
                               task_id=src.task_id, category=src.category or "other", options=opts)
    if fmt == "gue":
        if not src.name:
            raise InputError(f"{src.path}: a GUE source needs name (group/task, e.g. prom/prom_300_tata)")
        return load_gue_task(src.path, src.name, task_id=src.task_id, category=src.category,
                             dev=src.dev, options=opts)
    if fmt == "nt":
        return load_nt_task(src.path, src.task, task_id=src.task_id, category=src.category,
                            revised=src.revised, options=opts)
    if fmt == "genomic-benchmarks":
        return load_genomic_benchmark(src.path, task_id=src.task_id, category=src.category, options=opts)
    if fmt == "genomic-benchmarks-coords":
        if not src.genome:
            raise InputError(f"{src.path}: the coordinate layout needs genome (a FASTA file)")
        return load_genomic_benchmark_coords(src.path, src.genome, task_id=src.task_id,
                                             category=src.category, options=opts)
    if fmt == "geneb-release":
        from geneb.catalog.tasks import get_task
        from geneb.tasks.release import _stem, load_release_task
        spec = get_task(src.task_id or _stem(Path(src.path)))
        return load_release_task(src.path, spec, opts)
    raise InputError(f"format {fmt!r} is unknown; use one of {', '.join(FORMATS)}")


__all__ = ["FORMATS", "TaskSource", "load_source", "read_task_config", "source_from_mapping",
           "write_task_config"]
