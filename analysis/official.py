"""Official GENEB results in: the shipped release files, and importing them into a cube.

The GENEB release publishes, per regime and model, one score per task that is already the
mean over the five few-shot seeds. Imported cubes therefore hold a single seed coordinate,
:data:`~geneb.analysis.release_schema.PUBLISHED_SEED` (``-1``, "published mean over
seeds"), so they have the same dims as geneb's own cubes and combine with them
(:func:`geneb.analysis.combine.combine_cubes`); every analysis averages over seeds with
``skipna``, so a published model and a model geneb ran sit side by side. The schema and its
checks are in :mod:`~geneb.analysis.release_schema`; export is
:mod:`~geneb.analysis.submission`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import xarray as xr

from geneb.catalog import TASKS, model_coords
from geneb.core.errors import InputError, MissingDataError
from geneb.core.provenance import geneb_version, sha256_bytes
from geneb.core.registry import did_you_mean
from geneb.probe.cube import SCORES, new_cube
from geneb.probe.protocol import GENEB_REGIMES, ProbeProtocol

from .provenance import OFFICIAL, SOURCE_DESCRIPTION, SUBMISSION
from .release_schema import (METRIC_KEYS, PUBLISHED_SEED, PUBLISHED_SEED_NOTE,
                             check_release_doc, check_submission_doc)

#: Files shipped in ``geneb.analysis`` (``data/geneb_release``).
RELEASE_FILES = {"leaderboard": "leaderboard.json.gz", "tasks": "leaderboard_tasks.json.gz",
                 "example_submission": "splicebert-1024nt.json"}
RELEASE_SOURCE = "github.com/darlednik/GENEB @ 9642d481e40c0af23995dcd162b779613f789f97"


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
    """The catalog's model coords, with the files' params and display names over them, and
    each model's provenance (``source``, ``source_note``)."""
    first = {m: next(v for (mm, _), v in by_key.items() if mm == m) for m in models}
    out = model_coords(models, params={m: r.get("params") for m, r in first.items()},
                       display={m: r.get("display") for m, r in first.items()})
    out["source"] = [first[m]["provenance"] for m in models]
    out["source_note"] = [first[m]["provenance_note"] for m in models]
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


__all__ = ["RELEASE_FILES", "RELEASE_SOURCE", "release_json", "release_task_ids",
           "import_results", "load_official_cube"]
