"""Build the geneb-mini benchmark from the real task files in ``shared/data/real``.

The output is committed inside the package (``tasks/data/geneb_mini/*.csv.gz`` and
``catalog/data/geneb_mini.json``); users never run this. Maintainers re-run it with::

    python -m geneb.tasks.build_mini --real ../shared/data/real

Every choice is deterministic (seed 0) and written into the manifest: which source
file, its SHA-256, how the train/test split was made and whether rows were subsampled.
A task's id says how its splits differ from the official GENEB task, so that mini
results are never mistaken for official ones.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geneb.core.provenance import sha256_file

SEED = 0
TRAIN_CAP = 2000
TEST_CAP = 1000
SPLIT_TEST_FRACTION = 0.3

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PACKAGE_ROOT / "tasks" / "data" / "geneb_mini"
MANIFEST = PACKAGE_ROOT / "catalog" / "data" / "geneb_mini.json"

REPOS = {
    "gue_deepgene": ("github.com/wds-seu/DeepGene (vendors GUE from DNABERT-2)",
                     "486343e5212361d6cd7ed03c624f430ed3d5f02e",
                     "Apache-2.0 (GUE upstream: MAGICS-LAB/DNABERT_2, Apache-2.0)"),
    "genomic_benchmarks_gayan": ("github.com/GayanSamuditha/DNA-Language-Model-Evaluation",
                                 "5859377b1d217a7734611d4e8559b4c4561e7dc2",
                                 "MIT (upstream Genomic Benchmarks: Apache-2.0)"),
    "ai4h_toy": ("github.com/allison-eunse/ai4h-inspired-fm-benchmark-hub",
                 "169e8f9fb294a5fdfa7ef9de7a7a67b9707dbb21", "MIT (upstream: Apache-2.0)"),
    "uci_splice_drusk": ("github.com/drusk/splice-junction-gene-sequences (UCI ML repository #69)",
                         "e862a929e3d82a881bb7abc8e0ffba3f68cf9a8c", "CC BY 4.0"),
}


@dataclass(frozen=True)
class MiniSource:
    name: str  # short name used in the id
    category: str
    official_id: str | None
    label: str
    source_benchmark: str
    organism: str
    train: str  # path under shared/data/real (or the single file to split)
    test: str | None  # None: split ``train`` stratified
    train_is_dev: bool = False
    class_meaning: tuple[str, ...] = ()


SOURCES = (
    MiniSource("gue_prom_300_tata", "Promoters", "leannmlindsey_GUE_prom_300_tata",
               "GUE prom 300 tata (mini)", "GUE", "human",
               "gue_deepgene/GUE/prom/prom_300_tata/train.csv",
               "gue_deepgene/GUE/prom/prom_300_tata/test.csv",
               class_meaning=("non-promoter", "promoter")),
    MiniSource("gue_prom_core_all", "Promoters", "leannmlindsey_GUE_prom_core_all",
               "GUE prom core all (mini)", "GUE", "human",
               "gue_deepgene/GUE/prom/prom_core_all/dev.csv",
               "gue_deepgene/GUE/prom/prom_core_all/test.csv", train_is_dev=True,
               class_meaning=("non-promoter", "promoter")),
    MiniSource("gb_human_nontata_promoters", "Promoters",
               "katarinagresova_Genomic_Benchmarks_human_nontata_promoters",
               "GB human nontata promoters (mini)", "Genomic Benchmarks", "human",
               "genomic_benchmarks_gayan/Dataset/test_human_nontata_promoters.csv", None,
               class_meaning=("non-promoter", "promoter")),
    MiniSource("gue_human_tf_0", "TF Binding", "leannmlindsey_GUE_human_tf_0",
               "GUE human tf 0 (mini)", "GUE", "human",
               "gue_deepgene/GUE/tf/0/train.csv", "gue_deepgene/GUE/tf/0/test.csv",
               class_meaning=("not bound", "bound")),
    MiniSource("gue_mouse_0", "Mouse Enh.", "leannmlindsey_GUE_mouse_0",
               "GUE mouse 0 (mini)", "GUE", "mouse",
               "gue_deepgene/GUE/mouse/0/train.csv", "gue_deepgene/GUE/mouse/0/test.csv",
               class_meaning=("not bound", "bound")),
    MiniSource("gue_splice_reconstructed", "Splice Sites", "leannmlindsey_GUE_splice_reconstructed",
               "GUE splice reconstructed (mini)", "GUE", "human",
               "gue_deepgene/GUE/splice/reconstructed/dev.csv",
               "gue_deepgene/GUE/splice/reconstructed/test.csv", train_is_dev=True,
               class_meaning=("acceptor", "donor", "none")),
    MiniSource("uci_splice", "Splice Sites", None, "UCI splice junctions (mini)",
               "UCI ML repository #69", "primate", "uci_splice_drusk/data/splice.data", None,
               class_meaning=("EI (exon-intron, donor)", "IE (intron-exon, acceptor)", "N (neither)")),
    MiniSource("gue_emp_H3", "Histone Mod.", "leannmlindsey_GUE_emp_H3",
               "GUE-emp H3 (mini)", "GUE", "yeast",
               "gue_deepgene/GUE/EMP/H3/dev.csv", "gue_deepgene/GUE/EMP/H3/test.csv",
               train_is_dev=True),
    MiniSource("gue_emp_H3K4me3", "Histone Mod.", "leannmlindsey_GUE_emp_H3K4me3",
               "GUE-emp H3K4me3 (mini)", "GUE", "yeast",
               "gue_deepgene/GUE/EMP/H3K4me3/dev.csv", "gue_deepgene/GUE/EMP/H3K4me3/test.csv",
               train_is_dev=True),
    MiniSource("gb_human_enhancers_cohn", "Enhancers",
               "katarinagresova_Genomic_Benchmarks_human_enhancers_cohn",
               "GB human enhancers cohn (mini)", "Genomic Benchmarks", "human",
               "genomic_benchmarks_gayan/Dataset/test_human_enhancers_cohn.csv", None,
               class_meaning=("non-enhancer", "enhancer")),
    MiniSource("gb_human_ocr_ensembl", "Regulatory",
               "katarinagresova_Genomic_Benchmarks_human_ocr_ensembl",
               "GB human OCR ensembl (mini)", "Genomic Benchmarks (ai4h stratified subsample)",
               "human", "ai4h_toy/dna_sequences/open_chromatin/train.tsv", None,
               class_meaning=("closed", "open chromatin region")),
    MiniSource("gb_human_ensembl_regulatory", "Regulatory",
               "katarinagresova_Genomic_Benchmarks_human_ensembl_regulatory",
               "GB human ensembl regulatory (mini)",
               "Genomic Benchmarks (ai4h stratified subsample)", "human",
               "ai4h_toy/dna_sequences/regulatory_ensembl/train.tsv", None,
               class_meaning=("promoter", "enhancer", "open chromatin")),
)


def read_source(path: Path) -> pd.DataFrame:
    """Read one real file into columns ``sequence`` (str) and ``label`` (str)."""
    if path.name == "splice.data":
        df = pd.read_csv(path, header=None, names=["label", "id", "sequence"],
                         skipinitialspace=True, dtype=str)
        df["sequence"] = df["sequence"].str.strip()
        return df[["sequence", "label"]]
    sep = "\t" if path.suffix == ".tsv" else ","
    df = pd.read_csv(path, sep=sep, dtype=str)
    df = df.rename(columns={"seq": "sequence"})
    return df[["sequence", "label"]]


def stratified_take(labels: np.ndarray, n: int, rng: np.random.RandomState) -> np.ndarray:
    """Indices of a stratified sample of size ``n`` (proportional per class, sorted)."""
    if n >= len(labels):
        return np.arange(len(labels))
    classes, counts = np.unique(labels, return_counts=True)
    quota = np.floor(counts / counts.sum() * n).astype(int)
    for i in np.argsort(-(counts / counts.sum() * n - quota))[: n - quota.sum()]:
        quota[i] += 1
    picked = [rng.choice(np.flatnonzero(labels == c), q, replace=False)
              for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(picked))


def build_task(src: MiniSource, real: Path) -> tuple[dict, pd.DataFrame]:
    rng = np.random.RandomState(SEED)
    tags: list[str] = []
    files = [src.train] + ([src.test] if src.test else [])
    if src.test is None:
        whole = read_source(real / src.train)
        test_idx = stratified_take(whole["label"].to_numpy(),
                                   int(round(len(whole) * SPLIT_TEST_FRACTION)), rng)
        mask = np.zeros(len(whole), bool)
        mask[test_idx] = True
        train, test = whole[~mask], whole[mask]
        tags.append("split70-30")
        how = (f"single source file split here: stratified {100 - SPLIT_TEST_FRACTION * 100:.0f}/"
               f"{SPLIT_TEST_FRACTION * 100:.0f} train/test, numpy RandomState({SEED})")
    else:
        train, test = read_source(real / src.train), read_source(real / src.test)
        how = "upstream dev split used as train, upstream test as test" if src.train_is_dev \
            else "upstream train and test splits"
        if src.train_is_dev:
            tags.append("devtrain")
    n_train0, n_test0 = len(train), len(test)
    if len(train) > TRAIN_CAP:
        train = train.iloc[stratified_take(train["label"].to_numpy(), TRAIN_CAP, rng)]
        tags.append(f"train{TRAIN_CAP // 1000}k")
    if len(test) > TEST_CAP:
        test = test.iloc[stratified_take(test["label"].to_numpy(), TEST_CAP, rng)]
        tags.append(f"test{TEST_CAP // 1000}k")
    if len(train) < n_train0 or len(test) < n_test0:
        how += (f"; stratified subsample (RandomState({SEED})) from {n_train0} train / "
                f"{n_test0} test rows to {len(train)} / {len(test)}")
    task_id = f"mini.{src.name}" + (f".{'-'.join(tags)}" if tags else "")
    classes = sorted(set(train["label"]) | set(test["label"]),
                     key=lambda v: (not v.lstrip("-").isdigit(), int(v) if v.lstrip("-").isdigit() else 0, v))
    rows = pd.concat([train.assign(split="train"), test.assign(split="test")], ignore_index=True)
    lengths = rows["sequence"].str.len()
    meta = {
        "task_id": task_id,
        "label": src.label,
        "category": src.category,
        "official_id": src.official_id,
        "n_classes": len(classes),
        "classes": classes,
        "class_meaning": list(src.class_meaning),
        "source_benchmark": src.source_benchmark,
        "organism": src.organism,
        "seq_len_bp": f"{lengths.min()}" if lengths.min() == lengths.max()
        else f"{lengths.min()}-{lengths.max()}",
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "split_note": how,
        "data_file": f"{task_id}.csv.gz",
        "sources": [_source_entry(real, f) for f in files],
    }
    return meta, rows[["sequence", "label", "split"]]


def _source_entry(real: Path, rel: str) -> dict:
    top = rel.split("/")[0]
    repo, commit, licence = REPOS[top]
    return {"file": rel, "sha256": sha256_file(real / rel), "repository": repo,
            "commit": commit, "license": licence}


def write_gzip_csv(df: pd.DataFrame, path: Path) -> None:
    """Deterministic gzip (mtime 0) so rebuilding gives identical bytes."""
    text = df.to_csv(index=False, lineterminator="\n").encode()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text)
    path.write_bytes(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, required=True, help="shared/data/real folder")
    args = ap.parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for old in DATA_DIR.glob("*.csv.gz"):
        old.unlink()
    tasks = []
    for src in SOURCES:
        meta, rows = build_task(src, args.real)
        write_gzip_csv(rows, DATA_DIR / meta["data_file"])
        tasks.append(meta)
        print(f"{meta['task_id']:60s} train {meta['n_train']:5d} test {meta['n_test']:5d}")
    manifest = {"benchmark": "geneb-mini", "version": 1, "seed": SEED,
                "train_cap": TRAIN_CAP, "test_cap": TEST_CAP, "tasks": tasks}
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
