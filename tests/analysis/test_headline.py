"""The check: on the imported official release, the analyses reproduce the headline figures.

Every expected value is computed here independently from the raw release JSON (gzip + json +
numpy/scipy, none of geneb's aggregation), then compared with geneb's analysis functions.
"""

import gzip
import json
from importlib import resources
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geneb.analysis.fewshot import fewshot_drops, regime_rank_correlations, winner_change_counts
from geneb.analysis.official import load_official_cube
from geneb.analysis.scaling import scaling_correlations
from geneb.analysis.stability import macro_micro_agreement
from geneb.catalog import MODELS

REGIMES = ("full", "10shot", "1shot")


def _raw(name):
    ref = resources.files("geneb.analysis").joinpath(f"data/geneb_release/{name}.json.gz")
    return json.loads(gzip.decompress(ref.read_bytes()))


@pytest.fixture(scope="module")
def raw():
    """Per regime: model → (params, official, macro, micro, {category: score}) from raw JSON."""
    doc = _raw("leaderboard_tasks")
    cats = {}
    for t in doc["tasks"]:
        cats.setdefault(t["cat"], []).append(t["id"])
    out = {}
    for regime in REGIMES:
        out[regime] = {}
        for row in doc["data"][regime]:
            per_cat = {c: float(np.mean([row["task_MCC"][t] for t in ids])) for c, ids in cats.items()}
            out[regime][row["model"]] = {
                "params": float(row["params"]), "macro": float(np.mean(list(per_cat.values()))),
                "micro": float(np.mean(list(row["task_MCC"].values()))), "cats": per_cat}
    official = {r["model"] for r in _raw("leaderboard")["data"]["full"] if r["official"]}
    return out, official


@pytest.fixture(scope="module")
def cube(raw):
    c = load_official_cube()
    return c.sel(model=[m for m in c["model"].values if str(m) in raw[1]])


def test_scaling_correlations_with_and_without_the_prokaryotic_outlier(raw, cube):
    data, official = raw
    models = sorted(official)
    assert "evo-1-131k-base" in models and len(models) == 40
    got = scaling_correlations(cube).set_index(["subset", "scope"])
    for subset, keep in (("all models", models),
                         ("without prokaryotic models", [m for m in models if m != "evo-1-131k-base"])):
        x = np.log10([data["full"][m]["params"] for m in keep])
        y = [data["full"][m]["macro"] for m in keep]
        want = stats.spearmanr(x, y)
        row = got.loc[(subset, "macro")]
        assert row["n"] == len(keep)
        assert row["rho"] == round(want.statistic, 3) and row["p"] == round(want.pvalue, 3)
        ys = [data["full"][m]["cats"]["Splice Sites"] for m in keep]
        assert got.loc[(subset, "Splice Sites"), "rho"] == round(stats.spearmanr(x, ys).statistic, 3)
    # the headline: removing the prokaryotic-only model strengthens the size trend
    assert got.loc[("without prokaryotic models", "macro"), "rho"] > \
        got.loc[("all models", "macro"), "rho"] > 0.5


def test_fewshot_drops_and_winner_changes(raw, cube):
    data, official = raw
    drops = fewshot_drops(cube)
    for m in official:
        assert drops.loc[m, "drop_full_10shot"] == pytest.approx(
            data["full"][m]["macro"] - data["10shot"][m]["macro"], abs=1e-9)
        assert drops.loc[m, "drop_10shot_1shot"] == pytest.approx(
            data["10shot"][m]["macro"] - data["1shot"][m]["macro"], abs=1e-9)
    mean_drop = np.mean([data["full"][m]["macro"] - data["1shot"][m]["macro"] for m in official])
    assert drops["drop_full_1shot"].mean() == pytest.approx(mean_drop, abs=1e-9)
    assert (drops["drop_full_10shot"] > 0).all()  # every model loses with 10 shots

    winners = {r: {c: max(official, key=lambda m: data[r][m]["cats"][c])
                   for c in data[r][next(iter(official))]["cats"]} for r in REGIMES}
    counts = winner_change_counts(cube)
    for a, b in combinations(REGIMES, 2):
        want = sum(winners[a][c] != winners[b][c] for c in winners[a])
        assert counts[f"{a} vs {b}"] == want
    assert counts["any"] == sum(len({winners[r][c] for r in REGIMES}) > 1 for c in winners["full"])
    assert counts["n_categories"] == 13

    rc = regime_rank_correlations(cube).set_index("regimes")
    full = [data["full"][m]["macro"] for m in sorted(official)]
    one = [data["1shot"][m]["macro"] for m in sorted(official)]
    assert rc.loc["full vs 1shot", "spearman"] == round(stats.spearmanr(full, one).statistic, 3)


def test_macro_vs_micro_rank_agreement(raw, cube):
    data, official = raw
    models = sorted(official)
    for regime in REGIMES:
        macro = [data[regime][m]["macro"] for m in models]
        micro = [data[regime][m]["micro"] for m in models]
        got = macro_micro_agreement(cube, regime)
        assert got["spearman"] == round(stats.spearmanr(macro, micro).statistic, 3)
        assert got["kendall"] == round(stats.kendalltau(macro, micro).statistic, 3)
        assert got["same_winner"] == (models[int(np.argmax(macro))] == models[int(np.argmax(micro))])


def test_catalog_published_columns_match_the_imported_leaderboard(raw):
    data, official = raw
    for m in official:
        pub = MODELS.get(m).published
        assert pub["macro_MCC_full"] == pytest.approx(data["full"][m]["macro"], abs=5e-5)
        assert pub["micro_MCC_full"] == pytest.approx(data["full"][m]["micro"], abs=5e-5)
        assert pub["macro_MCC_10shot"] == pytest.approx(data["10shot"][m]["macro"], abs=5e-5)
        assert pub["macro_MCC_1shot"] == pytest.approx(data["1shot"][m]["macro"], abs=5e-5)
    ranks = pd.Series({m: data["full"][m]["macro"] for m in official}).rank(ascending=False)
    assert all(int(MODELS.get(m).published["rank_full_macro"]) == int(ranks[m]) for m in official)
