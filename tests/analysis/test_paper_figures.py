"""The documented route reproduces the paper: import-results, then report -> report.json.

No hand filtering: the default rows are the official ones. The values below are the GENEB
paper's, at the paper's decimals (test_headline.py recomputes them from the raw release JSON).
"""

import json
import os
import stat

import pytest

from geneb.analysis.headline import headline_figures
from geneb.analysis.official import load_official_cube
from geneb.analysis.provenance import select_rows
from geneb.cli.main import main


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """``geneb import-results --out C`` then ``geneb report --cube C --out D`` (umask 022)."""
    tmp = tmp_path_factory.mktemp("paper")
    old = os.umask(0o022)
    try:
        assert main(["import-results", "--out", str(tmp / "C")]) == 0
        assert main(["report", "--cube", str(tmp / "C"), "--out", str(tmp / "D"),
                     "--bootstrap", "50"]) == 0
    finally:
        os.umask(old)
    return tmp / "D"


def test_report_json_holds_the_papers_headline_figures(report):
    doc = json.loads((report / "report.json").read_text())
    assert doc["rows"]["included"] == ["official"] and doc["rows"]["counts"] == {"official": 40}
    assert doc["rows"]["left_out"] == {"submission": ["splicebert-1024nt"]}
    h = doc["headline"]
    assert round(h["scaling_spearman"]["all_models"]["rho"], 3) == 0.573
    assert round(h["scaling_spearman"]["without_prokaryotic"]["rho"], 3) == 0.694
    assert h["scaling_spearman"]["without_prokaryotic"]["excluded"] == ["evo-1-131k-base"]
    assert [round(h["mean_macro"][r], 3) for r in ("full", "10shot", "1shot")] == \
        [0.488, 0.253, 0.106]
    assert round(h["relative_drop_pct"]["full_to_10shot"], 1) == 48.2
    assert round(h["relative_drop_pct"]["full_to_1shot"], 1) == 78.2
    assert round(h["macro_micro_spearman"]["full"], 3) == 0.988
    assert round(h["mean_abs_macro_minus_micro"]["full"], 4) == 0.0087
    assert round(h["regime_rank_spearman"]["full_vs_1shot"], 2) == 0.52
    assert round(h["regime_rank_spearman"]["full_vs_10shot"], 3) == 0.920
    assert h["winner_changes"]["full_vs_10shot"] == 8 and h["winner_changes"]["n_categories"] == 13
    pairs = {(p["a"], p["b"]): p["delta_macro"] for p in h["matched_pairs"]}
    assert set(pairs) == {("MutBERT", "eccdnamamba_weights"), ("Omni-DNA-1B", "eccdnamamba_weights"),
                          ("MutBERT", "evo-1-131k-base")}
    assert round(pairs[("MutBERT", "eccdnamamba_weights")], 3) == 0.110
    best = h["best_under_params"]
    assert best["max_params"] == 1e8 and best["n_categories"] == 13
    assert next(iter(best["wins"].items())) == ("MutBERT", 8)
    assert all(v["params"] <= 1e8 for v in best["by_category"].values())


def test_the_page_shows_the_figures_and_the_csvs_say_where_rows_come_from(report):
    md = (report / "report.md").read_text()
    head = md.split("## Headline figures")[1].split("## Leaderboard")[0]
    for words in ("0.573", "0.694", "48.2%", "78.2%", "0.0087", "8 of 13", "MutBERT in 8 of 13"):
        assert words in head, words
    assert "splicebert" not in md.split("## Leaderboard")[1]     # left out, said so up top
    lines = (report / "leaderboard.csv").read_text().splitlines()
    assert lines[0].startswith("model,source,params,regime") and len(lines) == 1 + 40 * 3
    assert "mean over 1 seeds" not in (report / "report.md").read_text()


def test_output_files_respect_the_umask(report, tmp_path):
    for name in ("report.html", "report.md", "report.json", "leaderboard.csv",
                 "task_scores.csv", "run_info.json"):
        assert stat.S_IMODE((report / name).stat().st_mode) == 0o644, name
    from geneb.core.atomic import atomic_write_text
    old = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        atomic_write_text(tmp_path / "private.lock", "x", private=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "private.lock").stat().st_mode) == 0o600


def test_submissions_are_added_only_when_asked_and_change_the_figures():
    view, sel = select_rows(load_official_cube(), include=["submissions"])
    h = headline_figures(view)
    assert sel.counts == {"official": 40, "submission": 1}
    # the self-reported row moves the scaling correlation away from the paper's values
    assert round(h["scaling_spearman"]["all_models"]["rho"], 3) == 0.522
    assert round(h["scaling_spearman"]["without_prokaryotic"]["rho"], 3) == 0.636


def test_report_options_that_would_do_nothing_are_refused(tmp_path, capsys):
    out = tmp_path / "r"
    for argv, words in ((["--official", "--with-official"], "--with-official"),
                        (["--official", "--include", "computed"], "no computed rows"),
                        (["--official", "--no-html", "--pairs", "p.yaml"], "--pairs"),
                        (["--official", "--exclude", "evo-1-131k"], "did you mean"),
                        (["--official", "--max-params", "0"], "--max-params")):
        assert main(["report", *argv, "--out", str(out)]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("geneb: error:") and words.lower() in err.lower(), err
        assert len(err.strip().splitlines()) == 1 and not out.exists()
