"""Pooling of per-token hidden states into one vector per sequence.

Every function takes ``hidden`` of shape (batch, tokens, dim) and the tokenizer's
``attention_mask`` (batch, tokens), and returns float32 of shape (batch, dim). Padding may be
on either side: CLS is the first attended position, "last" the last attended one.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor,
                special: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over the positions where ``mask`` is 1 (the GENEB reference pooling).

    Parameters
    ----------
    hidden : Tensor, shape (batch, tokens, dim)
    mask : Tensor, shape (batch, tokens)
        The tokenizer's attention mask (special tokens included where it includes them).

    Returns
    -------
    Tensor, shape (batch, dim), float32
    """
    m = mask.to(torch.float32).unsqueeze(-1)
    total = (hidden.to(torch.float32) * m).sum(dim=1)
    return total / m.sum(dim=1).clamp(min=1.0)


def mean_without_special(hidden: torch.Tensor, mask: torch.Tensor,
                         special: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over attended positions that are not special tokens ([CLS], [SEP], BOS, EOS).

    ``special`` (batch, tokens) is the tokenizer's ``special_tokens_mask`` (1 = special).
    A sequence made only of special tokens falls back to the masked mean.
    """
    if special is None:
        return masked_mean(hidden, mask)
    keep = mask.bool() & ~special.bool()
    empty = ~keep.any(dim=1, keepdim=True)
    keep = torch.where(empty, mask.bool(), keep)
    return masked_mean(hidden, keep)


def unmasked_mean(hidden: torch.Tensor, mask: torch.Tensor,
                  special: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over ALL positions, padding included (the paper's HyenaDNA/METAGENE pooling).

    The result depends on how much padding the batch adds: it is reproducible only for
    the same batch composition (geneb records batch size and sorting in provenance).
    """
    return hidden.to(torch.float32).mean(dim=1)


def _first_index(mask: torch.Tensor) -> torch.Tensor:
    return mask.to(torch.int64).argmax(dim=1)


def _last_index(mask: torch.Tensor) -> torch.Tensor:
    n = mask.shape[1]
    return n - 1 - mask.to(torch.int64).flip(dims=[1]).argmax(dim=1)


def cls_token(hidden: torch.Tensor, mask: torch.Tensor,
              special: torch.Tensor | None = None) -> torch.Tensor:
    """The first attended token (position 0 with right padding)."""
    rows = torch.arange(hidden.shape[0], device=hidden.device)
    return hidden[rows, _first_index(mask)].to(torch.float32)


def last_token(hidden: torch.Tensor, mask: torch.Tensor,
               special: torch.Tensor | None = None) -> torch.Tensor:
    """The last attended token (the usual decoder summary)."""
    rows = torch.arange(hidden.shape[0], device=hidden.device)
    return hidden[rows, _last_index(mask)].to(torch.float32)


def masked_max(hidden: torch.Tensor, mask: torch.Tensor,
               special: torch.Tensor | None = None) -> torch.Tensor:
    """Element-wise max over attended positions (padding set to -inf, not 0)."""
    h = hidden.to(torch.float32).masked_fill(~mask.bool().unsqueeze(-1), float("-inf"))
    return h.max(dim=1).values


Pooling = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None"], torch.Tensor]

#: Pooling kinds by name (the names of :data:`geneb.catalog.models.POOLING_KINDS`).
POOLINGS: dict[str, Pooling] = {
    "mean": masked_mean,
    "mean-nospecial": mean_without_special,
    "unmasked-mean": unmasked_mean,
    "cls": cls_token,
    "last": last_token,
    "max": masked_max,
}

#: Poolings whose value for one sequence depends on the other sequences in its batch.
BATCH_DEPENDENT = frozenset({"unmasked-mean"})
