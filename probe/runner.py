"""Fill a result cube from an embedding store: every (model, task) × regime × seed.

(model, task) blocks, or bundles of them for backends that batch across tasks
(:mod:`.bundles`), are mapped over a :mod:`dask.distributed` client: an in-process cluster
by default, or an existing one (``scheduler="tcp://host:8786"``). A worker (:mod:`._worker`)
reads one slice at a time from the Zarr store, chunk by chunk straight into its train and
test rows, fits the missing cells and returns only scores. BLAS and torch threads per block
are pinned to ``cores // worker threads`` (and ``OMP_NUM_THREADS``) so concurrent blocks do
not oversubscribe the cores.

With ``out`` the cube is incremental and resumable: an existing cube there is extended (new
models, tasks, regimes or seeds) and only its empty cells are fitted; progress is saved
atomically every ``checkpoint_seconds`` and when the run stops, even on an error or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from geneb.catalog.models import model_coords
from geneb.core.cluster import PendingClient, close, threads_by_host
from geneb.store import EmbeddingStore, TaskTable

from ._worker import FitSpec, probe_bundle
from .backends.base import ProbeBackend
from .bundles import bundle_jobs, held_bytes
from .cube import (FINGERPRINTS, check_compatible, cube_lock, filled, forget_changed,
                   merge_into, new_cube, open_cube, pair_key, restore_cube, save_cube,
                   share_full_fits, task_coords, write_cells)
from .protocol import ProbeProtocol

__all__ = ["RunSettings", "RunPlan", "ProbeRun", "run_probes", "run_counted"]


@dataclass(frozen=True)
class RunSettings:
    """How a probe run fits and where it runs (the keywords of :func:`run_probes`, made
    by :meth:`of`).

    Attributes
    ----------
    fit : FitSpec
        The protocol and the backend (``auto``, ``torch``, ``cuml``, ``sklearn`` or another
        registered one), its torch ``device`` and ``exact_reference`` (scikit-learn
        whatever the backend).
    scheduler : str or distributed.Client, optional
        Address of an existing dask scheduler, or a Client; default an in-process cluster
        with ``n_workers`` threads.
    n_workers : int, optional
        Threads of the in-process cluster (default ``min(model×task pairs, cores)``).
    checkpoint_seconds : float
        Save progress to ``out`` at most this often (0: after every block).
    show_progress : bool
    lock_timeout : float, optional
        Seconds to wait for another run holding ``out`` before an ``InputError``; default
        wait until it finishes.
    bundle_max : int, optional
        Most (model, task) pairs probed by one worker task, their few-shot problems solved
        in one batch (:func:`~geneb.probe.bundles.bundle_jobs`; default: about 4 bundles per
        worker). Applies to backends that batch across tasks (torch); 1 turns it off.
    """

    fit: FitSpec = FitSpec(ProbeProtocol())
    scheduler: Any = None
    n_workers: int | None = None
    checkpoint_seconds: float = 30.0
    show_progress: bool = True
    lock_timeout: float | None = None
    bundle_max: int | None = None

    @classmethod
    def of(cls, *, protocol: ProbeProtocol = ProbeProtocol(), backend: str = "sklearn",
           device: str | None = None, exact_reference: bool = False,
           **run: Any) -> "RunSettings":
        """Settings from the keywords of :func:`run_probes` (``run``: the other fields)."""
        return cls(FitSpec(protocol, backend, device, exact_reference), **run)

    @property
    def protocol(self) -> ProbeProtocol:
        return self.fit.protocol


@dataclass(frozen=True)
class RunPlan:
    """What one run probes: the cube's models and tasks, the pairs to fit, where it goes.

    Attributes
    ----------
    store : EmbeddingStore
    model_ids, task_ids : tuple of str
        The cube's coordinates (de-duplicated, in order).
    pairs : tuple of (model_id, task_id)
        The pairs to fit (default every model on every task).
    out : path or None
        The cube to extend and save.
    settings : RunSettings
    """

    store: EmbeddingStore
    model_ids: tuple[str, ...]
    task_ids: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    out: str | Path | None
    settings: RunSettings


@dataclass(frozen=True)
class ProbeRun:
    """What a run did: the cube, and the cells of its (model, task) pairs it found filled,
    fitted, and fitted again because their embeddings or task changed.

    Attributes
    ----------
    cube : xarray.Dataset
    present, fitted, refitted : int
        Cells (model × task × regime × seed) of the run's pairs and protocol.
    """

    cube: xr.Dataset
    present: int = 0
    fitted: int = 0
    refitted: int = 0

    def summary(self) -> str:
        """``N cells already present, M fitted, K refitted (changed embeddings)``."""
        return (f"{self.present} cells already present, {self.fitted} fitted, "
                f"{self.refitted} refitted (changed embeddings)")


def run_probes(store: EmbeddingStore, model_ids: list[str], task_ids: list[str], *,
               out: str | Path | None = None, pairs: list[tuple[str, str]] | None = None,
               **settings: Any) -> xr.Dataset:
    """Probe every (model, task) in the store and return the result cube.

    Parameters
    ----------
    store : EmbeddingStore
    model_ids, task_ids : list of str
    out : path, optional
        Cube to extend and save (incremental, resumable). Without it nothing is saved and
        every cell is fitted. The run holds the cube's inter-process lock
        (:func:`~geneb.probe.cube.cube_lock`) from reading the cube to its last save: a second
        run on the same ``out`` waits (saying so on stderr), then fits only what is still
        missing. A cube that an interrupted save set aside is restored first.
    pairs : list of (model_id, task_id), optional
        Probe only these pairs (the cube still spans all models and tasks; other cells
        stay empty). Default: every model on every task.
    **settings
        ``protocol``, ``backend`` (default ``"sklearn"``), ``device``, ``exact_reference``
        and the other fields of :class:`RunSettings`: ``scheduler``, ``n_workers``,
        ``checkpoint_seconds``, ``show_progress``, ``lock_timeout``, ``bundle_max``.

    Returns
    -------
    xarray.Dataset
        The cube (with ``out``: the whole saved cube, old cells included).
    """
    return run_counted(store, model_ids, task_ids, out=out, pairs=pairs, **settings).cube


def run_counted(store: EmbeddingStore, model_ids: list[str], task_ids: list[str], *,
                out: str | Path | None = None, pairs: list[tuple[str, str]] | None = None,
                **settings: Any) -> ProbeRun:
    """:func:`run_probes`, also saying how many cells it found, fitted and refitted."""
    config = RunSettings.of(**settings)
    engine = config.fit.make()
    model_ids, task_ids = list(dict.fromkeys(model_ids)), list(dict.fromkeys(task_ids))
    wanted = list(dict.fromkeys(pairs)) if pairs is not None else \
        [(m, t) for m in model_ids for t in task_ids]
    plan = RunPlan(store, tuple(model_ids), tuple(task_ids), tuple(wanted), out, config)
    pending = PendingClient(config.scheduler,
                            config.n_workers or min(len(wanted), os.cpu_count() or 1))
    try:
        return _run(plan, engine, pending)
    except BaseException:
        pending.discard()
        raise


@dataclass(frozen=True)
class _Slice:
    """What the client knows of one pair's stored array before any work."""

    nbytes: int
    shape: tuple[int, int]
    itemsize: int


def _read_inputs(plan: RunPlan) -> tuple[dict[str, TaskTable], dict[tuple[str, str], _Slice]]:
    """The task tables, and each pair's array (failing before any work on a missing or
    incomplete one)."""
    tables = {t: plan.store.read_task_table(t) for t in plan.task_ids}
    slices = {}
    for m, t in plan.pairs:
        arr = plan.store.open_embedding(m, t)
        slices[m, t] = _Slice(arr.nbytes, arr.shape, arr.dtype.itemsize)
    return tables, slices


def _fresh_cube(plan: RunPlan, engine: ProbeBackend,
                tables: dict[str, TaskTable]) -> xr.Dataset:
    """An empty cube for the plan, with the fingerprints of what its pairs read."""
    protocol = plan.settings.protocol
    max_shots = max((max(k or 0 for _, k in protocol.regimes) * len(np.unique(tb.label))
                     for tb in tables.values()), default=1)
    cube = new_cube(list(plan.model_ids), list(plan.task_ids), protocol,
                    model_coords(plan.model_ids), task_coords(tables), max_shots)
    cube.attrs.update({"backend": engine.name, "store": str(plan.store.path),
                       "backend_choice": dict(getattr(engine, "choice", {}))})
    cube.attrs[FINGERPRINTS] = {pair_key(m, t): plan.store.embedding_fingerprint(m, t, tables[t])
                                for m, t in plan.pairs}
    return cube


def _with_existing(plan: RunPlan, engine: ProbeBackend,
                   cube: xr.Dataset) -> tuple[xr.Dataset, np.ndarray | None]:
    """``cube`` merged into the one already at ``out`` (if any): changed pairs emptied,
    full fits shared with new seeds; and the cells emptied (None without a cube at
    ``out``). Called under the cube's lock."""
    out, protocol = plan.out, plan.settings.protocol
    if out is None:
        return cube, None
    restore_cube(out)  # a cube that an interrupted save set aside
    if not Path(out).exists():
        return cube, None
    existing = open_cube(out)
    check_compatible(existing, protocol, engine.name, out)
    prints = cube.attrs[FINGERPRINTS]
    cube = merge_into(existing, cube)
    cube.attrs["backend"] = engine.name
    cube.attrs["backend_choice"] = dict(getattr(engine, "choice", {}))
    before = filled(cube).values.copy()
    forget_changed(cube, dict(existing.attrs.get(FINGERPRINTS) or {}), prints)
    share_full_fits(cube, protocol)
    return cube, before & ~filled(cube).values


def _plan_cells(plan: RunPlan, cube: xr.Dataset) -> np.ndarray:
    """True for the cells of the plan's pairs, regimes and seeds (dims as ``filled``)."""
    mask = np.zeros(filled(cube).shape, dtype=bool)
    protocol = plan.settings.protocol
    idx = {dim: cube.indexes[dim] for dim in ("model", "task", "regime", "seed")}
    regimes = [idx["regime"].get_loc(r) for r in protocol.regime_names]
    seeds = [idx["seed"].get_loc(s) for s in protocol.seeds]
    for m, t in plan.pairs:
        mask[idx["model"].get_loc(m), idx["task"].get_loc(t)][np.ix_(regimes, seeds)] = True
    return mask


def _jobs(plan: RunPlan, cube: xr.Dataset,
          slices: dict[tuple[str, str], _Slice]) -> list[tuple[str, str, list]]:
    """``(model, task, todo cells)`` of every pair with empty cells, largest slice first
    (the long blocks start early and small ones fill the tail)."""
    protocol = plan.settings.protocol
    done = filled(cube).transpose("model", "task", "regime", "seed").values
    idx = {dim: cube.indexes[dim] for dim in ("model", "task", "regime", "seed")}
    jobs = []
    for m, t in plan.pairs:
        cell = done[idx["model"].get_loc(m), idx["task"].get_loc(t)]
        todo = [(r, int(s)) for r in protocol.regime_names for s in protocol.seeds
                if not cell[idx["regime"].get_loc(r), idx["seed"].get_loc(s)]]
        if todo:
            jobs.append((m, t, todo))
    jobs.sort(key=lambda job: -slices[job[0], job[1]].nbytes)
    return jobs


def _run(plan: RunPlan, engine: ProbeBackend, pending: PendingClient) -> ProbeRun:
    """:func:`run_counted` once its inputs are named and its cluster is on its way."""
    tables, slices = _read_inputs(plan)
    cube = _fresh_cube(plan, engine, tables)
    out, config = plan.out, plan.settings
    lock = cube_lock(out, config.lock_timeout) if out is not None else contextlib.nullcontext()
    with lock:  # one run at a time on a cube: a second waits, then finds its cells filled
        cube, emptied = _with_existing(plan, engine, cube)
        cells = _plan_cells(plan, cube)
        had = filled(cube).values & cells
        jobs = _jobs(plan, cube, slices)
        if jobs:
            _fit_jobs(plan, cube, jobs, (tables, slices), (engine, pending))
        else:
            pending.discard()
        new = filled(cube).values & cells & ~had
        refit = new & emptied if emptied is not None else np.zeros_like(new)
        return ProbeRun(cube, int(had.sum()), int((new & ~refit).sum()), int(refit.sum()))


def _fit_jobs(plan: RunPlan, cube: xr.Dataset, jobs: list, inputs: tuple,
              how: tuple[ProbeBackend, PendingClient]) -> None:
    """Bundle the jobs and fit them on the cluster, writing their cells into ``cube``."""
    (tables, slices), (engine, pending), config = inputs, how, plan.settings
    held = {(m, t): held_bytes(tables[t], slices[m, t].shape, slices[m, t].itemsize, todo,
                               config.protocol) for m, t, todo in jobs}
    bundles = bundle_jobs(jobs, held, max(slices[m, t].nbytes for m, t, _ in jobs),
                          pending.n_threads,
                          max_pairs=1 if not engine.batches_across_tasks else config.bundle_max)
    bundles = [[(m, t, todo, tables[t]) for m, t, todo in b] for b in bundles]
    client, owned = pending.get()  # an unreachable scheduler: nothing saved
    try:
        _fit_bundles(plan, cube, bundles, client, f"probe ({engine.name})")
    finally:
        if owned:
            close(client)


def _fit_bundles(plan: RunPlan, cube: xr.Dataset, bundles: list[list[tuple]], client: Any,
                 desc: str) -> None:
    """Map the bundles over the cluster and write their cells into ``cube`` as they come,
    saving it to ``out`` at checkpoints and at the end (even on an error or Ctrl-C)."""
    from distributed import as_completed

    out, config = plan.out, plan.settings
    existed = out is not None and Path(out).exists()
    wrote = False  # a run that fits no cell leaves no new cube behind
    bar = tqdm(total=sum(len(b) for b in bundles), desc=desc, unit="model×task",
               disable=not config.show_progress, leave=False)
    try:
        last_save = time.monotonic()
        hosts = threads_by_host(client)
        futures = [client.submit(probe_bundle, _portable(plan.store.path), bundle, config.fit,
                                 plan.store.storage_options, hosts, pure=False,
                                 priority=len(bundles) - i)
                   for i, bundle in enumerate(bundles)]
        with client.as_current():
            for fut in as_completed(futures):
                for (m, t), cells in fut.result().items():
                    write_cells(cube, m, t, cells)
                    wrote = True
                    bar.update(1)
                if out is not None and time.monotonic() - last_save >= config.checkpoint_seconds:
                    save_cube(cube, out)
                    last_save = time.monotonic()
    finally:
        bar.close()
        if out is not None and (wrote or existed):
            save_cube(cube, out)  # what finished is kept, even on an error or Ctrl-C


def _portable(path: str) -> str:
    """A store location workers elsewhere can open: URLs as they are, paths made absolute."""
    return path if "://" in path else str(Path(path).resolve())
