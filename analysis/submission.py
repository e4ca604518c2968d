"""Official GENEB results as a submission: export one model of a cube in the release schema.

:func:`to_submission` builds the document, :func:`validate_submission` checks it against the
shipped example, :func:`write_submission` writes it atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr

from geneb.catalog import MODELS
from geneb.core.atomic import atomic_write_text
from geneb.core.errors import InputError
from geneb.core.provenance import geneb_version
from geneb.core.registry import did_you_mean
from geneb.probe.cube import SCORES
from geneb.probe.protocol import GENEB_REGIMES

from .official import release_json, release_task_ids
from .provenance import OFFICIAL, SUBMISSION, row_sources
from .release_schema import METRIC_KEYS, SCHEMA_VERSION


def _provenance_text(cube: xr.Dataset, i: int) -> str:
    """``meta.provenance`` of model ``i``: how its results were made, from its source."""
    source = row_sources(cube)[i]
    if source == OFFICIAL:
        return "official GENEB release results (re-exported by geneb)"
    if source == SUBMISSION:
        note = str(cube["source_note"].values[i]) if "source_note" in cube.coords else ""
        return note or "self-reported"
    return "self-reported (geneb run)"


def validate_submission(doc: dict) -> None:
    """Check a submission against the shipped example's schema.

    Raises
    ------
    InputError
        Naming the first missing or malformed field.
    """
    example = release_json("example_submission")
    for key in example:
        if key not in doc:
            raise InputError(f"submission lacks {key!r} (the official schema has "
                             f"{', '.join(example)})")
    if doc["schema_version"] != example["schema_version"]:
        raise InputError(f"schema_version {doc['schema_version']!r}; expected "
                         f"{example['schema_version']!r}")
    missing_meta = [k for k in example["meta"] if k not in doc["meta"]]
    if missing_meta:
        raise InputError(f"submission meta lacks {', '.join(missing_meta)}")
    if set(doc["results"]) != set(example["results"]):
        raise InputError(f"submission regimes {sorted(doc['results'])}; expected "
                         f"{sorted(example['results'])}")
    want = set(release_task_ids())
    for regime, tasks in doc["results"].items():
        missing = sorted(want - set(tasks))
        if missing:
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            raise InputError(f"submission lacks {len(missing)} of the {len(want)} GENEB tasks "
                             f"in {regime} ({', '.join(missing[:3])}{more})")
        for tid, vals in tasks.items():
            if tid not in want:
                raise InputError(f"submission has unknown task {tid!r} in {regime}")
            if set(vals) != set(METRIC_KEYS.values()):
                raise InputError(f"{regime}/{tid}: keys {sorted(vals)}; expected MCC, Acc, F1")
            for k, v in vals.items():
                if not isinstance(v, (int, float)) or not np.isfinite(v) or not -1 <= v <= 1:
                    raise InputError(f"{regime}/{tid}/{k} = {v!r} is not a score in [-1, 1]")


#: Missing tasks an export error lists by name (more are counted, not listed).
FEW_MISSING = 5


def missing_tasks(cube: xr.Dataset, model: str) -> list[str]:
    """The official GENEB task ids (release order) without a result of ``model`` in the
    cube in every regime: what :func:`to_submission` still needs."""
    have = {str(t) for t in cube["task"].values}
    mcc = cube["mcc"].sel(model=model).mean("seed", skipna=True)
    return [t for t in release_task_ids()
            if t not in have or not np.isfinite(mcc.sel(task=t).values).all()]


def to_submission(cube: xr.Dataset, model: str, *, display: str = "", url: str = "",
                  submitted_by: str = "", training_data: str = "", zero_shot: bool = False
                  ) -> dict:
    """One model of a cube as a submission document in the official schema.

    Cube tasks are matched to release tasks by id (official tasks run by geneb keep the
    release id). Scores are means over seeds.

    Raises
    ------
    InputError
        When the model is not in the cube, or any release task or regime is missing
        (the message lists them).
    """
    models = [str(m) for m in cube["model"].values]
    if model not in models:
        raise InputError(f"model {model!r} is not in the cube.{did_you_mean(model, models)} "
                         f"Models: {', '.join(models)}")
    want = release_task_ids()
    regimes = [n for n, _ in GENEB_REGIMES]
    have_regimes = [str(r) for r in cube["regime"].values]
    missing_regimes = [r for r in regimes if r not in have_regimes]
    if missing_regimes:
        raise InputError(f"the cube lacks regime(s) {', '.join(missing_regimes)}; a submission "
                         f"needs {', '.join(regimes)}")
    means = {var: cube[var].sel(model=model).mean("seed", skipna=True) for var in SCORES}
    missing = missing_tasks(cube, model)
    if 0 < len(missing) <= FEW_MISSING:
        raise InputError(f"cannot export {model!r}: {len(missing)} of the {len(want)} GENEB "
                         f"tasks have no results: {', '.join(missing)}. Run them with "
                         f"`geneb run --benchmark geneb --models {model}`.")
    if missing:
        raise InputError(f"cannot export {model!r}: a submission needs all {len(want)} GENEB "
                         f"tasks; this cube has {cube.sizes['task']} tasks, with results for "
                         f"{len(want) - len(missing)} of them (list the missing ones with "
                         f"`geneb tasks list --missing CUBE`; run them with `geneb run "
                         f"--benchmark geneb --models {model}`)")
    spec = MODELS.get(model) if model in MODELS else None
    i = models.index(model)
    params = cube["params"].values[i] if "params" in cube.coords else np.nan
    doc = {
        "schema_version": SCHEMA_VERSION,
        "model_id": model,
        "harness_version": f"geneb-{geneb_version()}",
        "meta": {"display": display or (str(cube["display"].values[i]) if "display" in cube.coords
                                         else "") or model,
                 "params": int(params) if np.isfinite(params) else None,
                 "url": url, "zero_shot": bool(zero_shot),
                 "training_data": training_data or (spec.pretraining_data if spec else ""),
                 "provenance": _provenance_text(cube, i),
                 "submitted_by": submitted_by},
        "results": {r: {t: {key: float(means[var].sel(task=t, regime=r))
                            for var, key in METRIC_KEYS.items()} for t in want}
                    for r in ("full", "10shot", "1shot")},
    }
    validate_submission(doc)
    return doc


def write_submission(doc: dict, path: str | Path) -> Path:
    """Write a submission atomically (nothing half-written on failure)."""
    validate_submission(doc)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(doc, indent=1) + "\n")
    return path


__all__ = ["to_submission", "validate_submission", "write_submission"]
