"""The GENEB release's result schema, shared by import (official.py) and export (submission.py).

The metric keys and their ranges, the seed coordinate of published values, the submission
schema version, and the checks of a ``leaderboard_tasks.json`` or submission document
before it is imported (:func:`check_release_doc`, :func:`check_submission_doc`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from geneb.core.errors import InputError

#: Seed coordinate of published values (the release reports the mean over its 5 seeds).
PUBLISHED_SEED = -1
PUBLISHED_SEED_NOTE = ("seed = -1 holds the published mean over the release's seeds "
                       "(13, 17, 42, 123, 997); per-seed values are not published.")
#: cube variable → key in the release files.
METRIC_KEYS = {"mcc": "MCC", "accuracy": "Acc", "f1_macro": "F1"}
#: Submission schema version this geneb writes and reads.
SCHEMA_VERSION = "1.0"

#: Allowed range of each published metric.
_METRIC_RANGE = {"MCC": (-1.0, 1.0), "Acc": (0.0, 1.0), "F1": (0.0, 1.0)}


def _bad(source: str, where: str, what: str) -> InputError:
    return InputError(f"{source!r}: {where} {what}; fix that entry or leave it out (missing "
                      f"tasks are allowed)")


def _check_score(value: object, key: str, source: str, where: str) -> None:
    """A published score is null (missing) or a finite number in the metric's range."""
    if value is None:
        return
    lo, hi = _METRIC_RANGE[key]
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not np.isfinite(value) or not lo <= value <= hi):
        raise _bad(source, f"{where} = {value!r}", f"is not a number in [{lo:g}, {hi:g}] ({key})")


def _check_params(value: object, source: str, where: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not np.isfinite(value) or value < 0):
        raise _bad(source, f"{where} = {value!r}", "is not a parameter count (a number >= 0)")


def _check_task_scores(tasks: object, keys: Sequence[str], source: str, where: str) -> None:
    if not isinstance(tasks, dict):
        raise _bad(source, where, f"is a {type(tasks).__name__}, not an object of task id -> "
                                  f"scores")
    for tid, vals in tasks.items():
        if len(keys) == 1:  # release: task id -> one metric's value
            _check_score(vals, keys[0], source, f"{where}/{tid}")
            continue
        if not isinstance(vals, dict):
            raise _bad(source, f"{where}/{tid}", f"is a {type(vals).__name__}, not an object "
                                                 f"with {', '.join(keys)}")
        for k, v in vals.items():
            if k not in keys:
                raise _bad(source, f"{where}/{tid}", f"has key {k!r}; expected {', '.join(keys)}")
            _check_score(v, k, source, f"{where}/{tid}/{k}")


def check_release_doc(doc: dict, source: str) -> None:
    """Types and ranges of a ``leaderboard_tasks.json`` document, before importing it.

    Raises
    ------
    InputError
        One line naming ``source`` and the first malformed entry.
    """
    if not isinstance(doc.get("data"), dict):
        raise _bad(source, "data", "is not an object of regime -> models")
    for regime, models in doc["data"].items():
        if not isinstance(models, list):
            raise _bad(source, f"data/{regime}", "is not a list of models")
        for i, m in enumerate(models):
            where = f"data/{regime}[{i}]"
            if not isinstance(m, dict) or not isinstance(m.get("model"), str) or not m["model"]:
                raise _bad(source, where, "has no model id (\"model\": a non-empty string)")
            where = f"data/{regime}/{m['model']}"
            _check_params(m.get("params"), source, f"{where}/params")
            for key in METRIC_KEYS.values():
                if f"task_{key}" not in m:
                    raise _bad(source, where, f"lacks task_{key}")
                _check_task_scores(m[f"task_{key}"], [key], source, f"{where}/task_{key}")


def check_submission_doc(doc: dict, source: str) -> None:
    """Types and ranges of a submission document, before importing it (tasks may be missing;
    :func:`validate_submission` is the complete check for exporting).

    Raises
    ------
    InputError
        One line naming ``source`` and the first malformed entry.
    """
    if not isinstance(doc.get("model_id"), str) or not doc["model_id"]:
        raise _bad(source, f"model_id = {doc.get('model_id')!r}", "is not a non-empty string")
    meta = doc.get("meta", {})
    if not isinstance(meta, dict):
        raise _bad(source, "meta", f"is a {type(meta).__name__}, not an object")
    _check_params(meta.get("params"), source, "meta/params")
    if not isinstance(meta.get("display", ""), str):
        raise _bad(source, f"meta/display = {meta['display']!r}", "is not a string")
    if not isinstance(doc["results"], dict):
        raise _bad(source, "results", f"is a {type(doc['results']).__name__}, not an object of "
                                      f"regime -> task id -> scores")
    for regime, tasks in doc["results"].items():
        _check_task_scores(tasks, list(METRIC_KEYS.values()), source, f"results/{regime}")


__all__ = ["PUBLISHED_SEED", "PUBLISHED_SEED_NOTE", "METRIC_KEYS", "SCHEMA_VERSION",
           "check_release_doc", "check_submission_doc"]
