"""Task specs for tasks a user brings (benchmark "user")."""

from __future__ import annotations

from collections.abc import Iterable

from geneb.catalog.categories import resolve_category
from geneb.catalog.tasks import TASKS, TaskSpec

#: ``TaskSpec.benchmark`` of every task loaded from a user's files.
USER_BENCHMARK = "user"


def user_spec(task_id: str, category: str | None, source: str,
              official_candidates: Iterable[str] = ()) -> TaskSpec:
    """The spec of a user's task.

    Parameters
    ----------
    task_id : str
    category : str or None
        One of the 13 GENEB categories or "other"; None takes the category of the
        official GENEB task the source matches (else "other").
    source : str
        Where the data comes from (recorded as ``source_benchmark``).
    official_candidates : iterable of str
        GENEB task ids this source may be a copy of; the first one in the catalog is
        recorded as ``official_id``.
    """
    official = next((TASKS.get(c) for c in official_candidates if c in TASKS), None)
    if category is None:
        category = official.category if official else "other"
    return TaskSpec(task_id=task_id, category=resolve_category(category, allow_other=True),
                    benchmark=USER_BENCHMARK, label=task_id,
                    official_id=official.task_id if official else None,
                    source_benchmark=source, organism=official.organism if official else "")
