"""Task specs for tasks a user brings (benchmark "user")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from geneb.catalog.categories import resolve_category
from geneb.catalog.tasks import TASKS, TaskSpec
from geneb.core.errors import InputError

#: ``TaskSpec.benchmark`` of every task loaded from a user's files.
USER_BENCHMARK = "user"

#: A user task id: it names files and store folders, so no separators, no leading dot.
TASK_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def validate_task_id(task_id: object) -> str:
    """Return ``task_id`` if it is a valid user task id, else raise a one-line InputError.

    The rule: a letter or digit first, then only letters, digits and ``. _ + -`` (ids
    become file names and store folders, so ``""``, ``".."`` or ``a/b`` would break them).
    """
    if not isinstance(task_id, str) or not TASK_ID_PATTERN.match(task_id):
        raise InputError(f"task id {task_id!r} is not valid: it must start with a letter or digit "
                         f"and hold only letters, digits and . _ + -; set task_id (--task-id) "
                         f"or rename the file")
    return task_id


def user_spec(task_id: str, category: str | None, source: str,
              official_candidates: Iterable[str] = ()) -> TaskSpec:
    """The spec of a user's task.

    Parameters
    ----------
    task_id : str
        Checked with :func:`validate_task_id` (an InputError when invalid).
    category : str or None
        One of the 13 GENEB categories or "other"; None takes the category of the
        official GENEB task the source matches (else "other").
    source : str
        Where the data comes from (recorded as ``source_benchmark``).
    official_candidates : iterable of str
        GENEB task ids this source may be a copy of; the first one in the catalog is
        recorded as ``official_id``.
    """
    validate_task_id(task_id)
    official = next((TASKS.get(c) for c in official_candidates if c in TASKS), None)
    if category is None:
        category = official.category if official else "other"
    return TaskSpec(task_id=task_id, category=resolve_category(category, allow_other=True),
                    benchmark=USER_BENCHMARK, label=task_id,
                    official_id=official.task_id if official else None,
                    source_benchmark=source, organism=official.organism if official else "")
