"""Sequence normalisation and validation shared by every loader."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from geneb.core.errors import InputError

from ._kmer_text import looks_like_kmers

#: IUPAC ambiguity letters (N excluded: N is kept as N in every mode).
AMBIGUITY = frozenset("RYSWKMBDHV")
#: Letters accepted in sequences: the four bases, N and the IUPAC ambiguity codes.
ALLOWED = frozenset("ACGTN") | AMBIGUITY
#: What to do with IUPAC ambiguity letters: replace by N (default), reject the task, keep as is.
AMBIGUITY_MODES = ("n", "reject", "keep")

_BAD = re.compile(r"[^ACGTNRYSWKMBDHV]")
_AMBIG = re.compile(r"[RYSWKMBDHV]")
_TO_N = str.maketrans({c: "N" for c in AMBIGUITY})


def csv_row(i: int) -> str:
    """Default locator: row ``i`` (0-based data row) of a file with a header line."""
    return f"row {i + 2}"


@dataclass(frozen=True)
class NormalizedSequences:
    """Normalised sequences and what normalisation changed.

    Attributes
    ----------
    sequences : tuple of str, length n
        Upper-case sequences over ``A C G T N`` (and the IUPAC letters when ``ambiguity="keep"``).
    ambiguity_counts : dict of str to int
        How many IUPAC ambiguity letters of each kind were met (before replacement).
    n_sequences_with_ambiguity : int
    n_lowercase : int
        Sequences that held lower-case letters (soft-masked repeats, usually).
    """

    sequences: tuple[str, ...]
    ambiguity_counts: dict = field(default_factory=dict)
    n_sequences_with_ambiguity: int = 0
    n_lowercase: int = 0

    def summary(self, ambiguity: str) -> dict:
        """JSON-able record of the changes, for a task's provenance."""
        return {"ambiguity_mode": ambiguity,
                "ambiguity_letters": dict(sorted(self.ambiguity_counts.items())),
                "sequences_with_ambiguity": self.n_sequences_with_ambiguity,
                "sequences_lowercase": self.n_lowercase}


def normalize(raw: Iterable, where: str, *, ambiguity: str = "n",
              locate: Callable[[int], str] = csv_row) -> NormalizedSequences:
    """Upper-case and validate sequences, counting ambiguity letters.

    Parameters
    ----------
    raw : iterable of str, length n
    where : str
        Names the file in error messages.
    ambiguity : {"n", "reject", "keep"}
        IUPAC ambiguity letters (R, Y, S, W, K, M, B, D, H, V): replaced by N, an error,
        or kept.
    locate : callable
        Maps a 0-based position to the place a user finds it ("row 7", "record 3 (>id)").

    Raises
    ------
    InputError
        For an empty sequence, a letter outside :data:`ALLOWED`, or an ambiguity letter
        under ``ambiguity="reject"``, naming the place.
    """
    if ambiguity not in AMBIGUITY_MODES:
        raise InputError(f"ambiguity mode {ambiguity!r} is unknown; use one of "
                         f"{', '.join(AMBIGUITY_MODES)}")
    out: list[str] = []
    counts: Counter = Counter()
    n_amb = n_lower = 0
    for i, s in enumerate(raw):
        s = "" if s is None or isinstance(s, float) else str(s).strip()
        if not s:
            raise InputError(f"{where}: {locate(i)} has an empty sequence; remove it or fill it in")
        upper = s.upper()
        if upper != s:
            n_lower += 1
        bad = _BAD.search(upper)
        if bad:
            k = looks_like_kmers(s) if s[bad.start()].isspace() else None
            hint = (f"; it looks like {k}-mers separated by spaces: read them with "
                    f"--sequence-format kmer (YAML: sequence_format: kmer)") if k else \
                "; sequences may hold only A, C, G, T, N and IUPAC codes"
            raise InputError(
                f"{where}: {locate(i)} has the character {s[bad.start()]!r} at position "
                f"{bad.start() + 1}{hint}")
        if _AMBIG.search(upper):
            if ambiguity == "reject":
                m = _AMBIG.search(upper)
                raise InputError(
                    f"{where}: {locate(i)} has the ambiguity letter {m.group()!r} at position "
                    f"{m.start() + 1} and ambiguity letters are rejected; use --ambiguity n to "
                    f"turn them into N")
            n_amb += 1
            counts.update(_AMBIG.findall(upper))
            if ambiguity == "n":
                upper = upper.translate(_TO_N)
        out.append(upper)
    return NormalizedSequences(tuple(out), dict(counts), n_amb, n_lower)

