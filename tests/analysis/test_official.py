"""Official results in and out: parity with leaderboard.json, combining, submissions."""

import gzip
import json
from importlib import resources

import numpy as np
import pytest

from geneb.analysis import category_scores, macro_micro, task_scores
from geneb.analysis.combine import combine_cubes, with_official
from geneb.analysis.official import import_results, load_official_cube, release_json, release_task_ids
from geneb.analysis.release_schema import PUBLISHED_SEED
from geneb.analysis.submission import to_submission, validate_submission, write_submission
from geneb.core.errors import InputError
from geneb.probe import ProbeProtocol, open_cube, save_cube
from geneb.probe.cube import new_cube

METRICS = {"MCC": "mcc", "Acc": "accuracy", "F1": "f1_macro"}


@pytest.fixture(scope="module")
def official():
    return load_official_cube()


def test_shipped_copy_is_the_release_byte_for_byte_after_decompression():
    base = resources.files("geneb.analysis").joinpath("data/geneb_release")
    assert "9642d481e40c0af23995dcd162b779613f789f97" in base.joinpath("README.md").read_text()
    import hashlib
    raw = gzip.decompress(base.joinpath("leaderboard_tasks.json.gz").read_bytes())
    assert hashlib.sha256(raw).hexdigest() == \
        "9dacb8dc5be5d707c61df907b13373b0f7e833759dba847120bdf159d4de737e"
    raw = gzip.decompress(base.joinpath("leaderboard.json.gz").read_bytes())
    assert hashlib.sha256(raw).hexdigest() == \
        "7c8a9d985e7c2df24514f309bf6102e4f81d9da1b9afbb74856d87e78e01f738"
    raw = base.joinpath("splicebert-1024nt.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == \
        "95126d98125b8d03c00470d08bcca8c39294150ee11c9ab4559eadc465b41bbc"


def test_imported_cube_has_the_cube_dims_and_catalog_coords(official):
    assert dict(official.sizes) | {"shot": 1} == {"model": 41, "task": 100, "regime": 3,
                                                  "seed": 1, "shot": 1}
    assert list(official["seed"].values) == [PUBLISHED_SEED]
    assert "published" in official.attrs["published_seed_note"] or "-1" in \
        official.attrs["published_seed_note"]
    assert list(official["task"].values) == release_task_ids()
    tasks = {t["id"]: t["cat"] for t in release_json("tasks")["tasks"]}
    assert [tasks[str(t)] for t in official["task"].values] == \
        [str(c) for c in official["category"].values]
    evo = official.sel(model="evo-1-131k-base")
    assert str(evo["pretraining_group"].values) == "prokaryotic" and float(evo["params"]) == 7e9
    # provenance: "self-reported" used to be the value; now submission, with the file's words
    assert str(official.sel(model="splicebert-1024nt")["source"].values) == "submission"
    assert "self-reported" in str(official.sel(model="splicebert-1024nt")["source_note"].values)
    assert "official" in official["source"].attrs["description"]
    assert int((official["source"] == "official").sum()) == 40


def test_aggregates_equal_the_official_leaderboard_for_all_models_regimes_metrics(official):
    """Category, macro and micro for 41 models x 3 regimes x 3 metrics, to 1e-6."""
    checked = 0
    for regime, rows in release_json("leaderboard")["data"].items():
        for key, var in METRICS.items():
            mm = macro_micro(official, var).sel(regime=regime)
            cats = category_scores(official, var).sel(regime=regime)
            for row in rows:
                m = row["model"]
                assert float(mm["macro"].sel(model=m)) == pytest.approx(row[f"macro_{key}"], abs=1e-6)
                assert float(mm["micro"].sel(model=m)) == pytest.approx(row[f"micro_{key}"], abs=1e-6)
                for cat, want in row[f"cat_{key}"].items():
                    assert float(cats.sel(model=m, category=cat)) == pytest.approx(want, abs=1e-6)
                checked += 1
    assert checked == 41 * 3 * 3


def test_import_from_files_matches_shipped_and_submission_agrees(tmp_path, official):
    tasks = tmp_path / "leaderboard_tasks.json"
    tasks.write_text(json.dumps(release_json("tasks")))
    sub = tmp_path / "splicebert-1024nt.json"
    sub.write_text(json.dumps(release_json("example_submission")))
    cube = import_results([tmp_path])             # a folder: both files, duplicate agrees
    np.testing.assert_array_equal(cube["mcc"].values, official["mcc"].values)
    only_sub = import_results([sub])
    assert list(only_sub["model"].values) == ["splicebert-1024nt"]
    np.testing.assert_allclose(only_sub["f1_macro"].values[0],
                               official["f1_macro"].sel(model="splicebert-1024nt").values)


def test_import_refuses_conflicts_unknown_tasks_and_aggregate_only_files(tmp_path):
    doc = release_json("example_submission")
    doc["results"]["full"]["InstaDeepAI_nucleotide_transformer_downstream_tasks_H3"]["MCC"] = 0.0
    bad = tmp_path / "conflict.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="different scores"):
        import_results([bad, _tasks_file(tmp_path)])
    doc = release_json("example_submission")
    doc["results"]["full"]["not_a_task"] = {"MCC": 0.1, "Acc": 0.5, "F1": 0.5}
    (tmp_path / "unknown.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="not_a_task"):
        import_results([tmp_path / "unknown.json"])
    (tmp_path / "leaderboard.json").write_text(json.dumps(release_json("leaderboard")))
    with pytest.raises(InputError, match="leaderboard_tasks"):
        import_results([tmp_path / "leaderboard.json"])


def _tasks_file(tmp_path):
    p = tmp_path / "lt.json"
    p.write_text(json.dumps(release_json("tasks")))
    return p


def _own_cube(task_ids, models=("kmer-3", "kmer-4"), seeds=(13, 17, 42)):
    protocol = ProbeProtocol(seeds=seeds)
    from geneb.catalog import TASKS
    cube = new_cube(list(models), list(task_ids), protocol,
                    {"params": [np.nan] * len(models)},
                    {"category": [TASKS.get(t).category for t in task_ids]}, max_shots=4)
    rng = np.random.default_rng(1)
    for v in ("mcc", "accuracy", "f1_macro"):
        cube[v].values[:] = rng.uniform(0, 1, cube[v].shape)
    cube["backend"].values[:] = "sklearn"
    cube["train_rows"].values[:] = 3
    return cube


def test_published_and_own_results_combine_in_one_cube(tmp_path, official):
    tids = release_task_ids()
    own = _own_cube(tids[:5])
    both = combine_cubes(official, own)
    assert both.sizes["model"] == 43 and list(both["seed"].values) == [-1, 13, 17, 42]
    # seed means with skipna are each cube's own means
    np.testing.assert_allclose(task_scores(both).sel(model=list(official["model"].values)).values,
                               task_scores(official).values)
    np.testing.assert_allclose(task_scores(both).sel(model=["kmer-3", "kmer-4"], task=tids[:5]).values,
                               task_scores(own).values)
    assert np.isnan(task_scores(both).sel(model="kmer-3", task=tids[50])).all()
    assert list(both["category"].values) == list(official["category"].values)
    assert set(both["source"].values) == {"official", "submission", "computed"}
    assert (both["train_rows"].sel(seed=13, task=tids[:5]).values == 3).all()
    assert (both["train_rows"].sel(seed=13, task=tids[5:]).values == -1).all()
    saved = open_cube(save_cube(both, tmp_path / "both.zarr"))
    np.testing.assert_allclose(saved["mcc"].values, both["mcc"].values)
    with pytest.raises(InputError, match="more than one cube"):
        combine_cubes(official, official)
    # a published model you re-ran keeps both versions
    rerun = _own_cube(tids[:5], models=("GROVER",))
    merged = with_official(rerun, official)
    assert {"GROVER", "GROVER@published"} <= {str(m) for m in merged["model"].values}


def test_export_round_trips_and_validates_against_the_example(tmp_path, official):
    doc = to_submission(official, "splicebert-1024nt", submitted_by="Ken Chen")
    example = release_json("example_submission")
    assert set(doc) == set(example) and set(doc["meta"]) == set(example["meta"])
    for regime, tasks in example["results"].items():
        for tid, vals in tasks.items():
            for k, v in vals.items():
                assert doc["results"][regime][tid][k] == pytest.approx(v, abs=1e-12)
    path = write_submission(doc, tmp_path / "out.json")
    again = import_results([path])
    np.testing.assert_allclose(again["mcc"].values[0], official["mcc"].sel(
        model="splicebert-1024nt").values)
    broken = json.loads(path.read_text())
    del broken["results"]["1shot"][release_task_ids()[7]]
    with pytest.raises(InputError, match=release_task_ids()[7]):
        validate_submission(broken)


def test_export_refuses_with_the_list_of_missing_tasks(tmp_path):
    tids = release_task_ids()
    own = _own_cube(tids[:97])
    with pytest.raises(InputError) as err:
        to_submission(own, "kmer-3")
    msg = str(err.value)
    assert "3 of the 100" in msg and all(t in msg for t in tids[97:])
    assert not (tmp_path / "x.json").exists()


H3 = "InstaDeepAI_nucleotide_transformer_downstream_tasks_H3"


def _mutated_submission(mutate):
    doc = release_json("example_submission")
    mutate(doc)
    return doc


@pytest.mark.parametrize("mutate, words", [
    # used to end in a ValueError traceback (float("a"))
    (lambda d: d["results"]["full"][H3].update(MCC="a"), f"results/full/{H3}/MCC = 'a'"),
    # used to end in an AttributeError ('list' object has no attribute 'items')
    (lambda d: d.update(results=[]), "results is a list"),
    (lambda d: d["results"].update(full=[1, 2]), "results/full is a list"),
    (lambda d: d["results"]["full"].update({H3: 0.5}), f"results/full/{H3} is a float"),
    (lambda d: d["results"]["10shot"][H3].update(Acc=1.5), "Acc = 1.5 is not a number in [0, 1] (Acc)"),
    (lambda d: d["results"]["1shot"][H3].update(MCC=True), "MCC = True"),
    (lambda d: d["results"]["1shot"][H3].update(mcc=0.1), "has key 'mcc'"),
    (lambda d: d["meta"].update(params="big"), "meta/params = 'big'"),
    (lambda d: d.update(model_id=7), "model_id = 7"),
])
def test_import_names_the_file_and_entry_of_a_malformed_submission(tmp_path, mutate, words):
    p = tmp_path / "sub.json"
    p.write_text(json.dumps(_mutated_submission(mutate)))
    with pytest.raises(InputError) as err:
        import_results([p])
    msg = str(err.value)
    assert str(p) in msg and words in msg and len(msg.splitlines()) == 1, msg


def test_import_allows_missing_tasks_and_checks_release_files(tmp_path):
    def drop(d):
        for tasks in d["results"].values():
            tasks.pop(H3)
    p = tmp_path / "partial.json"
    p.write_text(json.dumps(_mutated_submission(drop)))
    cube = import_results([p])
    assert np.isnan(cube["mcc"].sel(task=H3).values).all()
    doc = release_json("tasks")
    doc["data"]["full"][0]["task_MCC"][H3] = "0.3"
    bad = tmp_path / "lt.json"
    bad.write_text(json.dumps(doc))
    model = doc["data"]["full"][0]["model"]
    with pytest.raises(InputError, match=f"data/full/{model}/task_MCC/{H3} = '0.3'"):
        import_results([bad])
