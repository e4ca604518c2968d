"""Analyses of a result cube: leaderboards, official results in and out, recommendations,
the paper's headline figures and the report.

The names below are the ones users call; each is imported from its module on first use
(PEP 562), so ``import geneb.analysis`` loads no scipy, xarray or matplotlib. Everything
else is importable from its module (``geneb.analysis.fewshot``, ``.scaling``, ``.compare``,
``.variance``, ``.provenance``, ``.release_schema`` ...); modules starting with ``_`` are
internal.

Imports :mod:`geneb.probe`, :mod:`geneb.store`, :mod:`geneb.catalog` and :mod:`geneb.core`.
"""

from __future__ import annotations

from geneb.core.lazy import lazy_exports

#: Public name → the module (in this package) that defines it.
_EXPORTS = {
    "category_scores": "aggregate", "macro_micro": "aggregate", "task_scores": "aggregate",
    "seed_spread": "aggregate",
    "leaderboard_frame": "leaderboard", "task_frame": "leaderboard",
    "format_leaderboard": "leaderboard",
    "write_leaderboard_files": "leaderboard_files",
    "import_results": "official", "load_official_cube": "official",
    "combine_cubes": "combine", "with_official": "combine",
    "to_submission": "submission", "write_submission": "submission",
    "select_rows": "provenance",
    "RankQuery": "recommend",  # recommend() itself: geneb.analysis.recommend.recommend (the
                               # module of that name would shadow it here once imported)
    "task_predictions": "rowboot",
    "bootstrap_scores": "stability",
    "headline_figures": "headline",
    "write_report": "report",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
