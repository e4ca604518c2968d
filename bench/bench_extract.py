"""Extraction speed: geneb (into a store) vs a bare model loop, and padding waste.

1. Padding waste of geneb's length-sorted batches (batch 64, within 1024-row chunks) on every
   geneb-mini task, for a single-nucleotide tokenizer and a BPE tokenizer (trained locally),
   against the same batches in file order. Target: <= 10% of tokens.
2. Throughput (sequences/s) of ``geneb.extract.extract`` writing into a Zarr store vs a bare
   loop (tokenize, forward under inference_mode, masked mean; no store) on the same inputs
   with the same batch size, for a tiny BERT and a ~25M-parameter random-init BERT. The bare
   loop is timed twice: on the same length-sorted batches geneb uses, and in file order.
   Target: geneb >= 0.9x the bare loop. Both sides use an already loaded model; geneb's time
   includes writing the task table and the embeddings into a fresh Zarr store. CPU here
   (shared cores: timings are noisy, compare the ratios); on a CUDA GPU the same script runs
   with bf16 autocast.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "extract"))

from geneb.catalog import benchmark_tasks, get_model  # noqa: E402
from geneb.extract import extract_task  # noqa: E402
from geneb.extract.char_tokenizer import build_char_tokenizer  # noqa: E402
from geneb.extract.options import ExtractOptions  # noqa: E402
from geneb.extract.settings import RANDOM_BERT_CONFIG  # noqa: E402
from geneb.store import EmbeddingStore  # noqa: E402
from geneb.tasks import load_tasks  # noqa: E402
from geneb.tasks.data import TaskData  # noqa: E402

BATCH = 64
CHUNK = 1024


def waste(lengths: np.ndarray, sort: bool) -> tuple[int, int]:
    """(real tokens, padded tokens) of batches of BATCH within chunks of CHUNK rows."""
    real = pad = 0
    for c in range(0, len(lengths), CHUNK):
        chunk = lengths[c:c + CHUNK]
        if sort:
            chunk = np.sort(chunk, kind="stable")
        for b in range(0, len(chunk), BATCH):
            x = chunk[b:b + BATCH]
            real += int(x.sum())
            pad += int(x.max() * len(x) - x.sum())
    return real, pad


def padding_report(tasks) -> None:
    from tiny_models import bpe_tokenizer
    toks = {"single-nt": build_char_tokenizer(), "BPE-512": bpe_tokenizer(vocab_size=512)}
    print(f"{'padding waste':58s} " + " ".join(f"{n + ' ' + m:>20s}" for n in toks
                                              for m in ("sorted", "file-order")))
    tot = {(n, s): [0, 0] for n in toks for s in (True, False)}
    for t in tasks:
        row = []
        for name, tok in toks.items():
            lengths = np.array([len(x) for x in tok(t.sequences)["input_ids"]])
            lengths = np.minimum(lengths, 1024)
            for s in (True, False):
                r, p = waste(lengths, s)
                tot[(name, s)][0] += r
                tot[(name, s)][1] += p
                row.append(f"{100 * p / (r + p):19.2f}%")
        print(f"{t.task_id[:58]:58s} " + " ".join(row))
    print(f"{'ALL geneb-mini':58s} " + " ".join(
        f"{100 * p / (r + p):19.2f}%" for (r, p) in tot.values()))


def batch_order(lengths: np.ndarray, sort: bool, chunk: int = CHUNK) -> np.ndarray:
    """Row order of the batches: by length within each ``chunk`` rows, as geneb's extractor
    sorts each chunk it embeds (or file order)."""
    if not sort:
        return np.arange(len(lengths))
    return np.concatenate([c + np.argsort(lengths[c:c + chunk], kind="stable")
                           for c in range(0, len(lengths), chunk)] or [np.arange(0)])


def bare_loop(model, tok, seqs, max_length, sort: bool, batch: int = BATCH) -> float:
    """Sequences/s of a bare ``model(**batch)`` loop: tokenize, forward under inference_mode
    on the model's device, masked mean, copy to the host. Same batches as geneb when
    ``sort`` (length-sorted within 1024-row chunks)."""
    device = next(model.parameters()).device
    order = batch_order(np.array([len(s) for s in seqs]), sort)
    t0 = time.perf_counter()
    out = np.zeros((len(seqs), model.config.hidden_size), np.float32)
    with torch.inference_mode():
        for b in range(0, len(seqs), batch):
            idx = order[b:b + batch]
            enc = tok([seqs[i] for i in idx], padding=True, truncation=True,
                      max_length=max_length, return_tensors="pt")
            inputs = {"input_ids": enc["input_ids"].to(device),
                      "attention_mask": enc["attention_mask"].to(device)}
            h = model(**inputs).last_hidden_state
            m = inputs["attention_mask"].unsqueeze(-1).to(h.dtype)
            out[idx] = ((h * m).sum(1) / m.sum(1)).float().cpu().numpy()
    return len(seqs) / (time.perf_counter() - t0)


def throughput(name: str, config: dict, task: TaskData, repeats: int = 2,
               batch: int = BATCH) -> None:
    from geneb.extract import build_featurizer
    spec = dataclasses.replace(get_model("random-bert"), model_id=name,
                               options=MappingProxyType(config))
    f = build_featurizer(spec, ExtractOptions(batch_size=batch))
    n_params = sum(p.numel() for p in f.model.parameters())
    seqs = list(task.sequences)
    rates = {"geneb": [], "bare sorted": [], "bare file-order": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            store = EmbeddingStore(Path(tmp) / "e.zarr", mode="a")
            t0 = time.perf_counter()  # model loading excluded from both sides
            extract_task(store, f, task)
            rates["geneb"].append(task.n / (time.perf_counter() - t0))
            waste_ = store.open_embedding(name, task.task_id).attrs["provenance"]["padding_waste"]
        rates["bare sorted"].append(bare_loop(f.model, f.tokenizer, seqs, f.max_length,
                                              True, batch))
        rates["bare file-order"].append(bare_loop(f.model, f.tokenizer, seqs, f.max_length,
                                                  False, batch))
    best = {k: max(v) for k, v in rates.items()}
    print(f"{name}: {n_params / 1e6:.1f}M params, {task.n} seqs of {task.task_id}, "
          f"device {f.device}, batch {batch}, padding waste {100 * waste_:.2f}%")
    for k, v in best.items():
        print(f"  {k:16s} {v:9.1f} seq/s")
    print(f"  ratio geneb / bare sorted     = {best['geneb'] / best['bare sorted']:.2f}  "
          f"(target >= 0.9)")
    print(f"  ratio geneb / bare file-order = {best['geneb'] / best['bare file-order']:.2f}")


def main() -> int:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    tasks = load_tasks(benchmark_tasks("geneb-mini"))
    padding_report(tasks)
    ocr = next(t for t in tasks if "ocr" in t.task_id)  # variable lengths 109..593
    tiny = dict(RANDOM_BERT_CONFIG)
    throughput("random-bert-tiny", tiny, ocr, repeats=3)
    big = {**tiny, "hidden_size": 512, "num_hidden_layers": 8, "num_attention_heads": 8,
           "intermediate_size": 2048, "max_length": 512, "max_position_embeddings": 514}
    throughput("random-bert-25M", big, _head(ocr, 96), repeats=1, batch=16)
    return 0


def _head(task: TaskData, n: int) -> TaskData:
    return dataclasses.replace(task, sequences=tuple(task.sequences[:n]), labels=task.labels[:n],
                               split=task.split[:n])


if __name__ == "__main__":
    sys.exit(main())
