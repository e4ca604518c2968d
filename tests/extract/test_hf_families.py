"""Every architecture family loads BY PATH (as a Hub id would) and pools correctly."""

import dataclasses

import numpy as np
import pytest
import torch
from tiny_models import FAMILIES
from transformers import AutoModel, AutoTokenizer

from geneb.catalog.models import user_model
from geneb.core.errors import InputError, MissingDataError
from geneb.extract import build_featurizer
from geneb.core.sequences import reverse_complement
from geneb.extract.options import ExtractOptions

SEQS = ["ACGTACGTAACCGGTT", "GGA", "ACGTTGCAACGTAGCTAGCTAGGATCCA", "TTTTAAAACCCCGGGGACGTN",
        "CATCATCAT"]


def _hand(path, seq, layer="last", left=False):
    """Hidden states of ONE unpadded sequence, computed directly with transformers."""
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    enc = tok([seq], return_tensors="pt")
    with torch.inference_mode():
        out = model(input_ids=enc["input_ids"], output_hidden_states=True)
    h = out.last_hidden_state if layer == "last" else out.hidden_states[layer]
    return h[0].numpy(), enc


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_masked_mean_equals_hand_pooling_whatever_the_batch(tiny_model_dir, family):
    path = str(tiny_model_dir / family)
    f = build_featurizer(user_model(path), ExtractOptions(layers=("last", 1), batch_size=3))
    assert f.spec.model_id == family and f.dim == 32
    last, layer1 = f.embed_all(SEQS)
    assert last.shape == (len(SEQS), 32) and last.dtype == np.float32
    for i, s in enumerate(SEQS):
        h, _ = _hand(path, s)
        np.testing.assert_allclose(last[i], h.mean(0), rtol=1e-4, atol=1e-5)
        h1, _ = _hand(path, s, layer=1)
        np.testing.assert_allclose(layer1[i], h1.mean(0), rtol=1e-4, atol=1e-5)
    # padding and batch size do not move a sequence's vector; same input, same output
    alone = np.stack([f.embed([s])[0] for s in SEQS])
    np.testing.assert_allclose(last, alone, rtol=1e-4, atol=1e-5)
    f.batch_size = 1
    np.testing.assert_allclose(f.embed(SEQS[::-1])[::-1], last, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(f.embed(SEQS), f.embed(SEQS))
    assert [v for v, _ in f.outputs()] == [family, f"{family}@layer-1"]


def test_left_padding_decoder_is_padding_invariant(tiny_model_dir):
    spec = dataclasses.replace(user_model(str(tiny_model_dir / "mistral")), padding_side="left")
    f = build_featurizer(spec, ExtractOptions(batch_size=5))
    assert f.tokenizer.padding_side == "left"
    batched = f.embed(SEQS)
    for i, s in enumerate(SEQS):
        h, _ = _hand(str(tiny_model_dir / "mistral"), s)
        np.testing.assert_allclose(batched[i], h.mean(0), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("pooling", ["cls", "last", "max", "mean-nospecial", "unmasked-mean"])
def test_poolings_equal_hand_computation(tiny_model_dir, pooling):
    path = str(tiny_model_dir / "bert")
    f = build_featurizer(user_model(path, pooling=pooling), ExtractOptions(batch_size=5))
    got = f.embed(SEQS)
    for i, s in enumerate(SEQS):
        h, enc = _hand(path, s)  # [CLS] s [SEP]
        want = {"cls": h[0], "last": h[-1], "max": h.max(0), "mean-nospecial": h[1:-1].mean(0),
                "unmasked-mean": None}[pooling]
        if pooling == "unmasked-mean":  # padding included: only the longest is unpadded
            continue
        np.testing.assert_allclose(got[i], want, rtol=1e-4, atol=1e-5)
    if pooling == "unmasked-mean":
        longest = int(np.argmax([len(s) for s in SEQS]))
        h, _ = _hand(path, SEQS[longest])
        np.testing.assert_allclose(got[longest], h.mean(0), rtol=1e-4, atol=1e-5)
        assert f.config()["batching"] == "length-sorted batches of 5"


def test_max_pooling_ignores_padding_even_when_all_values_are_negative():
    from geneb.extract.pooling import masked_max
    h = -torch.ones(1, 3, 2) * torch.tensor([[1.0], [2.0], [0.0]])  # pad row is 0, the max
    got = masked_max(h, torch.tensor([[1, 1, 0]]))
    np.testing.assert_array_equal(got.numpy(), [[-1.0, -1.0]])


def test_truncation_is_counted_and_windows_average_hand_windows(tiny_model_dir):
    path = str(tiny_model_dir / "bert")
    spec = user_model(path, max_length=10)  # 8 bases + [CLS] [SEP]
    seqs = ["ACGTACGT", "ACGTACGTA", "ACGTACGTACGTACGTAC", "GATTACA"]
    f = build_featurizer(spec)
    got = f.embed(seqs)
    assert f.n_truncated == 2
    np.testing.assert_allclose(got[2], f.embed(["ACGTACGT"])[0], rtol=1e-5, atol=1e-6)
    w = build_featurizer(spec, ExtractOptions(long="window", window=8, stride=5))
    win = w.embed(seqs)
    assert w.n_truncated == 0 and w.n_windowed == 2
    s = seqs[2]  # 18 bases: windows at 0, 5, 10 (the last one ends at the end)
    hand = np.mean([f.embed([s[a:a + 8]])[0] for a in (0, 5, 10)], axis=0)
    np.testing.assert_allclose(win[2], hand, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(win[0], got[0], rtol=1e-5, atol=1e-6)
    cfg = w.config()
    assert "windows of 8 tokens, stride 5" in cfg["long_sequences"]
    assert cfg["model_id"] == "bert@win8s5"


def test_reverse_complement_averaging(tiny_model_dir):
    spec = user_model(str(tiny_model_dir / "esm"))
    plain = build_featurizer(spec)
    rc = build_featurizer(spec, ExtractOptions(reverse_complement=True))
    assert reverse_complement("AACGTN") == "NACGTT"
    want = (plain.embed(SEQS) + plain.embed([reverse_complement(s) for s in SEQS])) / 2
    np.testing.assert_allclose(rc.embed(SEQS), want, rtol=1e-5, atol=1e-6)
    assert rc.config()["reverse_complement"] is True and rc.outputs()[0][0] == "esm@rc"


def test_out_of_memory_halves_the_batch_instead_of_crashing(tiny_model_dir):
    f = build_featurizer(user_model(str(tiny_model_dir / "gpt2")), ExtractOptions(batch_size=8))
    want = f.embed(SEQS * 2)
    forward = f.model.forward

    def small_gpu(*args, **kw):
        if kw["input_ids"].shape[0] > 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return forward(*args, **kw)

    f.model.forward = small_gpu
    np.testing.assert_allclose(f.embed(SEQS * 2), want, rtol=1e-5, atol=1e-6)
    assert f.batch_size == 2 and f.provenance()["final_batch_size"] == 2


def test_remote_code_needs_explicit_trust_and_a_pinned_revision(tiny_model_dir):
    path = str(tiny_model_dir / "remote")
    with pytest.raises(InputError, match="--trust-remote-code"):
        build_featurizer(user_model(path))
    f = build_featurizer(user_model(path), ExtractOptions(trust_remote_code=True, layers=(0,)))
    tok = AutoTokenizer.from_pretrained(path)
    enc = tok(["ACGTT"], return_tensors="pt")
    h0 = f.model.emb(enc["input_ids"])[0].detach().numpy()
    np.testing.assert_allclose(f.embed(["ACGTT"])[0], h0.mean(0), rtol=1e-5, atol=1e-6)
    assert len(f.config()["code_sha256"]) == 64 and f.config()["layer"] == 0
    # a Hub model that runs code must be pinned to a commit, checked before any download
    hub = dataclasses.replace(user_model("hf:someone/dna-model"), trust_remote_code=True)
    with pytest.raises(InputError, match="pinned to a 40-hex commit"):
        build_featurizer(hub, ExtractOptions(trust_remote_code=True, revision="main"))


def test_models_not_available_offline_fail_naming_model_and_what_is_missing(tmp_path):
    with pytest.raises(MissingDataError, match="'nobody/no-such-dna-model'.*not in the local"):
        build_featurizer(user_model("hf:nobody/no-such-dna-model"))
    from geneb.catalog import get_model
    with pytest.raises(MissingDataError, match="deepgene.*not on the Hugging Face Hub"):
        build_featurizer(get_model("deepgene"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingDataError, match="no config.json"):
        build_featurizer(user_model(str(tmp_path / "empty")))
    with pytest.raises(InputError, match="ships its own Python code"):
        build_featurizer(get_model("hyenadna-medium-160k-seqlen-hf"))
    with pytest.raises(InputError, match="enformer.*supervised CNN"):
        build_featurizer(get_model("enformer-official-rough"))


def test_precision_and_device_choice():
    from geneb.extract.hf import autocast_dtype, pick_device
    cpu = torch.device("cpu")
    assert autocast_dtype(cpu, "auto") is None and autocast_dtype(cpu, "bf16") is None
    assert pick_device("cpu") == cpu
    assert pick_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(InputError, match="precision"):
        ExtractOptions(precision="int4")
    with pytest.raises(InputError, match="stride 9 is longer than window 8"):
        ExtractOptions(window=8, stride=9)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_bf16_autocast_on_gpu_stays_close_to_fp32(tiny_model_dir):
    spec = user_model(str(tiny_model_dir / "llama"))
    cpu = build_featurizer(spec, ExtractOptions(device="cpu")).embed(SEQS)
    gpu = build_featurizer(spec, ExtractOptions(device="cuda", precision="bf16"))
    assert gpu.config()["precision"] == "bfloat16"
    got = gpu.embed(SEQS)
    cos = (got * cpu).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(cpu, axis=1)
    assert cos.min() > 0.99
