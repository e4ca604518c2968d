"""``geneb store merge``: combine stores without recomputing anything."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from geneb.core.errors import StoreFormatError

from . import layout
from ._rewrite import copy_units
from .embedding_store import EmbeddingStore


@dataclass(frozen=True)
class MergeAction:
    source: str
    kind: str        #: "task" or "embedding"
    name: str
    action: str      #: "copy", "identical" (already there, same content), "skip-incomplete"
    key: tuple = ()  #: (task_id,) or (model_id, task_id)


def _same_embedding(a: EmbeddingStore, b: EmbeddingStore, m: str, t: str) -> str | None:
    """None when the two arrays are identical, else why not."""
    xa, xb = a.open_embedding(m, t), b.open_embedding(m, t)
    if xa.shape != xb.shape or xa.dtype != xb.dtype:
        return f"shape/dtype {xa.shape} {xa.dtype} vs {xb.shape} {xb.dtype}"
    ca = xa.attrs.get("provenance", {}).get("config")
    cb = xb.attrs.get("provenance", {}).get("config")
    if ca != cb:
        ca, cb = ca or {}, cb or {}
        keys = sorted(k for k in set(ca) | set(cb) if ca.get(k) != cb.get(k))
        return f"settings differ ({', '.join(keys)})"
    ra, rb = a.unit_records(m, t), b.unit_records(m, t)
    if ra.rows == rb.rows and (ra.checksums != 0).all() and (rb.checksums != 0).all():
        return None if np.array_equal(ra.checksums, rb.checksums) else "values differ"
    same = np.array_equal(a.read_embedding(m, t), b.read_embedding(m, t))
    return None if same else "values differ"


def merge(out: str | Path, sources: list[str | Path], show_progress: bool = False
          ) -> list[MergeAction]:
    """Combine stores into ``out`` (created if missing) without recomputing anything.

    Everything is checked before anything is written: a task table or an embedding array
    present in two places must be identical, otherwise the merge is refused naming it.
    Incomplete arrays are not copied.
    """
    srcs = [EmbeddingStore(s, mode="r") for s in sources]
    target_exists = Path(out).exists()
    dst = EmbeddingStore(out, mode="r") if target_exists else None
    plan: list[MergeAction] = []
    seen_tasks: dict[str, EmbeddingStore] = {}
    seen_emb: dict[tuple[str, str], EmbeddingStore] = {}
    dst_incomplete: set[tuple[str, str]] = set()
    if dst is not None:
        seen_tasks = {t: dst for t in dst.task_ids()}
        for m, t, s in dst.embeddings():
            if s == layout.STATUS_COMPLETE:
                seen_emb[(m, t)] = dst
            else:
                dst_incomplete.add((m, t))
    for src in srcs:
        for t in src.task_ids():
            if t in seen_tasks:
                a, b = seen_tasks[t].read_task_table(t), src.read_task_table(t)
                for name in ("seq_hash", "label", "split", "length"):
                    if not np.array_equal(getattr(a, name), getattr(b, name)):
                        raise StoreFormatError(
                            f"task {t!r} differs in {name} between {seen_tasks[t].path!r} and "
                            f"{src.path!r}; merge refused (nothing written)")
                plan.append(MergeAction(src.path, "task", t, "identical", (t,)))
            else:
                seen_tasks[t] = src
                plan.append(MergeAction(src.path, "task", t, "copy", (t,)))
        for m, t, status in src.embeddings():
            if status != layout.STATUS_COMPLETE:
                plan.append(MergeAction(src.path, "embedding", f"{m}/{t}", "skip-incomplete",
                                        (m, t)))
                continue
            if (m, t) in seen_emb:
                why = _same_embedding(seen_emb[(m, t)], src, m, t)
                if why:
                    raise StoreFormatError(
                        f"embeddings of {m!r} on {t!r} differ between {seen_emb[(m, t)].path!r} "
                        f"and {src.path!r} ({why}); merge refused (nothing written)")
                plan.append(MergeAction(src.path, "embedding", f"{m}/{t}", "identical", (m, t)))
            else:
                if (m, t) in dst_incomplete:  # the copy would resume it: settings must match
                    X = src.open_embedding(m, t)
                    diff = dst.settings_conflict(m, t, X.shape[0], X.shape[1], str(X.dtype),
                                                 dict(X.attrs.get("provenance", {})))
                    if diff:
                        raise StoreFormatError(
                            f"embeddings of {m!r} on {t!r} are incomplete in {dst.path!r} with "
                            f"other settings than in {src.path!r} ({', '.join(diff)}); merge "
                            f"refused (nothing written): merge into a new folder, or delete "
                            f"{layout.embedding_path(m, t)} from {dst.path!r} first")
                seen_emb[(m, t)] = src
                plan.append(MergeAction(src.path, "embedding", f"{m}/{t}", "copy", (m, t)))
    target = EmbeddingStore(out, mode="a")
    by_path = {s.path: s for s in srcs}
    copies = [a for a in plan if a.action == "copy"]
    with target.deferred_consolidation():
        for act in tqdm(copies, desc="merge", disable=not show_progress, leave=False):
            src = by_path[act.source]
            if act.kind == "task":
                tab = src.read_task_table(act.name)
                target.write_task_table(act.name, seq_hash=tab.seq_hash, label=tab.label,
                                        split=tab.split, length=tab.length, attrs=tab.attrs)
            else:
                _copy_embedding(src, target, *act.key)
    return plan


def _copy_embedding(src: EmbeddingStore, dst: EmbeddingStore, m: str, t: str) -> None:
    """Copy one complete array, unit by unit (each source unit checked), into ``dst``."""
    X = src.open_embedding(m, t)
    attrs = dict(X.attrs)
    prov = dict(attrs.get("provenance", {}))
    w = dst.begin_embedding(m, t, n=X.shape[0], dim=X.shape[1], dtype=str(X.dtype),
                            chunk_rows=X.chunks[0], provenance=prov)
    try:
        copy_units(X, src.unit_records(m, t), w,
                   f"{src.path!r}: {layout.embedding_path(m, t)}/{layout.ARRAY_NAME}")
    except BaseException:
        w.close()
        raise
    w.array.attrs.update({"provenance": prov})
    w.finalize()
    w.array.attrs.update({"completed": attrs.get("completed"),
                          "merged_from": src.path})
