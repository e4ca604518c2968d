import gzip

import numpy as np
import pytest

from geneb.catalog import benchmark_tasks
from geneb.core import InputError, MissingDataError
from geneb.tasks import load_task, load_task_file


def test_mini_tasks_load_with_both_splits_and_sorted_classes():
    for spec in benchmark_tasks("geneb-mini"):
        t = load_task(spec)
        assert t.train_index.size > 0 and t.test_index.size > 0
        assert t.labels.max() == len(t.classes) - 1 == spec.n_classes - 1
        assert len(t.source_checksum) == 64
    uci = load_task([s for s in benchmark_tasks("geneb-mini") if "uci" in s.task_id][0])
    assert uci.classes == ("EI", "IE", "N")


def test_official_task_without_data_says_what_to_do():
    with pytest.raises(MissingDataError, match="--task-file"):
        load_task("leannmlindsey_GUE_prom_300_tata")


def test_task_file_roundtrip(task_csv):
    t = load_task_file(task_csv)
    assert t.task_id == "tiny_motif" and t.classes == ("class0", "class1")
    assert t.n == 80 and set(np.unique(t.split)) == {0, 1}


def test_gzip_and_tsv_accepted(tmp_path, task_csv):
    text = task_csv.read_text().replace(",", "\t")
    gz = tmp_path / "t.tsv.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    assert load_task_file(gz).n == 80


@pytest.mark.parametrize("mutate, message", [
    (lambda s: s.replace("sequence,", "seqq,", 1), "missing column"),
    (lambda s: s.replace("train", "trian", 1), "split 'trian'"),
    (lambda s: s.replace("\nA", "\nAXG", 1), "character 'X'"),
])
def test_malformed_task_file_names_the_problem(tmp_path, task_csv, mutate, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(mutate(task_csv.read_text()))
    with pytest.raises(InputError, match=message):
        load_task_file(bad)


def test_bad_letter_error_names_the_row(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("sequence,label,split\nACGT,a,train\nAC-GT,b,test\n")
    with pytest.raises(InputError, match="row 3"):
        load_task_file(p)


def test_task_ids_from_file_names_and_configs_are_validated(tmp_path, task_csv):
    from geneb.tasks.config import read_task_config
    from geneb.tasks.loaders import load_layout
    from geneb.tasks.fasta import load_fasta_task

    hidden = tmp_path / ".x.csv"  # used to give task id "" (and a broken store layout)
    hidden.write_text(task_csv.read_text())
    with pytest.raises(InputError, match=r"task id '' is not valid.*letters, digits"):
        load_task_file(hidden)
    for bad in ("..", "a/b", "-x", "a b"):
        with pytest.raises(InputError, match=f"task id {bad!r} is not valid"):
            load_task_file(task_csv, task_id=bad)
    cfg = tmp_path / "t.yaml"
    cfg.write_text(f"task_id: '..'\npath: {task_csv}\n")  # used to end in a zarr traceback
    with pytest.raises(InputError, match=r"task id '\.\.' is not valid"):
        load_layout(read_task_config(cfg))
    fa = tmp_path / "f.fa"
    fa.write_text(">s1 label=a split=train\nACGT\n>s2 label=b split=test\nACGA\n")
    with pytest.raises(InputError, match="task id 'x/y'"):
        load_fasta_task(fa, r"label=(\w+)", split_pattern=r"split=(\w+)", task_id="x/y")
    assert load_task_file(task_csv, task_id="ok.id_1+2-b").task_id == "ok.id_1+2-b"


def test_train_split_with_one_class_is_refused_at_load_time(tmp_path):
    p = tmp_path / "onetrain.csv"  # used to pass with a warning and crash the probe later
    p.write_text("sequence,label,split\nACGT,a,train\nACGA,a,train\nACGG,b,test\nACGC,a,test\n")
    with pytest.raises(InputError, match=r"onetrain.csv: task 'onetrain': the train split holds only class 'a'.*'b'"):
        load_task_file(p)
    ok = tmp_path / "notest.csv"  # a class missing only from test stays a warning
    ok.write_text("sequence,label,split\nACGT,a,train\nACGA,b,train\nACGG,a,test\n")
    t = load_task_file(ok)
    assert "class 'b' has no test rows" in t.prep["warnings"]
