"""Task data: the labelled sequences behind a task spec, their loaders and quality reports.

Imports only :mod:`geneb.core` and :mod:`geneb.catalog`.

Loaders (each returns a validated :class:`TaskData`; every one honours :class:`LoadOptions`):

* :func:`load_task` — catalog tasks: geneb-mini (shipped) or official ones from ``tasks_dir``;
* :func:`load_tasks_dir` — the GENEB release layout (``<task_id>.csv``), missing tasks listed;
* :func:`load_task_file`, :func:`load_table_task` — a user's CSV/TSV/Parquet (gzip accepted);
* :func:`load_fasta_task` — FASTA, the label (and split) in the header by a pattern;
* :func:`load_gue_task` — GUE ``<group>/<task>/{train,dev,test}.csv``;
* :func:`load_nt_task` — Nucleotide Transformer downstream tasks saved from Hugging Face;
* :func:`load_genomic_benchmark`, :func:`load_genomic_benchmark_coords` — Genomic Benchmarks;
* :func:`load_layout` — any of these from a :class:`TaskLayout` (a task YAML, or the same
  keys as command-line flags; :func:`read_task_config`, :func:`layout_from_mapping`).
"""

from geneb.tasks.config import TaskSource, load_source, read_task_config
from geneb.tasks.layout import TaskLayout, layout_from_mapping
from geneb.tasks.loaders import load_layout
from geneb.tasks.data import TaskData
from geneb.tasks.fasta import load_fasta_task
from geneb.tasks.files import load_table_task, load_task_file
from geneb.tasks.genomic_benchmarks import load_genomic_benchmark, load_genomic_benchmark_coords
from geneb.tasks.gue import load_gue_task
from geneb.tasks.load import load_task, load_tasks, load_tasks_dir
from geneb.tasks.nt import load_nt_task
from geneb.tasks.options import LoadOptions
from geneb.tasks.quality import quality_report

__all__ = ["TaskData", "LoadOptions", "TaskLayout", "TaskSource", "layout_from_mapping",
           "load_layout", "load_task", "load_tasks", "load_tasks_dir", "load_task_file", "load_table_task", "load_fasta_task", "load_gue_task", "load_nt_task",
           "load_genomic_benchmark", "load_genomic_benchmark_coords", "load_source",
           "read_task_config", "quality_report"]
