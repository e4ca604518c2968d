"""Data-quality report of one task: duplicates, balance, lengths, letters, shortcut baselines.

Nothing is dropped: the report counts and warns, the rows stay as loaded.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from geneb.core.atomic import atomic_write_text
from geneb.core.sequences import reverse_complement

from .data import SPLITS, Task

#: A logistic regression on GC content, length or both reaching this test MCC flags the task.
SHORTCUT_MCC = 0.5
#: Baselines are fitted on at most this many train rows (seeded sample) to stay fast.
BASELINE_MAX_TRAIN = 20_000
#: Majority/minority class ratio above which the report warns about imbalance.
IMBALANCE_RATIO = 10.0


def _length_stats(lengths: np.ndarray) -> dict:
    if lengths.size == 0:
        return {}
    q = np.percentile(lengths, [0, 5, 50, 95, 100])
    return {"min": int(q[0]), "p5": float(q[1]), "median": float(q[2]), "p95": float(q[3]),
            "max": int(q[4]), "mean": round(float(lengths.mean()), 2)}


def _duplicates(keys: list[str], labels: np.ndarray, split: np.ndarray) -> dict:
    """Duplicate counts for one sequence key (exact or reverse-complement canonical)."""
    out = {"rows_repeating_an_earlier_row": len(keys) - len(set(keys))}
    for code, name in enumerate(SPLITS):
        k = [keys[i] for i in np.flatnonzero(split == code)]
        out[f"within_{name}"] = len(k) - len(set(k))
    train_keys = {keys[i] for i in np.flatnonzero(split == 0)}
    test_rows = np.flatnonzero(split == 1)
    out["test_rows_in_train"] = int(sum(keys[i] in train_keys for i in test_rows))
    labels_of: dict[str, set] = {}
    for k, y in zip(keys, labels.tolist()):
        labels_of.setdefault(k, set()).add(y)
    out["sequences_with_conflicting_labels"] = sum(len(v) > 1 for v in labels_of.values())
    return out


def _baselines(task: Task, gc: np.ndarray, lengths: np.ndarray, seed: int = 0) -> dict:
    """Test MCC of logistic regressions on GC content, length, and both."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import matthews_corrcoef
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = task.train_index, task.test_index
    if len(train) > BASELINE_MAX_TRAIN:
        train = np.sort(np.random.RandomState(seed).choice(train, BASELINE_MAX_TRAIN, replace=False))
    feats = {"gc": gc[:, None], "length": lengths[:, None].astype(float),
             "gc+length": np.column_stack([gc, lengths.astype(float)])}
    out = {}
    for name, X in feats.items():
        if len(np.unique(task.labels[train])) < 2 or np.ptp(X[train], axis=0).max() == 0:
            out[name] = 0.0  # a constant feature predicts one class: MCC 0
            continue
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(X[train], task.labels[train])
        out[name] = round(float(matthews_corrcoef(task.labels[test], model.predict(X[test]))), 4)
    out["train_rows_used"] = int(len(train))
    return out


def _composition(seqs: tuple[str, ...]) -> dict:
    """Per-sequence lengths and GC content (shape (n,)) and the letters other than A, C, G, T."""
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    acgt = np.array([[s.count(b) for b in "ACGT"] for s in seqs], dtype=np.int64).reshape(-1, 4)
    n_acgt = acgt.sum(1)
    gc = np.where(n_acgt > 0, (acgt[:, 1] + acgt[:, 2]) / np.maximum(n_acgt, 1), 0.0)
    other = Counter()
    for s, k in zip(seqs, n_acgt.tolist()):
        if k < len(s):
            other.update(c for c in s if c not in "ACGT")
    return {"lengths": lengths, "gc": gc, "other": other,
            "non_acgt_rows": int((n_acgt < lengths).sum())}


def _class_counts(task: Task) -> tuple[dict, float, np.ndarray]:
    """Rows per class in each split, the train largest/smallest class ratio, train counts."""
    per_split = {}
    for code, name in enumerate(SPLITS):
        rows = task.split == code
        per_split[name] = {task.classes[c]: int(((task.labels == c) & rows).sum())
                           for c in range(len(task.classes))}
    train_counts = np.array(list(per_split["train"].values()), dtype=float)
    ratio = float(train_counts.max() / train_counts.min()) if train_counts.min() > 0 else float("inf")
    return per_split, ratio, train_counts


def _warnings(task: Task, exact: dict, rc: dict, ratio: float, comp: dict,
              shortcut: str | None, baselines: dict, shortcut_mcc: float) -> list[str]:
    """The loader's warnings, then what the report found (``shortcut``: the best baseline's
    name when it flags the task, else None)."""
    warnings = list(task.warnings)
    n_test = int((task.split == 1).sum())
    if exact["test_rows_in_train"]:
        warnings.append(f"{exact['test_rows_in_train']} of {n_test} test sequences also occur in "
                        f"train (exact duplicates)")
    extra_rc = rc["test_rows_in_train"] - exact["test_rows_in_train"]
    if extra_rc > 0:
        warnings.append(f"{extra_rc} more test sequences occur in train as reverse complements")
    for name in SPLITS:
        if exact[f"within_{name}"]:
            warnings.append(f"{exact[f'within_{name}']} duplicate rows within {name}")
    if exact["sequences_with_conflicting_labels"]:
        warnings.append(f"{exact['sequences_with_conflicting_labels']} sequences occur with "
                        f"different labels")
    if ratio > IMBALANCE_RATIO:
        warnings.append(f"train classes are imbalanced (largest/smallest = {ratio:.1f})")
    if shortcut:
        what = {"gc": "GC content", "length": "length", "gc+length": "GC content and length"}[shortcut]
        warnings.append(f"shortcut: a logistic regression on {what} alone reaches test MCC "
                        f"{baselines[shortcut]:.3f} (>= {shortcut_mcc})")
    if comp["non_acgt_rows"]:
        warnings.append(f"{comp['non_acgt_rows']} sequences hold letters other than A, C, G, T "
                        f"({sum(comp['other'].values())} letters)")
    return warnings


def quality_report(task: Task, *, shortcut_mcc: float = SHORTCUT_MCC) -> dict:
    """Compute the data-quality report of a task.

    Parameters
    ----------
    task : Task
    shortcut_mcc : float
        Flag the task when a baseline (GC content, length, or both) reaches this test MCC.

    Returns
    -------
    dict
        JSON-able: ``rows``, ``classes``, ``class_balance``, ``lengths``, ``letters``,
        ``duplicates`` (``exact`` and ``reverse_complement``), ``baselines`` (test MCC of
        logistic regressions on GC content, length and both), ``shortcut`` (bool),
        ``warnings`` (list of str, including the loader's).
    """
    seqs = task.sequences
    comp = _composition(seqs)
    lengths, other = comp["lengths"], comp["other"]
    per_split, ratio, train_counts = _class_counts(task)
    exact = _duplicates(list(seqs), task.labels, task.split)
    rc = _duplicates([min(s, reverse_complement(s)) for s in seqs], task.labels, task.split)
    baselines = _baselines(task, comp["gc"], lengths)
    best = max(("gc", "length", "gc+length"), key=lambda k: baselines[k])
    shortcut = baselines[best] >= shortcut_mcc
    warnings = _warnings(task, exact, rc, ratio, comp, best if shortcut else None, baselines,
                         shortcut_mcc)
    return {
        "task_id": task.task_id,
        "source": task.source,
        "source_checksum": task.source_checksum,
        "rows": {"total": task.n, "train": int((task.split == 0).sum()),
                 "test": int((task.split == 1).sum())},
        "classes": list(task.classes),
        "class_counts": per_split,
        "class_balance": {"train_largest_over_smallest": round(ratio, 3),
                          "train_majority_share": round(float(train_counts.max() / train_counts.sum()), 4)},
        "lengths": {name: _length_stats(lengths[task.split == code])
                    for code, name in enumerate(SPLITS)},
        "letters": {"sequences_with_non_acgt": comp["non_acgt_rows"],
                    "non_acgt_letters": dict(sorted(other.items())),
                    "non_acgt_fraction": round(float(sum(other.values()) / max(lengths.sum(), 1)), 6)},
        "duplicates": {"exact": exact, "reverse_complement": rc},
        "baselines": {"test_mcc": baselines, "shortcut_threshold": shortcut_mcc},
        "shortcut": bool(shortcut),
        "prep": task.prep,
        "warnings": warnings,
    }


def current_report(task: Task, stored: str | Path | None = None) -> dict:
    """The report stored at ``stored`` when it was made from the same data (same source
    checksum), else a fresh one."""
    if stored is not None and Path(stored).is_file():
        report = json.loads(Path(stored).read_text())
        if report.get("source_checksum") == task.source_checksum:
            return report
    return quality_report(task)


def write_quality(report: dict, path: str | Path) -> Path:
    """Write a report as JSON (atomically: a temporary file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(report, indent=2, sort_keys=False) + "\n")
    return path


def format_quality(report: dict) -> str:
    """Human-readable summary of a report (a few lines, then the warnings)."""
    r = report
    lines = [f"rows             {r['rows']['total']} (train {r['rows']['train']}, test {r['rows']['test']})"]
    for split, counts in r["class_counts"].items():
        lines.append(f"{split + ' classes':16s} " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    for split, st in r["lengths"].items():
        if st:
            lines.append(f"{split + ' length':16s} {st['min']}-{st['max']} bp (median {st['median']:g})")
    ex, rc = r["duplicates"]["exact"], r["duplicates"]["reverse_complement"]
    lines.append(f"{'duplicates':16s} {ex['rows_repeating_an_earlier_row']} rows repeat an earlier one: "
                 f"within train {ex['within_train']}, within test {ex['within_test']}, "
                 f"test in train {ex['test_rows_in_train']} (with reverse complements "
                 f"{rc['test_rows_in_train']}), conflicting labels {ex['sequences_with_conflicting_labels']}")
    le = r["letters"]
    lines.append(f"{'non-ACGT':16s} {le['sequences_with_non_acgt']} sequences "
                 f"({', '.join(f'{k}: {v}' for k, v in le['non_acgt_letters'].items()) or 'none'})")
    b = r["baselines"]["test_mcc"]
    lines.append(f"{'baseline MCC':16s} GC {b['gc']:.3f}, length {b['length']:.3f}, "
                 f"GC+length {b['gc+length']:.3f}" + ("  <- SHORTCUT" if r["shortcut"] else ""))
    for w in r["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)
