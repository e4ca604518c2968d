"""Loaders on the real public files in ../shared/data/real (skipped where that folder is absent)."""

from pathlib import Path

import pytest

from geneb.tasks import load_gue_task, load_table_task, quality_report

_ROOT = Path(__file__).resolve().parents[2]
REAL = next((p / "data" / "real" for p in (_ROOT.parent / "shared", _ROOT.parent.parent / "shared")
             if (p / "data" / "real").is_dir()), None)
pytestmark = pytest.mark.skipif(REAL is None, reason="../shared/data/real not present")


def test_gue_prom_300_tata_dev_unused_and_recorded():
    t = load_gue_task(REAL / "gue_deepgene" / "GUE", "prom/prom_300_tata")
    assert (t.train_index.size, t.test_index.size) == (4904, 613)
    assert t.spec.official_id == "leannmlindsey_GUE_prom_300_tata"
    assert any("613 dev rows not used" in w for w in t.warnings)


def test_gue_splice_dev_as_train_and_the_upstream_overlap_is_reported():
    t = load_gue_task(REAL / "gue_deepgene" / "GUE", "splice/reconstructed")
    assert (t.train_index.size, t.test_index.size) == (4562, 4562) and t.prep["dev"] == "train"
    r = quality_report(t)
    assert r["rows"]["total"] == 9124  # nothing dropped
    assert r["duplicates"]["exact"]["test_rows_in_train"] >= 30  # MANIFEST: dev ∩ test = 30


def test_uci_splice_headerless_strings_and_ambiguity_letters():
    path = REAL / "uci_splice_drusk" / "data" / "splice.data"
    t = load_table_task(path, column_names=("label", "id", "sequence"), category="Splice Sites")
    assert t.classes == ("EI", "IE", "N") and t.n == 3190
    amb = t.prep["normalization"]["ambiguity_letters"]
    assert set(amb) == {"D", "R", "S"} and all("D" not in s for s in t.sequences)
    r = quality_report(t)
    dup = r["duplicates"]["exact"]
    assert dup["rows_repeating_an_earlier_row"] == 185  # MANIFEST: 185 duplicate rows
    assert dup["test_rows_in_train"] > 0 and r["rows"]["total"] == 3190


def test_genomic_benchmarks_test_file_gets_a_seeded_split():
    path = REAL / "genomic_benchmarks_gayan" / "Dataset" / "test_human_nontata_promoters.csv"
    t = load_table_task(path, category="Promoters")
    assert t.n == 9034 and t.prep["split"]["origin"] == "stratified"
    assert quality_report(t)["letters"]["non_acgt_letters"] == {"N": 1}
