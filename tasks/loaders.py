"""Every task-file loader, the :class:`TaskLayout` fields it reads, and one check for the rest.

An option that the chosen loader does not read is an error naming the option and the
loader (:func:`check_layout`), whether it came from a YAML key or a command-line flag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from geneb.core.errors import InputError

from .data import Task
from .layout import TaskLayout
from ._rows import source_name

#: Fields every loader reads.
COMMON = frozenset({"task_id", "format", "ambiguity", "max_train", "subsample_seed"})
_FILES = frozenset({"path", "train", "test", "valid"})
_SPLIT = frozenset({"test_fraction", "split_seed", "train_values", "test_values"})
_CONTENT = frozenset({"sequence_format", "label_map"})
_TABLE = frozenset({"sep", "column_names", "sequence_column", "label_column", "split_column",
                    "task_column", "task"})


@dataclass(frozen=True)
class Loader:
    """One source format.

    Attributes
    ----------
    format : str
    reads : str
        What ``path`` points at (for help and messages).
    uses : frozenset of str
        The :class:`TaskLayout` fields it reads besides :data:`COMMON`.
    needs : tuple of (str, str)
        Fields it cannot do without, each with a hint.
    load : callable
        ``TaskLayout -> Task``.
    """

    format: str
    reads: str
    uses: frozenset
    needs: tuple
    load: Callable[[TaskLayout], Task]


def _table(layout: TaskLayout) -> Task:
    from .files import load_table_layout
    return load_table_layout(layout)


def _fasta(layout: TaskLayout) -> Task:
    from .fasta import load_fasta_layout
    return load_fasta_layout(layout)


def _nt(layout: TaskLayout) -> Task:
    from .nt import load_nt_layout
    return load_nt_layout(layout)


def _gue(layout: TaskLayout) -> Task:
    from .gue import load_gue_task
    return load_gue_task(layout.path, layout.name, task_id=layout.task_id, category=layout.category,
                         dev=layout.dev or "auto", options=layout.options)


def _gb(layout: TaskLayout) -> Task:
    from .genomic_benchmarks import load_genomic_benchmark
    return load_genomic_benchmark(layout.path, task_id=layout.task_id, category=layout.category,
                                  options=layout.options)


def _gb_coords(layout: TaskLayout) -> Task:
    from .genomic_benchmarks import load_genomic_benchmark_coords
    return load_genomic_benchmark_coords(layout.path, layout.genome, task_id=layout.task_id,
                                         category=layout.category, options=layout.options)


def _release(layout: TaskLayout) -> Task:
    from geneb.catalog.tasks import get_task
    from .release import _stem, load_release_task
    spec = get_task(layout.task_id or _stem(Path(layout.path)))
    return load_release_task(layout.path, spec, layout.options)


_PATH = (("path", "the data file or folder (--path)"),)
LOADERS: dict[str, Loader] = {ld.format: ld for ld in (
    Loader("table", "CSV/TSV/Parquet/Arrow files, gzip accepted",
           _FILES | _SPLIT | _CONTENT | _TABLE | {"category"}, (), _table),
    Loader("fasta", "FASTA files, the label (and split) in each header",
           _FILES | _SPLIT | _CONTENT | {"category", "label_pattern", "split_pattern"},
           (("label_pattern", "a regular expression with a group, e.g. --label-pattern "
                              "'label=(\\w+)'"),), _fasta),
    Loader("nt", "Nucleotide Transformer data saved from Hugging Face (sequence,name,label,task)",
           _FILES | _SPLIT | _CONTENT | {"category", "task", "revised"}, (), _nt),
    Loader("gue", "the GUE folder (<group>/<task>/{train,dev,test}.csv)",
           frozenset({"path", "category", "name", "dev"}),
           (*_PATH, ("name", "the GUE task as group/task, e.g. --name prom/prom_300_tata")), _gue),
    Loader("genomic-benchmarks", "a downloaded dataset ({train,test}/<class>/<id>.txt)",
           frozenset({"path", "category"}), _PATH, _gb),
    Loader("genomic-benchmarks-coords", "{train,test}/<class>.csv.gz with id,region,start,end,strand",
           frozenset({"path", "category", "genome"}),
           (*_PATH, ("genome", "the genome FASTA the coordinates refer to (--genome)")), _gb_coords),
    Loader("geneb-release", "one <task_id>.csv of the GENEB task files (text,label,split)",
           frozenset({"path"}), _PATH, _release),
)}


def flag(key: str) -> str:
    """The command-line flag of a layout field (``sequence_column`` → ``--sequence-column``)."""
    return "--" + key.replace("_", "-")


def unused_fields(layout: TaskLayout, fmt: str) -> list[str]:
    """Fields set in ``layout`` that the loader of ``fmt`` does not read."""
    loader = LOADERS[fmt]
    return [k for k in layout.given() if k not in COMMON and k not in loader.uses]


def check_layout(layout: TaskLayout) -> Loader:
    """The loader of a layout, after checking it reads every field that is set.

    Raises
    ------
    InputError
        A field the loader does not read (named as YAML key and flag, with the loader and
        what it reads), or a field it needs that is missing.
    """
    fmt = layout.resolved_format()
    loader = LOADERS[fmt]
    where = source_name(layout) or "task"
    chosen = f"format {fmt!r}" + (" (decided from the path; set --format)" if layout.format == "auto" else "")
    unused = unused_fields(layout, fmt)
    if unused:
        names = ", ".join(f"{k} ({flag(k)})" for k in unused)
        reads = ", ".join(flag(k) for k in sorted(loader.uses))
        raise InputError(f"{where}: {names} {'is' if len(unused) == 1 else 'are'} not used by "
                         f"{chosen}, which reads {loader.reads} and takes {reads}; drop "
                         f"{'it' if len(unused) == 1 else 'them'} or choose another --format")
    for key, hint in loader.needs:
        if not getattr(layout, key):
            raise InputError(f"{where}: {chosen} needs {key} ({hint})")
    return loader


def load_layout(layout: TaskLayout) -> Task:
    """Load the task a :class:`TaskLayout` describes, with the loader its format names."""
    return check_layout(layout).load(layout)


__all__ = ["COMMON", "LOADERS", "Loader", "check_layout", "flag", "load_layout", "unused_fields"]
