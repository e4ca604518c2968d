"""CLI: import-results, report --with-official, export --submission, recommend."""

import json
import re

import pytest

from geneb.analysis.official import release_json
from geneb.cli.main import main


def test_import_report_export_round_trip(tmp_path, capsys):
    cube = tmp_path / "official.zarr"
    assert main(["import-results", "--out", str(cube)]) == 0
    assert "41 models x 100 tasks" in capsys.readouterr().out
    sub = tmp_path / "grover.json"
    assert main(["export", "--cube", str(cube), "--model", "GROVER", "--submission", str(sub),
                 "--submitted-by", "me"]) == 0
    doc = json.loads(sub.read_text())
    assert doc["model_id"] == "GROVER" and doc["meta"]["submitted_by"] == "me"
    assert set(doc) == set(release_json("example_submission"))
    again = tmp_path / "again.zarr"
    assert main(["import-results", str(sub), "--out", str(again)]) == 0
    # several models and no --model: one-line error, nothing written
    capsys.readouterr()
    assert main(["export", "--cube", str(cube), "--submission", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("geneb: error:") and "--model" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.json").exists()


@pytest.mark.slow
def test_report_with_official_and_recommend_for_a_users_task(tmp_path, capsys, task_csv, task3_csv):
    out = tmp_path / "run"
    assert main(["run", "--task-file", str(task_csv), "--models", "kmer-3", "kmer-4",
                 "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    rep = tmp_path / "rep"
    assert main(["report", "--cube", str(out / "cube.zarr"), "--out", str(rep),
                 "--with-official", "--bootstrap", "50"]) == 0
    page = (rep / "report.html").read_text()
    assert "kmer-3" in page and "GENERator-eukaryote-3b-base" in page
    assert (rep / "leaderboard.csv").exists()
    md = (rep / "report.md").read_text()
    placed = md.split("## Comparison with the published models")[1]
    # the k-mer runs are on user tasks (category "other"): placed per category, not ranked
    assert "kmer-3, kmer-4 ran on other tasks" in placed
    assert re.search(r"\| other \| -?0\.\d{3} \| -?0\.\d{3} \|", placed), placed
    capsys.readouterr()
    assert main(["recommend", "--task", str(task3_csv), "--store", str(out / "emb.zarr"),
                 "--json", "--quiet", "--bootstrap", "50"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["model"] for r in doc["ranking"]} == {"kmer-3", "kmer-4"}
    assert doc["query"]["task"] == task3_csv.name.split(".")[0]
    assert all(r["ci_low"] < r["score"] < r["ci_high"] for r in doc["ranking"])  # test rows
    assert doc["query"]["resampled"].startswith("test rows")
    assert {r["source"] for r in doc["ranking"]} == {"computed"}


def test_recommend_ranks_official_rows_and_adds_submissions_only_when_asked(capsys):
    argv = ["recommend", "--category", "Splice Sites", "--max-params", "1e8", "--json",
            "--bootstrap", "100"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ranking"][0]["model"] == "MutBERT"
    assert {r["source"] for r in doc["ranking"]} == {"official"}
    assert "splicebert-1024nt" not in {r["model"] for r in doc["ranking"]}
    assert doc["query"]["rows"]["left_out"] == {"submission": ["splicebert-1024nt"]}
    assert main(argv + ["--include", "submissions"]) == 0
    doc = json.loads(capsys.readouterr().out)
    marked = [r for r in doc["ranking"] if r["model"] == "splicebert-1024nt"]
    assert len(marked) == 1 and marked[0]["source"] == "submission"
    assert main(argv[:-3] + ["--bootstrap", "100", "--include", "submissions"]) == 0
    text = capsys.readouterr().out
    assert "splicebert-1024nt [submission]" in text and "MutBERT [" not in text
    for extra, words in ((["--store", "x.zarr"], "--store"), (["--quiet"], "--quiet")):
        assert main(argv + extra) == 2
        err = capsys.readouterr().err
        assert words in err and "--category" in err and len(err.splitlines()) == 1
    assert main(["recommend", "--task", "t.csv", "--store", "s", "--include", "computed"]) == 2
    assert "--include does not apply to --task" in capsys.readouterr().err


def test_recommend_category_on_the_shipped_results(capsys):
    assert main(["recommend", "--category", "Splice Sites", "--regime", "10shot",
                 "--max-params", "1e8", "--json", "--bootstrap", "100"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["query"]["category"] == "Splice Sites" and doc["query"]["regime"] == "10shot"
    assert all(r["params"] <= 1e8 for r in doc["ranking"])
    assert [r["rank"] for r in doc["ranking"]] == list(range(1, len(doc["ranking"]) + 1))
    assert main(["recommend", "--category", "Splice Sits"]) == 2
    err = capsys.readouterr().err
    assert "Splice Sites" in err and err.startswith("geneb: error:")
    assert main(["recommend", "--task", "nope.csv"]) == 2
    assert "--store" in capsys.readouterr().err


def test_bootstrap_zero_is_refused_up_front(tmp_path, capsys):
    from geneb.analysis.official import load_official_cube
    from geneb.analysis.stability import bootstrap_scores
    from geneb.core.errors import InputError

    out = tmp_path / "rep"  # used to write the CSVs, then die with an IndexError
    assert main(["report", "--cube", str(tmp_path / "c.zarr"), "--out", str(out),
                 "--bootstrap", "0"]) == 2
    assert "--bootstrap" in capsys.readouterr().err and not out.exists()
    assert main(["recommend", "--category", "Splice Sites", "--bootstrap", "-3"]) == 2
    assert "give 1 or more" in capsys.readouterr().err
    with pytest.raises(InputError, match="n_boot=0"):
        bootstrap_scores(load_official_cube(), n_boot=0)


def test_import_results_out_never_overwrites_a_store_or_other_folder(tmp_path, capsys):
    from geneb.cli.guards import is_result_cube
    from geneb.store import EmbeddingStore

    sub = tmp_path / "s.json"
    sub.write_text(json.dumps(release_json("example_submission")))
    store = tmp_path / "emb.zarr"  # used to be replaced by the cube without a word
    EmbeddingStore(store, mode="a")
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    other = tmp_path / "notes"
    other.mkdir()
    (other / "a.txt").write_text("keep me")
    for path, force, words in ((store, True, "is an embedding store"),
                               (other, True, "is not a geneb result cube"),
                               (other / "a.txt", True, "is not a geneb result cube")):
        assert main(["import-results", str(sub), "--out", str(path)]
                    + (["--force"] if force else [])) == 2
        err = capsys.readouterr().err
        assert err.startswith("geneb: error: --out") and words in err and len(err.splitlines()) == 1
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == before
    assert (other / "a.txt").read_text() == "keep me" and not is_result_cube(store)
    cube = tmp_path / "c.zarr"
    assert main(["import-results", str(sub), "--out", str(cube)]) == 0 and is_result_cube(cube)
    assert main(["import-results", str(sub), "--out", str(cube)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["import-results", str(sub), "--out", str(cube), "--force"]) == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["import-results", str(sub), "--out", str(empty)]) == 0


def test_with_official_csv_and_text_leaderboards_rank_the_html_view(tmp_path):
    import numpy as np
    import pandas as pd

    from geneb.analysis.combine import combine_cubes
    from geneb.analysis.official import load_official_cube, release_task_ids
    from geneb.analysis.provenance import select_rows
    from geneb.analysis.report import analysis_view
    from geneb.catalog import TASKS
    from geneb.analysis.leaderboard_files import write_leaderboard_files
    from geneb.probe import ProbeProtocol
    from geneb.probe.cube import new_cube

    tids = release_task_ids()
    meta = {"params": [np.nan], "pretraining_group": ["none"]}
    on_official = new_cube(["kmer-4"], tids, ProbeProtocol(seeds=(13, 17)), meta,
                           {"category": [TASKS.get(t).category for t in tids]}, max_shots=2)
    on_mine = new_cube(["kmer-5"], ["my_task"], ProbeProtocol(seeds=(13, 17)), meta,
                       {"category": ["other"]}, max_shots=2)
    rng = np.random.default_rng(0)
    for cube in (on_official, on_mine):
        for v in ("mcc", "accuracy", "f1_macro"):
            cube[v].values[:] = rng.uniform(0.1, 0.6, cube[v].shape)
    from geneb.analysis.combine import with_official
    combined = with_official(combine_cubes(on_official, on_mine), load_official_cube())
    out = tmp_path / "rep"
    (out).mkdir()
    (out / "leaderboard_other_tasks.csv").write_text("stale\n")
    # your models are kept beside the official ones (as `report --with-official` does);
    # the self-reported splicebert-1024nt is left out by default
    text = write_leaderboard_files(combined, out, keep=["kmer-4", "kmer-5"])
    lb = pd.read_csv(out / "leaderboard.csv")
    view, dropped = analysis_view(select_rows(combined, keep=["kmer-4", "kmer-5"])[0])
    assert "splicebert-1024nt" not in set(lb["model"]) and "--include submissions" in text
    assert set(lb["source"]) == {"official", "computed"}
    # used to be NaN for every model: the published ones have no score on "my_task"
    assert lb["macro_MCC"].notna().all() and dropped == ["kmer-5"]
    assert set(lb["model"]) == {str(m) for m in view["model"].values}
    assert "kmer-4" in set(lb["model"]) and "kmer-5" not in set(lb["model"])
    assert (lb["n_tasks"] == len(tids)).all()
    other = pd.read_csv(out / "leaderboard_other_tasks.csv")
    assert set(other["model"]) == {"kmer-5"} and other["macro_MCC"].notna().all()
    ranked_text = text.split("not ranked above")[0]
    assert "nan" not in ranked_text.lower() and "kmer-4" in ranked_text
    assert "kmer-5" in text.split("not ranked above")[1]
    # no published results: one leaderboard, no other-tasks file left behind
    write_leaderboard_files(on_official, out)
    assert not (out / "leaderboard_other_tasks.csv").exists()
