"""Synthetic DNA tasks with a planted signal, shared by tests of every layer."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
