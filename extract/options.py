"""How a model is run: layers, pooling, long sequences, strand, precision, device.

One :class:`ExtractOptions` applies to every model of an ``extract`` call. The settings that
change the vectors are part of each array's identity; those that differ from the paper's
reference extraction also go into the model *variant id* under which the array is stored
(``model@layer-6``, ``model@cls``, ``model@win512s256+rc`` ...), so several variants of one
model live side by side in one store and the probe treats each as its own model.
"""

from __future__ import annotations

from dataclasses import dataclass

from geneb.catalog.models import POOLING_KINDS, ModelSpec
from geneb.core.errors import InputError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
LONG_MODES = ("truncate", "window")


@dataclass(frozen=True)
class ExtractOptions:
    """Extraction settings shared by all models of a run.

    Attributes
    ----------
    layers : tuple of (str or int)
        ``"last"`` (default) and/or hidden-state indices (0 = embedding output,
        ``num_layers`` = last block; negative counts from the end). All are pooled from ONE
        forward pass and each is stored as its own variant.
    pooling : str or None
        One of :data:`~geneb.catalog.models.POOLING_KINDS`; None = the paper's pooling for
        that model (``ModelSpec.pooling_kind``).
    long : {"truncate", "window"}
        Truncate at the model limit (reference, truncations counted), or cut long
        sequences into windows of ``window`` tokens every ``stride`` tokens and average
        the window vectors.
    window, stride : int or None
        Window length in content tokens (default: the model limit) and step
        (default: half the window).
    reverse_complement : bool
        Average the embedding of each sequence with that of its reverse complement.
    precision : {"auto", "fp32", "bf16", "fp16"}
        ``auto``: bf16 autocast on a CUDA GPU that supports it (else fp16), fp32 on CPU.
    batch_size : int
        Sequences per forward pass to start with (halved on out-of-memory).
    device : str or None
        ``cuda``, ``cuda:1``, ``cpu``...; None picks a GPU when one is visible.
    trust_remote_code : bool
        Allow models whose Python code ships with their weights (needs a pinned revision).
    revision : str or None
        Hub revision (40-hex commit) for a single user model.
    """

    layers: tuple = ("last",)
    pooling: str | None = None
    long: str = "truncate"
    window: int | None = None
    stride: int | None = None
    reverse_complement: bool = False
    precision: str = "auto"
    batch_size: int = 64
    device: str | None = None
    trust_remote_code: bool = False
    revision: str | None = None

    def __post_init__(self) -> None:
        layers = tuple(_layer(x) for x in (self.layers or ("last",)))
        if len(set(layers)) != len(layers):
            raise InputError(f"layers {list(self.layers)} repeat a layer")
        object.__setattr__(self, "layers", layers)
        if self.pooling is not None and self.pooling not in POOLING_KINDS:
            raise InputError(f"pooling {self.pooling!r} is not one of {', '.join(POOLING_KINDS)}")
        if self.long not in LONG_MODES:
            raise InputError(f"long-sequence mode {self.long!r} is not one of {LONG_MODES}")
        if self.precision not in PRECISIONS:
            raise InputError(f"precision {self.precision!r} is not one of {PRECISIONS}")
        for name in ("window", "stride", "batch_size"):
            v = getattr(self, name)
            if v is not None and int(v) < 1:
                raise InputError(f"{name} must be a positive integer, not {v!r}")
        if self.stride is not None and self.window is not None and self.stride > self.window:
            raise InputError(f"stride {self.stride} is longer than window {self.window}: "
                             f"bases between windows would be skipped")

    def pooling_for(self, spec: ModelSpec) -> str:
        return self.pooling or spec.pooling_kind or "mean"

    def variant_id(self, spec: ModelSpec, layer: str | int) -> str:
        """Store id of one output: the model id plus every non-reference choice."""
        parts = []
        if layer != "last":
            parts.append(f"layer{layer}" if isinstance(layer, int) and layer < 0
                         else f"layer-{layer}")
        if self.pooling_for(spec) != spec.pooling_kind:
            parts.append(self.pooling_for(spec))
        if self.long == "window":
            parts.append(f"win{self.window or 'max'}s{self.stride or 'half'}")
        if self.reverse_complement:
            parts.append("rc")
        return spec.model_id + ("@" + "+".join(parts) if parts else "")


def _layer(x) -> str | int:
    if x == "last":
        return "last"
    try:
        return int(x)
    except (TypeError, ValueError):
        raise InputError(f"layer {x!r} must be 'last' or an integer hidden-state index "
                         f"(0 = embeddings, -1 = last)") from None
