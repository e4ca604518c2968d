"""``geneb store upgrade``: rewrite a store folder in place to the current format and a layout.

Safe against a kill at any moment, and resumable by running it again:

1. The root is marked first (format 2, ``upgrading``): an older geneb refuses the store from
   then on with its one-line "newer than this geneb reads" message, and writers refuse it
   until the upgrade is finished. Readers of this geneb read every array, upgraded or not.
2. Each array is upgraded under its writer lock. A complete array whose units do not change
   (format 1 chunked to chunked) only gets its checksums moved into ``X``'s attributes (one
   metadata write), then loses its old record arrays. Any other array is written again from
   its checked units into ``.geneb-staging/<model>/<task>/``; a ``READY`` file is written
   last; then the old ``X`` and records are moved aside and the new ones moved into place
   (renames), and the staging folder is removed. A run that finds ``READY`` finishes the
   moves; one that finds staging without ``READY`` starts that array again.
3. The root is unmarked and its consolidated metadata rebuilt.

Units of an incomplete array that do not map onto whole new units are dropped (they are
extracted again when its extraction is resumed); the report counts them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr
from tqdm.auto import tqdm
from zarr.core.sync import sync

from geneb.core.errors import InputError

from . import _consolidate, layout
from ._index import parse_doc
from ._location import parse_location
from ._records import checksum_attr, read_records
from ._rewrite import copy_units
from ._safety import check_array
from .layout import StoreLayout, as_layout
from .locking import FolderLock
from .opening import check_format, root_lock
from .writer import _HOOK, EmbeddingWriter, create_arrays, remove_records, shard_rows

READY = "READY"
#: What may sit next to X in an array group: moved aside when X is replaced.
_OLD = (layout.ARRAY_NAME, layout.RECORDS_GROUP, *layout.V1_RECORDS.values())


@dataclass(frozen=True)
class UpgradeReport:
    """What ``upgrade`` did."""

    from_version: int
    layout: StoreLayout
    rewritten: int       #: arrays written again into the new layout
    relabelled: int      #: complete arrays whose records moved into X's attributes
    unchanged: int
    dropped_rows: int    #: embedded rows of incomplete arrays to embed again


def _hook(point: str, n: int) -> None:
    if _HOOK[0] is not None:
        _HOOK[0](point, n)


def upgrade(path: str | Path, new_layout: StoreLayout | str | None = None, *,
            lock_timeout: float | None = None, show_progress: bool = False) -> UpgradeReport:
    """Upgrade the store folder at ``path`` to format 2 in ``new_layout`` (default: its
    current layout for a format 2 store, :data:`layout.DEFAULT_LAYOUT` for format 1).

    Raises
    ------
    InputError
        For a URL, a zip or a packed snapshot (read-only), or a missing folder.
    StoreFormatError
        Not a geneb store, a newer one, or a damaged unit (nothing of that array changes).
    """
    loc = parse_location(path)
    if loc.kind != "dir":
        raise InputError(f"upgrade rewrites a store folder in place; {loc.text!r} is "
                         f"{'a URL' if loc.is_remote else 'a zip'}: upgrade the folder it was "
                         f"made from, then pack or upload it again")
    folder = loc.local_path
    if not (folder / "zarr.json").is_file():
        raise InputError(f"no store folder at {loc.text!r}; give the folder `geneb extract` made")
    attrs = dict(parse_doc((folder / "zarr.json").read_bytes(), loc.text).get("attributes") or {})
    meta = check_format(attrs, loc.text, "r")
    if meta.get("packed"):
        raise InputError(f"{loc.text!r} is a packed snapshot (read-only); upgrade the store "
                         f"folder it was made from, then pack it again")
    version = int(meta["format_version"])
    target = as_layout(new_layout) or (StoreLayout.from_attrs(meta.get("layout"))
                                       if version >= 2 else layout.DEFAULT_LAYOUT)
    upgrading = {"from": meta.get("upgrading", {}).get("from", version),
                 "started": layout.timestamp()}
    _set_root(folder, lock_timeout, {**meta, "format_version": layout.FORMAT_VERSION,
                                     "layout": target.to_attrs(), "upgrading": upgrading})
    done: dict[str, str] = {}
    dropped = [0]
    while True:  # again until a pass changes nothing (a writer may have added arrays)
        changed = 0
        groups = _array_groups(folder)
        for i, rel in enumerate(tqdm(groups, desc="upgrade", unit="array",
                                     disable=not show_progress, leave=False)):
            what = _upgrade_array(folder, rel, target, lock_timeout, dropped)
            if what != "unchanged" or rel not in done:
                done[rel] = what
            changed += what != "unchanged"
            _hook("upgrade-array", i)
        if not changed:
            break
    shutil.rmtree(folder / layout.STAGING, ignore_errors=True)
    final = {k: v for k, v in meta.items() if k != "upgrading"}
    final.update({"format_version": layout.FORMAT_VERSION, "layout": target.to_attrs()})
    if upgrading["from"] != layout.FORMAT_VERSION:
        final["upgraded"] = {"from": upgrading["from"], "at": layout.timestamp()}
    _set_root(folder, lock_timeout, final)
    states = list(done.values())
    return UpgradeReport(upgrading["from"], target, states.count("rewritten"),
                         states.count("relabelled"), states.count("unchanged"), dropped[0])


def _set_root(folder: Path, lock_timeout: float | None, meta: dict) -> None:
    """Replace the ``geneb_store`` root attribute and rebuild the consolidated metadata."""
    with root_lock(str(folder), lock_timeout):
        doc = parse_doc((folder / "zarr.json").read_bytes(), str(folder))
        attrs = dict(doc.get("attributes") or {})
        attrs[layout.ROOT_KEY] = meta
        _consolidate.rebuild(folder, attrs)


def _array_groups(folder: Path) -> list[str]:
    """``embeddings/<model>/<task>`` of every array group holding an X, or whose new X an
    interrupted upgrade left staged, ready to be moved in (sorted)."""
    base = folder / layout.EMBEDDINGS_GROUP
    found = {x.parent.parent.relative_to(folder).as_posix()
             for x in base.glob(f"*/*/{layout.ARRAY_NAME}/zarr.json")}
    staged = folder / layout.STAGING
    found |= {f"{layout.EMBEDDINGS_GROUP}/{r.parent.relative_to(staged).as_posix()}"
              for r in staged.glob(f"*/*/{READY}")}
    return sorted(found)


def _upgrade_array(folder: Path, rel: str, target: StoreLayout, lock_timeout: float | None,
                   dropped: list[int]) -> str:
    """Upgrade one array group (under its lock); returns what was done."""
    group_dir = folder / rel
    staging = folder / layout.STAGING / Path(rel).relative_to(layout.EMBEDDINGS_GROUP)
    with FolderLock(str(group_dir), f"embeddings {rel} in {str(folder)!r}", lock_timeout):
        if (staging / READY).exists():
            _swap(group_dir, staging)
        shutil.rmtree(staging, ignore_errors=True)
        grp = zarr.open_group(str(group_dir), mode="r+", zarr_format=3, use_consolidated=False)
        X = check_array(grp[layout.ARRAY_NAME], f"{rel}/X")
        rec = read_records(grp, X, f"{rel}/X")
        complete = X.attrs.get("status") == layout.STATUS_COMPLETE
        wanted = shard_rows(X.shape, str(X.dtype), X.chunks[0], target)
        same_units = (X.shards[0] if X.shards else None) == wanted
        format_1 = layout.V1_RECORDS[layout.DONE] in grp
        if same_units and not format_1:
            if complete and layout.RECORDS_GROUP in grp:
                remove_records(grp)  # left by a writer killed as it finished
            return "unchanged"
        if same_units and complete:
            _relabel(grp, X, rec)
            return "relabelled"
        dropped[0] += _rewrite(grp, X, rec, staging, target, rel)
        _swap(group_dir, staging)
        shutil.rmtree(staging, ignore_errors=True)
        return "rewritten"


def _relabel(grp: zarr.Group, X: zarr.Array, rec) -> None:
    """A complete format 1 array keeping its chunks: checksums into X's attributes (any
    missing one computed from the data), then the old record arrays removed."""
    sums = rec.checksums.copy()
    if not sums.all():
        from ._checksum import block_checksum
        for i in np.flatnonzero(sums == 0):
            sl = slice(int(i) * rec.rows, min((int(i) + 1) * rec.rows, X.shape[0]))
            sums[i] = block_checksum(X[sl], rec.algorithm)
    X.attrs.update({layout.CHECKSUM_ATTR: checksum_attr(sums, rec.rows, rec.algorithm)})
    for name in layout.V1_RECORDS.values():
        sync(grp.store.delete_dir("/".join(p for p in (grp.path, name) if p)))


def _rewrite(grp: zarr.Group, X: zarr.Array, rec, staging: Path, target: StoreLayout,
             rel: str) -> int:
    """Write the array again into ``staging`` (new layout); returns the embedded rows that
    did not fit whole new units (an incomplete array's), to embed again."""
    staging.mkdir(parents=True)
    new = zarr.open_group(str(staging), mode="w", zarr_format=3)
    attrs = dict(X.attrs)
    create_arrays(new, str(attrs.get("model_id")), str(attrs.get("task_id")),
                  shape=tuple(X.shape), dtype=str(X.dtype), chunk_rows=X.chunks[0],
                  provenance={}, store_layout=target)
    fresh = dict(new[layout.ARRAY_NAME].attrs)  # its checksum algorithm among them
    keep = {k: v for k, v in attrs.items()
            if k not in ("status", layout.CHECKSUM_ATTR, "checksum_algorithm")}
    new[layout.ARRAY_NAME].attrs.put({**fresh, **keep, "status": layout.STATUS_INCOMPLETE})
    w = EmbeddingWriter(new)
    copy_units(X, rec, w, f"{rel}/X")
    n = X.shape[0]
    rows_before = sum(min((i + 1) * rec.rows, n) - i * rec.rows for i in np.flatnonzero(rec.done))
    new_done = np.asarray(w.done[:])
    rows_after = sum(w.chunk_slice(int(i)).stop - w.chunk_slice(int(i)).start
                     for i in np.flatnonzero(new_done))
    dropped = int(rows_before - rows_after)
    if attrs.get("status") == layout.STATUS_COMPLETE:
        w.finalize()
        w.array.attrs.update({"completed": attrs.get("completed")})
    (staging / READY).write_text(rel)
    _hook("upgrade-staged", 0)
    return dropped


def _swap(group_dir: Path, staging: Path) -> None:
    """Move the old X and records aside and the staged ones into place (each a rename)."""
    aside = staging / "old"
    if (staging / layout.ARRAY_NAME).exists():
        aside.mkdir(exist_ok=True)
        for name in _OLD:
            if (group_dir / name).exists():
                (group_dir / name).rename(aside / name)
        _hook("upgrade-aside", 0)
        (staging / layout.ARRAY_NAME).rename(group_dir / layout.ARRAY_NAME)
    if (staging / layout.RECORDS_GROUP).exists():
        (staging / layout.RECORDS_GROUP).rename(group_dir / layout.RECORDS_GROUP)
