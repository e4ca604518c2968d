"""Extraction into the store: variants per layer, provenance, and Dask workers."""

import numpy as np
import pytest

from geneb.catalog import get_model
from geneb.catalog.models import user_model
from geneb.extract import build_featurizer, extract
from geneb.extract.options import ExtractOptions
from geneb.store import EmbeddingStore, StoreLayout
from geneb.tasks import load_task_file
from interrupt import interrupt_extraction


def test_layers_from_one_pass_are_stored_as_variants_with_provenance(tmp_path, task_csv,
                                                                     tiny_model_dir):
    task = load_task_file(task_csv)
    spec = user_model(str(tiny_model_dir / "bert"), model_id="tiny-bert", max_length=40)
    opts = ExtractOptions(layers=("last", 1))
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a")
    res = extract(store, [spec], [task], chunk_rows=32, show_progress=False, options=opts)
    assert sorted(r.model_id for r in res) == ["tiny-bert", "tiny-bert@layer-1"]
    f = build_featurizer(spec, opts)
    last, layer1 = f.embed_all(task.sequences)
    np.testing.assert_allclose(store.open_embedding("tiny-bert", task.task_id)[:], last,
                               rtol=1e-5, atol=1e-6)
    arr = store.open_embedding("tiny-bert@layer-1", task.task_id)
    np.testing.assert_allclose(arr[:], layer1, rtol=1e-5, atol=1e-6)
    prov = arr.attrs["provenance"]
    assert prov["config"]["layer"] == 1 and prov["config"]["pooling"] == "mean"
    assert prov["config"]["max_length"] == 40 and prov["config"]["base_model_id"] == "tiny-bert"
    # sequences are 60 bases: all 80 truncated to 38 bases + [CLS] [SEP]
    assert prov["n_truncated"] == task.n and prov["device"] == "cpu"
    assert 0 <= prov["padding_waste"] <= 0.1
    again = extract(store, [spec], [task], show_progress=False, options=opts)
    assert {r.status for r in again} == {"skipped"}


def test_paper_settings_of_official_models_are_structured():
    hy = get_model("hyenadna-medium-160k-seqlen-hf")
    assert hy.pooling_kind == "unmasked-mean" and hy.max_chars == 160_000 and hy.trust_remote_code
    assert get_model("METAGENE-1").pooling_kind == "unmasked-mean"
    assert get_model("DNABERT-S").pooling_kind == "cls"
    go = get_model("GenomeOcean-4B")
    assert go.padding_side == "left" and go.max_length == 1024 and not go.trust_remote_code
    assert get_model("gena-lm-bert-base").max_length == 512
    assert get_model("JanusDNA_72_w").add_special_tokens is False
    assert get_model("enformer-official-rough").supported
    assert get_model("evo-1-131k-base").max_batch == 1
    assert get_model("nucleotide-transformer-v2-50m-multi-species").max_length == 2048


def test_user_models_from_a_yaml_file(tmp_path, tiny_model_dir):
    from geneb.catalog.models import load_model_file
    from geneb.core.errors import InputError
    p = tmp_path / "models.yaml"
    p.write_text(f"models:\n  - id: my-gpt\n    path: {tiny_model_dir / 'gpt2'}\n"
                 f"    pooling: last\n    max_length: 64\n"
                 f"  - hf_id: org/dna-model\n    revision: {'a' * 40}\n"
                 f"    trust_remote_code: true\n")
    a, b = load_model_file(str(p))
    assert (a.model_id, a.pooling_kind, a.max_length) == ("my-gpt", "last", 64)
    assert a.option("path") == str(tiny_model_dir / "gpt2")
    assert (b.model_id, b.hf_id, b.revision, b.trust_remote_code) == \
        ("org/dna-model", "org/dna-model", "a" * 40, True)
    p.write_text("models:\n  - id: x\n    path: /tmp\n    pooling: median\n")
    with pytest.raises(InputError, match="median"):
        load_model_file(str(p))


@pytest.mark.slow
@pytest.mark.parametrize("layout", [StoreLayout("chunked"),  # units: chunks; shards of 2-4:
                                    StoreLayout("sharded", shard_bytes=2 * 16 * 64 * 4)])
def test_dask_local_cluster_of_two_workers_fills_one_store_like_one_process(
        tmp_path, task_csv, task3_csv, tiny_model_dir, layout):
    from distributed import Client, LocalCluster
    tasks = [load_task_file(task_csv), load_task_file(task3_csv)]
    models = [get_model("kmer-3"),
              user_model(str(tiny_model_dir / "bert"), model_id="tiny-bert", max_length=40)]
    opts = ExtractOptions(layers=("last", 1))
    single = EmbeddingStore(tmp_path / "single.zarr", mode="a", layout=layout)
    extract(single, models, tasks, chunk_rows=16, show_progress=False, options=opts)
    shared = EmbeddingStore(tmp_path / "shared.zarr", mode="a", layout=layout)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        res = extract(shared, models, tasks, chunk_rows=16, show_progress=False, options=opts,
                      scheduler=cluster.scheduler_address)  # as `--scheduler ADDRESS` does
        workers = {w for w in client.scheduler_info()["workers"]}
    assert len(workers) == 2 and {r.status for r in res} == {"written"}
    assert shared.embeddings() == single.embeddings() and len(single.embeddings()) == 6
    for model_id, task_id, status in single.embeddings():
        assert status == "complete"
        a = single.open_embedding(model_id, task_id)
        b = shared.open_embedding(model_id, task_id)
        np.testing.assert_array_equal(a[:], b[:])
        assert a.attrs["provenance"]["config"] == b.attrs["provenance"]["config"]
        if model_id.startswith("tiny-bert"):
            assert b.attrs["provenance"]["n_truncated"] == a.attrs["provenance"]["n_truncated"]
            units = len(shared.unit_records(model_id, task_id).done)  # chunks, or shards
            assert b.attrs["provenance"]["n_work_units"] == units


def test_cli_extract_by_path_with_layers_and_pooling(tmp_path, task_csv, tiny_model_dir, capsys):
    from geneb.cli.main import main
    store = tmp_path / "emb.zarr"
    rc = main(["extract", "--store", str(store), "--task-file", str(task_csv), "--models",
               str(tiny_model_dir / "llama"), "--layers", "last", "1", "--pooling", "max",
               "--quiet"])
    assert rc == 0
    ids = {m for m, _, s in EmbeddingStore(store).embeddings() if s == "complete"}
    assert ids == {"llama@max", "llama@layer-1+max"}
    rc = main(["extract", "--store", str(store), "--task-file", str(task_csv), "--models",
               str(tiny_model_dir / "remote"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "--trust-remote-code" in err and "Traceback" not in err


def test_interrupted_hf_extraction_keeps_written_chunks_and_resumes(tmp_path, task_csv,
                                                                    tiny_model_dir):
    task = load_task_file(task_csv)
    spec = user_model(str(tiny_model_dir / "gpt2"), model_id="tiny-gpt2")
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout="chunked")  # unit = chunk
    f = build_featurizer(spec)
    embed_all = f.embed_all  # the reference, before the interruption wraps it
    calls = interrupt_extraction(store, f, task, at_call=3, chunk_rows=16)
    assert calls == [16, 16, 16]  # streamed: one chunk in memory at a time
    done = store.unit_records("tiny-gpt2", task.task_id).done
    assert done.tolist() == [True, True, False, False, False]
    res = extract(store, [spec], [task], chunk_rows=16, show_progress=False)
    assert res[0].status == "resumed" and res[0].n_embedded == task.n - 32
    np.testing.assert_allclose(store.open_embedding("tiny-gpt2", task.task_id)[:],
                               embed_all(task.sequences)[0], rtol=1e-5, atol=1e-6)
