"""GUE, Nucleotide Transformer, Genomic Benchmarks and FASTA loaders on files in the real layouts."""

import gzip

import numpy as np
import pandas as pd
import pytest

from geneb.core import InputError, MissingDataError
from geneb.tasks import (load_fasta_task, load_genomic_benchmark, load_genomic_benchmark_coords,
                         load_gue_task, load_nt_task)
from geneb.core.sequences import reverse_complement
from geneb.tasks.faidx import FastaIndex, build_fai


def _seqs(n, length=30, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def _write_gue(root, group, task, splits=("train", "dev", "test"), n=20):
    folder = root / group / task
    folder.mkdir(parents=True)
    for k, s in enumerate(splits):
        pd.DataFrame({"sequence": _seqs(n, seed=k), "label": [i % 2 for i in range(n)]}).to_csv(
            folder / f"{s}.csv", index=False)


def test_gue_train_test_with_dev_recorded_as_unused(tmp_path):
    _write_gue(tmp_path, "prom", "prom_300_tata")
    t = load_gue_task(tmp_path, "prom/prom_300_tata")
    assert t.task_id == "gue.prom_prom_300_tata"
    assert t.spec.official_id == "leannmlindsey_GUE_prom_300_tata" and t.spec.category == "Promoters"
    assert t.train_index.size == 20 and t.test_index.size == 20
    assert list(t.prep["rows_unused"].values()) == [20]
    assert any("20 dev rows not used" in w for w in t.warnings)
    both = load_gue_task(tmp_path, "prom/prom_300_tata", dev="train")
    assert both.train_index.size == 40


def test_gue_without_train_uses_dev_and_matches_group_ids(tmp_path):
    _write_gue(tmp_path, "EMP", "H3", splits=("dev", "test"))
    t = load_gue_task(tmp_path, "EMP/H3")
    assert t.spec.official_id == "leannmlindsey_GUE_emp_H3" and t.spec.category == "Histone Mod."
    assert t.train_index.size == 20 and t.prep["dev"] == "train"
    with pytest.raises(MissingDataError, match="Did you mean 'EMP/H3'"):
        load_gue_task(tmp_path, "EMP/H4")


def test_gue_bad_row_names_file_and_row(tmp_path):
    _write_gue(tmp_path, "tf", "0")
    test_csv = tmp_path / "tf" / "0" / "test.csv"
    lines = test_csv.read_text().splitlines()
    lines[4] = "ACGTQ,1"
    test_csv.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"test.csv row 5 has the character 'Q'"):
        load_gue_task(tmp_path, "tf/0")


def _nt_frame(tasks=("promoter_all", "H3"), n=12, seed=0):
    rows = []
    for task in tasks:
        for i, s in enumerate(_seqs(n, seed=seed)):
            rows.append({"sequence": s, "name": f"{task}|{i}", "label": i % 2, "task": task})
    return pd.DataFrame(rows)


def test_nt_parquet_folders_filtered_by_task(tmp_path):
    pytest.importorskip("pyarrow")
    for k, split in enumerate(("train", "test")):
        (tmp_path / "nt" / split).mkdir(parents=True)
        _nt_frame(seed=k).to_parquet(tmp_path / "nt" / split / f"{split}-00000-of-00001.parquet")
    t = load_nt_task(tmp_path / "nt", "promoter_all")
    assert t.n == 24 and t.train_index.size == 12 and t.classes == ("0", "1")
    assert t.spec.official_id == "InstaDeepAI_nucleotide_transformer_downstream_tasks_promoter_all"
    assert t.spec.category == "Promoters"
    with pytest.raises(InputError, match="Did you mean 'promoter_all'"):
        load_nt_task(tmp_path / "nt", "promoter_al")
    with pytest.raises(InputError, match="several tasks"):
        load_nt_task(tmp_path / "nt")


def test_nt_arrow_save_to_disk_layout_and_unused_validation(tmp_path):
    pa = pytest.importorskip("pyarrow")
    root = tmp_path / "H3K4me3_revised"
    for k, split in enumerate(("train", "validation", "test")):
        (root / split).mkdir(parents=True)
        table = pa.Table.from_pandas(_nt_frame(("H3K4me3",), seed=k), preserve_index=False)
        with pa.OSFile(str(root / split / "data-00000-of-00001.arrow"), "wb") as sink:
            with pa.ipc.new_stream(sink, table.schema) as writer:  # what save_to_disk writes
                writer.write_table(table)
        (root / split / "state.json").write_text("{}")
    t = load_nt_task(root, "H3K4me3")  # "revised" in the path
    assert t.train_index.size == 12 and t.test_index.size == 12
    assert t.spec.official_id == "InstaDeepAI_nucleotide_transformer_downstream_tasks_revised_H3K4me3"
    assert any("12 validation rows not used" in w for w in t.warnings)


def test_nt_csv_with_split_column(tmp_path):
    df = _nt_frame(("enhancers",))
    df["split"] = ["train", "train", "test", "test"] * 3  # both classes in each split
    df.to_csv(tmp_path / "nt.csv", index=False)
    t = load_nt_task(tmp_path / "nt.csv", "enhancers")
    assert t.train_index.size == 6 and t.spec.category == "Enhancers"


def test_genomic_benchmarks_downloaded_layout_sorted_class_names(tmp_path):
    root = tmp_path / "human_nontata_promoters"
    for split, n in (("train", 6), ("test", 3)):
        for cls in ("positive", "negative"):  # created out of order on purpose
            d = root / split / cls
            d.mkdir(parents=True)
            for i, s in enumerate(_seqs(n, seed=len(cls) + n)):
                (d / f"{i}.txt").write_text(s.lower() if i == 0 else s)
    t = load_genomic_benchmark(root)
    assert t.classes == ("negative", "positive")
    assert t.spec.official_id == "katarinagresova_Genomic_Benchmarks_human_nontata_promoters"
    assert t.train_index.size == 12 and t.test_index.size == 6
    assert all(s.isupper() for s in t.sequences)
    (root / "test" / "negative" / "2.txt").write_text("")
    with pytest.raises(InputError, match=r"test/negative/2.txt has an empty sequence"):
        load_genomic_benchmark(root)


def _write_genome(path, chroms, width=13):
    with open(path, "w") as fh:
        for name, seq in chroms.items():
            fh.write(f">{name} some description\n")
            for i in range(0, len(seq), width):
                fh.write(seq[i:i + width] + "\n")


def test_fai_index_and_fetch_match_in_memory_slices(tmp_path):
    rng = np.random.default_rng(3)
    chroms = {"chr1": "".join(rng.choice(list("ACGTacgt"), 200)), "chr2": "".join(rng.choice(list("ACGT"), 57))}
    fa = tmp_path / "g.fa"
    _write_genome(fa, chroms)
    entries = build_fai(fa)
    assert [(e.name, e.length, e.line_bases, e.line_bytes) for e in entries] == [
        ("chr1", 200, 13, 14), ("chr2", 57, 13, 14)]
    assert entries[0].offset == len(">chr1 some description\n")
    idx = FastaIndex(fa)
    assert (tmp_path / "g.fa.fai").read_text().splitlines()[1].split("\t")[:2] == ["chr2", "57"]
    for _ in range(200):
        name = "chr1" if rng.random() < 0.7 else "chr2"
        a = int(rng.integers(0, len(chroms[name])))
        b = int(rng.integers(a, len(chroms[name]) + 1))
        assert idx.fetch(name, a, b) == chroms[name][a:b]
    assert idx.fetch("1", 0, 5) == chroms["chr1"][:5]  # "chr" prefix optional
    assert reverse_complement("AACGTN") == "NACGTT"


def test_fai_refuses_blank_line_inside_a_record_but_allows_trailing_blank_lines(tmp_path):
    fa = tmp_path / "gap.fa"
    fa.write_text(">chr1\nACGT\n\nTTTT\nGG\n")  # used to fetch 'ACGTTTTTG' for [0, 10)
    with pytest.raises(InputError, match=r"'chr1'.*blank line"):
        FastaIndex(fa)
    assert not (tmp_path / "gap.fa.fai").exists()
    ok = tmp_path / "ok.fa"
    ok.write_text(">chr1\nACGT\nTT\n\n>chr2\nGGGG\n\n")
    idx = FastaIndex(ok)
    assert idx.fetch("chr1", 0, 6) == "ACGTTT" and idx.fetch("chr2", 0, 4) == "GGGG"


def test_genomic_benchmarks_coordinates_cut_from_genome(tmp_path):
    rng = np.random.default_rng(5)
    chroms = {"chr1": "".join(rng.choice(list("ACGT"), 300)), "chrX": "".join(rng.choice(list("ACGT"), 120))}
    fa = tmp_path / "genome.fa"
    _write_genome(fa, chroms, width=60)
    root = tmp_path / "demo_coding_vs_intergenomic_seqs"
    rows = {"train": [("1", 0, 20, "+"), ("X", 100, 120, "-"), ("1", 59, 61, "+"), ("1", 280, 300, "-")],
            "test": [("1", 10, 30, "-"), ("X", 0, 60, "+")]}
    expect = []
    for split, coords in rows.items():
        (root / split).mkdir(parents=True)
        for cls in ("coding_seqs", "intergenomic_seqs"):
            df = pd.DataFrame([{"id": f"{cls}_{i}", "region": f"chr{r}", "start": a, "end": b,
                                "strand": st} for i, (r, a, b, st) in enumerate(coords)])
            with gzip.open(root / split / f"{cls}.csv.gz", "wt") as fh:
                df.to_csv(fh, index=False)
            for r, a, b, st in coords:
                s = chroms[f"chr{r}"][a:b]
                expect.append(reverse_complement(s) if st == "-" else s)
    t = load_genomic_benchmark_coords(root, fa)
    assert list(t.sequences) == expect
    assert t.classes == ("coding_seqs", "intergenomic_seqs")
    assert t.train_index.size == 8 and t.prep["intervals"] == 12
    bad = pd.DataFrame([{"id": "x", "region": "chr1", "start": 290, "end": 310, "strand": "+"}])
    bad.to_csv(root / "test" / "coding_seqs.csv.gz", index=False, compression="gzip")
    with pytest.raises(InputError, match=r"coding_seqs.csv.gz row 2: interval 290-310 .* outside"):
        load_genomic_benchmark_coords(root, fa)
    bad.assign(region="chr7", end=295).to_csv(root / "test" / "coding_seqs.csv.gz", index=False,
                                              compression="gzip")
    with pytest.raises(InputError, match=r"region 'chr7' is not in"):
        load_genomic_benchmark_coords(root, fa)


def test_fasta_labels_and_splits_from_headers(tmp_path):
    p = tmp_path / "reads.fa.gz"
    recs = [f">r{i} label={'enh' if i % 2 else 'ctrl'} split={'test' if i % 5 == 0 else 'train'}\n"
            f"{s[:15]}\n{s[15:]}\n" for i, s in enumerate(_seqs(20))]
    p.write_bytes(gzip.compress("".join(recs).encode()))
    t = load_fasta_task(p, r"label=(\w+)", split_pattern=r"split=(?P<split>\w+)", category="Enhancers")
    assert t.task_id == "reads" and t.classes == ("ctrl", "enh")
    assert len(t.sequences[0]) == 30 and t.test_index.tolist() == [0, 5, 10, 15]
    seeded = load_fasta_task(p, r"label=(\w+)")
    assert seeded.prep["split"]["origin"] == "stratified"
    with pytest.raises(InputError, match=r"record 1 \(>r0 label=ctrl"):
        load_fasta_task(p, r"class=(\w+)")
    with pytest.raises(InputError, match="needs a group"):
        load_fasta_task(p, r"label=\w+")
