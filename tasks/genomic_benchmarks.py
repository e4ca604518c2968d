"""Genomic Benchmarks: the downloaded layout and the coordinate layout.

* downloaded: ``<root>/{train,test}/<class>/<id>.txt``, one sequence per file;
* coordinates: ``<root>/{train,test}/<class>.csv[.gz]`` with ``id,region,start,end,strand``
  (0-based, half-open; ``-`` strand reverse-complemented), cut from a local genome FASTA.

Labels are the class names; codes follow their sorted order.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from geneb.core.errors import InputError, MissingDataError
from geneb.core.provenance import sha256_file
from geneb.core.sequences import reverse_complement

from ._assemble import assemble_task
from .data import Task
from .faidx import FastaIndex
from ._rows import RowStack
from .options import LoadOptions
from .specs import user_spec
from ._tables import read_table

_SPLITS = (("train", 0), ("test", 1))
COORD_COLUMNS = ("id", "region", "start", "end", "strand")


def _natural(p: Path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]


def _split_dirs(root: Path) -> list[tuple[Path, int]]:
    if not root.is_dir():
        raise MissingDataError(f"Genomic Benchmarks folder {str(root)!r} does not exist")
    missing = [s for s, _ in _SPLITS if not (root / s).is_dir()]
    if missing:
        raise MissingDataError(f"{root}: no {' or '.join(missing)} folder; expected "
                               f"{root}/{{train,test}}/<class>/")
    return [(root / s, code) for s, code in _SPLITS]


def _spec(root: Path, task_id: str | None, category: str | None, layout: str):
    name = root.name
    return user_spec(task_id or f"gb.{name}", category, f"Genomic Benchmarks {name} ({layout})",
                     (f"katarinagresova_Genomic_Benchmarks_{name}",))


def load_genomic_benchmark(root: str | Path, *, task_id: str | None = None,
                           category: str | None = None,
                           options: LoadOptions = LoadOptions()) -> Task:
    """Load a downloaded Genomic Benchmarks dataset (``{train,test}/<class>/<id>.txt``).

    Parameters
    ----------
    root : path-like
        The dataset folder, e.g. ``~/.genomic_benchmarks/human_nontata_promoters``.
    task_id : str, optional
        Default ``gb.<folder name>``.
    category : str, optional
        Default: the category of the matching GENEB task, else "other".
    """
    root = Path(root)
    stack, digest, counts = RowStack(), hashlib.sha256(), {}
    for folder, code in _split_dirs(root):
        classes = sorted(p for p in folder.iterdir() if p.is_dir())
        if not classes:
            raise MissingDataError(f"{folder}: no class folders (expected {folder}/<class>/<id>.txt)")
        for cls in classes:
            files = sorted((p for p in cls.iterdir() if p.is_file() and p.suffix == ".txt"), key=_natural)
            seqs = []
            for f in files:
                data = f.read_bytes()
                digest.update(f"{f.relative_to(root)}\0".encode() + data)
                seqs.append("".join(data.decode("ascii", errors="replace").split()))
            stack.add(seqs, [cls.name] * len(seqs), code, str(cls),
                      names=[str(f.relative_to(root)) for f in files])
            counts[f"{folder.name}/{cls.name}"] = len(seqs)
    spec = _spec(root, task_id, category, "downloaded")
    prep = {"format": "genomic-benchmarks", "files_per_class": counts}
    return assemble_task(stack.rows(), spec, str(root),
                         digest.hexdigest(), options=options, prep=prep)


def _class_tables(folder: Path) -> list[tuple[str, Path]]:
    out = []
    for p in sorted(folder.iterdir()):
        if p.is_file() and (p.name.endswith(".csv") or p.name.endswith(".csv.gz")):
            out.append((p.name.split(".")[0], p))
    if not out:
        raise MissingDataError(f"{folder}: no <class>.csv(.gz) coordinate files")
    return out


def load_genomic_benchmark_coords(root: str | Path, genome: str | Path, *,
                                  task_id: str | None = None, category: str | None = None,
                                  options: LoadOptions = LoadOptions()) -> Task:
    """Cut a coordinate-layout Genomic Benchmarks dataset from a local genome.

    Parameters
    ----------
    root : path-like
        Folder with ``train/<class>.csv.gz`` and ``test/<class>.csv.gz`` holding
        ``id,region,start,end,strand`` (0-based, half-open).
    genome : path-like
        Uncompressed FASTA of the matching assembly; indexed (``.fai``), never loaded whole.
        Region names match with or without a ``chr`` prefix.
    """
    root = Path(root)
    fasta = FastaIndex(genome)
    stack, digest = RowStack(), hashlib.sha256()
    intervals = 0
    with fasta.open() as fh:
        for folder, code in _split_dirs(root):
            for cls, path in _class_tables(folder):
                digest.update(sha256_file(path).encode())
                df = read_table(path)
                missing = [c for c in COORD_COLUMNS if c not in df.columns]
                if missing:
                    raise InputError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                                     f"{','.join(COORD_COLUMNS)}")
                seqs = []
                for i, row in enumerate(df.itertuples(index=False)):
                    where = f"{path} row {i + 2}"
                    try:
                        start, end = int(row.start), int(row.end)
                    except ValueError:
                        raise InputError(f"{where}: start/end {row.start!r}/{row.end!r} are not "
                                         f"integers") from None
                    strand = str(row.strand).strip()
                    if strand not in ("+", "-"):
                        raise InputError(f"{where}: strand {row.strand!r}; use '+' or '-'")
                    try:
                        length = fasta.length(str(row.region))
                    except KeyError:
                        raise InputError(f"{where}: region {row.region!r} is not in {genome}."
                                         f"{fasta.unknown_region_hint(str(row.region))}") from None
                    if not 0 <= start < end <= length:
                        raise InputError(f"{where}: interval {start}-{end} is empty or outside "
                                         f"{row.region} (length {length}); coordinates are "
                                         f"0-based, half-open")
                    s = fasta.fetch(str(row.region), start, end, fh)
                    seqs.append(reverse_complement(s) if strand == "-" else s)
                intervals += len(seqs)
                stack.add(seqs, [cls] * len(seqs), code, str(path))
    digest.update(f"genome:{Path(genome).name}:{Path(genome).stat().st_size}".encode())
    spec = _spec(root, task_id, category, "coordinates")
    prep = {"format": "genomic-benchmarks-coords", "genome": str(genome),
            "genome_index": fasta.index_source, "intervals": intervals}
    return assemble_task(stack.rows(), spec, str(root),
                         digest.hexdigest(), options=options, prep=prep)
