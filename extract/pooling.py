"""Pooling of per-token hidden states into one vector per sequence."""

from __future__ import annotations

import torch


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
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


POOLINGS = {"mean": masked_mean}
