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
    Name of the probe backend that filled the cell.
``train_rows`` (task, regime, seed, shot)
    Few-shot training rows (positions in the task's sequence table), -1 padded;
    all -1 in the full regime, which uses the whole train split.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import xarray as xr

from geneb.core.errors import MissingDataError, StoreFormatError
from geneb.probe.protocol import ProbeProtocol

SCORES = ("mcc", "accuracy", "f1_macro")
CELL_DIMS = ("model", "task", "regime", "seed")

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
    coords.update({k: ("task", v) for k, v in task_coords.items()})
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({"geneb_cube_version": 1, "protocol": protocol.as_attrs(),
                     "full_regime_note": FULL_FIT_NOTE})
    return ds


def save_cube(ds: xr.Dataset, path: str | Path) -> Path:
    """Write the cube as Zarr v3, atomically: a temporary folder renamed into place.

    An interrupted save never leaves a half-written cube at ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        _with_vlen_strings(ds).to_zarr(tmp, mode="w", zarr_format=3, consolidated=False)
        if path.exists():
            old = path.with_name(f".{path.name}.old-{uuid.uuid4().hex[:8]}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def _with_vlen_strings(ds: xr.Dataset) -> xr.Dataset:
    """Fixed-width numpy strings have no Zarr v3 spec; store them as variable-length UTF-8."""
    ds = ds.copy()
    for name, var in ds.variables.items():
        if var.dtype.kind == "U" or var.dtype.kind == "T":
            ds[name] = var.astype(object)
    return ds


def open_cube(path: str | Path) -> xr.Dataset:
    """Load a saved cube into memory."""
    path = Path(path)
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
