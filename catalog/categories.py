"""The 13 GENEB functional categories, in the release's order, with their full names."""

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

#: The full name of each category (the short labels are the release's column names).
FULL_NAMES: dict[str, str] = {
    "Histone Mod.": "Histone Modification",
    "Promoters": "Promoters",
    "Enhancers": "Enhancers",
    "DNA Methyl.": "DNA Methylation",
    "Splice Sites": "Splice Sites",
    "lncRNA": "Long Non-coding RNA",
    "Mouse Enh.": "Mouse Enhancers",
    "TF Binding": "Transcription Factor Binding",
    "Species Clf.": "Species Classification",
    "Regulatory": "Regulatory Elements",
    "Virus/Phage": "Virus/Phage Identification",
    "Coding/NC": "Coding vs. Non-coding",
    "Chromatin Acc.": "Chromatin Accessibility",
}

#: Other spellings people use for a category (matched like the names).
ALIASES: dict[str, tuple[str, ...]] = {
    "Histone Mod.": ("Histone Modifications", "Histone Marks", "Histone"),
    "Promoters": ("Promoter",),
    "Enhancers": ("Enhancer",),
    "DNA Methyl.": ("Methylation",),
    "Splice Sites": ("Splice Site", "Splicing"),
    "lncRNA": ("Long Noncoding RNA", "lncRNAs"),
    "Mouse Enh.": ("Mouse Enhancer",),
    "TF Binding": ("TF Binding Sites", "TFBS", "Transcription Factor Binding Sites"),
    "Species Clf.": ("Species Classifier",),
    "Regulatory": ("Regulatory Element",),
    "Virus/Phage": ("Virus/Phage Detection", "Virus", "Phage"),
    "Coding/NC": ("Coding/Non-coding", "Coding vs Noncoding", "Coding"),
    "Chromatin Acc.": ("Open Chromatin",),
}

#: Category for a user's task that fits none of the 13.
OTHER = "other"


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _names(category: str) -> tuple[str, ...]:
    return (category, FULL_NAMES.get(category, category), *ALIASES.get(category, ()))


def resolve_category(name: str, *, allow_other: bool = False) -> str:
    """Return the canonical (short) category label for ``name``.

    Short labels ("DNA Methyl."), full names ("DNA methylation") and common aliases match,
    ignoring case, spaces and punctuation; an unambiguous start of a name ("splice") works too.
    """
    allowed = CATEGORIES + ((OTHER,) if allow_other else ())
    key = _key(str(name))
    exact = [c for c in allowed if key in {_key(n) for n in _names(c)}]
    if exact:
        return exact[0]
    prefix = {c for c in allowed if key and any(_key(n).startswith(key) for n in _names(c))}
    if len(prefix) == 1:
        return prefix.pop()
    shown = [f"{c} ({FULL_NAMES[c]})" if FULL_NAMES.get(c, c) != c else c for c in allowed]
    everything = [n for c in allowed for n in _names(c)]
    raise UnknownNameError(
        f"unknown category {name!r}.{did_you_mean(str(name), everything)} "
        f"Categories: {', '.join(shown)}."
    )
