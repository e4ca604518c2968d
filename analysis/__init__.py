"""Analyses of a result cube: aggregation, leaderboards and reports.

Imports :mod:`geneb.probe`, :mod:`geneb.store`, :mod:`geneb.catalog` and :mod:`geneb.core`.
"""

from geneb.analysis.aggregate import category_scores, macro_micro, present_categories, task_scores
from geneb.analysis.leaderboard import format_leaderboard, leaderboard_frame, task_frame

__all__ = ["category_scores", "macro_micro", "present_categories", "task_scores",
           "format_leaderboard", "leaderboard_frame", "task_frame"]
