"""Official GENEB results in and out: the shipped release, import into a cube, submission export.

The GENEB release publishes, per regime and model, one score per task that is already the
mean over the five few-shot seeds. Imported cubes therefore hold a single seed coordinate,
:data:`PUBLISHED_SEED` (``-1``, "published mean over seeds"), so they have the same dims as
geneb's own cubes and combine with them (:func:`combine_cubes`); every analysis averages over
seeds with ``skipna``, so a published model and a model geneb ran sit side by side.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import xarray as xr

from geneb.analysis.provenance import OFFICIAL, SOURCE_DESCRIPTION, SUBMISSION
from geneb.catalog.models import MODELS
from geneb.catalog.tasks import TASKS
from geneb.core.errors import InputError, MissingDataError
from geneb.core.provenance import geneb_version, sha256_bytes
from geneb.core.registry import did_you_mean
from geneb.probe.cube import SCORES, new_cube
from geneb.probe.protocol import GENEB_REGIMES, ProbeProtocol

#: Seed coordinate of published values (the release reports the mean over its 5 seeds).
PUBLISHED_SEED = -1
PUBLISHED_SEED_NOTE = ("seed = -1 holds the published mean over the release's seeds "
                       "(13, 17, 42, 123, 997); per-seed values are not published.")
#: cube variable → key in the release files.
METRIC_KEYS = {"mcc": "MCC", "accuracy": "Acc", "f1_macro": "F1"}
#: Files shipped in ``geneb.analysis`` (``data/geneb_release``).
RELEASE_FILES = {"leaderboard": "leaderboard.json.gz", "tasks": "leaderboard_tasks.json.gz",
                 "example_submission": "splicebert-1024nt.json"}
RELEASE_SOURCE = "github.com/darlednik/GENEB @ 9642d481e40c0af23995dcd162b779613f789f97"
#: Submission schema version this geneb writes and reads.
SCHEMA_VERSION = "1.0"


def _read_json_bytes(data: bytes, name: str) -> dict:
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name!r} is not valid JSON ({exc})") from None


def release_json(which: str) -> dict:
    """One shipped release file, parsed: ``"leaderboard"``, ``"tasks"`` or ``"example_submission"``."""
    if which not in RELEASE_FILES:
        raise InputError(f"unknown release file {which!r}; one of {', '.join(RELEASE_FILES)}")
    ref = resources.files("geneb.analysis").joinpath(f"data/geneb_release/{RELEASE_FILES[which]}")
    return _read_json_bytes(ref.read_bytes(), RELEASE_FILES[which])


def release_task_ids() -> list[str]:
    """The 100 official task ids in release order."""
    return [t["id"] for t in release_json("tasks")["tasks"]]


def _load_path(path: Path) -> tuple[str, dict, str]:
    """(kind, document, sha256) for a release leaderboard_tasks file or a submission file."""
    if not path.exists():
        raise MissingDataError(f"no results file at {str(path)!r}")
    data = path.read_bytes()
    doc = _read_json_bytes(data, path.name)
    if isinstance(doc, dict) and "schema_version" in doc and "results" in doc:
        return "submission", doc, sha256_bytes(data)
    if isinstance(doc, dict) and "tasks" in doc and "data" in doc:
        return "release", doc, sha256_bytes(data)
    if isinstance(doc, dict) and "data" in doc:
        raise InputError(f"{str(path)!r} looks like leaderboard.json (aggregates only); import "
                         f"leaderboard_tasks.json, which has the per-task results")
    raise InputError(f"{str(path)!r} is neither a GENEB leaderboard_tasks.json nor a submission "
                     f"file (schema_version, model_id, results)")


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("leaderboard_tasks.json*")) + sorted(
                q for q in p.glob("*.json*") if not q.name.startswith("leaderboard"))
            if not found:
                raise MissingDataError(f"no leaderboard_tasks.json or submission files in "
                                       f"{str(p)!r}")
            out += found
        else:
            out.append(p)
    return out


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


def _rows_from_release(doc: dict, source: str) -> list[dict]:
    rows = []
    for regime, models in doc["data"].items():
        for m in models:
            rows.append({"model": m["model"], "regime": regime, "display": m.get("disp", ""),
                         "params": m.get("params"), "source": source,
                         **{var: m[f"task_{key}"] for var, key in METRIC_KEYS.items()}})
    return rows


def _rows_from_submission(doc: dict, source: str) -> list[dict]:
    meta = doc.get("meta", {})
    rows = []
    for regime, tasks in doc["results"].items():
        row = {"model": doc["model_id"], "regime": regime, "display": meta.get("display", ""),
               "params": meta.get("params"), "source": source}
        for var, key in METRIC_KEYS.items():
            row[var] = {t: v.get(key) for t, v in tasks.items()}
        rows.append(row)
    return rows


def _provenance(doc_kind: str, doc: dict, official: dict[str, bool],
                model: str) -> tuple[str, str]:
    """(source, note) of a row: ``official`` or ``submission``, and how the file says so."""
    if doc_kind == "submission":
        return SUBMISSION, str(doc.get("meta", {}).get("provenance") or "self-reported")
    if official.get(model, True):
        return OFFICIAL, "GENEB release leaderboard (official)"
    return SUBMISSION, "GENEB release leaderboard (self-reported, not official)"


def _read_docs(paths) -> list[tuple[str, dict, str, str]]:
    """(kind, document, sha256, where) of each file to import (default: the shipped copy)."""
    if paths is None:
        ref = resources.files("geneb.analysis").joinpath(
            f"data/geneb_release/{RELEASE_FILES['tasks']}")
        data = ref.read_bytes()
        return [("release", _read_json_bytes(data, ref.name),
                 sha256_bytes(gzip.decompress(data)), f"geneb shipped copy ({RELEASE_SOURCE})")]
    docs = []
    for p in _expand(paths):
        kind, doc, sha = _load_path(p)
        docs.append((kind, doc, sha, str(p)))
    return docs


def _checked_rows(docs, task_ids: list[str], regimes: list[str]) -> list[dict]:
    """Every (model, regime) row of the documents, checked, with its provenance."""
    official = {m["model"]: bool(m.get("official", True))
                for ms in release_json("leaderboard")["data"].values() for m in ms}
    for kind, doc, _, src in docs:
        (check_release_doc if kind == "release" else check_submission_doc)(doc, src)
    rows: list[dict] = []
    for kind, doc, _, src in docs:
        new = _rows_from_release(doc, src) if kind == "release" else _rows_from_submission(doc, src)
        for r in new:
            r["provenance"], r["provenance_note"] = _provenance(kind, doc, official, r["model"])
        rows += new
    known = set(task_ids)
    for r in rows:
        if r["regime"] not in regimes:
            raise InputError(f"unknown regime {r['regime']!r} for model {r['model']!r} in "
                             f"{r['source']!r}; expected {', '.join(regimes)}")
        bad = [t for t in r["mcc"] if t not in known]
        if bad:
            raise InputError(f"unknown task id {bad[0]!r} in {r['source']!r}."
                             f"{did_you_mean(bad[0], task_ids)} The release has {len(task_ids)} "
                             f"tasks (see `geneb tasks list --benchmark geneb`).")
    return rows


def _unique_rows(rows: list[dict], task_ids: list[str]) -> dict[tuple[str, str], dict]:
    """One row per (model, regime); a duplicate must agree with the first."""
    by_key: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r["model"], r["regime"])
        if key in by_key:
            old = by_key[key]
            a = np.array([old["mcc"].get(t, np.nan) for t in task_ids], float)
            b = np.array([r["mcc"].get(t, np.nan) for t in task_ids], float)
            if not np.allclose(a, b, atol=1e-9, equal_nan=True):
                raise InputError(f"model {r['model']!r} ({r['regime']}) is in both "
                                 f"{old['source']!r} and {r['source']!r} with different scores; "
                                 f"import one of them")
            continue
        by_key[key] = r
    return by_key


def import_results(paths: Sequence[str | Path] | None = None) -> xr.Dataset:
    """Read official GENEB results into a result cube.

    Parameters
    ----------
    paths : sequence of path, optional
        ``leaderboard_tasks.json`` (optionally gzipped) and/or submission JSON files, or
        folders holding them. Default: the release copy shipped with geneb.

    Returns
    -------
    xarray.Dataset
        dims ``(model, task, regime, seed)`` with ``seed = [-1]`` (see
        :data:`PUBLISHED_SEED`); tasks in release order with catalog coords; model coords
        from the catalog (where known) and the files; a ``source`` model coord
        (``official`` for the release's official rows, ``submission`` for self-reported
        ones: see :mod:`geneb.analysis.provenance`) and ``source_note`` (the file's words).

    Raises
    ------
    InputError
        Malformed entries (a score that is not a number in range, results that are not
        objects), unknown task ids, unknown regimes, or one model given twice with
        different values; naming the file and the entry.
    """
    docs = _read_docs(paths)
    task_ids = release_task_ids()
    regimes = [name for name, _ in GENEB_REGIMES]
    by_key = _unique_rows(_checked_rows(docs, task_ids, regimes), task_ids)
    models = list(dict.fromkeys(m for m, _ in by_key))
    protocol = ProbeProtocol(seeds=(PUBLISHED_SEED,))
    cube = new_cube(models, task_ids, protocol, _model_coords(models, by_key),
                    _task_coords(task_ids), max_shots=1)
    for (m, regime), r in by_key.items():
        mi, ri = models.index(m), regimes.index(regime)
        for var in SCORES:
            vals = [r[var].get(t) for t in task_ids]
            cube[var].values[mi, :, ri, 0] = [np.nan if v is None else float(v) for v in vals]
    cube["backend"].values[:] = "published"
    cube["source"].attrs["description"] = SOURCE_DESCRIPTION
    cube.attrs.update({
        "source": "published GENEB results",
        "published_seed_note": PUBLISHED_SEED_NOTE,
        "imported_files": [{"path": src, "kind": kind, "sha256": sha} for kind, _, sha, src in docs],
        "imported_by": f"geneb {geneb_version()}",
    })
    return cube


def _model_coords(models: list[str], by_key: dict) -> dict[str, list]:
    out = {k: [] for k in ("params", "architecture", "arch_short", "tokenization",
                           "pretraining_group", "display", "source", "source_note")}
    for m in models:
        r = next(v for (mm, _), v in by_key.items() if mm == m)
        spec = MODELS.get(m) if m in MODELS else None
        params = r.get("params") or (spec.params if spec else None)
        out["params"].append(float(params) if params else np.nan)
        for key in ("architecture", "arch_short", "tokenization", "pretraining_group"):
            out[key].append(getattr(spec, key) if spec else "")
        out["display"].append(r.get("display") or (spec.display if spec else "") or m)
        out["source"].append(r["provenance"])
        out["source_note"].append(r["provenance_note"])
    return out


def _task_coords(task_ids: list[str]) -> dict[str, list]:
    specs = [TASKS.get(t) for t in task_ids]
    return {"category": [s.category for s in specs],
            "n_classes": [int(s.n_classes or -1) for s in specs],
            "official_id": list(task_ids),
            "benchmark": [s.benchmark for s in specs],
            "n_test": [-1] * len(specs)}


def load_official_cube() -> xr.Dataset:
    """The shipped official release as a cube (41 models × 100 tasks × 3 regimes)."""
    return import_results(None)


# combining cubes and submission export live in their own modules, re-exported here (they
# import this module's release helpers, so they are imported last)
from geneb.analysis.combine import combine_cubes, with_official  # noqa: E402
from geneb.analysis.submission import (to_submission, validate_submission,  # noqa: E402
                                       write_submission)

__all__ = ["PUBLISHED_SEED", "PUBLISHED_SEED_NOTE", "METRIC_KEYS", "RELEASE_FILES",
           "SCHEMA_VERSION", "release_json", "release_task_ids", "check_release_doc",
           "check_submission_doc", "import_results", "combine_cubes", "with_official",
           "load_official_cube", "to_submission", "validate_submission", "write_submission"]
