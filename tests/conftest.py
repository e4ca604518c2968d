"""Shared fixtures: tiny synthetic tasks with a real signal, written as task files."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def make_task_frame(n_per_class: int = 40, n_classes: int = 2, length: int = 60,
                    seed: int = 0) -> pd.DataFrame:
    """Random DNA; class c > 0 carries motif c planted at a random position."""
    rng = np.random.default_rng(seed)
    motifs = ["", "TATAAAGG", "GCGCGCGC", "CAATCAAT"]
    rows = []
    for c in range(n_classes):
        for i in range(n_per_class):
            s = "".join(rng.choice(list("ACGT"), length))
            if motifs[c]:
                p = int(rng.integers(0, length - len(motifs[c])))
                s = s[:p] + motifs[c] + s[p + len(motifs[c]):]
            rows.append({"sequence": s, "label": f"class{c}",
                         "split": "test" if i % 4 == 0 else "train"})
    return pd.DataFrame(rows)


@pytest.fixture
def task_csv(tmp_path):
    """Path of a tiny 2-class task file (sequence,label,split)."""
    path = tmp_path / "tiny_motif.csv"
    make_task_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def task3_csv(tmp_path):
    """Path of a tiny 3-class task file."""
    path = tmp_path / "tiny_three.csv"
    make_task_frame(n_classes=3, seed=1).to_csv(path, index=False)
    return path
