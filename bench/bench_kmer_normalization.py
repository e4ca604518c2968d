"""Which k-mer spectrum probes better under the fixed GENEB protocol: counts or frequencies?

Embeds geneb-mini with k = 3..6 both ways, probes with the reference protocol
(scikit-learn, raw features, C=1) and prints macro-MCC per regime and the difference.
The winner is the default in ``geneb.extract.settings.KMER_NORMALIZE``.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from types import MappingProxyType

from geneb.analysis import macro_micro
from geneb.catalog import benchmark_tasks, get_model
from geneb.extract import extract
from geneb.probe import run_probes
from geneb.store import EmbeddingStore
from geneb.tasks import load_tasks


def main() -> int:
    tasks = load_tasks(benchmark_tasks("geneb-mini"))
    specs = []
    for k in (3, 4, 5, 6):
        base = get_model(f"kmer-{k}")
        for norm in ("counts", "frequency"):
            specs.append(dataclasses.replace(base, model_id=f"kmer-{k}-{norm}",
                                             options=MappingProxyType({"k": k, "normalize": norm})))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddingStore(f"{tmp}/emb.zarr", mode="a")
        extract(store, specs, tasks, show_progress=False)
        cube = run_probes(store, [s.model_id for s in specs], [t.task_id for t in tasks],
                          show_progress=False)
    macro = macro_micro(cube)["macro"]
    print(f"{'k':>2} {'regime':>7} {'counts':>8} {'frequency':>10} {'counts-freq':>12}")
    wins = 0
    for k in (3, 4, 5, 6):
        for regime in ("1shot", "10shot", "full"):
            c = float(macro.sel(model=f"kmer-{k}-counts", regime=regime))
            f = float(macro.sel(model=f"kmer-{k}-frequency", regime=regime))
            wins += c > f
            print(f"{k:>2} {regime:>7} {c:8.3f} {f:10.3f} {c - f:+12.3f}")
    print(f"counts better in {wins}/12 (k, regime) cells; {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
