"""Where a task's data is and how to read it: one frozen :class:`TaskLayout`.

Its fields are exactly the keys of a task YAML, and the command-line flags of every command
that reads a task file (``--`` + the key with ``-`` for ``_``: ``sequence_column`` is
``--sequence-column``). Each loader declares which of them it reads
(:mod:`geneb.tasks.loaders`); any other one that is set is an error.

Example ``my_task.yaml``::

    task_id: my_enhancers
    category: Enhancers          # the 13 GENEB categories (short or full names), or "other"
    format: table                # see FORMATS; auto decides from the path
    train: data/train.tsv.gz     # relative to the YAML file; globs allowed
    test: data/test.tsv.gz
    sequence_column: text
    label_column: label
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from geneb.catalog.categories import resolve_category
from geneb.core.errors import InputError
from geneb.core.registry import did_you_mean

from .options import LoadOptions

FORMATS = ("auto", "table", "fasta", "gue", "nt", "genomic-benchmarks",
           "genomic-benchmarks-coords", "geneb-release")
#: How the sequence field is written: plain letters, or overlapping k-mers separated by spaces.
SEQUENCE_FORMATS = ("plain", "kmer")
#: What a GUE loader does with ``dev.csv``: "auto" (train when there is no train.csv, else
#: unused), "train", "test", "unused".
DEV_MODES = ("auto", "train", "test", "unused")
_FASTA_ENDINGS = (".fa", ".fasta", ".fna", ".fa.gz", ".fasta.gz", ".fna.gz")
#: Fields naming files or folders (relative ones follow the YAML's folder; globs kept).
PATH_FIELDS = ("path", "train", "test", "valid", "genome")
#: Named separators (``--sep '\t'`` as typed in a shell is the two characters ``\`` ``t``).
_SEPARATORS = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "space": " ",
               "pipe": "|", "whitespace": r"\s+", "\\s+": r"\s+"}


@dataclass(frozen=True, kw_only=True)
class TaskLayout(LoadOptions):
    """A task source: the loader, its files and its reading options (a task YAML).

    ``None`` means "not given": each loader applies its own default, and a loader refuses
    any field it does not read that is not None (see :mod:`geneb.tasks.loaders`).

    Attributes
    ----------
    task_id, category, format
        ``format`` "auto" decides from the path (folder layouts, FASTA endings, else table).
    path : str
        The data file (or folder, or glob); or give ``train``/``test`` files instead.
    train, test, valid : str
        One file (or glob) per split; ``valid`` is recorded, not probed.
    sep, column_names
        Text tables: field separator (``\\t``/``tab`` understood); names for a file without
        a header line.
    sequence_column, label_column, split_column, train_values, test_values
        Table columns (default ``sequence|text|seq``, ``label|labels|class|y``, ``split``)
        and the split values meaning train and test.
    task_column, task
        Keep only rows whose ``task_column`` (default ``task``) equals ``task``.
    sequence_format : {"plain", "kmer"}
        "kmer": each sequence is written as overlapping k-mers separated by spaces.
    label_map : tuple of (raw, label) pairs
        Labels renamed before coding (``+=1,-=0``); every raw label must be covered.
    label_pattern, split_pattern
        FASTA: regular expressions with a group, searched in each header.
    name, dev
        GUE: ``group/task`` and what ``dev.csv`` is used as.
    revised
        Nucleotide Transformer: the revised release (default: "revised" in the path).
    genome
        Genomic Benchmarks coordinates: the genome FASTA.
    ambiguity, max_train, subsample_seed, test_fraction, split_seed
        See :class:`LoadOptions`.
    """

    task_id: str | None = None
    category: str | None = None
    format: str = "auto"
    path: str | None = None
    train: str | None = None
    test: str | None = None
    valid: str | None = None
    sep: str | None = None
    column_names: tuple[str, ...] | None = None
    sequence_column: str | None = None
    label_column: str | None = None
    split_column: str | None = None
    train_values: tuple[str, ...] | None = None
    test_values: tuple[str, ...] | None = None
    task_column: str | None = None
    task: str | None = None
    sequence_format: str | None = None
    label_map: tuple[tuple[str, str], ...] | None = None
    label_pattern: str | None = None
    split_pattern: str | None = None
    name: str | None = None
    dev: str | None = None
    revised: bool | None = None
    genome: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        for key, allowed in (("format", FORMATS), ("sequence_format", SEQUENCE_FORMATS),
                             ("dev", DEV_MODES)):
            value = getattr(self, key)
            if value is not None and value not in allowed:
                raise InputError(f"{key} {value!r} is unknown.{did_you_mean(str(value), list(allowed))} "
                                 f"Use one of {', '.join(allowed)}")

    @property
    def options(self) -> LoadOptions:
        """The row-preparation options alone."""
        return self.load_options()

    def first_file(self) -> str:
        """The path, else the train file (what names the task and decides "auto")."""
        return self.path or self.train or self.test or ""

    def resolved_format(self) -> str:
        """The format, with "auto" decided from the path."""
        if self.format != "auto":
            return self.format
        p = Path(self.first_file())
        if p.is_dir():
            if (p / "train").is_dir() and any(q.is_dir() for q in (p / "train").iterdir()):
                return "genomic-benchmarks"
            if any(p.glob("*/*/test.csv")) or any(p.glob("*/*/test.csv.gz")):
                return "gue"
            return "nt"
        if p.name.lower().endswith(_FASTA_ENDINGS):
            return "fasta"
        return "table"

    def given(self) -> dict:
        """The fields set to something other than their default, in field order."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                out[f.name] = value
        return out

    def to_dict(self) -> dict:
        """The given fields, YAML-ready (task_id, path and format first)."""
        given = self.given()
        head = {k: getattr(self, k) for k in ("task_id", "format", "category", "path")
                if k in given or k == "format"}
        out = {}
        for key, value in {**head, **given}.items():
            if key == "label_map" and value is not None:
                value = dict(value)
            out[key] = list(value) if isinstance(value, tuple) else value
        return out


_LOAD_KEYS = tuple(f.name for f in fields(LoadOptions))
#: Every key of a task YAML: where and how to read, then the options every loader honours.
KEYS: tuple[str, ...] = tuple(f.name for f in fields(TaskLayout) if f.name not in _LOAD_KEYS) + _LOAD_KEYS


# ---------------------------------------------------------------- building one from a mapping

def _as_list(key: str, value) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    out = tuple(part.strip() for item in items for part in str(item).split(",") if part.strip())
    if not out:
        raise InputError(f"{key} is empty; give names separated by commas, e.g. label,id,sequence")
    return out


def parse_label_map(value) -> tuple[tuple[str, str], ...]:
    """``'+=1,-=0'``, a list of ``RAW=LABEL`` strings or a mapping → ``(("+", "1"), ("-", "0"))``."""
    if isinstance(value, dict):
        flags = [k for k in value if isinstance(k, bool) or k is None]
        if flags:
            raise InputError(f"label_map key {flags[0]!r} is how YAML reads an unquoted yes/no/"
                             f"true/false/null: quote the label, e.g. 'yes': 1")
        pairs = [(str(k).strip(), str(v).strip()) for k, v in value.items()]
    else:
        pairs = []
        for entry in _as_list("label_map", value):
            raw, eq, label = entry.partition("=")
            if "=" in label:
                raise InputError(f"label_map entry {entry!r} holds two '='; separate entries with "
                                 f"commas, e.g. '+=1,-=0'")
            if not eq or not raw.strip() or not label.strip():
                raise InputError(f"label_map entry {entry!r} is not RAW=LABEL; write it like "
                                 f"'+=1,-=0'")
            pairs.append((raw.strip(), label.strip()))
    raws = [r for r, _ in pairs]
    twice = sorted({r for r in raws if raws.count(r) > 1})
    if twice:
        raise InputError(f"label_map maps {twice[0]!r} twice; give each raw label once")
    if not pairs:
        raise InputError("label_map is empty; write it like '+=1,-=0'")
    return tuple(pairs)


def parse_sep(value) -> str:
    """A field separator; ``\\t``, ``tab``, ``comma``, ``whitespace`` ... are understood."""
    text = str(value)
    if text == "":
        raise InputError("sep is empty; give a separator such as ',' or '\\t'")
    return _SEPARATORS.get(text.lower() if text.isalpha() else text, text)


def _number(key: str, value, kind: type):
    if isinstance(value, bool):
        raise InputError(f"{key} {value!r} is not a number")
    try:
        return kind(value) if kind is float else int(str(value).strip())
    except (TypeError, ValueError):
        what = "a whole number" if kind is int else "a number"
        raise InputError(f"{key} {value!r} is not {what}") from None


def _bool(key: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise InputError(f"{key} {value!r} is not true or false")


def _path(value, base: Path) -> str:
    p = Path(str(value)).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def coerce_value(key: str, value, base: Path):
    """One field's value from YAML or command-line text (paths resolved from ``base``)."""
    if value is None:
        return None
    if key in PATH_FIELDS:
        return _path(value, base)
    if key in ("column_names", "train_values", "test_values"):
        return _as_list(key, value)
    if key == "label_map":
        return parse_label_map(value)
    if key == "sep":
        return parse_sep(value)
    if key == "category":
        return resolve_category(str(value), allow_other=True)
    if key == "max_train":
        if isinstance(value, str) and value.strip().lower() in ("none", "null", "off", "all"):
            return None
        return _number(key, value, int)
    if key in ("subsample_seed", "split_seed"):
        return _number(key, value, int)
    if key == "test_fraction":
        return _number(key, value, float)
    if key == "revised":
        return _bool(key, value)
    if isinstance(value, dict | list):
        raise InputError(f"{key} must be a single value, got {type(value).__name__}")
    return str(value)


def layout_from_mapping(data: dict, base_dir: str | Path = ".",
                        where: str = "task config") -> TaskLayout:
    """Build a :class:`TaskLayout` from a mapping (a parsed YAML, or command-line flags).

    Parameters
    ----------
    data : dict
        Key → value; values may be text as typed on a command line (``"0.2"``,
        ``"label,id,sequence"``, ``"+=1,-=0"``, ``"\\t"``).
    base_dir : path-like
        Relative paths are taken from here (the YAML's folder, or the working directory).
    where : str
        Names the source in messages.

    Raises
    ------
    InputError
        Unknown keys (with suggestions), bad values, no data file.
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping of options (key: value), got {type(data).__name__}")
    names = list(KEYS)
    unknown = [k for k in data if k not in names]
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r}.{did_you_mean(str(unknown[0]), names)} "
                         f"Keys: {', '.join(names)}")
    if not any(data.get(k) for k in ("path", "train", "test")):
        raise InputError(f"{where}: no 'path' (the data file or folder) and no 'train'/'test' files")
    try:
        values = {k: coerce_value(k, v, Path(base_dir)) for k, v in data.items()}
        values = {k: v for k, v in values.items() if v is not None or k == "max_train"}
        return TaskLayout(**values)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    except TypeError as exc:
        raise InputError(f"{where}: {exc}") from None


__all__ = ["DEV_MODES", "FORMATS", "KEYS", "PATH_FIELDS", "SEQUENCE_FORMATS", "TaskLayout", "coerce_value",
           "layout_from_mapping", "parse_label_map", "parse_sep"]
