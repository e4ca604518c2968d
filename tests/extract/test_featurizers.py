import itertools

import numpy as np
import pytest
import torch

from geneb.catalog import get_model
from geneb.extract import build_featurizer, extract
from geneb.extract.kmer import kmer_spectrum
from geneb.extract.pooling import masked_mean
from geneb.store import EmbeddingStore
from geneb.tasks import load_task_file
from interrupt import interrupt_extraction


def _naive_counts(seq, k):
    index = {"".join(p): i for i, p in enumerate(itertools.product("ACGT", repeat=k))}
    out = np.zeros(4 ** k)
    for i in range(len(seq) - k + 1):
        if seq[i:i + k] in index:
            out[index[seq[i:i + k]]] += 1
    return out


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_kmer_counts_match_a_naive_count(k):
    seqs = ["ACGTACGTTTGACN", "NNNN", "A", "GATTACAGATTACA" * 3, "ACGRYACGT"]
    got = kmer_spectrum(seqs, k)
    for s, row in zip(seqs, got):
        np.testing.assert_array_equal(row, _naive_counts(s, k))
    freq = kmer_spectrum(seqs, k, "frequency")
    np.testing.assert_allclose(freq[0].sum(), 1.0, rtol=1e-6)
    assert freq[1].sum() == 0


def test_masked_mean_ignores_padding():
    h = torch.arange(12, dtype=torch.float32).reshape(1, 4, 3)
    m = torch.tensor([[1, 1, 0, 0]])
    np.testing.assert_allclose(masked_mean(h, m).numpy(), [[1.5, 2.5, 3.5]])


def test_random_init_control_is_deterministic_and_matches_hand_pooling():
    spec = get_model("random-bert")
    f1, f2 = build_featurizer(spec), build_featurizer(spec)
    seqs = ["ACGTAC", "GGGTTTAAACCC", "ACGTNNACGT"]
    e1 = f1.embed(seqs)
    np.testing.assert_array_equal(e1, f2.embed(seqs))
    enc = f1.tokenizer(seqs[1:2], return_tensors="pt")
    with torch.inference_mode():
        hidden = f1.model(**enc).last_hidden_state[0]
    np.testing.assert_allclose(e1[1], hidden.mean(0).numpy(), rtol=1e-5, atol=1e-6)


def test_extract_is_resumable_and_records_provenance(tmp_path, task_csv):
    task = load_task_file(task_csv)
    store = EmbeddingStore(tmp_path / "emb.zarr", mode="a", layout="chunked")  # unit = chunk
    first = extract(store, [get_model("kmer-3")], [task], chunk_rows=16, show_progress=False)
    assert first[0].status == "written" and first[0].n_embedded == task.n
    again = extract(store, [get_model("kmer-3")], [task], show_progress=False)
    assert again[0].status == "skipped"
    arr = store.open_embedding("kmer-3", task.task_id)
    np.testing.assert_array_equal(arr[:], kmer_spectrum(task.sequences, 3))
    prov = arr.attrs["provenance"]
    assert prov["config"]["task_source_checksum"] == task.source_checksum
    assert prov["config"]["dtype"] == "float32" and "zarr" in prov["versions"]
    # a half-done array resumes: stop after three of five chunks, re-run, get the same bytes
    half = EmbeddingStore(tmp_path / "half.zarr", mode="a", layout="chunked")
    interrupt_extraction(half, build_featurizer(get_model("kmer-3")), task, at_call=4,
                         chunk_rows=16)
    res = extract(half, [get_model("kmer-3")], [task], chunk_rows=16, show_progress=False)
    assert res[0].status == "resumed" and res[0].n_embedded == 32
    np.testing.assert_array_equal(half.open_embedding("kmer-3", task.task_id)[:],
                                  kmer_spectrum(task.sequences, 3))


def test_catalog_texts_agree_with_the_extraction_settings():
    from geneb.extract.settings import KMER_NORMALIZE, RANDOM_BERT_CONFIG
    assert get_model("kmer-3").pooling == f"{KMER_NORMALIZE} of all 4^3 k-mers"
    assert get_model("random-bert").native_context == f"{RANDOM_BERT_CONFIG['max_length']} tokens"
    # the options recorded with each array are the complete settings
    assert build_featurizer(get_model("kmer-3")).config()["options"] == \
        {"k": 3, "normalize": KMER_NORMALIZE}
    assert build_featurizer(get_model("random-bert")).config()["options"] == \
        dict(RANDOM_BERT_CONFIG)
