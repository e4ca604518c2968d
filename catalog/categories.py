"""The 13 GENEB functional categories, in the release's order."""

from __future__ import annotations

from geneb.core.errors import UnknownNameError
from geneb.core.registry import did_you_mean

CATEGORIES: tuple[str, ...] = (
    "Histone Mod.",
    "Promoters",
    "Enhancers",
    "DNA Methyl.",
    "Splice Sites",
    "lncRNA",
    "Mouse Enh.",
    "TF Binding",
    "Species Clf.",
    "Regulatory",
    "Virus/Phage",
    "Coding/NC",
    "Chromatin Acc.",
)

#: Category for a user's task that fits none of the 13.
OTHER = "other"


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def resolve_category(name: str, *, allow_other: bool = False) -> str:
    """Return the canonical category spelling for ``name``.

    Matching ignores case, spaces and punctuation ("splice sites", "Splice-Sites" and
    "splice" all work when unambiguous).
    """
    allowed = CATEGORIES + ((OTHER,) if allow_other else ())
    key = _key(name)
    exact = [c for c in allowed if _key(c) == key]
    if exact:
        return exact[0]
    prefix = [c for c in allowed if key and _key(c).startswith(key)]
    if len(prefix) == 1:
        return prefix[0]
    raise UnknownNameError(
        f"unknown category {name!r}.{did_you_mean(name, list(allowed))} "
        f"Categories: {', '.join(allowed)}."
    )
