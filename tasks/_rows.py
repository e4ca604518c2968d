"""The path every task-file loader shares: files per split → rows → one validated task.

A loader turns its :class:`~geneb.tasks.layout.TaskLayout` into :class:`Part` s (one file
each, with the split it holds when the file says so) and a function reading one part into
:class:`PartRows`. :func:`build_task` then does the rest the same way for every loader:
validation rows recorded and not probed, the split rule (the data's own split, or a seeded
one), ``label_map``, ``sequence_format: kmer``, the checksum and the provenance.

:class:`RowStack` gathers the rows of loaders with their own layout (GUE, Genomic
Benchmarks), one part per split or class.
"""

from __future__ import annotations

import glob
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from geneb.catalog.tasks import TaskSpec
from geneb.core.errors import InputError, MissingDataError
from geneb.core.provenance import sha256_file
from geneb.core.registry import did_you_mean

from ._assemble import RawRows, assemble_task
from .data import Task
from ._kmer_text import decode_kmers
from .layout import TaskLayout

#: Split codes while gathering: train, test, unknown (no split in the data), validation.
TRAIN, TEST, UNKNOWN, VALID = 0, 1, -1, -2
#: Names of a validation split (in file names, folder names and split columns of NT data).
VALID_NAMES = ("validation", "valid", "dev", "val")
_GLOB = set("*?[")


@dataclass(frozen=True)
class Part:
    """One data file and the split it holds ("train", "test", "valid"; None: from its rows)."""

    file: Path
    role: str | None = None


@dataclass
class PartRows:
    """The rows one part contributes.

    Attributes
    ----------
    sequences, labels : list, length m
    split : list of str, or None
        Per-row split values from the data (a column, a header pattern); None when the
        part has none.
    place : callable
        Maps a 0-based position among these rows to a place in the file ("row 7").
    seen : dict
        Facts for messages and provenance (e.g. the task values met by a row filter).
    """

    sequences: list
    labels: list
    split: list | None
    place: Callable[[int], str]
    seen: dict = field(default_factory=dict)


@dataclass
class Gathered:
    """Rows of every part, with where each came from."""

    sequences: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    codes: list = field(default_factory=list)
    unused: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    files: list = field(default_factory=list)
    seen: dict = field(default_factory=dict)
    _parts: list = field(default_factory=list)  # (start, where, place)

    def add(self, rows: PartRows, codes: np.ndarray, where: str) -> None:
        keep = codes != VALID
        self._parts.append((len(self.sequences), where, rows.place, np.flatnonzero(keep)))
        self.sequences.extend(s for s, k in zip(rows.sequences, keep) if k)
        self.labels.extend(v for v, k in zip(rows.labels, keep) if k)
        self.codes.extend(codes[keep].tolist())

    def locate(self, i: int) -> str:
        """Row ``i`` as a place in its file ("row 7"; "train.tsv row 7" with several files)."""
        starts = [p[0] for p in self._parts]
        k = int(np.searchsorted(starts, i, side="right")) - 1
        start, where, place, kept = self._parts[k]
        here = place(int(kept[i - start]))
        return here if len({p[1] for p in self._parts}) == 1 else f"{Path(where).name} {here}"


@dataclass
class RowStack:
    """Sequences, labels and split codes gathered part by part, remembering where each came from.

    ``locate(i)`` names the file and row (or file) of stacked row ``i`` for error messages.
    """

    sequences: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    split: list = field(default_factory=list)
    _parts: list = field(default_factory=list)  # (start, file name, per-row names or None)

    def add(self, sequences, labels, split_code: int, where: str, names=None) -> None:
        """Append the rows of one file (a table with a header line), or of many one-sequence
        files named by ``names``."""
        self._parts.append((len(self.sequences), where, names))
        self.sequences.extend(sequences)
        self.labels.extend(labels)
        self.split.extend([split_code] * len(sequences))

    def locate(self, i: int) -> str:
        starts = [p[0] for p in self._parts]
        k = int(np.searchsorted(starts, i, side="right")) - 1
        start, where, names = self._parts[k]
        return f"{where} row {i - start + 2}" if names is None else f"file {names[i - start]}"

    def rows(self) -> RawRows:
        """The stacked rows, their split codes (int8, shape (n,)) and this locator."""
        return RawRows(self.sequences, self.labels, np.asarray(self.split, dtype=np.int8),
                       self.locate)


def expand(pattern: str, what: str) -> list[Path]:
    """The files a path or glob names, sorted (an error when a glob matches nothing)."""
    if not _GLOB & set(pattern):
        return [Path(pattern)]
    found = sorted(Path(p) for p in glob.glob(pattern))
    if not found:
        raise MissingDataError(f"no file matches {what} {pattern!r}")
    return found


def split_parts(layout: TaskLayout) -> list[Part]:
    """Parts from ``path`` (split from the rows) or ``train``/``test`` files, plus ``valid``.

    Raises
    ------
    InputError
        ``path`` together with ``train``/``test``, or a test file without a train file.
    """
    if layout.path and (layout.train or layout.test):
        raise InputError("give the data either as one path (split from a column, or seeded) or as "
                         "train/test files (--train, --test), not both")
    if layout.test and not layout.train:
        raise InputError(f"a test file ({layout.test}) needs a train file too (--train FILE)")
    parts = [Part(f) for f in expand(layout.path, "path")] if layout.path else []
    for role in ("train", "test", "valid"):
        pattern = getattr(layout, role)
        if pattern:
            parts += [Part(f, role) for f in expand(pattern, role)]
    return parts


def source_name(layout: TaskLayout) -> str:
    """How messages and provenance name a layout's data: its path, or its train + test files."""
    if layout.path:
        return layout.path
    return " + ".join(p for p in (layout.train, layout.test) if p)


def split_codes(values: Sequence, layout: TaskLayout, place: Callable[[int], str], where: str,
                unused_values: tuple[str, ...] = ()) -> np.ndarray:
    """Per-row split values → TRAIN/TEST (or VALID for ``unused_values``); others are an error."""
    train_values = layout.train_values or ("train",)
    test_values = layout.test_values or ("test",)
    text = np.array([str(v).strip().lower() for v in values], dtype=object)
    codes = np.full(len(text), -3, dtype=np.int8)
    codes[np.isin(text, [v.lower() for v in train_values])] = TRAIN
    codes[np.isin(text, [v.lower() for v in test_values])] = TEST
    codes[(codes == -3) & np.isin(text, list(unused_values))] = VALID
    bad = np.flatnonzero(codes == -3)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{where}: {place(i)} has split {values[i]!r}; use "
                         f"{' or '.join(repr(v) for v in (*train_values, *test_values))} "
                         f"(--train-values/--test-values name others)")
    return codes


def gather(parts: list[Part], read: Callable[[Part], PartRows], layout: TaskLayout,
           unused_values: tuple[str, ...] = ()) -> Gathered:
    """Read every part; validation rows are counted and recorded, not kept."""
    out = Gathered()
    for part in parts:
        rows = read(part)
        where = str(part.file)
        for key, values in rows.seen.items():
            out.seen.setdefault(key, set()).update(values)
        n = len(rows.sequences)
        if part.role is not None and rows.split is not None:
            raise InputError(f"{where}: this file is the {part.role} split, but its rows have a "
                             f"split too; drop --split-column/--split-pattern or give one path")
        if part.role is not None:
            code = {"train": TRAIN, "test": TEST, "valid": VALID}[part.role]
            codes = np.full(n, code, dtype=np.int8)
        elif rows.split is not None:
            codes = split_codes(rows.split, layout, rows.place, where, unused_values)
        else:
            codes = np.full(n, UNKNOWN, dtype=np.int8)
        n_valid = int((codes == VALID).sum())
        if n_valid:
            out.unused[where] = out.unused.get(where, 0) + n_valid
            out.warnings.append(f"{part.file.name}: {n_valid} validation rows not used (GENEB "
                                f"trains on train, scores on test)")
        if n > n_valid:
            out.files.append(where)
        out.add(rows, codes, where)
    return out


def _resolve_split(g: Gathered, layout: TaskLayout, where: str) -> tuple[np.ndarray | None, list]:
    """The split to use: the data's own, or None (a seeded split); with warnings."""
    codes = np.asarray(g.codes, dtype=np.int8)
    given = [k for k in ("test_fraction", "split_seed") if getattr(layout, k) is not None]
    if (codes == UNKNOWN).any() and (codes != UNKNOWN).any():
        raise InputError(f"{where}: some files give a split and some do not; give a split in "
                         f"every file, or none")
    if (codes == TEST).any():
        if given:
            flags = ", ".join(f"--{k.replace('_', '-')}" for k in given)
            raise InputError(f"{where}: {flags} {'is' if len(given) == 1 else 'are'} not used: "
                             f"the data has its own test split ({int((codes == TEST).sum())} test "
                             f"rows); drop {'it' if len(given) == 1 else 'them'}")
        return codes, []
    if (codes == TRAIN).any() and layout.test_fraction is None:
        raise InputError(f"{where}: only train rows (no test file or test value); give a test "
                         f"file (--test FILE), or pass --test-fraction 0.2 for a seeded "
                         f"stratified split")
    if layout.test_fraction is None:
        return None, [f"no split in the data: a seeded stratified split was made (test_fraction "
                      f"{layout.split_fraction}, split_seed {layout.split_random_seed}); set "
                      f"--test-fraction to choose it, or name a split column (--split-column)"]
    return None, []


def _map_labels(labels: list, layout: TaskLayout, g: Gathered, where: str) -> list:
    mapping = dict(layout.label_map)
    out = []
    for i, raw in enumerate(labels):
        key = "" if raw is None else str(raw).strip()
        if key not in mapping:
            raise InputError(f"{where}: {g.locate(i)} has label {key!r}, which label_map does not "
                             f"cover ({', '.join(repr(k) for k in mapping)}); add {key}=LABEL")
        out.append(mapping[key])
    return out


def _checksum(g: Gathered, recipe: dict) -> str:
    if len(g.files) == 1 and not recipe:
        return sha256_file(g.files[0])  # one file read as it is: its own checksum, as always
    digest = hashlib.sha256()
    for f in g.files:
        digest.update(f"{Path(f).name}:{sha256_file(f)}\n".encode())
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    return digest.hexdigest()


def build_task(g: Gathered, layout: TaskLayout, spec: TaskSpec, where: str,
               prep: dict | None = None) -> Task:
    """Validate gathered rows into a task: split rule, label map, k-mer text, checksum.

    Raises
    ------
    InputError
        No rows (a row filter that matches nothing says which values exist), a split that
        is given and asked for at once, an unmapped label, bad k-mer text, and everything
        :func:`~geneb.tasks._assemble.assemble_task` refuses.
    """
    if not g.sequences:
        values = sorted(g.seen.get("task_values", ()))
        hint = (f"{did_you_mean(layout.task or '', values)} Values in the task column: "
                f"{', '.join(values[:20])}") if layout.task is not None and values else ""
        raise InputError(f"{where}: no rows to use{f' for task {layout.task!r}' if layout.task else ''}."
                         f"{hint}")
    split, warnings = _resolve_split(g, layout, where)
    labels = _map_labels(g.labels, layout, g, where) if layout.label_map else g.labels
    sequences, recipe, prep = g.sequences, {}, dict(prep or {})
    if layout.sequence_format == "kmer":
        sequences, k = decode_kmers(g.sequences, where, g.locate)
        recipe["sequence_format"] = prep["kmer_k"] = k
    if layout.task is not None:
        recipe["task"] = prep["task"] = layout.task
    if layout.label_map:
        recipe["label_map"] = prep["label_map"] = dict(layout.label_map)
    prep.update(files=g.files, rows_unused=g.unused,
                warnings=[*prep.get("warnings", []), *g.warnings, *warnings])
    if layout.valid:
        prep["valid"] = layout.valid
    return assemble_task(RawRows(sequences, labels, split, g.locate), spec, where,
                         _checksum(g, recipe), options=layout.options, prep=prep)
