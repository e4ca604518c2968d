"""Where each result row comes from, and which rows an analysis uses.

Every model of a cube carries a ``source`` coordinate:

``official``
    From the GENEB release leaderboard (the paper's 40 models).
``submission``
    Self-reported: a release submission (e.g. ``splicebert-1024nt``) or a submission JSON
    read by ``geneb import-results``.
``computed``
    Probed here, by geneb.

Cubes written by older geneb versions used ``self-reported`` and ``geneb run`` (and a
submission's own ``meta.provenance`` text); :func:`with_sources` maps them on read.

Headline analyses use the official rows only, unless other kinds are asked for
(``include``) or the models are the user's own (``keep``); a cube without official rows
is analysed whole. Rows that are not official are marked wherever an official row is shown
beside them (:func:`row_labels`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from geneb.core.errors import InputError

if TYPE_CHECKING:  # annotations only: the command line imports this module to build parsers
    import xarray as xr

OFFICIAL, SUBMISSION, COMPUTED = "official", "submission", "computed"
SOURCES = (OFFICIAL, SUBMISSION, COMPUTED)
#: Attribute of the ``source`` coordinate, for readers with plain xarray.
SOURCE_DESCRIPTION = ("how each model's results were made: official = the GENEB release "
                      "leaderboard; submission = self-reported (a release submission or an "
                      "imported submission JSON); computed = probed with geneb")
#: ``--include`` words and the source each adds.
INCLUDE_WORDS = {"submissions": SUBMISSION, "computed": COMPUTED}
#: Values older cubes stored.
_LEGACY = {"geneb run": COMPUTED, "": COMPUTED, "nan": COMPUTED, "self-reported": SUBMISSION}


def source_of(value: object) -> str:
    """One of :data:`SOURCES` for a stored ``source`` value (old values mapped).

    Older cubes stored a submission's own provenance text (e.g. ``"self-reported (geneb
    run)"``); any text that is not official or a computed marker is a submission.
    """
    text = str(value).strip()
    if text in SOURCES:
        return text
    return _LEGACY.get(text, SUBMISSION)


def row_sources(cube: xr.Dataset) -> np.ndarray:
    """The source of each model of ``cube``, shape (model,); ``computed`` without a coord."""
    if "source" not in cube.coords:
        return np.full(cube.sizes["model"], COMPUTED, dtype=object)
    return np.asarray([source_of(v) for v in cube["source"].values], dtype=object)


def with_sources(cube: xr.Dataset) -> xr.Dataset:
    """``cube`` with its ``source`` coordinate in the current vocabulary (and described)."""
    out = cube.assign_coords(source=("model", row_sources(cube).astype(str)))
    out["source"].attrs["description"] = SOURCE_DESCRIPTION
    return out


@dataclass(frozen=True)
class RowSelection:
    """Which rows an analysis used.

    Attributes
    ----------
    included : tuple of str
        Sources whose rows are in (``official`` first).
    kept : tuple of str
        The user's own models, shown whatever their source.
    left_out : dict
        source -> models of that source left out.
    counts : dict
        source -> number of models used.
    """

    included: tuple[str, ...]
    kept: tuple[str, ...] = ()
    left_out: dict[str, tuple[str, ...]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def official_only(self) -> bool:
        return set(self.counts) <= {OFFICIAL}

    def describe(self) -> str:
        """One sentence for a report header or a command's output."""
        used = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        text = f"Rows used: {used or 'none'}."
        for src, models in self.left_out.items():
            text += (f" Left out: {len(models)} {src} row(s) ({', '.join(models)}); add them "
                     f"with --include {_word(src)}.")
        return text

    def as_json(self) -> dict:
        return {"included": list(self.included), "counts": dict(self.counts),
                "kept": list(self.kept),
                "left_out": {k: list(v) for k, v in self.left_out.items()}}


def parse_include(words: Iterable[str]) -> tuple[str, ...]:
    """``--include`` words (``submissions``, ``computed``) as sources.

    Raises
    ------
    InputError
        For any other word.
    """
    out = []
    for w in words:
        if w not in INCLUDE_WORDS:
            raise InputError(f"--include {w!r}: choose from {', '.join(INCLUDE_WORDS)}")
        out.append(INCLUDE_WORDS[w])
    return tuple(dict.fromkeys(out))


def select_rows(cube: xr.Dataset, include: Iterable[str] = (),
                keep: Iterable[str] = ()) -> tuple[xr.Dataset, RowSelection]:
    """The rows a headline analysis uses.

    Parameters
    ----------
    include : iterable of str
        Sources to add to the official rows (``submission``, ``computed``; the words
        ``submissions`` and ``computed`` are accepted too).
    keep : iterable of str
        The user's own models: always used (e.g. ``report --with-official``).

    Returns
    -------
    (xarray.Dataset, RowSelection)
        The cube restricted to the used models (``source`` normalised), and what was used.
        A cube without official rows is used whole.

    Raises
    ------
    InputError
        When an included source has no rows to add (the option would do nothing).
    """
    cube = with_sources(cube)
    src = row_sources(cube)
    models = np.asarray([str(m) for m in cube["model"].values])
    keep = tuple(m for m in dict.fromkeys(keep) if m in set(models))
    include = parse_include(_word(i) if i in SOURCES else i for i in include)
    if OFFICIAL not in set(src):
        if include:
            raise InputError(f"--include {_word(include[0])}: these results have no official "
                             f"rows, so all {len(models)} rows are used already; leave "
                             f"--include out")
        return cube, RowSelection(tuple(s for s in SOURCES if s in set(src)), keep, {},
                                  _counts(src))
    kept = np.isin(models, keep)
    for s in include:
        if not ((src == s) & ~kept).any():
            what = (f"its {s} rows ({', '.join(models[src == s])}) are your own models, shown "
                    f"already" if (src == s).any() else f"the results have no {s} rows")
            raise InputError(f"--include {_word(s)} adds nothing: {what}; leave it out")
    wanted = {OFFICIAL, *include}
    use = kept | np.isin(src, list(wanted))
    left = {s: tuple(models[(src == s) & ~use]) for s in SOURCES if ((src == s) & ~use).any()}
    sel = RowSelection(tuple(s for s in SOURCES if s in wanted or (kept & (src == s)).any()),
                       keep, left, _counts(src[use]))
    return cube.isel(model=np.flatnonzero(use)), sel


def _word(source: str) -> str:
    """The ``--include`` word of a source (``submission`` -> ``submissions``)."""
    return {s: w for w, s in INCLUDE_WORDS.items()}.get(source, source)


def _counts(src: np.ndarray) -> dict[str, int]:
    return {s: int((src == s).sum()) for s in SOURCES if (src == s).any()}


def is_mixed(cube: xr.Dataset) -> bool:
    """True when official rows sit beside rows of another source (they must be marked)."""
    src = set(row_sources(cube))
    return OFFICIAL in src and len(src) > 1


def row_labels(cube: xr.Dataset) -> dict[str, str]:
    """model -> label for tables and plots: ``name [submission]`` / ``name [computed]`` for
    rows that are not official when official rows are shown beside them, else the name."""
    mixed = is_mixed(cube)
    return {str(m): (f"{m} [{s}]" if mixed and s != OFFICIAL else str(m))
            for m, s in zip(cube["model"].values, row_sources(cube))}
