"""The result cube: an xarray Dataset with dims (model, task, regime, seed).

Variables (all dims ``(model, task, regime, seed)`` unless noted):

``mcc``, ``accuracy``, ``f1_macro``
    Test-split scores (NaN where not computed).
``n_train``
    Training rows the probe saw.
``n_iter``, ``converged``, ``fit_seconds``
    Optimiser iterations, whether it stopped before ``max_iter``, wall seconds.
``fitted``
    True where a probe was fitted for this cell; False where the cell shares the
    seed-independent full-regime fit of the first seed (see the attrs).
``backend``
    Name of the probe backend that filled the cell (``sklearn``, ``torch:cpu``,
    ``torch:cuda``, ``cuml``); empty for a cell not filled yet.
``train_rows`` (task, regime, seed, shot)
    Few-shot training rows (positions in the task's sequence table), -1 padded;
    all -1 in the full regime, which uses the whole train split.

Besides the cube's files (new, merge, save, open, lock), this module keeps its cells:
:class:`Cell` (one fit's result), :func:`write_cells`, :func:`share_full_fits`, and the
embedding fingerprints that empty the cells of changed inputs (:func:`forget_changed`).
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from geneb.core.errors import InputError, MissingDataError, StoreFormatError
from geneb.store import TaskTable, consolidate
from geneb.store.locking import FolderLock

from .protocol import ProbeProtocol

SCORES = ("mcc", "accuracy", "f1_macro")
CELL_DIMS = ("model", "task", "regime", "seed")

#: Cube attribute: "model\ttask" -> :meth:`EmbeddingStore.embedding_fingerprint` of the
#: embeddings and task table each (model, task)'s cells were fitted on.
FINGERPRINTS = "embedding_fingerprints"

FULL_FIT_NOTE = ("The full regime is fitted once per (model, task), at the first seed, and "
                 "shared by the other seeds (fitted=False there): lbfgs starts from zeros and "
                 "the training data do not depend on the seed, so five fits would be identical.")


def new_cube(model_ids: list[str], task_ids: list[str], protocol: ProbeProtocol,
             model_coords: dict[str, list], task_coords: dict[str, list],
             max_shots: int) -> xr.Dataset:
    """An empty cube (NaN scores) for the given models, tasks and protocol."""
    shape = (len(model_ids), len(task_ids), len(protocol.regimes), len(protocol.seeds))
    data = {name: (CELL_DIMS, np.full(shape, np.nan)) for name in SCORES}
    data.update({
        "n_train": (CELL_DIMS, np.full(shape, -1, np.int64)),
        "n_iter": (CELL_DIMS, np.full(shape, -1, np.int64)),
        "converged": (CELL_DIMS, np.zeros(shape, bool)),
        "fit_seconds": (CELL_DIMS, np.full(shape, np.nan)),
        "fitted": (CELL_DIMS, np.zeros(shape, bool)),
        "backend": (CELL_DIMS, np.full(shape, "", dtype="<U16")),
        "train_rows": (("task", "regime", "seed", "shot"),
                       np.full(shape[1:] + (max(max_shots, 1),), -1, np.int64)),
    })
    coords = {"model": list(model_ids), "task": list(task_ids),
              "regime": list(protocol.regime_names), "seed": list(protocol.seeds)}
    coords.update({k: ("model", v) for k, v in model_coords.items()})
    coords.setdefault("source", ("model", ["computed"] * len(model_ids)))  # probed here
    coords.update({k: ("task", v) for k, v in task_coords.items()})
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({"geneb_cube_version": 1, "protocol": protocol.as_attrs(),
                     "probe_config": protocol.config_key(),
                     "full_regime_note": FULL_FIT_NOTE})
    return ds


def filled(ds: xr.Dataset) -> xr.DataArray:
    """True for every cell that holds a result (fitted or sharing the full-regime fit)."""
    return ds["n_train"] >= 0


def check_compatible(existing: xr.Dataset, protocol: ProbeProtocol, backend: str,
                     path: str | Path) -> None:
    """Refuse to add cells to a cube made with another probe configuration.

    Seeds, regimes, models and tasks may be added; C, max_iter, tol, standardisation, the
    k of an existing regime, and the backend family (torch, sklearn, cuml) may not change.
    """
    old = dict(existing.attrs.get("probe_config") or {})
    new = protocol.config_key()
    fix = f"write to a new --out, or rerun with the cube's settings"
    for key, value in new.items():
        if key in old and type(value)(old[key]) != value:
            raise InputError(f"cube {str(path)!r} was probed with {key}={old[key]!r}, not "
                             f"{value!r}; results are never mixed: {fix}")
    old_regimes = dict(existing.attrs.get("protocol", {}).get("regimes", {}))
    for name, k in protocol.regimes:
        k_attr = k if k is not None else "all"
        if name in old_regimes and old_regimes[name] != k_attr:
            raise InputError(f"cube {str(path)!r} has regime {name!r} with k={old_regimes[name]!r}, "
                             f"not {k_attr!r}; {fix}")
    family = backend.split(":")[0]
    old_family = str(existing.attrs.get("backend", family)).split(":")[0]
    if old_family and old_family != family:
        raise InputError(f"cube {str(path)!r} was filled by the {old_family!r} probe backend, not "
                         f"{family!r}; {fix} (--backend {old_family})")


def merge_into(existing: xr.Dataset, fresh: xr.Dataset) -> xr.Dataset:
    """``fresh`` (empty, possibly more models/tasks/regimes/seeds) holding ``existing``'s cells.

    Coordinates are the union, existing order first; cells only ``fresh`` has stay empty.
    """
    def union(dim):
        seen = list(existing[dim].values)
        return seen + [v for v in fresh[dim].values if v not in set(seen)]

    dims = {d: union(d) for d in CELL_DIMS}
    out = {}
    for name, var in fresh.data_vars.items():
        shape = tuple(len(dims[d]) if d in dims else None for d in var.dims)
        shots = max(existing.sizes.get("shot", 1), fresh.sizes.get("shot", 1))
        shape = tuple(n if n is not None else shots for n in shape)
        fill = {"f": np.nan, "i": -1, "b": False}.get(var.dtype.kind, "")
        out[name] = (var.dims, np.full(shape, fill, dtype=var.dtype))
    coords = {d: dims[d] for d in CELL_DIMS}
    for name, c in {**fresh.coords, **existing.coords}.items():
        if name in CELL_DIMS or len(c.dims) != 1:
            continue
        dim = c.dims[0]
        lookup = dict(zip(fresh[dim].values, fresh[name].values)) if name in fresh.coords else {}
        if name in existing.coords:
            lookup.update(zip(existing[dim].values, existing[name].values))
        coords[name] = (dim, [lookup.get(v, np.nan if c.dtype.kind == "f" else "")
                              for v in dims[dim]])
    merged = xr.Dataset(out, coords=coords)
    for name, var in existing.data_vars.items():
        if name not in merged:
            continue
        idx = tuple([merged.indexes[d].get_indexer(existing[d].values)] if d in dims
                    else [np.arange(var.sizes[d])] for d in var.dims)
        merged[name].values[np.ix_(*[i[0] for i in idx])] = np.asarray(var.values).astype(
            merged[name].dtype)
    merged.attrs.update(existing.attrs)
    merged.attrs.update({k: v for k, v in fresh.attrs.items() if k not in ("protocol",)})
    protocol = dict(existing.attrs.get("protocol", {}))
    fresh_protocol = fresh.attrs.get("protocol", {})
    protocol["regimes"] = {**fresh_protocol.get("regimes", {}), **protocol.get("regimes", {})}
    protocol["regimes"] = {r: protocol["regimes"][r] for r in dims["regime"]}
    protocol["seeds"] = [int(s) for s in dims["seed"]]
    merged.attrs["protocol"] = {**fresh_protocol, **protocol}
    return merged


def save_cube(ds: xr.Dataset, path: str | Path) -> Path:
    """Write the cube as Zarr v3, atomically: a temporary folder renamed into place.

    An interrupted save never leaves a half-written cube at ``path``; a crash between setting
    the old cube aside (``.NAME.old-*``) and renaming the new one in leaves the old one for
    :func:`restore_cube`. Saves hold the cube's lock (:func:`cube_lock`), and a successful
    save removes the ``.NAME.old-*`` and ``.NAME.tmp-*`` leftovers of interrupted ones.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with cube_lock(path):
        restore_cube(path)
        tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
        try:
            _with_vlen_strings(ds).to_zarr(tmp, mode="w", zarr_format=3, consolidated=False)
            consolidate(tmp)  # plain xarray.open_zarr then opens it without a warning
            if path.exists():
                os.replace(path, path.with_name(f".{path.name}.old-{uuid.uuid4().hex[:8]}"))
            os.replace(tmp, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for stale in _leftovers(path, "old") + _leftovers(path, "tmp"):
            shutil.rmtree(stale, ignore_errors=True)
    return path


def cube_lock(path: str | Path, timeout: float | None = None) -> "CubeLock":
    """Exclusive inter-process lock for writing the cube at ``path`` (not yet acquired).

    The lock is a ``flock`` on the file ``.NAME.lock`` next to the cube (created when taken:
    the folder itself is replaced by every save). It stays while there is a cube; the last
    holder removes it when there is none (a run that wrote nothing leaves nothing).
    Re-entrant within a process; the operating system drops it when its holder dies.

    Parameters
    ----------
    path : path
        The cube.
    timeout : float or None
        Seconds to wait for another holder before an ``InputError``; None waits as long as
        it takes (with a message on stderr that it is waiting for ``path``).
    """
    return CubeLock(path, timeout)


class CubeLock:
    """The lock :func:`cube_lock` returns (a context manager, or acquire/release)."""

    #: holds in this process, by lock file: the file is removed only by the last one
    _depth: dict[str, int] = {}

    def __init__(self, path: str | Path, timeout: float | None = None) -> None:
        self.path = Path(path)
        self.file = self.path.with_name(f".{self.path.name}.lock")
        self.timeout = timeout
        self._lock: FolderLock | None = None

    def acquire(self) -> "CubeLock":
        if self._lock is not None:
            return self
        while True:  # a lock file its last holder removed while we waited is not the lock
            self.file.parent.mkdir(parents=True, exist_ok=True)
            self.file.touch(exist_ok=True)
            try:
                lock = FolderLock(str(self.file), f"result cube {str(self.path)!r}",
                                  self.timeout).acquire()
            except FileNotFoundError:  # removed between touch and open: take the next one
                continue
            if _is_current(lock, self.file):
                break
            lock.release()
        key = os.path.abspath(self.file)
        self._depth[key] = self._depth.get(key, 0) + 1
        self._lock = lock
        return self

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is None:
            return
        key = os.path.abspath(self.file)
        self._depth[key] -= 1
        if not self._depth[key]:
            del self._depth[key]
            if not self.path.exists() and not _leftovers(self.path, "old"):
                self.file.unlink(missing_ok=True)  # no cube to protect: leave nothing behind
        lock.release()

    def __enter__(self) -> "CubeLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _is_current(lock: FolderLock, file: Path) -> bool:
    """True when the locked file is still the one at ``file`` (not removed or replaced)."""
    fd = lock.fileno()
    if fd is None:  # no flock here (Windows): nothing to compare
        return True
    try:
        now, held = os.stat(file), os.fstat(fd)
    except FileNotFoundError:
        return False
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def _leftovers(path: Path, kind: str) -> list[Path]:
    """The ``.NAME.<kind>-*`` folders that interrupted saves of ``path`` left next to it."""
    prefix = f".{path.name}.{kind}-"
    if not path.parent.is_dir():
        return []
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(prefix))


def restore_cube(path: str | Path) -> bool:
    """Put back the cube that a save interrupted between its two renames set aside.

    When ``path`` is missing and a ``.NAME.old-*`` folder is next to it, the newest one is
    renamed back to ``path`` (under the cube's lock, so never under a running save).

    Returns
    -------
    bool
        True when a cube was restored.
    """
    path = Path(path)
    if path.exists() or path.is_symlink() or not _leftovers(path, "old"):
        return False
    with cube_lock(path):
        olds = _leftovers(path, "old")
        if path.exists() or not olds:
            return False  # a running save finished its renames while we waited
        newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
        os.replace(newest, path)
    print(f"geneb: restored result cube {str(path)!r} from {newest.name}, left by an "
          f"interrupted save", file=sys.stderr, flush=True)
    return True


def _with_vlen_strings(ds: xr.Dataset) -> xr.Dataset:
    """Fixed-width numpy strings have no Zarr v3 spec; store them as variable-length UTF-8."""
    ds = ds.copy()
    for name, var in ds.variables.items():
        if var.dtype.kind == "U" or var.dtype.kind == "T":
            ds[name] = var.astype(object)
    return ds


def open_cube(path: str | Path) -> xr.Dataset:
    """Load a saved cube into memory (restoring one an interrupted save set aside)."""
    path = Path(path)
    restore_cube(path)
    if not path.exists():
        raise MissingDataError(f"no result cube at {str(path)!r}; make one with `geneb probe`")
    try:
        ds = xr.open_zarr(path, consolidated=False).load()
    except Exception as exc:
        raise StoreFormatError(f"{str(path)!r} is not a result cube ({exc})") from None
    if "mcc" not in ds or set(CELL_DIMS) - set(ds.dims):
        raise StoreFormatError(f"{str(path)!r} is not a geneb result cube (needs mcc over "
                               f"{', '.join(CELL_DIMS)})")
    return ds


# ---------------------------------------------------------------------------- cells
@dataclass(frozen=True)
class Cell:
    """Result of one fit, with every (regime, seed) cell it fills."""

    regime: str
    seeds: tuple[int, ...]
    scores: dict
    n_train: int
    n_iter: int
    converged: bool
    seconds: float
    rows: np.ndarray | None  #: few-shot rows in the sequence table; None for full
    backend: str = ""


def task_coords(tables: dict[str, TaskTable]) -> dict[str, list]:
    """The per-task coordinates of a cube, from the stored task tables."""
    return {
        "category": [t.attrs.get("category", "other") for t in tables.values()],
        "n_classes": [int(t.attrs.get("n_classes", len(np.unique(t.label)))) for t in tables.values()],
        "official_id": [t.attrs.get("official_id") or "" for t in tables.values()],
        "benchmark": [t.attrs.get("benchmark", "") for t in tables.values()],
        "n_test": [int(len(t.test_index)) for t in tables.values()],
    }


def write_cells(cube: xr.Dataset, model: str, task: str, cells: list[Cell]) -> None:
    """Put one (model, task)'s fits into the cube, in place."""
    mi = cube.indexes["model"].get_loc(model)
    ti = cube.indexes["task"].get_loc(task)
    names = {name for c in cells for name in c.scores}
    names |= {"n_train", "n_iter", "converged", "fit_seconds", "fitted", "backend"}
    arrays = {name: cube[name].values for name in names}  # views: writes land in the cube
    train_rows = cube["train_rows"].values
    for c in cells:
        ri = cube.indexes["regime"].get_loc(c.regime)
        for j, seed in enumerate(c.seeds):
            at = (mi, ti, ri, cube.indexes["seed"].get_loc(seed))
            for name, value in c.scores.items():
                arrays[name][at] = value
            arrays["n_train"][at] = c.n_train
            arrays["n_iter"][at] = c.n_iter
            arrays["converged"][at] = c.converged
            arrays["fit_seconds"][at] = c.seconds
            arrays["fitted"][at] = j == 0
            arrays["backend"][at] = c.backend
            if c.rows is not None:
                train_rows[at[1:] + (slice(0, len(c.rows)),)] = c.rows


def share_full_fits(cube: xr.Dataset, protocol: ProbeProtocol) -> None:
    """Copy an existing full-regime fit to its (model, task)'s new seeds: no refit."""
    done = filled(cube).values
    for regime, k in protocol.regimes:
        if k is not None:
            continue
        ri = cube.indexes["regime"].get_loc(regime)
        for mi in range(cube.sizes["model"]):
            for ti in range(cube.sizes["task"]):
                have = np.flatnonzero(done[mi, ti, ri])
                if len(have) == 0 or len(have) == cube.sizes["seed"]:
                    continue
                src = (mi, ti, ri, have[0])
                for si in np.flatnonzero(~done[mi, ti, ri]):
                    for name in cube.data_vars:
                        if cube[name].dims == ("model", "task", "regime", "seed"):
                            cube[name].values[mi, ti, ri, si] = cube[name].values[src]
                    cube["fitted"].values[mi, ti, ri, si] = False


def pair_key(model_id: str, task_id: str) -> str:
    """The key of a (model, task) in the :data:`FINGERPRINTS` attribute."""
    return f"{model_id}\t{task_id}"


def forget_changed(cube: xr.Dataset, old: dict[str, str], new: dict[str, str]) -> None:
    """Empty the cells of (model, task) pairs whose embeddings or task changed since the
    cube was filled, so they are fitted again rather than reported from stale data."""
    for key, fp in new.items():
        if old.get(key) not in (None, fp):
            m, t = key.split("\t")
            mi, ti = cube.indexes["model"].get_loc(m), cube.indexes["task"].get_loc(t)
            for var in cube.data_vars.values():
                if var.dims == CELL_DIMS:
                    var.values[mi, ti] = {"f": np.nan, "i": -1, "b": False}.get(var.dtype.kind, "")
    cube.attrs[FINGERPRINTS] = {**old, **new}
