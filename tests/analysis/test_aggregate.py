import numpy as np
import pandas as pd
import pytest

from geneb.analysis import category_scores, format_leaderboard, leaderboard_frame, macro_micro
from geneb.probe import ProbeProtocol
from geneb.probe.cube import new_cube


def _cube():
    protocol = ProbeProtocol(seeds=(13, 17))
    cats = ["Promoters", "Promoters", "Splice Sites", "Histone Mod."]
    cube = new_cube(["a", "b"], ["t1", "t2", "t3", "t4"], protocol, {},
                    {"category": cats}, max_shots=2)
    rng = np.random.default_rng(0)
    cube["mcc"].values[:] = rng.uniform(-0.1, 0.9, size=cube["mcc"].shape)
    return cube


def test_macro_is_mean_of_category_means_and_micro_mean_of_tasks():
    cube = _cube()
    per_task = cube["mcc"].mean("seed").sel(model="a", regime="full").values
    promoters = per_task[:2].mean()
    want_macro = np.mean([per_task[3], promoters, per_task[2]])
    mm = macro_micro(cube).sel(model="a", regime="full")
    assert float(mm["macro"]) == pytest.approx(want_macro)
    assert float(mm["micro"]) == pytest.approx(per_task.mean())
    cats = category_scores(cube)
    assert list(cats["category"].values) == ["Histone Mod.", "Promoters", "Splice Sites"]


def test_leaderboard_table_and_text():
    cube = _cube()
    df = leaderboard_frame(cube)
    assert set(df.columns) >= {"model", "regime", "macro_MCC", "micro_MCC", "Promoters"}
    full = df[df.regime == "full"]
    assert full["macro_MCC"].is_monotonic_decreasing and len(df) == 6
    text = format_leaderboard(cube)
    assert "macro full" in text and "Splice Sites" in text
    assert isinstance(pd.read_csv(pd.io.common.StringIO(df.to_csv(index=False))), pd.DataFrame)


def test_task_frame_has_sample_sd_over_seeds_for_every_metric():
    from geneb.analysis import seed_spread, task_frame

    cube = _cube()
    rng = np.random.default_rng(1)
    for v in ("accuracy", "f1_macro"):
        cube[v].values[:] = rng.uniform(0, 1, size=cube[v].shape)
    df = task_frame(cube).set_index(["model", "task", "regime"])
    assert list(df.columns) == ["category", "mcc", "mcc_sd", "accuracy", "accuracy_sd",
                                "f1_macro", "f1_macro_sd"]
    for metric in ("mcc", "accuracy", "f1_macro"):
        vals = cube[metric].sel(model="b", task="t3", regime="10shot").values
        # ddof=1 like seed_spread (mcc_sd used ddof=0; accuracy/F1 had no sd at all)
        assert df.loc[("b", "t3", "10shot"), f"{metric}_sd"] == pytest.approx(np.std(vals, ddof=1))
    one_seed = cube.isel(seed=[0])
    assert task_frame(one_seed)[["mcc_sd", "accuracy_sd", "f1_macro_sd"]].isna().all().all()
    assert seed_spread(one_seed)["macro_sd"].isna().all()
