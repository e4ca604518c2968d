"""Reading small user-written files (YAML configs) with geneb's one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import InputError, MissingDataError


def read_yaml(path: str | Path, what: str) -> Any:
    """Parse a YAML file, or raise a one-line error naming ``what`` and the file.

    Parameters
    ----------
    path : path-like
    what : str
        What the file is ("model file", "task config", "pairs file"), for messages.

    Raises
    ------
    MissingDataError
        When the file does not exist.
    InputError
        When it is not valid YAML (the parser's first line is quoted).
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"{what} {str(path)!r} does not exist")
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{what} {str(path)!r} is not valid YAML ({first})") from None
