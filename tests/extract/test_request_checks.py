"""An extraction is checked before anything is created: options no model uses, layers a
model does not have, models that cannot be had offline; a failed first run leaves no store."""

from __future__ import annotations

import json
import time

import pytest
import torch

from geneb.catalog import get_model
from geneb.catalog.models import user_model
from geneb.cli.main import main
from geneb.core.errors import InputError, MissingDataError
from geneb.extract.hf_config import hidden_states, read_config
from geneb.extract.options import ExtractOptions
from geneb.extract.preflight import check_request
from geneb.store import EmbeddingStore

from tiny_models import FAMILIES


@pytest.mark.parametrize("family", FAMILIES)
def test_the_layer_count_read_from_config_is_what_the_model_returns(tiny_model_dir, family):
    from transformers import AutoModel
    folder = tiny_model_dir / family
    model = AutoModel.from_pretrained(folder).eval()
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([[5, 6, 7, 8]]), output_hidden_states=True)
    assert hidden_states(read_config(str(folder), None, family)) == len(out.hidden_states)


def test_layers_are_checked_against_each_model_before_loading_it(tiny_model_dir):
    bert = user_model(str(tiny_model_dir / "bert"), model_id="tiny-bert")
    check_request([bert], ExtractOptions(layers=("last", 0, 2, -3)))
    with pytest.raises(InputError, match="'tiny-bert' has hidden states 0..2; layer 3 does not"):
        check_request([bert], ExtractOptions(layers=(3,)))
    with pytest.raises(InputError, match="'random-bert' has hidden states 0..2; layer -4"):
        check_request([get_model("random-bert")], ExtractOptions(layers=(-4,)))


def test_options_that_no_selected_model_uses_are_refused():
    kmers = [get_model("kmer-3"), get_model("kmer-5")]
    for opts, flag in ((ExtractOptions(layers=(1,)), "--layers"),
                       (ExtractOptions(pooling="cls"), "--pooling"),
                       (ExtractOptions(reverse_complement=True), "--reverse-complement"),
                       (ExtractOptions(batch_size=8), "--batch-size")):
        with pytest.raises(InputError, match=f"{flag} is used only by Hugging Face models"):
            check_request(kmers, opts)
    check_request(kmers + [get_model("random-bert")], ExtractOptions(layers=(1,)))
    with pytest.raises(InputError, match="--device is used only by Hugging Face models,"):
        check_request([get_model("random-bert")], ExtractOptions(device="cpu"))
    with pytest.raises(InputError, match="--stride applies to --long window only"):
        check_request([get_model("random-bert")], ExtractOptions(stride=4))


def test_an_uncached_hub_model_offline_fails_at_once_naming_the_revision(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(MissingDataError) as err:
        check_request([user_model("nobody/no-such-dna-model")], ExtractOptions(revision="v2"))
    assert time.perf_counter() - t0 < 5
    msg = str(err.value)
    assert "at revision v2 (given with --revision)" in msg and "HF_HUB_OFFLINE is set" in msg
    assert "hf download nobody/no-such-dna-model --revision v2" in msg


@pytest.fixture
def config_only(tmp_path):
    """A model folder with a config.json but no weights: passes the checks, fails to load."""
    folder = tmp_path / "no-weights"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "num_hidden_layers": 2,
                                                    "hidden_size": 8}))
    return folder


def test_a_first_extract_that_fails_leaves_no_store_nor_the_folders_made_for_it(
        tmp_path, task_csv, config_only, capsys):
    store = tmp_path / "new" / "deeper" / "emb.zarr"
    assert main(["extract", "--store", str(store), "--parents", "--task-file", str(task_csv),
                 "--models", str(config_only), "--quiet"]) == 2
    assert "cannot load" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_a_failed_extract_keeps_a_store_holding_finished_chunks(tmp_path, task_csv, config_only,
                                                                capsys):
    store = tmp_path / "emb.zarr"
    assert main(["extract", "--store", str(store), "--task-file", str(task_csv), "--models",
                 "kmer-3", str(config_only), "--quiet"]) == 2
    assert EmbeddingStore(store).embeddings() == [("kmer-3", "tiny_motif", "complete")]


def test_duplicate_rows_of_a_task_file_are_counted_in_a_warning(tmp_path, capsys):
    path = tmp_path / "dups.csv"
    rows = ["sequence,label,split"] + [f"{s},{y},{sp}" for s, y, sp in (
        ("ACGTACGTAC", 0, "train"), ("ACGTACGTAC", 0, "train"), ("ACGTACGTAC", 0, "train"),
        ("CCCCGGGGAA", 1, "train"), ("TTTTAAAACC", 1, "train"), ("GGGGCCCCTA", 0, "train"),
        ("ACGTACGTAC", 0, "test"), ("CCCCGGGGTT", 1, "test"), ("TTTTAAAACC", 0, "test"))]
    path.write_text("\n".join(rows) + "\n")
    assert main(["extract", "--store", str(tmp_path / "emb.zarr"), "--task-file", str(path),
                 "--models", "kmer-3", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert ("geneb: warning: dups: 2 of 3 test sequences also occur in train (exact "
            "duplicates); 2 duplicate rows within train; 1 sequences occur with different "
            "labels") in err
