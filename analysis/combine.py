"""Published and own results in one cube: :func:`combine_cubes` and :func:`with_official`."""

from __future__ import annotations

import numpy as np
import xarray as xr

from geneb.core.errors import InputError
from geneb.probe.protocol import GENEB_REGIMES

from .official import load_official_cube
from .provenance import COMPUTED, SOURCE_DESCRIPTION, with_sources
from .release_schema import PUBLISHED_SEED, PUBLISHED_SEED_NOTE


_FILL = {"mcc": np.nan, "accuracy": np.nan, "f1_macro": np.nan, "fit_seconds": np.nan,
         "n_train": -1, "n_iter": -1, "converged": False, "fitted": False, "backend": "",
         "train_rows": -1}
_MODEL_COORD_DEFAULTS = {"params": np.nan, "architecture": "", "arch_short": "",
                         "tokenization": "", "pretraining_group": "", "display": "",
                         "source": COMPUTED, "source_note": ""}


def _scalar(v):
    return v.item() if hasattr(v, "item") else v


def combine_cubes(*cubes: xr.Dataset) -> xr.Dataset:
    """Put several cubes (e.g. published results and your own run) into one.

    Models must not repeat. Tasks, regimes and seeds are the union; cells a cube did not
    have are NaN (scores) or the empty value of their variable, so seed means with
    ``skipna`` are unchanged. Task coords come from the first cube that has the task.

    Returns
    -------
    xarray.Dataset, dims (model, task, regime, seed)
    """
    if not cubes:
        raise InputError("combine_cubes needs at least one cube")
    models = [str(m) for c in cubes for m in c["model"].values]
    dupes = sorted({m for m in models if models.count(m) > 1})
    if dupes:
        raise InputError(f"model(s) {', '.join(dupes)} appear in more than one cube; "
                         f"drop them from one before combining")
    tasks = list(dict.fromkeys(str(t) for c in cubes for t in c["task"].values))
    regime_order = [n for n, _ in GENEB_REGIMES]
    regimes = sorted({str(r) for c in cubes for r in c["regime"].values},
                     key=lambda r: (regime_order.index(r) if r in regime_order else 99, r))
    seeds = sorted({int(s) for c in cubes for s in c["seed"].values})
    shots = max(int(c.sizes.get("shot", 1)) for c in cubes)
    task_coord_names = list(dict.fromkeys(k for c in cubes for k, v in c.coords.items()
                                          if v.dims == ("task",) and k != "task"))
    task_table: dict[str, dict] = {}
    for c in cubes:
        for i, t in enumerate(str(t) for t in c["task"].values):
            if t not in task_table:
                task_table[t] = {k: (_scalar(c[k].values[i]) if k in c.coords else None)
                                 for k in task_coord_names}
    parts = []
    for c in cubes:
        c = c.drop_vars([k for k in task_coord_names if k in c.coords])
        for k, default in _MODEL_COORD_DEFAULTS.items():
            if k not in c.coords:
                c = c.assign_coords({k: ("model", [default] * c.sizes["model"])})
        c = with_sources(c)  # older cubes: "self-reported" / "geneb run" -> current words
        c = c.reindex(task=tasks, regime=regimes, seed=seeds, fill_value=_FILL)
        if "train_rows" in c and c.sizes["shot"] < shots:
            rows = c["train_rows"].pad(shot=(0, shots - c.sizes["shot"]), constant_values=-1)
            c = c.drop_vars("train_rows").assign(train_rows=rows)
        for name in ("converged", "fitted"):
            c[name] = c[name].astype(bool)
        c["backend"] = c["backend"].astype(object)
        parts.append(c)
    keep = [v for v in parts[0].data_vars if all(v in p for p in parts)]
    per_model = [p[[v for v in keep if "model" in p[v].dims]] for p in parts]
    shared = [p[[v for v in keep if "model" not in p[v].dims]] for p in parts]
    merged = xr.concat(per_model, dim="model", coords="different", compat="equals",
                       join="exact", combine_attrs="drop")
    # train_rows (no model dim): take each cube's rows where it has them
    for name in shared[0].data_vars:
        arr = shared[0][name].values.copy()
        for s in shared[1:]:
            mask = arr == _FILL.get(name, -1)
            arr[mask] = s[name].values[mask]
        merged[name] = (shared[0][name].dims, arr)
    for k in task_coord_names:
        merged = merged.assign_coords({k: ("task", [task_table[t][k] for t in tasks])})
    merged.attrs = {"combined_from": [dict(c.attrs) for c in cubes]}
    merged["source"].attrs["description"] = SOURCE_DESCRIPTION
    if any(PUBLISHED_SEED in [int(s) for s in c["seed"].values] for c in cubes):
        merged.attrs["published_seed_note"] = PUBLISHED_SEED_NOTE
    return merged


def with_official(cube: xr.Dataset, official: xr.Dataset | None = None) -> xr.Dataset:
    """Your cube plus the published results, for one report.

    A published model that you also ran keeps its published results under the id
    ``<model>@published``, so both stay visible.
    """
    official = load_official_cube() if official is None else official
    own = {str(m) for m in cube["model"].values}
    rename = {m: f"{m}@published" for m in (str(x) for x in official["model"].values) if m in own}
    if rename:
        official = official.assign_coords(model=[rename.get(str(m), str(m))
                                                 for m in official["model"].values])
    return combine_cubes(official, cube)


__all__ = ["combine_cubes", "with_official"]
