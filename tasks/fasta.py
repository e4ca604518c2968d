"""FASTA tasks: one record per sequence, the label (and optionally the split) in the header."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

from geneb.core.errors import InputError, MissingDataError

from .data import Task
from .files import default_task_id
from .layout import TaskLayout
from .options import LoadOptions
from ._rows import Part, PartRows, build_task, gather, source_name, split_parts
from .specs import user_spec


def read_fasta(path: str | Path) -> Iterator[tuple[str, str]]:
    """Yield ``(header, sequence)`` records (header without ``>``); gzip accepted.

    Raises
    ------
    InputError
        Sequence lines before the first header.
    """
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    header, chunks = None, []
    with opener(path, "rt") as fh:
        for k, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith(";"):
                continue
            if line.startswith(">"):
                if header is not None:
                    yield header, "".join(chunks)
                header, chunks = line[1:].strip(), []
            elif header is None:
                raise InputError(f"{path}: line {k} holds sequence before the first '>' header; "
                                 f"is this a FASTA file?")
            else:
                chunks.append(line)
    if header is not None:
        yield header, "".join(chunks)


def _compile(pattern: str, what: str) -> re.Pattern:
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        raise InputError(f"{what} pattern {pattern!r} is not a valid regular expression ({exc})") from None
    if rx.groups == 0:
        raise InputError(f"{what} pattern {pattern!r} needs a group, e.g. 'label=(\\w+)'")
    return rx


def _group(m: re.Match, name: str) -> str:
    return m.group(name) if name in m.re.groupindex else m.group(1)


def read_fasta_part(part: Part, layout: TaskLayout) -> PartRows:
    """Read one FASTA file: the label (and, for a part without a role, the split) from each
    header by ``label_pattern`` (``split_pattern``)."""
    path = part.file
    if not path.is_file():
        raise MissingDataError(f"task file {str(path)!r} does not exist")
    label_rx = _compile(layout.label_pattern, "label")
    split_rx = _compile(layout.split_pattern, "split") if layout.split_pattern else None
    if split_rx is not None and part.role is not None:
        raise InputError(f"{path}: --split-pattern is not used when --train/--test files give "
                         f"the split; drop it")
    headers, seqs, labels, splits = [], [], [], []
    for i, (header, seq) in enumerate(read_fasta(path)):
        m = label_rx.search(header)
        if not m:
            raise InputError(f"{path}: record {i + 1} (>{header[:60]}) does not match the label "
                             f"pattern {layout.label_pattern!r}")
        labels.append(_group(m, "label"))
        if split_rx is not None:
            s = split_rx.search(header)
            if not s:
                raise InputError(f"{path}: record {i + 1} (>{header[:60]}) does not match the split "
                                 f"pattern {layout.split_pattern!r}")
            splits.append(_group(s, "split"))
        headers.append(header)
        seqs.append(seq)
    if not seqs:
        raise InputError(f"{path}: no FASTA records")
    return PartRows(seqs, labels, splits if split_rx is not None else None,
                    place=lambda i: f"record {i + 1} (>{headers[i][:60]})")


def load_fasta_layout(layout: TaskLayout) -> Task:
    """Load a task from FASTA files whose headers carry the label (and maybe the split)."""
    if not layout.label_pattern:
        raise InputError(f"{source_name(layout)}: a FASTA task needs label_pattern (a regular "
                         f"expression with a group, e.g. --label-pattern 'label=(\\w+)')")
    parts = split_parts(layout)
    spec = user_spec(layout.task_id or default_task_id(layout), layout.category or "other",
                     layout.first_file())
    g = gather(parts, lambda part: read_fasta_part(part, layout), layout)
    prep = {"format": "fasta", "label_pattern": layout.label_pattern,
            "split_pattern": layout.split_pattern}
    return build_task(g, layout, spec, source_name(layout), prep)


def load_fasta_task(path: str | Path, label_pattern: str, *, split_pattern: str | None = None,
                    task_id: str | None = None, category: str = "other",
                    options: LoadOptions = LoadOptions()) -> Task:
    """Load a task from a FASTA file whose headers carry the label.

    Parameters
    ----------
    path : path-like
        ``.fa``/``.fasta``, gzip accepted.
    label_pattern : str
        Regular expression searched in each header; its group ``label`` (or first group) is
        the label, e.g. ``'label=(\\w+)'`` or ``'^\\S+\\|(\\w+)'``.
    split_pattern : str, optional
        Same for the split (``train``/``test``); without it, a seeded stratified split.
    task_id : str, optional
        Defaults to the file name without extensions.
    category : str
    """
    layout = TaskLayout(path=str(path), format="fasta", label_pattern=label_pattern,
                        split_pattern=split_pattern, task_id=task_id, category=category,
                        **options.as_kwargs())
    return load_fasta_layout(layout)
