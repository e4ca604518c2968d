"""Provenance of every result row: official / submission / computed, old cubes, selection."""

import numpy as np
import pytest
import xarray as xr

from geneb.analysis.combine import combine_cubes
from geneb.analysis.official import load_official_cube, release_task_ids
from geneb.analysis.provenance import (row_labels, row_sources, select_rows, source_of,
                                       with_sources)
from geneb.core.errors import InputError
from geneb.probe import ProbeProtocol, save_cube
from geneb.probe.cube import new_cube


@pytest.fixture(scope="module")
def official():
    return load_official_cube()


def _computed(models=("kmer-3",), tasks=None):
    tids = tasks or release_task_ids()[:3]
    from geneb.catalog import TASKS
    cube = new_cube(list(models), tids, ProbeProtocol(seeds=(13, 17)),
                    {"params": [np.nan] * len(models)},
                    {"category": [TASKS.get(t).category for t in tids]}, max_shots=2)
    for var in ("mcc", "accuracy", "f1_macro"):
        cube[var].values[:] = 0.3
    return cube


def test_every_row_says_where_it_comes_from_in_plain_xarray(tmp_path, official):
    both = combine_cubes(official, _computed())
    path = save_cube(both, tmp_path / "both.zarr")
    raw = xr.open_zarr(path, consolidated=False)           # a collaborator without geneb
    src = dict(zip(raw["model"].values, raw["source"].values))
    assert src["splicebert-1024nt"] == "submission" and src["MutBERT"] == "official"
    assert src["kmer-3"] == "computed"
    assert "submission = self-reported" in raw["source"].attrs["description"]
    assert sorted(set(src.values())) == ["computed", "official", "submission"]
    # a freshly probed cube records it too
    assert list(_computed()["source"].values) == ["computed"]


def test_old_cubes_with_the_old_words_still_read(tmp_path, official):
    old = official.assign_coords(source=("model", ["self-reported" if s != "official" else s
                                                   for s in official["source"].values]))
    old_run = _computed().drop_vars("source")                  # before the coord existed
    legacy = _computed(("kmer-4",)).assign_coords(source=("model", ["geneb run"]))
    assert source_of("self-reported (geneb run)") == "submission"  # a submission's own words
    both = combine_cubes(old, old_run, legacy)
    assert dict(zip(both["model"].values, both["source"].values))["kmer-4"] == "computed"
    assert row_sources(old_run).tolist() == ["computed"]
    assert with_sources(old).sel(model="splicebert-1024nt")["source"].item() == "submission"
    view, sel = select_rows(old)
    assert view.sizes["model"] == 40 and sel.left_out == {"submission": ("splicebert-1024nt",)}


def test_official_rows_by_default_others_when_asked_and_marked(official):
    view, sel = select_rows(official)
    assert set(row_sources(view)) == {"official"} and sel.official_only
    assert "--include submissions" in sel.describe()
    both, sel = select_rows(official, include=["submissions"])
    assert both.sizes["model"] == 41 and sel.included == ("official", "submission")
    labels = row_labels(both)
    assert labels["splicebert-1024nt"] == "splicebert-1024nt [submission]"
    assert labels["MutBERT"] == "MutBERT"
    with pytest.raises(InputError, match="--include computed adds nothing"):
        select_rows(official, include=["computed"])
    with pytest.raises(InputError, match="choose from"):
        select_rows(official, include=["official"])


def test_your_models_are_kept_beside_the_official_ones(official):
    mine = _computed(("kmer-3", "kmer-4"), release_task_ids())
    both = combine_cubes(official, mine)
    view, sel = select_rows(both)                               # a saved mix: official only
    assert "kmer-3" not in set(view["model"].values) and "computed" in sel.left_out
    view, sel = select_rows(both, keep=["kmer-3", "kmer-4"])    # report --with-official
    assert {"kmer-3", "kmer-4"} <= set(view["model"].values) and view.sizes["model"] == 42
    assert row_labels(view)["kmer-3"] == "kmer-3 [computed]"
    with pytest.raises(InputError, match="your own models"):
        select_rows(both, include=["computed"], keep=["kmer-3", "kmer-4"])
    # a cube of your own runs alone is used whole, unmarked; --include has nothing to add
    alone, sel = select_rows(mine)
    assert alone.sizes["model"] == 2 and row_labels(alone)["kmer-3"] == "kmer-3"
    with pytest.raises(InputError, match="no official rows"):
        select_rows(mine, include=["submissions"])


def test_an_exported_submission_says_how_its_results_were_made(official):
    from geneb.analysis.submission import to_submission
    assert "official" in to_submission(official, "GROVER")["meta"]["provenance"]
    assert "self-reported" in to_submission(official, "splicebert-1024nt")["meta"]["provenance"]
    mine = _computed(("kmer-3",), release_task_ids())
    assert to_submission(mine, "kmer-3")["meta"]["provenance"] == "self-reported (geneb run)"
