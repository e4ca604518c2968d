"""Which (model, task) pairs of a store to probe, and probing them into a cube."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geneb.core.errors import InputError, UnknownNameError
from geneb.core.registry import did_you_mean
from geneb.store import EmbeddingStore

from .runner import ProbeRun, RunSettings, run_counted

__all__ = ["select_pairs", "probe_store"]


def _known(names: list[str] | None, known: list[str], kind: str, store: str) -> list[str]:
    """The requested names, de-duplicated, each present in the store (did-you-mean if not)."""
    out = list(dict.fromkeys(names or []))
    for name in out:
        if name not in known:
            raise UnknownNameError(f"{kind} {name!r} has no complete embeddings in {store!r}."
                                   f"{did_you_mean(name, known)} See `geneb store ls {store}`.")
    return out


def select_pairs(store: EmbeddingStore, models: list[str] | None = None,
                 tasks: list[str] | None = None,
                 ) -> tuple[list[str], list[str], list[tuple[str, str]] | None]:
    """The models, tasks and pairs to probe among a store's complete embeddings.

    By default every complete (model, task) pair; named models or tasks must each have
    complete embeddings. When both are named the whole grid is asked for (``pairs`` is
    None): a missing pair is then an error from the run, naming the extract command.

    Returns
    -------
    models, tasks : list of str
    pairs : list of (model_id, task_id), or None for the whole grid

    Raises
    ------
    InputError, UnknownNameError
        No complete embeddings (for that selection), or an unknown name.
    """
    where = store.path
    complete = [(m, t) for m, t, status in store.embeddings() if status == "complete"]
    if not complete:
        raise InputError(f"store {where!r} holds no complete embeddings; "
                         f"run `geneb extract --store {where}` first")
    named_models = _known(models, sorted({m for m, _ in complete}), "model", where)
    named_tasks = _known(tasks, sorted({t for _, t in complete}), "task", where)
    pairs = [(m, t) for m, t in complete
             if (not named_models or m in named_models) and (not named_tasks or t in named_tasks)]
    if not pairs:
        raise InputError(f"no complete embeddings for that selection in {where!r}; "
                         f"see `geneb store ls {where}`")
    out_models = named_models or sorted({m for m, _ in pairs})
    out_tasks = named_tasks or sorted({t for _, t in pairs})
    return out_models, out_tasks, (None if models and tasks else pairs)


def probe_store(store: str | Path, out: str | Path, *, models: list[str] | None = None,
                tasks: list[str] | None = None, **settings: Any) -> ProbeRun:
    """Probe the complete embeddings of a store into the cube at ``out`` (extended).

    The backend and device are checked before the store is opened.

    Parameters
    ----------
    store : str or Path
        Store folder, packed zip or URL (opened read-only).
    out : path
        Result cube to write or extend.
    models, tasks : list of str, optional
        See :func:`select_pairs`.
    **settings
        As for :func:`~geneb.probe.runner.run_probes`.

    Returns
    -------
    ProbeRun
        The cube (``.cube``) and the cells found filled, fitted and refitted.
    """
    RunSettings.of(**settings).fit.make()  # a bad backend or device: fail before any work
    opened = EmbeddingStore(store, mode="r")
    models, tasks, pairs = select_pairs(opened, models, tasks)
    return run_counted(opened, models, tasks, pairs=pairs, out=out, **settings)
