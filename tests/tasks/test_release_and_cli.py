"""GENEB release folders (--tasks-dir), task YAMLs and the `geneb tasks` commands."""

import json

import numpy as np
import pandas as pd
import pytest

from geneb.catalog import benchmark_tasks
from geneb.cli.main import build_parser, main
from geneb.cli.options import selected_tasks
from geneb.core import InputError, MissingDataError
from geneb.tasks import load_task, load_tasks_dir, read_task_config

PROM = ["leannmlindsey_GUE_prom_300_tata", "katarinagresova_Genomic_Benchmarks_human_nontata_promoters"]
ENH = "katarinagresova_Genomic_Benchmarks_human_enhancers_cohn"


def _release_csv(path, seed, n=40):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        s = "".join(rng.choice(list("ACGT"), 40))
        if i % 2:
            s = s[:10] + "TATAAAAG" + s[18:]
        rows.append({"text": s, "label": i % 2, "split": "test" if i % 5 < 2 else "train"})
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.fixture
def release_dir(tmp_path):
    d = tmp_path / "geneb_tasks"
    d.mkdir()
    for k, tid in enumerate(PROM):
        _release_csv(d / f"{tid}.csv", k)
    _release_csv(d / f"{ENH}.csv", 9)
    (d / "leannmlindsey_GUE_prom_300_tatta.csv").write_text("text,label,split\n")  # a typo
    return d


def test_release_dir_lists_missing_tasks(release_dir):
    specs = benchmark_tasks("geneb")
    with pytest.raises(MissingDataError, match=r"97 of 100 tasks have no file .*--allow-missing-tasks"):
        load_tasks_dir(release_dir, specs)
    tasks, scan = load_tasks_dir(release_dir, specs, allow_missing=True)
    assert sorted(t.task_id for t in tasks) == sorted(PROM + [ENH])
    assert len(scan.missing) == 97 and "leannmlindsey_GUE_prom_300_all" in scan.missing
    assert any("prom_300_tatta.csv" in u and "did you mean" in u for u in scan.unknown)
    t = load_task(PROM[0], tasks_dir=release_dir)
    assert t.spec.category == "Promoters" and t.prep["format"] == "geneb-release"
    with pytest.raises(MissingDataError, match="--tasks-dir"):
        load_task(PROM[0])


def test_run_tasks_dir_refuses_with_the_missing_list_and_writes_nothing(release_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--tasks-dir", str(release_dir), "--models", "kmer-3", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("geneb: error: 97 of 100 tasks have no file") and len(err.splitlines()) == 1
    assert "leannmlindsey_GUE_prom_300_all" in err and not out.exists()


def test_run_tasks_dir_category_with_missing_allowed(release_dir, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", "--tasks-dir", str(release_dir), "--category", "Promoters",
               "--allow-missing-tasks", "--models", "kmer-3", "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "tasks have no file" in captured.err and "running the other 2" in captured.err
    scores = pd.read_csv(out / "task_scores.csv")
    assert sorted(scores["task"].unique()) == sorted(PROM)


def test_tasks_check_and_show_store_and_read_reports(release_dir, capsys):
    assert main(["tasks", "check", "--tasks-dir", str(release_dir)]) == 0
    out = capsys.readouterr().out
    assert "3 tasks checked" in out and "97 of 100 tasks have no file" in out
    assert "prom_300_tatta.csv (did you mean 'leannmlindsey_GUE_prom_300_tata'?) is not a GENEB task id" in out
    stored = json.loads((release_dir / f"{PROM[0]}.quality.json").read_text())
    assert stored["rows"] == {"total": 40, "train": 24, "test": 16}
    assert main(["tasks", "show", PROM[0], "--tasks-dir", str(release_dir)]) == 0
    shown = capsys.readouterr().out
    assert "baseline MCC" in shown and "duplicates" in shown and "Promoters" in shown
    assert main(["tasks", "show", "mini.gue_emp_H3.devtrain-test1k"]) == 0
    assert "SHORTCUT" in capsys.readouterr().out  # H3 occupancy follows GC content


def _user_yaml(tmp_path):
    data = tmp_path / "data" / "enh.tsv"
    data.parent.mkdir()
    rng = np.random.default_rng(4)
    pd.DataFrame({"dna": ["".join(rng.choice(list("ACGT"), 30)) for _ in range(50)],
                  "activity": ["on", "off"] * 25}).to_csv(data, sep="\t", index=False)
    cfg = tmp_path / "enh.yaml"
    cfg.write_text("task_id: my_enh\ncategory: enhancers\nformat: table\npath: data/enh.tsv\n"
                   "sequence_column: dna\nlabel_column: activity\ntest_fraction: 0.3\n")
    return cfg


def test_tasks_add_from_yaml_then_use_by_id(tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("GENEB_HOME", str(home))
    cfg = _user_yaml(tmp_path)
    src = read_task_config(cfg)
    assert src.path == str((tmp_path / "data" / "enh.tsv").resolve())
    assert main(["tasks", "add", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "added task 'my_enh' (Enhancers; 50 sequences, 2 classes)" in out
    assert (home / "tasks" / "my_enh.yaml").is_file()
    report = json.loads((home / "tasks" / "my_enh.quality.json").read_text())
    assert report["rows"]["test"] == 16 and report["prep"]["split"]["origin"] == "stratified"
    assert main(["tasks", "add", str(cfg)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["tasks", "list", "--benchmark", "user"]) == 0
    assert "my_enh" in capsys.readouterr().out
    assert main(["tasks", "show", "my_enh"]) == 0
    assert "baseline MCC" in capsys.readouterr().out
    args = build_parser().parse_args(["extract", "--store", str(tmp_path / "s"), "--tasks", "my_enh",
                                      "mini.uci_splice.split70-30-train2k"])
    tasks = selected_tasks(args)
    assert [t.task_id for t in tasks] == ["mini.uci_splice.split70-30-train2k", "my_enh"]
    args = build_parser().parse_args(["run", "--task-config", str(cfg), "--category", "Enhancers"])
    assert [t.task_id for t in selected_tasks(args)] == ["my_enh"]


def test_tasks_add_with_flags_only(tmp_path, capsys):
    fa = tmp_path / "x.fasta"
    fa.write_text("".join(f">s{i}|{'pos' if i % 2 else 'neg'}\nACGTACGTAC{'GG' * (i % 3)}\n"
                          for i in range(30)))
    rc = main(["tasks", "add", "--path", str(fa), "--label-pattern", r"\|(\w+)$", "--task-id",
               "fa_task", "--category", "other", "--home", str(tmp_path / "h")])
    assert rc == 0, capsys.readouterr().err
    stored = read_task_config(tmp_path / "h" / "tasks" / "fa_task.yaml")
    assert stored.resolved_format() == "fasta" and stored.label_pattern == r"\|(\w+)$"


@pytest.mark.parametrize("text, message", [
    ("task_id: x\npath: d.csv\nlabel_colum: y\n", "unknown key 'label_colum'. Did you mean 'label_column'"),
    ("task_id: x\npath: d.csv\nformat: gues\n", "format 'gues' is unknown"),
    ("task_id: x\nformat: table\n", "no 'path'"),
    ("task_id: x\npath: d.csv\nambiguity: drop\n", "ambiguity 'drop' is unknown"),
    ("[unclosed\n", "not valid YAML"),
])
def test_bad_task_yaml_is_one_line_and_writes_nothing(tmp_path, capsys, text, message):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        read_task_config(cfg)
    assert main(["tasks", "add", str(cfg), "--home", str(tmp_path / "h")]) == 2
    assert capsys.readouterr().err.startswith("geneb: error:")
    assert not (tmp_path / "h").exists()


def test_cli_load_options_reach_every_source(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GENEB_HOME", str(tmp_path / "home"))
    csv = tmp_path / "amb.csv"
    csv.write_text("sequence,label,split\nACGT,a,train\nACGT,b,train\nACRT,a,test\nACGG,b,test\n")
    cfg = tmp_path / "amb.yaml"
    cfg.write_text(f"task_id: amb\npath: {csv.name}\n")
    for source in (["--task-file", str(csv)], ["--task-config", str(cfg)]):
        out = tmp_path / "o"
        assert main(["run", *source, "--ambiguity", "reject", "--models", "kmer-3", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "row 4 has the ambiguity letter 'R'" in err and not out.exists()
    args = build_parser().parse_args(["run", "--task-config", str(cfg)])
    (task,) = selected_tasks(args)
    assert task.sequences[2] == "ACNT" and "replaced by N" in capsys.readouterr().err
    assert main(["tasks", "check", "--task-file", str(csv)]) == 0
    report = json.loads((tmp_path / "amb.quality.json").read_text())
    assert report["prep"]["normalization"]["ambiguity_letters"] == {"R": 1}
    assert report["duplicates"]["exact"]["sequences_with_conflicting_labels"] == 1


def test_complete_release_dir_selects_all_100_tasks_in_13_categories(tmp_path, capsys):
    d = tmp_path / "all"
    d.mkdir()
    specs = benchmark_tasks("geneb")
    for k, spec in enumerate(specs):
        _release_csv(d / f"{spec.task_id}.csv", k, n=10)
    args = build_parser().parse_args(["run", "--tasks-dir", str(d)])
    tasks = selected_tasks(args)
    assert [t.task_id for t in tasks] == [s.task_id for s in specs]
    assert len({t.spec.category for t in tasks}) == 13
    multi = [s.task_id for s in specs if (s.n_classes or 2) > 2]
    err = capsys.readouterr().err
    assert multi and all(f"{m}: 2 classes in the file but the GENEB catalog says" in err for m in multi)
