"""Hugging Face transformers models as featurizers.

One adapter runs every family transformers can load: encoders (BERT, ESM), decoders
(GPT-2, Llama, Mistral), state-space models (Mamba) and models whose code ships with their
weights (``trust_remote_code``, only when the user allows it and pins a revision). Per batch
it tokenises, runs ONE forward pass under ``torch.inference_mode`` (autocast on CUDA) and
pools every requested layer. Loading (config, remote-code checks, weights) is in
:mod:`.hf_loading`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from geneb.catalog.models import ModelSpec
from geneb.core.errors import InputError
from geneb.core.sequences import reverse_complement

from .featurizer import Featurizer
from .options import ExtractOptions
from .pooling import BATCH_DEPENDENT, POOLINGS


def pick_device(requested: str | None = None) -> torch.device:
    """``cuda`` when a GPU is visible, else ``cpu`` (or the requested device)."""
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def autocast_dtype(device: torch.device, precision: str) -> torch.dtype | None:
    """The autocast dtype for a device and a precision setting (None = plain fp32)."""
    if device.type != "cuda" or precision == "fp32":
        return None
    if precision == "fp16":
        return torch.float16
    if precision == "bf16" or torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16


def is_oom(exc: BaseException) -> bool:
    """True for a CUDA (or other accelerator) out-of-memory error."""
    oom_type = getattr(torch, "OutOfMemoryError", None)
    return (oom_type is not None and isinstance(exc, oom_type)) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


class HFFeaturizer(Featurizer):
    """Embeds with a transformers model and tokenizer already in memory.

    Parameters
    ----------
    spec : ModelSpec
    model : transformers.PreTrainedModel
        Called with ``input_ids`` (and ``attention_mask`` when its forward takes one);
        returns ``last_hidden_state`` / ``hidden_states`` of shape (batch, tokens, dim).
    tokenizer : transformers tokenizer
    max_length : int or None
        Tokens per sequence (special tokens included); longer inputs are truncated and
        counted in :attr:`n_truncated` (or windowed, see ``options.long``). None: no limit.
    device : str, optional
    options : ExtractOptions, optional
    source_info : dict, optional
        Where the weights came from (source, revision, code hash) for the provenance.
    """

    batch_size = 64

    def __init__(self, spec: ModelSpec, model, tokenizer, max_length: int | None,
                 device: str | None = None, options: ExtractOptions | None = None,
                 source_info: dict[str, Any] | None = None) -> None:
        super().__init__(spec)
        self.options = options or ExtractOptions()
        self.device = pick_device(device or self.options.device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        if spec.padding_side in ("left", "right"):
            tokenizer.padding_side = spec.padding_side
        if tokenizer.pad_token is None:  # decoders (GPT-2, Llama): pad with EOS
            tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
        self.max_length = int(max_length) if max_length else None
        self.max_chars = spec.max_chars
        self.pooling = self.options.pooling_for(spec)
        self.layers = self.options.layers
        self.batch_size = min(int(self.options.batch_size), spec.max_batch or 1 << 30)
        self.autocast = autocast_dtype(self.device, self.options.precision)
        self.source_info = dict(source_info or {})
        params = inspect.signature(model.forward).parameters
        self._takes_mask = "attention_mask" in params
        # left padding shifts decoder positions unless they are given from the mask
        self._takes_positions = "position_ids" in params and tokenizer.padding_side == "left"
        self._takes_hidden = "output_hidden_states" in params or any(
            p.kind == p.VAR_KEYWORD for p in params.values())
        self.n_special = len(tokenizer("A")["input_ids"]) - len(
            tokenizer("A", add_special_tokens=False)["input_ids"]) if spec.add_special_tokens else 0
        self.n_truncated = 0
        self.n_windowed = 0
        self.window_unit = "tokens"
        self.n_tokens = 0
        self.n_padded_tokens = 0

    # ------------------------------------------------------------ identity
    @property
    def dim(self) -> int:
        cfg = self.model.config
        for name in ("hidden_size", "d_model", "n_embd", "dim"):
            if getattr(cfg, name, None):
                return int(getattr(cfg, name))
        return int(self.embed_all(["ACGT"])[0].shape[1])

    def outputs(self) -> list[tuple[str, dict[str, Any]]]:
        """(variant id, identity config) of each layer this featurizer writes."""
        base = super().config()
        o = self.options
        long = ("truncate right at the model limit" if o.long == "truncate" else
                f"sliding windows of {o.window or 'max'} tokens, stride {o.stride or 'half'}, "
                f"mean of windows")
        common = {**base, "hf_source": self.source_info.get("source"),
                  "revision": self.source_info.get("revision"),
                  "code_sha256": self.source_info.get("code_sha256"),
                  "pooling": self.pooling, "max_length": self.max_length,
                  "max_chars": self.max_chars, "long_sequences": long,
                  "reverse_complement": o.reverse_complement,
                  "padding_side": self.tokenizer.padding_side,
                  "add_special_tokens": self.spec.add_special_tokens,
                  "precision": str(self.autocast).replace("torch.", "") if self.autocast
                  else "float32"}
        if self.pooling in BATCH_DEPENDENT:
            common["batching"] = f"length-sorted batches of {self.batch_size}"
        out = []
        for layer in self.layers:
            vid = o.variant_id(self.spec, layer)
            out.append((vid, {**common, "model_id": vid, "base_model_id": self.spec.model_id,
                              "layer": layer}))
        return out

    def config(self) -> dict[str, Any]:
        return self.outputs()[0][1]

    def provenance(self) -> dict[str, Any]:
        waste = self.n_padded_tokens / max(self.n_tokens + self.n_padded_tokens, 1)
        return {"device": str(self.device), "n_truncated": int(self.n_truncated),
                "n_windowed": int(self.n_windowed), "final_batch_size": self.batch_size,
                "window_unit": self.window_unit if self.options.long == "window" else None,
                "model_class": type(self.model).__name__,
                "model_type": getattr(self.model.config, "model_type", None),
                "weights_dtype": str(next(self.model.parameters()).dtype).replace("torch.", ""),
                "n_parameters": int(sum(p.numel() for p in self.model.parameters())),
                "padding_waste": round(float(waste), 4)}

    # --------------------------------------------------------------- embed
    def embed(self, sequences: Sequence[str]) -> np.ndarray:
        return self.embed_all(sequences)[0]

    def embed_all(self, sequences: Sequence[str]) -> list[np.ndarray]:
        """One (n, dim) float32 array per requested layer, from one forward pass per batch."""
        seqs = list(sequences)
        if self.max_chars:
            self.n_truncated += sum(len(s) > self.max_chars for s in seqs)
            seqs = [s[: self.max_chars] for s in seqs]
        outs = self._embed_long(seqs)
        if self.options.reverse_complement:
            back = self._embed_long([reverse_complement(s) for s in seqs])
            outs = [(a + b) / 2 for a, b in zip(outs, back)]
        return outs

    def _content_limit(self) -> int | None:
        return None if self.max_length is None else max(1, self.max_length - self.n_special)

    def _embed_long(self, seqs: list[str]) -> list[np.ndarray]:
        if self.options.long == "truncate":
            return self._embed_items(seqs, count=True)
        limit = self._content_limit()
        window = self.options.window or limit
        if window is None:  # no model limit: whole sequences
            return self._embed_items(seqs, count=True)
        stride = self.options.stride or max(1, window // 2)
        try:
            offsets_all = self.tokenizer(seqs, add_special_tokens=False,
                                         return_offsets_mapping=True)["offset_mapping"]
            self.window_unit = "tokens"
        except (NotImplementedError, ValueError, KeyError):  # slow (Python) tokenizers
            offsets_all = [[(j, j + 1) for j in range(len(s))] for s in seqs]
            self.window_unit = "characters"
        items, parent = [], []
        for i, (s, offsets) in enumerate(zip(seqs, offsets_all)):
            n = len(offsets)
            if n <= window:
                items.append(s)
                parent.append(i)
                continue
            self.n_windowed += 1
            starts = list(range(0, n - window + 1, stride))
            if starts[-1] + window < n:
                starts.append(n - window)  # the last window ends at the sequence end
            for a in starts:
                items.append(s[offsets[a][0]: offsets[a + window - 1][1]])
                parent.append(i)
        pooled = self._embed_items(items, count=False)
        parent_arr = np.asarray(parent)
        counts = np.bincount(parent_arr, minlength=len(seqs)).astype(np.float32)[:, None]
        outs = []
        for p in pooled:
            acc = np.zeros((len(seqs), p.shape[1]), np.float64)
            np.add.at(acc, parent_arr, p)
            outs.append((acc / counts).astype(np.float32))
        return outs

    def _tokenize(self, items: list[str], count: bool) -> tuple[list, list, np.ndarray]:
        """Token ids and special-token masks of every item, tokenised ONCE, then truncated.

        Returns
        -------
        ids, special : lists of int lists (truncated to the limit)
        lengths : numpy.ndarray of int64, shape (n,), the lengths after truncation
        """
        tok = self.tokenizer
        kw = {"add_special_tokens": self.spec.add_special_tokens,
              "return_special_tokens_mask": True, "return_attention_mask": False}
        enc = tok(items, **kw)
        ids, special = list(enc["input_ids"]), list(enc["special_tokens_mask"])
        if self.max_length is not None:
            long = [i for i, x in enumerate(ids) if len(x) > self.max_length]
            if count:
                self.n_truncated += len(long)
            if long:  # re-tokenise only those, truncated the tokenizer's way (specials kept)
                cut = tok([items[i] for i in long], truncation=True, max_length=self.max_length,
                          **kw)
                for j, i in enumerate(long):
                    ids[i], special[i] = cut["input_ids"][j], cut["special_tokens_mask"][j]
        lengths = np.fromiter((len(x) for x in ids), np.int64, len(ids))
        return ids, special, lengths

    def _embed_items(self, items: list[str], count: bool) -> list[np.ndarray]:
        n = len(items)
        if n == 0:
            return [np.zeros((0, self.dim), np.float32) for _ in self.layers]
        ids, special, lengths = self._tokenize(items, count)
        order = np.argsort(lengths, kind="stable")  # length buckets: little padding
        outs: list[np.ndarray | None] = [None] * len(self.layers)
        start = 0
        while start < n:
            idx = order[start:start + self.batch_size]
            try:
                pooled = self._forward([ids[i] for i in idx], [special[i] for i in idx])
            except Exception as exc:  # back off on out-of-memory instead of crashing
                if not is_oom(exc) or self.batch_size == 1:
                    raise
                self.batch_size = max(1, self.batch_size // 2)
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            width = int(lengths[idx].max())
            self.n_tokens += int(lengths[idx].sum())
            self.n_padded_tokens += int(width * len(idx) - lengths[idx].sum())
            for j, p in enumerate(pooled):
                if outs[j] is None:
                    outs[j] = np.zeros((n, p.shape[1]), np.float32)
                outs[j][idx] = p
            start += len(idx)
        return outs  # type: ignore[return-value]

    def _pad(self, rows: list[list[int]], value: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(padded ids, attention mask) of shape (batch, longest), on the tokenizer's side."""
        width = max(len(r) for r in rows)
        out = np.full((len(rows), width), value, np.int64)
        mask = np.zeros((len(rows), width), np.int64)
        left = self.tokenizer.padding_side == "left"
        for i, r in enumerate(rows):
            if left:
                out[i, width - len(r):], mask[i, width - len(r):] = r, 1
            else:
                out[i, :len(r)], mask[i, :len(r)] = r, 1
        return torch.from_numpy(out), torch.from_numpy(mask)

    @torch.inference_mode()
    def _forward(self, ids: list[list[int]], special: list[list[int]]) -> list[np.ndarray]:
        """Pooled vectors of every requested layer for one batch (ONE forward pass)."""
        input_ids, mask = self._pad(ids, int(self.tokenizer.pad_token_id))
        mask = mask.to(self.device)
        spec_mask = None
        if self.pooling == "mean-nospecial":
            spec_mask = self._pad(special, 1)[0].to(self.device)
        inputs = {"input_ids": input_ids.to(self.device)}
        if self._takes_mask:
            inputs["attention_mask"] = mask
        if self._takes_positions:
            inputs["position_ids"] = (mask.long().cumsum(1) - 1).clamp(min=0)
        if any(layer != "last" for layer in self.layers):
            inputs["output_hidden_states"] = True
        with torch.autocast(self.device.type, dtype=self.autocast,
                            enabled=self.autocast is not None):
            out = self.model(**inputs)
        pool = POOLINGS[self.pooling]
        return [pool(_layer_output(out, layer, self.spec.model_id), mask, spec_mask)
                .float().cpu().numpy() for layer in self.layers]


def _layer_output(out, layer: str | int, model_id: str) -> torch.Tensor:
    if layer == "last":
        hidden = getattr(out, "last_hidden_state", None)
        if hidden is not None:
            return hidden
        states = getattr(out, "hidden_states", None)
        if states:
            return states[-1]
        if isinstance(out, (tuple, list)) and torch.is_tensor(out[0]) and out[0].dim() == 3:
            return out[0]
        raise InputError(f"model {model_id!r} returns no hidden states (last_hidden_state or "
                         f"hidden_states); load a base model rather than a head")
    states = getattr(out, "hidden_states", None)
    if not states:
        raise InputError(f"model {model_id!r} does not return per-layer hidden states; "
                         f"use --layers last")
    if not -len(states) <= layer < len(states):
        raise InputError(f"model {model_id!r} has hidden states 0..{len(states) - 1}; "
                         f"layer {layer} does not exist")
    return states[layer]
