import numpy as np
import pandas as pd

from geneb.tasks import load_task_file, quality_report
from geneb.core.sequences import reverse_complement
from geneb.tasks.quality import format_quality, write_quality


def _random(rng, n, length, p=None):
    return ["".join(rng.choice(list("ACGT"), length, p=p)) for _ in range(n)]


def test_gc_shortcut_is_flagged_and_motif_task_is_not(tmp_path, task_csv):
    rng = np.random.default_rng(0)
    rows = [{"sequence": s, "label": lab, "split": "test" if i % 4 == 0 else "train"}
            for lab, p in (("at_rich", [.35, .15, .15, .35]), ("gc_rich", [.15, .35, .35, .15]))
            for i, s in enumerate(_random(rng, 80, 100, p))]
    path = tmp_path / "gc.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    report = quality_report(load_task_file(path))
    assert report["shortcut"] and report["baselines"]["test_mcc"]["gc"] > 0.8
    assert any(w.startswith("shortcut:") for w in report["warnings"])
    plain = quality_report(load_task_file(task_csv))  # planted motif, same GC and length
    assert not plain["shortcut"] and plain["baselines"]["test_mcc"]["gc+length"] < 0.5


def test_length_shortcut_is_seen():
    from geneb.tasks._assemble import RawRows, assemble_task
    from geneb.tasks.specs import user_spec
    rng = np.random.default_rng(1)
    seqs = _random(rng, 60, 50) + _random(rng, 60, 90)
    t = assemble_task(RawRows(seqs, ["a"] * 60 + ["b"] * 60), user_spec("len", None, "x"), "x", "0")
    r = quality_report(t)
    assert r["baselines"]["test_mcc"]["length"] == 1.0 and r["shortcut"]
    assert r["lengths"]["train"]["min"] == 50 and r["lengths"]["train"]["max"] == 90


def test_duplicates_exact_reverse_complement_and_conflicts_are_counted_not_dropped(tmp_path):
    rng = np.random.default_rng(2)
    s = _random(rng, 8, 40)
    rows = [(s[0], "a", "train"), (s[0], "a", "train"),          # within train
            (s[1], "a", "train"), (s[1], "b", "test"),           # across + conflicting label
            (s[2], "b", "train"), (reverse_complement(s[2]), "b", "test"),  # across, RC only
            (s[3], "a", "test"), (s[3], "a", "test"),            # within test
            (s[4], "b", "train"), (s[5] + "NNRY", "a", "test"), (s[6], "b", "test"), (s[7], "a", "train")]
    path = tmp_path / "dups.csv"
    pd.DataFrame(rows, columns=["sequence", "label", "split"]).to_csv(path, index=False)
    t = load_task_file(path)
    r = quality_report(t)
    assert r["rows"] == {"total": 12, "train": 6, "test": 6}  # nothing dropped
    ex, rc = r["duplicates"]["exact"], r["duplicates"]["reverse_complement"]
    assert (ex["within_train"], ex["within_test"], ex["test_rows_in_train"]) == (1, 1, 1)
    assert rc["test_rows_in_train"] == 2 and ex["sequences_with_conflicting_labels"] == 1
    assert r["letters"]["non_acgt_letters"] == {"N": 4} and r["letters"]["sequences_with_non_acgt"] == 1
    assert r["prep"]["normalization"]["ambiguity_letters"] == {"R": 1, "Y": 1}
    text = format_quality(r)
    assert "1 more test sequences occur in train as reverse complements" in text
    assert "1 of 6 test sequences also occur in train" in text
    out = write_quality(r, tmp_path / "q" / "dups.quality.json")
    assert out.is_file() and not list(out.parent.glob("*.tmp"))


def test_imbalance_warns(tmp_path):
    rng = np.random.default_rng(3)
    seqs = _random(rng, 230, 30)
    labels = ["maj"] * 220 + ["min"] * 10
    split = ["test" if i % 5 == 0 else "train" for i in range(230)]
    path = tmp_path / "imb.csv"
    pd.DataFrame({"sequence": seqs, "label": labels, "split": split}).to_csv(path, index=False)
    r = quality_report(load_task_file(path))
    assert r["class_balance"]["train_largest_over_smallest"] == 22.0
    assert any("imbalanced" in w for w in r["warnings"])
