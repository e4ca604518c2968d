"""Task files in the layouts people actually have, loaded with flags (or the same YAML keys) alone."""

import gzip
import json
import warnings

import numpy as np
import pytest

from geneb.cli.main import main
from geneb.core import InputError, MissingDataError
from geneb.tasks import TaskLayout, layout_from_mapping, load_layout, read_task_config


def _seqs(n, length=40, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def _load(tmp_path, **values):
    return load_layout(layout_from_mapping(values, tmp_path))


def _index_label_text(path, n, seed):
    rows = [f"{i}\t{i % 2}\t{s}\n" for i, s in enumerate(_seqs(n, seed=seed))]
    path.write_text("index\tlabel\ttext\n" + "".join(rows))


def test_two_file_index_label_text_pair(tmp_path, capsys):
    d = tmp_path / "prom_300"
    d.mkdir()
    _index_label_text(d / "train.tsv", 30, 0)
    _index_label_text(d / "test.tsv", 10, 1)
    t = _load(tmp_path, train="prom_300/train.tsv", test="prom_300/test.tsv")
    assert t.task_id == "prom_300" and (t.train_index.size, t.test_index.size) == (30, 10)
    assert t.sequences[30] == _seqs(10, seed=1)[0] and t.classes == ("0", "1")
    assert t.prep["split"] == {"origin": "source"} and t.prep["columns"]["sequence"] == "text"
    assert len(t.prep["files"]) == 2
    home = tmp_path / "h"
    assert main(["tasks", "add", "--train", str(d / "train.tsv"), "--test", str(d / "test.tsv"),
                 "--category", "promoters", "--home", str(home)]) == 0
    assert "added task 'prom_300' (Promoters; 40 sequences" in capsys.readouterr().out
    stored = read_task_config(home / "tasks" / "prom_300.yaml")
    assert stored.format == "table" and stored.train.endswith("train.tsv") and stored.path is None


def test_globs_and_gzip_for_split_files_and_a_validation_file_recorded(tmp_path):
    for k, split in enumerate(("train_a", "train_b", "test_a", "dev")):
        text = "sequence,label\n" + "".join(f"{s},{'yes' if i % 2 else 'no'}\n"
                                            for i, s in enumerate(_seqs(10, seed=k)))
        (tmp_path / f"{split}.csv.gz").write_bytes(gzip.compress(text.encode()))
    t = _load(tmp_path, train="train_*.csv.gz", test="test_*.csv.gz", valid="dev.csv.gz",
              task_id="globbed")
    assert (t.train_index.size, t.test_index.size) == (20, 10) and t.classes == ("no", "yes")
    assert list(t.prep["rows_unused"].values()) == [10]
    assert any("dev.csv.gz: 10 validation rows not used" in w for w in t.warnings)
    with pytest.raises(MissingDataError, match=r"no file matches train '.*nope_\*"):
        _load(tmp_path, train="nope_*.csv", test="test_a.csv.gz")


def test_headerless_label_id_sequence_with_tabs_lowercase_and_a_label_map(tmp_path, capsys):
    p = tmp_path / "promoters.data"
    seqs = [s.lower() for s in _seqs(40, 57)]
    p.write_text("".join(f"{'+' if i % 2 else '-'},S{i},\t\t{s}\n" for i, s in enumerate(seqs)))
    t = _load(tmp_path, path="promoters.data", column_names="label,id,sequence",
              label_map="+=1,-=0", category="DNA methylation")
    assert t.classes == ("0", "1") and t.labels[:2].tolist() == [0, 1]
    assert t.sequences[0] == seqs[0].upper() and t.spec.category == "DNA Methyl."
    assert t.prep["split"]["origin"] == "stratified" and t.prep["label_map"] == {"+": "1", "-": "0"}
    p.write_text(p.read_text() + "?,S99,\t\tacgt\n")
    with pytest.raises(InputError, match=r"row 41 has label '\?', which label_map does not cover"):
        _load(tmp_path, path="promoters.data", column_names="label,id,sequence", label_map="+=1,-=0")
    assert main(["tasks", "add", "--path", str(p), "--columns", "label,sequence", "--dry-run"]) == 2
    assert "rows have 3 fields but column_names gives 2 names" in capsys.readouterr().err


def _kmers(s, k=6):
    return " ".join(s[i:i + k] for i in range(len(s) - k + 1))


def test_overlapping_6mer_text_is_rebuilt_and_checked(tmp_path):
    seqs = _seqs(30, 25)
    p = tmp_path / "kmers.tsv"
    p.write_text("sequence\tlabel\n" + "".join(f"{_kmers(s)}\t{i % 2}\n" for i, s in enumerate(seqs)))
    with pytest.raises(InputError, match=r"row 2 has the character ' ' .* looks like 6-mers .* "
                                         r"--sequence-format kmer"):
        _load(tmp_path, path="kmers.tsv")
    t = _load(tmp_path, path="kmers.tsv", sequence_format="kmer", sep="\\t")
    assert list(t.sequences) == seqs and t.prep["kmer_k"] == 6
    lines = p.read_text().splitlines()
    tokens = _kmers(seqs[4]).split()
    tokens[10] = tokens[10][:2] + ("A" if tokens[10][2] != "A" else "C") + tokens[10][3:]
    lines[5] = "  ".join(tokens) + "\t0"  # one letter off; two spaces are fine
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"row 6 k-mers 10 and 11 .* do not overlap by 5 letters"):
        _load(tmp_path, path="kmers.tsv", sequence_format="kmer")
    lines[5] = _kmers(seqs[4])[:-1] + "\t1"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"row 6 k-mer 20 '\w+' has 5 letters, but the k-mers of row 2 have 6"):
        _load(tmp_path, path="kmers.tsv", sequence_format="kmer")


def _multi(path, n=50):
    rows = [f"{s}\t{task}|{i}\t{i % 2}\t{task}\n" for task in ("promoter_all", "H3", "enhancers")
            for i, s in enumerate(_seqs(n, seed=len(task)))]
    path.write_text("sequence\tname\tlabel\ttask\n" + "".join(rows))


def test_multi_task_file_filtered_to_one_task_then_split_80_20(tmp_path, capsys):
    p = tmp_path / "multi.tsv"
    _multi(p)
    t = _load(tmp_path, path="multi.tsv", task="H3", test_fraction="0.2", split_seed="7")
    assert t.task_id == "multi.H3" and t.n == 50 and set(t.sequences) == set(_seqs(50, seed=2))
    assert (t.train_index.size, t.test_index.size) == (40, 10)
    assert np.bincount(t.labels[t.test_index]).tolist() == [5, 5]
    assert t.prep["split"] == {"origin": "stratified", "test_fraction": 0.2, "seed": 7}
    assert t.prep["task"] == "H3" and not any("seeded" in w for w in t.warnings)
    with pytest.raises(InputError, match="several tasks in column 'task' .*choose one with --task"):
        _load(tmp_path, path="multi.tsv")
    with pytest.raises(InputError, match="no rows to use for task 'h3'. Did you mean 'H3'"):
        _load(tmp_path, path="multi.tsv", task="h3")
    # the reported case: --task on an NT-layout file without --format nt filters, never merges
    home = tmp_path / "h"
    assert main(["tasks", "add", "--path", str(p), "--task", "promoter_all", "--home", str(home)]) == 0
    assert "'multi.promoter_all' (other; 50 sequences, 2 classes)" in capsys.readouterr().out


def test_nt_format_takes_a_train_only_file_with_test_fraction(tmp_path):
    p = tmp_path / "train.csv"
    p.write_text("sequence,name,label,task\n" + "".join(
        f"{s},{t}|{i},{i % 2},{t}\n" for t in ("promoter_all", "H3") for i, s in enumerate(_seqs(20))))
    with pytest.raises(InputError, match=r"only train rows .* --test-fraction 0.2"):
        _load(tmp_path, format="nt", path="train.csv", task="promoter_all")
    t = _load(tmp_path, format="nt", path="train.csv", task="promoter_all", test_fraction=0.3)
    assert t.task_id == "nt.promoter_all" and t.spec.category == "Promoters"
    assert (t.train_index.size, t.test_index.size) == (14, 6)
    # saved one task per file (no task column): task names it and finds its GENEB twin
    one = tmp_path / "H3"
    one.mkdir()
    for k, split in enumerate(("train", "test")):
        (one / f"{split}.csv").write_text("sequence,name,label\n" + "".join(
            f"{s},x|{i},{i % 2}\n" for i, s in enumerate(_seqs(10, seed=k))))
    t = _load(tmp_path, format="nt", path="H3", task="H3")
    assert t.spec.official_id == "InstaDeepAI_nucleotide_transformer_downstream_tasks_H3"
    assert (t.train_index.size, t.test_index.size) == (10, 10)


def test_task_column_by_name_and_split_column_with_other_values(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("dataset,dna,y,fold\n" + "".join(
        f"{d},{s},{i % 2},{'tr' if i % 4 else 'te'}\n" for d in ("a", "b") for i, s in enumerate(_seqs(12))))
    t = _load(tmp_path, path="x.csv", task_column="dataset", task="b", sequence_column="dna",
              label_column="y", split_column="fold", train_values="tr", test_values="te")
    assert (t.train_index.size, t.test_index.size) == (9, 3) and t.task_id == "x.b"
    with pytest.raises(InputError, match=r"no column 'sets' for the task filter"):
        _load(tmp_path, path="x.csv", task_column="sets", task="b")
    with pytest.raises(InputError, match=r"no column 'task' to keep the rows of task 'b'.*--task-column"):
        _load(tmp_path, path="x.csv", task="b", sequence_column="dna", label_column="y")


@pytest.mark.parametrize("values, message", [
    ({"path": "a.tsv", "train": "a.tsv"}, "either as one path .* or as train/test files"),
    ({"test": "a.tsv"}, r"needs a train file too \(--train FILE\)"),
    ({"train": "a.tsv", "test": "a.tsv", "test_fraction": "0.2"},
     r"--test-fraction is not used: the data has its own test split"),
    ({"train": "a.tsv", "test": "a.tsv", "split_column": "label"},
     "--split-column is not used when --train/--test files give the split"),
    ({"train": "a.tsv"}, r"only train rows .*--test-fraction 0.2"),
    ({"path": "a.tsv", "label_map": "+:1"}, "label_map entry '\\+:1' is not RAW=LABEL"),
    ({"path": "a.tsv", "label_map": "+=1 -=0"}, "holds two '='; separate entries with commas"),
    ({"path": "a.tsv", "label_map": {True: 1, False: 0}}, "unquoted yes/no/true/false"),
    ({"path": "a.tsv", "colum_names": "a,b"}, "unknown key 'colum_names'. Did you mean .*'column_names'"),
    ({"path": "a.tsv", "sequence_format": "kmers"}, "sequence_format 'kmers' is unknown. Did you mean 'kmer'"),
    ({"path": "a.tsv", "test_fraction": "20%"}, "test_fraction '20%' is not a number"),
    ({"path": "a.tsv", "sequence_column": "seq"}, "no column 'seq' for the sequences"),
])
def test_odd_inputs_get_one_clear_error(tmp_path, values, message):
    (tmp_path / "a.tsv").write_text("sequence\tlabel\tsplit\n" + "".join(
        f"{s}\t{i % 2}\t{'test' if i % 3 == 0 else 'train'}\n" for i, s in enumerate(_seqs(12))))
    with pytest.raises(InputError, match=message):
        _load(tmp_path, **values)


def test_tab_separator_as_typed_in_a_shell_reads_without_a_pandas_warning(tmp_path):
    p = tmp_path / "t.txt"  # not .tsv: the separator must come from --sep
    p.write_text("sequence\tlabel\n" + "".join(f"{s}\t{i % 2}\n" for i, s in enumerate(_seqs(10))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for sep in ("\\t", "tab", "\t", "whitespace"):
            assert _load(tmp_path, path="t.txt", sep=sep).n == 10


def test_dry_run_prints_what_would_be_loaded_and_writes_nothing(tmp_path, capsys):
    p = tmp_path / "multi.tsv"
    _multi(p, n=20)
    home = tmp_path / "h"
    assert main(["tasks", "add", str(p), "--task", "enhancers", "--test-fraction", "0.25",
                 "--category", "enhancer", "--dry-run", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing written. Task 'multi.enhancers'" in out
    for part in ("Enhancers", "table (decided from the path)", "test_fraction    0.25",
                 "task             enhancers", "20 (length 40-40 bp)", "'test_fraction': 0.25"):
        assert part in out, part
    assert not home.exists()


def test_category_full_names_and_short_labels_in_any_case():
    from geneb.catalog.categories import CATEGORIES, FULL_NAMES, resolve_category
    for short in CATEGORIES:
        assert resolve_category(short.upper()) == short
        assert resolve_category(FULL_NAMES[short].lower()) == short
    assert resolve_category("DNA methylation") == resolve_category("DNA Methyl.") == "DNA Methyl."
    assert resolve_category("chromatin accessibility") == "Chromatin Acc."


def test_layout_round_trips_through_yaml(tmp_path):
    from geneb.tasks.config import write_task_config
    layout = TaskLayout(path="/d/x.tsv", sep="\t", column_names=("a", "b"), label_map=(("+", "1"),),
                        max_train=None, test_fraction=0.3, category="Promoters")
    write_task_config(layout, tmp_path / "x.yaml")
    assert read_task_config(tmp_path / "x.yaml") == layout
    assert json.dumps(layout.to_dict())  # YAML/JSON-ready
