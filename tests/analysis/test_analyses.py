"""Analyses on small cubes whose answers are known by construction."""

import json

import numpy as np
import pandas as pd
import pytest

from geneb.analysis.aggregate import macro_per_seed, seed_spread
from geneb.analysis.compare import MatchedPair, matched_comparisons
from geneb.analysis.fewshot import category_winners, fewshot_drops, winner_change_counts
from geneb.analysis.recommend import format_recommendation, recommend, recommendation_json
from geneb.analysis.scaling import pareto_frontier, scaling_correlations, smaller_wins
from geneb.analysis.stability import (bootstrap_scores, category_rank_correlations,
                                      macro_micro_agreement)
from geneb.analysis.variance import high_variance_tasks
from geneb.core.errors import InputError, UnknownNameError
from geneb.probe import ProbeProtocol
from geneb.probe.cube import new_cube

MODELS = ["tiny", "small", "mid", "big", "huge", "proka"]
PARAMS = [1e6, 5e6, 3e7, 2e8, 1e9, 7e9]
GROUPS = ["human-only", "human-only", "multi-species", "multi-species", "multi-species",
          "prokaryotic"]
CATS = ["Promoters"] * 3 + ["Splice Sites"] * 2 + ["Enhancers"] * 2


def _cube(seed=0):
    protocol = ProbeProtocol(seeds=(13, 17, 42))
    cube = new_cube(MODELS, [f"t{i}" for i in range(len(CATS))], protocol,
                    {"params": PARAMS, "pretraining_group": GROUPS,
                     "display": [m.upper() for m in MODELS]},
                    {"category": CATS}, max_shots=2)
    rng = np.random.default_rng(seed)
    base = np.array([0.30, 0.40, 0.50, 0.60, 0.70, 0.10])        # proka: big but bad
    shots = {"1shot": 0.25, "10shot": 0.6, "full": 1.0}
    for ri, r in enumerate(cube["regime"].values):
        noise = rng.normal(0, 0.01, size=(6, len(CATS), 3))
        cube["mcc"].values[:, :, ri, :] = base[:, None, None] * shots[str(r)] + noise
    # 1-shot: "tiny" wins Splice Sites
    ri = list(cube["regime"].values).index("1shot")
    cube["mcc"].values[0, 3:5, ri, :] = 0.9
    return cube


def test_scaling_excludes_the_prokaryotic_model_and_named_models():
    corr = scaling_correlations(_cube(), exclude_models=["huge"]).set_index(["subset", "scope"])
    assert corr.loc[("without prokaryotic models", "macro"), "rho"] == 1.0
    assert corr.loc[("without prokaryotic models", "macro"), "excluded"] == "proka"
    assert corr.loc[("all models", "macro"), "rho"] == pytest.approx(
        round(np.corrcoef([0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 0])[0, 1], 3))
    assert corr.loc[("without huge", "macro"), "n"] == 5
    assert {"Promoters", "Splice Sites", "Enhancers"} <= set(corr.reset_index()["scope"])


def test_pareto_frontier_and_smaller_wins_brute_force():
    cube = _cube()
    front = pareto_frontier(cube)
    assert front["model"].tolist() == ["tiny", "small", "mid", "big", "huge"]
    sw = smaller_wins(cube, factor=5)
    macro = dict(zip(MODELS, cube["mcc"].sel(regime="full").mean(["task", "seed"]).values))
    pairs = [(a, b) for a, pa in zip(MODELS, PARAMS) for b, pb in zip(MODELS, PARAMS)
             if pa * 5 <= pb]
    assert sw["n_pairs"] == len(pairs)
    # macro = mean of categories; here every category has the same level, so the task mean works
    assert sw["n_smaller_wins"] == sum(macro[a] > macro[b] for a, b in pairs) == 5
    assert all(e["larger"] == "proka" for e in sw["examples"])


def test_matched_comparisons_delta_and_wins():
    cube = _cube()
    pairs = [MatchedPair("size", "huge", "tiny", "x"), MatchedPair("data", "tiny", "missing")]
    df = matched_comparisons(cube, pairs)
    assert len(df) == 1  # the pair with a missing model is skipped
    row = df.iloc[0]
    assert row["delta_macro"] == pytest.approx(0.4, abs=0.02)
    assert row["wins_a"] == 3 and row["wins_b"] == 0
    one = matched_comparisons(cube, pairs, regime="1shot").iloc[0]
    assert one["wins_b"] == 1 and one["Splice Sites"] < 0


def test_fewshot_drops_winner_changes_and_seed_spread():
    cube = _cube()
    drops = fewshot_drops(cube)
    assert drops.loc["huge", "drop_full_10shot"] == pytest.approx(0.7 * 0.4, abs=0.02)
    assert drops.loc["huge", "retained_1shot"] == pytest.approx(0.25, abs=0.05)
    winners = category_winners(cube)
    assert winners.loc["Splice Sites", "1shot"] == "tiny"
    assert winners.loc["Splice Sites", "full"] == "huge"
    counts = winner_change_counts(cube)
    assert counts["full vs 1shot"] == 1 and counts["full vs 10shot"] == 0 and counts["any"] == 1
    spread = seed_spread(cube).set_index(["model", "regime"])
    per_seed = macro_per_seed(cube).sel(model="mid", regime="10shot").values
    assert spread.loc[("mid", "10shot"), "macro_sd"] == pytest.approx(np.std(per_seed, ddof=1))
    assert spread.loc[("mid", "10shot"), "n_seeds"] == 3


def test_rank_stability_and_bootstrap():
    cube = _cube()
    rc = category_rank_correlations(cube, "full")
    assert rc.loc["macro", "micro"] == pytest.approx(1.0)
    agree = macro_micro_agreement(cube, "full")
    assert agree["same_winner"] and agree["spearman"] == 1.0 and agree["max_abs_rank_shift"] == 0
    boot = bootstrap_scores(cube, "full", n_boot=300, seed=1)
    assert boot.index[0] == "huge" and boot.loc["huge", "p_top"] == 1.0
    assert (boot.loc["huge", ["rank_low", "rank_high"]] == 1).all()
    assert ((boot["ci_low"] <= boot["score"]) & (boot["score"] <= boot["ci_high"])).all()
    again = bootstrap_scores(cube, "full", n_boot=300, seed=1)
    pd.testing.assert_frame_equal(boot, again)
    # close models get overlapping intervals in a noisy regime
    noisy = _cube()
    noisy["mcc"].values[:] += np.random.default_rng(3).normal(0, 0.3, noisy["mcc"].shape)
    wide = bootstrap_scores(noisy, "full", n_boot=300)
    assert (wide["rank_high"] - wide["rank_low"]).max() >= 2


def test_high_variance_tasks_and_group_winners():
    cube = _cube()
    ri = list(cube["regime"].values).index("full")
    cube["mcc"].values[:, 5, ri, :] = np.array([0.9, 0.1, 0.1, 0.1, 0.1, 0.1])[:, None]
    cube["mcc"].values[:, 6, ri, :] = 0.5  # no spread at all
    high, wins = high_variance_tasks(cube, "full", threshold=0.25)
    assert "t5" in high.index and "t6" not in high.index
    assert high.loc["t5", "winner"] == "tiny" and wins["human-only"] >= 1
    assert high["sd"].min() > 0.25


def test_recommend_by_category_with_size_limit_and_json():
    cube = _cube()
    table = recommend(cube, category="splice", regime="1shot", n_boot=200)
    assert table.iloc[0]["model"] == "tiny" and table.attrs["category"] == "Splice Sites"
    small = recommend(cube, category="Promoters", max_params=1e8, n_boot=200)
    assert set(small["model"]) == {"tiny", "small", "mid"} and small.iloc[0]["model"] == "mid"
    doc = recommendation_json(small)
    assert json.loads(json.dumps(doc))["ranking"][0]["model"] == "mid"
    assert "mid" in format_recommendation(small)
    with pytest.raises(UnknownNameError):
        recommend(cube, category="Splice Stes and more")
    with pytest.raises(InputError, match="Histone"):
        recommend(cube, category="Histone Mod.")
    with pytest.raises(InputError, match="at most"):
        recommend(cube, max_params=10)


def test_pairs_from_yaml_and_bad_files(tmp_path):
    from geneb.analysis.compare import load_pairs
    good = tmp_path / "pairs.yaml"
    good.write_text("- {axis: size, a: huge, b: tiny, note: same family}\n"
                    "- {axis: data, a: mid, b: small}\n")
    pairs = load_pairs(good)
    assert pairs[0] == MatchedPair("size", "huge", "tiny", "same family")
    assert len(matched_comparisons(_cube(), pairs)) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {axis: size, a: huge}\n")
    with pytest.raises(InputError, match="pair 1"):
        load_pairs(bad)
