"""gpu_check step 5: extraction throughput for random-init models of real architecture sizes.

Models (random weights, real configs): BERT-base (hidden 768, 12 layers, single-nucleotide
tokens), a ~500M-parameter Mistral-style decoder (hidden 1024, 32 layers, BPE tokens trained
locally), and a Mamba model (hidden 768, 24 layers) when ``mamba_ssm`` imports (its CUDA
kernels; without them transformers' Mamba is a slow reference loop). On CUDA the weights are
cast to bf16 (fp16 where bf16 is not supported), as ``geneb extract`` loads a model on a GPU,
and geneb autocasts to the same dtype.

Each model is timed through geneb's own extraction (:func:`geneb.extract.extract_task`
with an :class:`~geneb.extract.hf.HFFeaturizer` into a fresh store) and through a bare
``model(**batch)`` loop on the same length-sorted batches (:func:`bench_extract.bare_loop`);
model loading is excluded from both, and both are warmed up first. The ratio geneb / bare is
the figure (goal >= 0.9). ``--small``: hidden-64 models on 64 sequences (CPU seconds).
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from types import MappingProxyType

import numpy as np
import torch

from _step import bench_dir, run_step, skipped, step_parser

bench_dir()
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "extract"))
from bench_extract import bare_loop  # noqa: E402

from geneb.catalog import benchmark_tasks, get_model  # noqa: E402
from geneb.extract import extract_task  # noqa: E402
from geneb.extract.char_tokenizer import build_char_tokenizer  # noqa: E402
from geneb.extract.hf import HFFeaturizer  # noqa: E402
from geneb.extract.options import ExtractOptions  # noqa: E402
from geneb.store import EmbeddingStore  # noqa: E402
from geneb.tasks import load_tasks  # noqa: E402


def architectures(small: bool) -> dict[str, dict]:
    """name -> transformers config class name and keyword arguments (vocab added later)."""
    if small:
        size = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=128)
        return {"bert-base": {"cls": "BertConfig", "tok": "char", **size,
                              "max_position_embeddings": 512},
                "decoder-500m": {"cls": "MistralConfig", "tok": "bpe", **size,
                                 "num_key_value_heads": 1, "max_position_embeddings": 1024},
                "mamba": {"cls": "MambaConfig", "tok": "char", "hidden_size": 64,
                          "num_hidden_layers": 2}}
    return {"bert-base": {"cls": "BertConfig", "tok": "char", "hidden_size": 768,
                          "num_hidden_layers": 12, "num_attention_heads": 12,
                          "intermediate_size": 3072, "max_position_embeddings": 512},
            "decoder-500m": {"cls": "MistralConfig", "tok": "bpe", "hidden_size": 1024,
                             "num_hidden_layers": 32, "num_attention_heads": 16,
                             "num_key_value_heads": 8, "intermediate_size": 4096,
                             "max_position_embeddings": 1024},
            "mamba": {"cls": "MambaConfig", "tok": "char", "hidden_size": 768,
                      "num_hidden_layers": 24}}


def build_model(arch: dict, device: str, half: torch.dtype | None):
    """(model, tokenizer, max_length): random init, seeded, on ``device`` in ``half``."""
    import transformers as tf
    from tiny_models import bpe_tokenizer
    tok = build_char_tokenizer() if arch["tok"] == "char" else bpe_tokenizer(vocab_size=512)
    cfg = {k: v for k, v in arch.items() if k not in ("cls", "tok")}
    config = getattr(tf, arch["cls"])(vocab_size=len(tok), pad_token_id=tok.pad_token_id
                                      or tok.eos_token_id, **cfg)
    torch.manual_seed(0)
    with torch.device(device):  # initialised where it runs: a 500M model inits in seconds
        model = tf.AutoModel.from_config(config)
    model = model.to(dtype=half or torch.float32).eval()
    max_length = min(cfg.get("max_position_embeddings", 1024),
                     512 if arch["cls"] == "BertConfig" else 1024)
    tok.model_max_length = max_length
    return model, tok, max_length


def sequences(n: int):
    """A geneb-mini task cut or repeated to ``n`` sequences (lengths 109-593 nt)."""
    specs = [t for t in benchmark_tasks("geneb-mini") if "ocr" in t.task_id]
    task = load_tasks(specs)[0]
    idx = np.arange(n) % task.n
    return dataclasses.replace(task, sequences=tuple(task.sequences[i] for i in idx),
                               labels=task.labels[idx], split=task.split[idx])


def geneb_rate(name: str, model, tok, max_length: int, task, opts: ExtractOptions) -> tuple:
    """(seq/s through extract_task into a fresh store, padding waste, precision)."""
    spec = dataclasses.replace(get_model("random-bert"), model_id=name,
                               options=MappingProxyType({"max_length": max_length}))
    f = HFFeaturizer(spec, model, tok, max_length, options=opts)
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddingStore(Path(tmp) / "e.zarr", mode="a")
        t0 = time.perf_counter()
        extract_task(store, f, task)
        rate = task.n / (time.perf_counter() - t0)
        prov = store.open_embedding(name, task.task_id).attrs["provenance"]
    return rate, prov.get("padding_waste"), str(f.config().get("precision"))


def measure(name: str, arch: dict, device: str, n: int, batch: int) -> dict:
    half = None
    if device == "cuda":
        half = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    model, tok, max_length = build_model(arch, device, half)
    task = sequences(n)
    opts = ExtractOptions(batch_size=batch, device=device,
                          precision={None: "fp32", torch.bfloat16: "bf16",
                                     torch.float16: "fp16"}[half])
    warm = dataclasses.replace(task, sequences=task.sequences[:batch], labels=task.labels[:batch],
                               split=task.split[:batch])
    geneb_rate(name, model, tok, max_length, warm, opts)  # CUDA context, kernels, allocator
    bare_loop(model, tok, list(warm.sequences), max_length, True, batch)
    g, b = [], []
    for _ in range(2):  # best of two, alternating
        g.append(geneb_rate(name, model, tok, max_length, task, opts))
        b.append(bare_loop(model, tok, list(task.sequences), max_length, True, batch))
    best = max(g, key=lambda r: r[0])
    return {"status": "ok", "params_millions": round(sum(p.numel() for p in model.parameters())
                                                     / 1e6, 1),
            "config": {k: v for k, v in arch.items() if k != "tok"}, "device": device,
            "precision": best[2], "sequences": n, "batch": batch, "max_length": max_length,
            "geneb_seq_per_s": round(best[0], 1), "bare_seq_per_s": round(max(b), 1),
            "ratio_geneb_to_bare": round(best[0] / max(b), 3), "padding_waste": best[1]}


def extraction(args) -> dict:
    n, batch = (64, 16) if args.small else (4096, 64)
    out = {"goal": "geneb >= 0.9x the bare loop", "models": {}}
    for name, arch in architectures(args.small).items():
        if arch["cls"] == "MambaConfig":
            from gpu_env import import_error
            err = import_error("mamba_ssm")
            if err or args.device != "cuda":
                why = f"mamba_ssm does not import ({err})" if err else "device cpu"
                out["models"][name] = skipped(f"{why}: without its CUDA kernels transformers' "
                                              f"Mamba is a slow reference loop, not a speed "
                                              f"measurement")
                continue
        try:
            out["models"][name] = measure(name, arch, args.device, n, batch)
        except Exception as exc:  # one model failing does not lose the others
            out["models"][name] = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
        finally:
            if args.device == "cuda":
                torch.cuda.empty_cache()
    bad = [k for k, v in out["models"].items() if v["status"] == "failed"]
    if bad:
        out.update(status="failed", reason=f"failed: {', '.join(bad)}")
    return out


def main(argv=None) -> int:
    return run_step(extraction, step_parser("gpu_check extract"), argv)


if __name__ == "__main__":
    sys.exit(main())
