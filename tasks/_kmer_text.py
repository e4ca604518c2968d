"""Sequences written as overlapping k-mers separated by spaces (DNABERT-style fine-tuning data).

``"TATAAA ATAAAC TAAACG"`` is the sequence ``TATAAACG``: each k-mer starts one letter after
the previous one, so consecutive k-mers overlap by k - 1 letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from geneb.core.errors import InputError

_TOKEN = re.compile(r"^[A-Za-z]+$")


def looks_like_kmers(text: str) -> int | None:
    """k when ``text`` is two or more equal-length letter tokens separated by whitespace, else None."""
    tokens = text.split()
    if len(tokens) < 2 or not all(_TOKEN.match(t) for t in tokens):
        return None
    k = len(tokens[0])
    return k if k > 1 and all(len(t) == k for t in tokens) else None


def decode_kmers(raw: Sequence, where: str, locate: Callable[[int], str]) -> tuple[list[str], int]:
    """Rebuild sequences from overlapping k-mer text, checking every row.

    Parameters
    ----------
    raw : sequence of str, length n
        Each row: k-mers separated by whitespace.
    where : str
        Names the file in messages.
    locate : callable
        Maps a 0-based row position to a place the user can find ("row 7").

    Returns
    -------
    (list of str, int)
        The n sequences, and k (inferred from the first row, the same for every row).

    Raises
    ------
    InputError
        An empty row, a k-mer of another length, or two consecutive k-mers that do not
        overlap by k - 1 letters, naming the row and the k-mer.
    """
    out: list[str] = []
    k = None
    for i, text in enumerate(raw):
        tokens = ("" if text is None or isinstance(text, float) else str(text)).split()
        if not tokens:
            raise InputError(f"{where}: {locate(i)} has an empty sequence; remove it or fill it in")
        if k is None:
            k = len(tokens[0])
            first = locate(i)
        for j, tok in enumerate(tokens):
            if len(tok) != k:
                raise InputError(f"{where}: {locate(i)} k-mer {j + 1} {tok[:20]!r} has {len(tok)} "
                                 f"letters, but the k-mers of {first} have {k}; "
                                 f"--sequence-format kmer needs one k for the whole file")
            if j and tok[:-1] != tokens[j - 1][1:]:
                raise InputError(f"{where}: {locate(i)} k-mers {j} and {j + 1} ({tokens[j - 1]!r}, "
                                 f"{tok!r}) do not overlap by {k - 1} letters; --sequence-format "
                                 f"kmer reads overlapping k-mers (step 1)")
        out.append(tokens[0] + "".join(t[-1] for t in tokens[1:]))
    return out, int(k or 0)
