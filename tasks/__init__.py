"""Task data: the labelled sequences behind a task spec, their loaders and quality reports.

Imports only :mod:`geneb.core` and :mod:`geneb.catalog`.

Every loader returns a validated :class:`Task` and honours :class:`LoadOptions`:

* :func:`select_tasks` — the tasks of a run (ids, a benchmark, ``tasks_dir``, task files);
* :func:`load_task` — catalog tasks: geneb-mini (shipped) or official ones from ``tasks_dir``;
* :func:`load_tasks_dir` — the GENEB release layout (``<task_id>.csv``), missing tasks listed;
* :func:`load_layout` — any task file from a :class:`TaskLayout` (a task YAML, or the same
  keys as command-line flags; :func:`read_task_config`, :func:`layout_from_mapping`);
* :func:`load_task_file`, :func:`load_table_task`, :func:`load_fasta_task`,
  :func:`load_gue_task`, :func:`load_nt_task`, :func:`load_genomic_benchmark`,
  :func:`load_genomic_benchmark_coords` — one layout each, with keyword arguments.

The names below are imported from their modules on first use (PEP 562), so importing
:mod:`geneb.tasks.layout` for the command-line flags loads no pandas. Modules starting with
``_`` are internal.
"""

from __future__ import annotations

from geneb.core.lazy import lazy_exports

#: Public name → the module (in this package) that defines it.
_EXPORTS = {
    "Task": "data", "TaskLayout": "layout", "LoadOptions": "options",
    "layout_from_mapping": "layout", "read_task_config": "config", "load_layout": "loaders",
    "select_tasks": "select",
    "load_task": "load", "load_tasks": "load", "load_tasks_dir": "load",
    "load_task_file": "files", "load_table_task": "files", "load_fasta_task": "fasta",
    "load_gue_task": "gue", "load_nt_task": "nt",
    "load_genomic_benchmark": "genomic_benchmarks",
    "load_genomic_benchmark_coords": "genomic_benchmarks",
    "quality_report": "quality",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
