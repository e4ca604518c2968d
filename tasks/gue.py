"""GUE (DNABERT-2): ``<root>/<group>/<task>/{train,dev,test}.csv`` with ``sequence,label``."""

from __future__ import annotations

import hashlib
from pathlib import Path

from geneb.core.errors import InputError, MissingDataError
from geneb.core.provenance import sha256_file
from geneb.core.registry import did_you_mean

from ._assemble import assemble_task
from .data import Task
from .layout import DEV_MODES
from ._rows import RowStack
from .options import LoadOptions
from .specs import user_spec
from ._tables import pick_column, read_table



def list_gue_tasks(root: str | Path) -> list[str]:
    """``group/task`` names of every GUE task folder under ``root`` (holding a test.csv)."""
    root = Path(root)
    return sorted(str(p.parent.relative_to(root)) for p in root.glob("*/*/test.csv"))


def _split_file(folder: Path, name: str) -> Path | None:
    for suffix in (".csv", ".csv.gz"):
        if (folder / f"{name}{suffix}").is_file():
            return folder / f"{name}{suffix}"
    return None


def load_gue_task(root: str | Path, name: str, *, task_id: str | None = None,
                  category: str | None = None, dev: str = "auto",
                  options: LoadOptions = LoadOptions()) -> Task:
    """Load one GUE task.

    Parameters
    ----------
    root : path-like
        The GUE folder (holding ``<group>/<task>/``).
    name : str
        ``group/task``, e.g. ``prom/prom_300_tata`` or ``EMP/H3``.
    task_id : str, optional
        Default ``gue.<group>_<task>``.
    category : str, optional
        Default: the category of the matching GENEB task (``leannmlindsey_GUE_...``), else "other".
    dev : {"auto", "train", "test", "unused"}
        GUE ships train/dev/test; GENEB probes train on train and score on test. "auto" uses
        dev as train only when train.csv is absent, and records dev rows as unused otherwise.
    """
    root = Path(root)
    folder = root / name
    if dev not in DEV_MODES:
        raise InputError(f"GUE dev mode {dev!r} is unknown; use one of {', '.join(DEV_MODES)}")
    if not folder.is_dir():
        known = list_gue_tasks(root) if root.is_dir() else []
        raise MissingDataError(f"no GUE task folder {str(folder)!r}.{did_you_mean(name, known)} "
                               f"Expected <root>/<group>/<task>/{{train,dev,test}}.csv")
    files = {s: _split_file(folder, s) for s in ("train", "dev", "test")}
    if files["test"] is None:
        raise MissingDataError(f"{folder}: no test.csv; a GUE task needs test.csv and train.csv "
                               f"(or dev.csv)")
    if dev == "auto":
        dev = "train" if files["train"] is None else "unused"
    if files["train"] is None and dev != "train":
        raise MissingDataError(f"{folder}: no train.csv; use dev as train (dev='train')")
    if dev in ("train", "test") and files["dev"] is None:
        raise MissingDataError(f"{folder}: no dev.csv but dev={dev!r}")
    stack, warnings, unused = RowStack(), [], {}
    digest = hashlib.sha256()
    plan = [("train", files["train"], 0), ("test", files["test"], 1)]
    if files["dev"] is not None:
        plan.append(("dev", files["dev"], {"train": 0, "test": 1}.get(dev)))
    for split_name, path, code in plan:
        if path is None:
            continue
        digest.update(sha256_file(path).encode())
        df = read_table(path)
        if code is None:
            unused[str(path)] = len(df)
            warnings.append(f"{path.name}: {len(df)} dev rows not used (GENEB trains on train, "
                            f"scores on test); set dev to 'train' to add them")
            continue
        seq = pick_column(df, None, ("sequence", "seq", "text"), "sequences", str(path), "a sequence column")
        lab = pick_column(df, None, ("label",), "labels", str(path), "a label column")
        if seq is None or lab is None:
            raise InputError(f"{path}: expected columns sequence,label; found {', '.join(df.columns)}")
        stack.add(df[seq].tolist(), df[lab].tolist(), code, str(path))
        if split_name == "dev":
            warnings.append(f"{path.name}: {len(df)} dev rows used as {dev}")
    group, _, task = name.strip("/").partition("/")
    tid = task_id or f"gue.{group}_{task}".replace("/", "_")
    spec = user_spec(tid, category, f"GUE {name}",
                     (f"leannmlindsey_GUE_{task}", f"leannmlindsey_GUE_{group.lower()}_{task}"))
    prep = {"format": "gue", "files": [str(p) for _, p, _ in plan if p is not None],
            "dev": dev, "rows_unused": unused, "warnings": warnings}
    return assemble_task(stack.rows(), spec, str(folder),
                         digest.hexdigest(), options=options, prep=prep)
