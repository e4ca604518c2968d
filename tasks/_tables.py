"""Read tabular task files: CSV, TSV (gzip accepted), Parquet and Arrow (Hugging Face)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geneb.core.errors import InputError, MissingDataError

#: File endings read by :func:`read_table` (after a trailing ``.gz``).
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".arrow", ".feather")


def table_kind(path: Path) -> str:
    """"csv", "tsv", "parquet" or "arrow" from the file name (a ``.gz`` ending is skipped)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last == ".tsv":
        return "tsv"
    if last == ".parquet":
        return "parquet"
    if last in (".arrow", ".feather"):
        return "arrow"
    return "csv"


def _read_arrow(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.feather as feather
    try:  # Hugging Face `save_to_disk` writes the IPC *stream* format
        with pa.memory_map(str(path)) as src:
            return pa.ipc.open_stream(src).read_all().to_pandas()
    except pa.ArrowInvalid:
        return feather.read_table(str(path)).to_pandas()


def _read_text(path: Path, sep: str, column_names: tuple[str, ...] | None) -> pd.DataFrame:
    # a separator longer than one character is a regular expression: say so to pandas (its
    # python engine), or it warns (ParserWarning) and picks that engine itself
    kw = dict(sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig",
              engine="python" if len(sep) > 1 else "c")
    if not column_names:
        return pd.read_csv(path, **kw)
    df = pd.read_csv(path, header=None, **kw)
    if df.shape[1] != len(column_names):
        raise InputError(f"{path}: rows have {df.shape[1]} fields but column_names gives "
                         f"{len(column_names)} names ({','.join(column_names)}); name every "
                         f"field, e.g. --column-names {','.join(f'c{i + 1}' for i in range(df.shape[1]))}")
    df.columns = list(column_names)
    return df


def read_table(path: str | Path, sep: str | None = None,
               column_names: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Read one table with every column as text (parquet/arrow keep their types).

    Parameters
    ----------
    path : path-like
    sep : str, optional
        Field separator for text files; default "\\t" for ``.tsv`` and "," otherwise. More
        than one character is a regular expression (``\\s+``: any run of whitespace).
        Spaces after a separator are skipped (``EI, id, ACGT`` reads as three fields).
    column_names : tuple of str, optional
        The file has no header line; these name its columns.

    Raises
    ------
    MissingDataError
        The file does not exist.
    InputError
        The file cannot be parsed, or parquet/arrow support (pyarrow) is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"task file {str(path)!r} does not exist")
    kind = table_kind(path)
    try:
        if kind in ("parquet", "arrow"):
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise InputError(f"{path}: reading {kind} files needs pyarrow; "
                                 f"pip install pyarrow") from None
            return pd.read_parquet(path) if kind == "parquet" else _read_arrow(path)
        return _read_text(path, sep or ("\t" if kind == "tsv" else ","), column_names)
    except InputError:
        raise
    except Exception as exc:  # parser errors of pandas/pyarrow, bad gzip, bad encoding
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot be read as {kind.upper()} ({first})") from None


def pick_column(df: pd.DataFrame, wanted: str | None, candidates: tuple[str, ...],
                what: str, where: str, option: str) -> str | None:
    """The column named ``wanted`` (an error if absent) or the first present candidate."""
    if wanted is not None:
        if wanted not in df.columns:
            raise InputError(f"{where}: no column {wanted!r} for the {what}; found "
                             f"{', '.join(map(str, df.columns))}. Set {option}")
        return wanted
    return next((c for c in candidates if c in df.columns), None)
