"""Task loading and data-quality cost on a GENEB-sized task, as ratios to plain pandas.

Writes a synthetic 120,000-row task (200 bp, 2 classes; 110,000 train rows, so the default
100,000-row subsample kicks in) and a 10 Mbp genome to a temporary folder, then times:

* ``pandas.read_csv`` of the file (the reference: parsing alone);
* ``load_task_file`` (parse + validate + normalise + stratified subsample);
* ``quality_report`` (duplicates exact and reverse-complement, lengths, letters, baselines);
* building the ``.fai`` index, and cutting 10,000 intervals of 500 bp with it.

Timings are wall-clock on a shared machine: compare the ratios within one run.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geneb.tasks import load_task_file, quality_report
from geneb.tasks.faidx import FastaIndex


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    rng = np.random.default_rng(0)
    n, length = 120_000, 200
    letters = np.array(list("ACGT"))
    seqs = ["".join(row) for row in letters[rng.integers(0, 4, (n, length))]]
    df = pd.DataFrame({"sequence": seqs, "label": rng.integers(0, 2, n),
                       "split": np.where(np.arange(n) < 110_000, "train", "test")})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        df.to_csv(path, index=False)
        _, t_ref = _timed(lambda: pd.read_csv(path, dtype=str, keep_default_na=False))
        task, t_load = _timed(lambda: load_task_file(path))
        report, t_quality = _timed(lambda: quality_report(task))
        print(f"task: {n:,} rows x {length} bp; train subsampled to {task.train_index.size:,}")
        print(f"pandas.read_csv (reference)   {t_ref:6.2f} s   1.00x")
        print(f"load_task_file                {t_load:6.2f} s   {t_load / t_ref:5.2f}x")
        print(f"quality_report                {t_quality:6.2f} s   {t_quality / t_ref:5.2f}x  "
              f"(baseline GC+length MCC {report['baselines']['test_mcc']['gc+length']:+.3f}, "
              f"shortcut={report['shortcut']})")

        genome = Path(tmp) / "genome.fa"
        chrom_len = 60 * 83_333  # about 5 Mbp, whole lines
        with open(genome, "w") as fh:
            for name in ("chr1", "chr2"):
                fh.write(f">{name}\n")
                block = letters[rng.integers(0, 4, chrom_len)].reshape(-1, 60)
                fh.write("\n".join("".join(r) for r in block) + "\n")
        idx, t_index = _timed(lambda: FastaIndex(genome))
        starts = rng.integers(0, chrom_len - 500, 10_000)

        def cut():
            with idx.open() as fh:
                return [idx.fetch("chr1", int(s), int(s) + 500, fh) for s in starts]
        cuts, t_cut = _timed(cut)

        def in_memory():  # the approach geneb avoids: the whole genome as Python strings
            chroms, name, parts = {}, None, []
            for line in genome.read_text().splitlines():
                if line.startswith(">"):
                    if name:
                        chroms[name] = "".join(parts)
                    name, parts = line[1:], []
                else:
                    parts.append(line)
            chroms[name] = "".join(parts)
            return [chroms["chr1"][int(s):int(s) + 500] for s in starts]
        ref, t_mem = _timed(in_memory)
        assert ref == cuts
        print(f"genome 10 Mbp, 10,000 intervals of 500 bp (same sequences both ways):")
        print(f"  load genome into memory + slice (reference)  {t_mem:6.3f} s   1.00x")
        print(f"  build .fai index (one streaming pass)        {t_index:6.3f} s   {t_index / t_mem:5.2f}x")
        print(f"  cut via .fai, genome never in memory         {t_cut:6.3f} s   {t_cut / t_mem:5.2f}x  "
              f"({len(cuts) / t_cut:,.0f} intervals/s)")


if __name__ == "__main__":
    main()
