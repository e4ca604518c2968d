"""Analyses of a result cube: aggregation, leaderboards, scaling, comparisons, few-shot
robustness, rank stability, high-variance tasks, recommendations, official results in/out,
the paper's headline figures, and the provenance of every result row (official /
submission / computed).

Imports :mod:`geneb.probe`, :mod:`geneb.store`, :mod:`geneb.catalog` and :mod:`geneb.core`.
The HTML/Markdown report (matplotlib) lives in :mod:`geneb.analysis.report`, imported on use.
"""

from geneb.analysis.aggregate import (category_scores, macro_micro, macro_per_seed,
                                      present_categories, seed_spread, task_scores)
from geneb.analysis.compare import (DEFAULT_PAIRS, DESIGN_PAIRS, PAPER_PAIRS, MatchedPair,
                                    matched_comparisons)
from geneb.analysis.fewshot import (category_drops, category_winners, fewshot_drops,
                                    regime_rank_correlations, winner_change_counts)
from geneb.analysis.headline import best_under, headline_figures
from geneb.analysis.leaderboard import format_leaderboard, leaderboard_frame, task_frame
from geneb.analysis.official import (PUBLISHED_SEED, combine_cubes, import_results,
                                     load_official_cube, to_submission, validate_submission,
                                     with_official, write_submission)
from geneb.analysis.provenance import SOURCES, row_sources, select_rows, with_sources
from geneb.analysis.recommend import RankQuery, recommend, recommend_task, recommendation_json
from geneb.analysis.rowboot import row_bootstrap, task_predictions
from geneb.analysis.scaling import pareto_frontier, scaling_correlations, smaller_wins
from geneb.analysis.stability import (bootstrap_scores, category_rank_correlations,
                                      macro_micro_agreement)
from geneb.analysis.variance import high_variance_tasks, task_spread

__all__ = [
    "category_scores", "macro_micro", "macro_per_seed", "present_categories", "seed_spread",
    "task_scores", "DEFAULT_PAIRS", "MatchedPair", "matched_comparisons", "category_drops",
    "category_winners", "fewshot_drops", "regime_rank_correlations", "winner_change_counts",
    "format_leaderboard", "leaderboard_frame", "task_frame", "PUBLISHED_SEED", "combine_cubes",
    "import_results", "load_official_cube", "to_submission", "validate_submission",
    "with_official", "write_submission", "recommend", "recommendation_json", "pareto_frontier",
    "scaling_correlations", "smaller_wins", "bootstrap_scores", "category_rank_correlations",
    "macro_micro_agreement", "high_variance_tasks", "task_spread", "PAPER_PAIRS",
    "DESIGN_PAIRS", "best_under", "headline_figures", "SOURCES", "row_sources", "select_rows",
    "with_sources", "RankQuery", "recommend_task", "row_bootstrap", "task_predictions",
]
