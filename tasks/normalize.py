"""Sequence normalisation and validation shared by every loader."""

from __future__ import annotations

import re

from geneb.core.errors import InputError

#: Letters accepted in sequences: the four bases, N and the IUPAC ambiguity codes.
ALLOWED = frozenset("ACGTNRYSWKMBDHV")
_BAD = re.compile(r"[^ACGTNRYSWKMBDHV]")


def normalize_sequences(raw, where: str) -> tuple[str, ...]:
    """Upper-case and validate sequences.

    Parameters
    ----------
    raw : iterable of str
    where : str
        Names the file in error messages.

    Raises
    ------
    InputError
        For an empty sequence or a letter outside :data:`ALLOWED`, naming the row
        (1-based, counting the header as row 1).
    """
    out = []
    for i, s in enumerate(raw):
        s = "" if s is None or (isinstance(s, float)) else str(s).strip().upper()
        if not s:
            raise InputError(f"{where}: row {i + 2} has an empty sequence; remove the row or fill it in")
        bad = _BAD.search(s)
        if bad:
            raise InputError(
                f"{where}: row {i + 2} has the character {bad.group()!r} at position "
                f"{bad.start() + 1}; sequences may hold only A, C, G, T, N and IUPAC codes"
            )
        out.append(s)
    return tuple(out)
