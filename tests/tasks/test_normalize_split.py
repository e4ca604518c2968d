import numpy as np
import pandas as pd
import pytest

from geneb.core import InputError
from geneb.tasks import LoadOptions, load_table_task, load_task_file
from geneb.tasks.normalize import normalize
from geneb.tasks.split import stratified_split, stratified_subsample


def test_ambiguity_letters_become_n_with_counts():
    r = normalize(["acgtRYn", "ACGT", "ssd"], "f.csv")
    assert r.sequences == ("ACGTNNN", "ACGT", "NNN")
    assert r.ambiguity_counts == {"R": 1, "Y": 1, "S": 2, "D": 1}
    assert r.n_sequences_with_ambiguity == 2 and r.n_lowercase == 2


def test_ambiguity_keep_and_reject():
    assert normalize(["ACGR"], "f", ambiguity="keep").sequences == ("ACGR",)
    with pytest.raises(InputError, match=r"row 3 has the ambiguity letter 'Y' at position 2"):
        normalize(["ACGT", "AYGT"], "f", ambiguity="reject")


@pytest.mark.parametrize("seq, message", [("", "row 3 has an empty sequence"),
                                          ("AC-GT", "row 3 has the character '-' at position 3"),
                                          ("ACxGT", "row 3 has the character 'x'")])
def test_empty_and_unknown_letters_name_the_row(seq, message):
    with pytest.raises(InputError, match=message):
        normalize(["ACGT", seq], "f.csv")


def test_stratified_split_is_seeded_and_keeps_class_shares():
    y = np.repeat([0, 1, 2], [100, 50, 10])
    a, b = stratified_split(y, 0.2, 42), stratified_split(y, 0.2, 42)
    assert (a == b).all() and not (a == stratified_split(y, 0.2, 7)).all()
    assert [int(a[y == c].sum()) for c in range(3)] == [20, 10, 2]


def test_stratified_subsample_keeps_proportions():
    rows = np.arange(1000)
    y = np.repeat([0, 1], [900, 100])
    keep = stratified_subsample(rows, y, 100, seed=1)
    assert len(keep) == 100 and (np.diff(keep) > 0).all()
    assert int((y[keep] == 1).sum()) == 10


def _big_csv(tmp_path, n_train=300):
    rng = np.random.default_rng(0)
    rows = [{"sequence": "".join(rng.choice(list("ACGT"), 20)), "label": str(i % 3),
             "split": "train" if i < n_train else "test"} for i in range(n_train + 30)]
    p = tmp_path / "big.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def test_train_above_the_cap_is_subsampled_and_recorded(tmp_path):
    p = _big_csv(tmp_path)
    full = load_task_file(p)
    small = load_task_file(p, options=LoadOptions(max_train=90))
    assert full.train_index.size == 300 and "subsample" not in full.prep
    assert small.train_index.size == 90 and small.test_index.size == 30
    assert np.bincount(small.labels[small.train_index]).tolist() == [30, 30, 30]
    assert small.prep["subsample"] == {"train_rows_before": 300, "train_rows_after": 90,
                                       "stratified": True, "seed": 42}
    assert any("subsampled from 300 to 90" in w for w in small.warnings)
    assert small.source_checksum != full.source_checksum  # a store tells them apart
    again = load_task_file(p, options=LoadOptions(max_train=90))
    assert again.sequences == small.sequences


def test_generic_table_columns_and_seeded_split(tmp_path):
    p = tmp_path / "mine.tsv.gz"
    df = pd.DataFrame({"id": range(60), "dna": ["acgtacgt", "ggccggcc", "ttaattaa"] * 20,
                       "activity": ["high", "low", "medium"] * 20})
    df.to_csv(p, sep="\t", index=False, compression="gzip")
    t = load_table_task(p, sequence_column="dna", label_column="activity", category="enhancers")
    assert t.classes == ("high", "low", "medium") and t.spec.category == "Enhancers"
    assert t.sequences[0] == "ACGTACGT"
    assert np.bincount(t.labels[t.test_index]).tolist() == [4, 4, 4]
    assert t.prep["split"] == {"origin": "stratified", "test_fraction": 0.2, "seed": 42}
    with pytest.raises(InputError, match="no column 'seq' for the sequences"):
        load_table_task(p, sequence_column="seq")


def test_numeric_labels_sort_numerically(tmp_path):
    p = tmp_path / "n.csv"
    p.write_text("sequence,label,split\n" + "".join(
        f"ACGT,{lab},{s}\n" for lab in (10, 9, 2) for s in ("train", "test")))
    assert load_task_file(p).classes == ("2", "9", "10")


def test_split_column_with_custom_values(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("seq,y,fold\nACGT,a,tr\nACGA,b,tr\nACGG,a,te\nACGC,b,te\nACCC,a,val\n")
    with pytest.raises(InputError, match="row 6 has split 'val'"):
        load_table_task(p, split_column="fold", train_values=("tr",), test_values=("te",))
    t = load_table_task(p, split_column="fold", train_values=("tr", "val"), test_values=("te",))
    assert t.split.tolist() == [0, 0, 1, 1, 0]
