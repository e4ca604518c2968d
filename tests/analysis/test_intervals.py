"""Intervals that mean something: test rows resampled for one task, n/a when nothing varies."""

import numpy as np
import pandas as pd
import pytest

from geneb.analysis.official import load_official_cube
from geneb.analysis.recommend import (format_recommendation, recommend, recommend_task,
                                      recommendation_json)
from geneb.analysis.rowboot import TaskPredictions, row_bootstrap, task_predictions, weighted_mcc
from geneb.analysis.stability import bootstrap_scores
from geneb.catalog import get_model
from geneb.extract import extract
from geneb.probe import ProbeProtocol, run_probes
from geneb.probe.cube import new_cube
from geneb.probe.metrics import score
from geneb.store import EmbeddingStore
from geneb.tasks import load_task_file

QUICK = ProbeProtocol(regimes=(("10shot", 10), ("full", None)), seeds=(13, 17, 42))


def test_weighted_mcc_is_the_probe_metric_and_follows_row_weights():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    pred = np.where(rng.random((2, 300)) < 0.6, y, rng.integers(0, 3, (2, 300)))
    got = weighted_mcc(y, pred, np.ones((1, 300)))[0]
    assert got == pytest.approx([score(y, p)["mcc"] for p in pred], abs=1e-12)
    w = rng.multinomial(300, np.full(300, 1 / 300), size=1)
    rows = np.repeat(np.arange(300), w[0])                      # the same draw, as rows
    assert weighted_mcc(y, pred, w.astype(float))[0] == pytest.approx(
        [score(y[rows], p[rows])["mcc"] for p in pred], abs=1e-12)


@pytest.fixture
def store(tmp_path, task_csv):
    task = load_task_file(task_csv, category="Promoters")
    st = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    extract(st, [get_model("kmer-3"), get_model("kmer-4")], [task], show_progress=False)
    return st, task.task_id


def test_one_task_probed_here_gets_a_test_row_interval_of_nonzero_width(store):
    st, tid = store
    pred = task_predictions(st, ["kmer-3", "kmer-4"], tid, QUICK)
    cube = run_probes(st, ["kmer-3", "kmer-4"], [tid], protocol=QUICK, backend="sklearn",
                      show_progress=False)
    for mi, m in enumerate(pred.models):             # the predictions give the cube's scores
        for ri, r in enumerate(pred.regimes):
            for si, s in enumerate(pred.seeds):
                assert score(pred.y_true, pred.y_pred[mi, ri, si])["mcc"] == pytest.approx(
                    float(cube["mcc"].sel(model=m, task=tid, regime=r, seed=s)), abs=1e-9)
    # the cube alone cannot give an interval for one task's full regime (one fit)
    flat = bootstrap_scores(cube, "full", n_boot=200)
    assert flat["ci_low"].isna().all() and set(flat["no_interval"]) == {"1 task, one fit"}
    meta = pd.DataFrame({"display": ["3-mer", "4-mer"], "params": [np.nan, np.nan]},
                        index=["kmer-3", "kmer-4"])
    for regime in ("full", "10shot"):
        table = recommend_task(pred, meta, regime=regime, n_boot=300)
        assert (table["ci_high"] - table["ci_low"] > 0.01).all(), table
        assert ((table["ci_low"] <= table["score"]) & (table["score"] <= table["ci_high"])).all()
        assert table.attrs["resampled"].startswith("test rows")
        assert set(table["source"]) == {"computed"}
    assert "and seeds" in recommend_task(pred, meta, regime="10shot", n_boot=50).attrs["resampled"]
    assert "seeds" not in recommend_task(pred, meta, regime="full", n_boot=50).attrs["resampled"]
    text = format_recommendation(recommend_task(pred, meta, regime="full", n_boot=50))
    assert "resampling test rows (1 task" in text and "n/a" not in text


def test_row_bootstrap_is_paired_and_wide_when_the_test_set_is_small():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60)
    good = np.where(rng.random(60) < 0.85, y, 1 - y)
    pred = TaskPredictions("t", y, ("a", "b"), ("full",), (13,),
                           np.stack([good, good])[:, None, None, :])
    boot = row_bootstrap(pred, "full", n_boot=400)
    # identical predictions: identical intervals, tied ranks in every replicate
    assert boot.loc["a", "ci_low"] == boot.loc["b", "ci_low"] < boot.loc["a", "score"]
    assert boot["ci_high"].iloc[0] - boot["ci_low"].iloc[0] > 0.1     # 60 rows: wide
    assert (boot["p_top"] == 1.0).all()


def test_published_single_task_says_na_instead_of_a_zero_width_interval():
    table = recommend(load_official_cube(), category="Coding/NC", n_boot=200)
    assert table["ci_low"].isna().all() and table["rank_low"].isna().all()
    assert set(table["no_interval"]) == {"1 task, published means"}
    assert table.attrs["resampled"] == "nothing: 1 task, published means"
    text = format_recommendation(table)
    assert "n/a (1 task, published means)" in text and "[ 0.894,  0.894]" not in text
    assert "resampling nothing: 1 task, published means" in text.splitlines()[0]
    doc = recommendation_json(table)
    assert doc["ranking"][0]["ci_low"] is None
    assert doc["ranking"][0]["interval"] == "n/a (1 task, published means)"
    # several tasks: a real interval, and the header says what was resampled
    many = recommend(load_official_cube(), category="Splice Sites", n_boot=200)
    assert (many["ci_high"] > many["ci_low"]).all()
    assert many.attrs["resampled"] == "tasks within categories"


def test_one_computed_task_few_shot_seeds_give_an_interval_full_regime_does_not():
    cube = new_cube(["a", "b"], ["t"], ProbeProtocol(seeds=(13, 17, 42)), {},
                    {"category": ["Promoters"]}, max_shots=2)
    rng = np.random.default_rng(0)
    cube["mcc"].values[:] = rng.uniform(0.2, 0.6, cube["mcc"].shape)
    cube["mcc"].loc[dict(regime="full")] = cube["mcc"].sel(regime="full", seed=13)  # one fit
    few = bootstrap_scores(cube, "10shot", n_boot=200)
    assert (few["ci_high"] > few["ci_low"]).all() and few.attrs["resampled"] == "seeds (1 task)"
    full = bootstrap_scores(cube, "full", n_boot=200)
    assert full["ci_low"].isna().all() and full.attrs["resampled"] == "nothing: 1 task, one fit"
