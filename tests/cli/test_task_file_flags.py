"""`geneb run`, `tasks check` and `recommend --task` take the task-file flags of `tasks add`."""

import numpy as np
import pandas as pd
import xarray as xr

from geneb.cli.main import build_parser, main
from geneb.cli.options import selected_tasks


def _seqs(n, length=40, seed=0):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def _with_motif(i, s):
    return s[:10] + "TATAAAAG" + s[18:] if i % 2 else s


def _pair(folder, n_train=40, n_test=20):
    folder.mkdir()
    for name, n, seed in (("train", n_train, 0), ("test", n_test, 1)):
        rows = [f"{i}\t{i % 2}\t{_with_motif(i, s)}\n" for i, s in enumerate(_seqs(n, seed=seed))]
        (folder / f"{name}.tsv").write_text("index\tlabel\ttext\n" + "".join(rows))
    return folder / "train.tsv", folder / "test.tsv"


def test_run_takes_the_layout_flags_directly(tmp_path, capsys):
    train, test = _pair(tmp_path / "tata")
    out = tmp_path / "out"
    rc = main(["run", "--train", str(train), "--test", str(test), "--sequence-column", "text",
               "--category", "Promoters", "--task-id", "tata", "--models", "kmer-3",
               "--out", str(out), "--quiet", "--no-html"])
    assert rc == 0, capsys.readouterr().err
    scores = pd.read_csv(out / "task_scores.csv")
    assert set(scores["task"]) == {"tata"} and len(scores) == 3  # 1 model x 1 task x 3 regimes
    cube = xr.open_zarr(out / "cube.zarr", consolidated=False)  # as the README shows
    assert str(cube.category.sel(task="tata").values) == "Promoters"
    assert scores.loc[scores.regime == "full", "mcc"].item() > 0.5  # the planted motif is found
    emb = xr.open_zarr(out / "emb.zarr", group="embeddings/kmer-3/tata", consolidated=False)
    assert emb.X.shape == (60, 64)


def test_run_task_file_with_a_row_filter_and_a_seeded_split(tmp_path, capsys):
    p = tmp_path / "multi.tsv"
    rows = [f"{_with_motif(i, s)}\t{t}|{i}\t{i % 2}\t{t}\n" for t in ("promoter_all", "H3")
            for i, s in enumerate(_seqs(30, seed=len(t)))]
    p.write_text("sequence\tname\tlabel\ttask\n" + "".join(rows))
    args = build_parser().parse_args(["run", "--task-file", str(p), "--task", "H3",
                                      "--test-fraction", "0.2", "--category", "histone marks"])
    (task,) = selected_tasks(args)
    assert task.task_id == "multi.H3" and task.n == 30 and task.test_index.size == 6
    assert task.spec.category == "Histone Mod."
    args = build_parser().parse_args(["run", "--task-file", str(p), "--task-file", str(p),
                                      "--task", "H3", "--test-fraction", "0.2"])
    assert main(["run", "--task-file", str(p), "--task-file", str(p), "--task", "H3",
                 "--models", "kmer-3", "--out", str(tmp_path / "o")]) == 2
    assert "selected twice" in capsys.readouterr().err


def test_run_refuses_task_file_flags_without_a_task_file(tmp_path, capsys):
    for extra in (["--sep", ","], ["--test-fraction", "0.3"], ["--label-map", "a=1"]):
        assert main(["run", "--tasks", "mini.uci_splice.split70-30-train2k", *extra,
                     "--models", "kmer-3", "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"geneb: error: {extra[0]} only applies to task files")
        assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()
    assert main(["run", "--sep", ",", "--sep", ";", "--out", str(tmp_path / "o")]) == 2
    assert "--sep (or an alias of it) is given twice" in capsys.readouterr().err


def test_tasks_check_takes_the_same_flags(tmp_path, capsys):
    train, test = _pair(tmp_path / "tata")
    assert main(["tasks", "check", "--train", str(train), "--test", str(test),
                 "--sequence-column", "text"]) == 0
    assert "1 tasks checked" in capsys.readouterr().out
    assert (tmp_path / "tata" / "tata.quality.json").is_file()
    # --category is a filter on run, but check has nothing to filter: refused, not ignored
    assert main(["tasks", "check", "mini.uci_splice.split70-30-train2k", "--category", "x"]) == 2
    assert "--category only applies to task files" in capsys.readouterr().err


def test_recommend_task_takes_the_same_flags(tmp_path, capsys):
    train, test = _pair(tmp_path / "tata")
    out = tmp_path / "out"
    assert main(["run", "--train", str(train), "--test", str(test), "--sequence-column", "text",
                 "--models", "kmer-3", "kmer-4", "--out", str(out), "--quiet", "--no-html"]) == 0
    capsys.readouterr()
    p = tmp_path / "multi.csv"
    pd.DataFrame({"dna": [_with_motif(i, s) for i, s in enumerate(_seqs(40, seed=5))],
                  "y": [i % 2 for i in range(40)], "set": ["a", "a", "b", "b"] * 10}).to_csv(p, index=False)
    rc = main(["recommend", "--task", str(p), "--sequence-column", "dna", "--label-column", "y",
               "--task-column", "set", "--task-value", "a", "--test-fraction", "0.25",
               "--store", str(out / "emb.zarr"), "--bootstrap", "50", "--quiet"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "kmer-3" in captured.out and "kmer-4" in captured.out
    assert main(["recommend", "--category", "Promoters", "--sep", ","]) == 2
    assert "not used with --category" in capsys.readouterr().err
    assert main(["recommend", "--store", str(out / "emb.zarr")]) == 2
    assert "give --category, or your task" in capsys.readouterr().err
