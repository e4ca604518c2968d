"""DNA string helpers shared by the task and extraction layers."""

from __future__ import annotations

# IUPAC complements: A<->T, C<->G, R<->Y, K<->M, B<->V, D<->H; S, W, N are their own.
_COMPLEMENT = str.maketrans("ACGTRYKMBVDHSWNacgtrykmbvdhswn",
                            "TGCAYRMKVBHDSWNtgcayrmkvbhdswn")


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string, IUPAC-aware and case-preserving.

    Parameters
    ----------
    seq : str
        DNA letters (upper or lower case, IUPAC ambiguity codes allowed).

    Returns
    -------
    str
        Same length as ``seq``. Letters outside the IUPAC alphabet are kept as they are
        (only reversed).
    """
    return seq.translate(_COMPLEMENT)[::-1]
