"""A full-regime fit: one probe on all its training rows, by L-BFGS on a centred copy.

The same objective and stopping rule as every other torch fit (:mod:`.torch_solver`); what
makes it cheap is how the rows are read, measured on GENEB-size problems
(``bench/bench_probe_scale.py``):

* **One centred copy.** The training rows are copied once, centred (and scaled with
  ``standardize``), in float32 when they come as float16 or float32 and the tolerance is
  one float32 sums resolve (``tol >= FLOAT32_MIN_TOL``), else in the compute dtype. Each
  objective pass then reads that copy once (row blocks, both products of a block while
  it is in cache), instead of converting and centring every block again at every pass.
  Parameters, losses and gradient sums stay in the compute dtype (float64).
* **A diagonal preconditioner.** Raw embeddings have feature variances over several
  decades, and first-order solvers pay for that spread with iterations (plain L-BFGS on
  centred rows: ~1,000 on 27,000 x 768 rows as hard as a real GENEB task). L-BFGS starts
  from the inverse of the Hessian's diagonal at zero weights (:func:`diagonal_preconditioner`)
  instead of a multiple of the identity: 4-24 iterations there. The objective and the
  stopping test (on the raw coefficients' gradient) do not change.
* **Warm start on nested subsamples.** The copy is written in a random row order, so its
  first m rows are a random sample of m rows. On large tasks L-BFGS first minimises the
  objective on the first ``n / 2^j`` rows (the same per-row mean loss, the full data's
  penalty ``1/(C n)``), then on twice as many, keeping its position and curvature pairs, up
  to all n rows. Only the last stage is the fit: its stopping rule is scikit-learn's on the
  full objective, so the optimum and the stopping test are those of a plain solve. It pays
  where the weights keep growing (nearly separable classes: 2-4x fewer passes at
  50,000-100,000 rows), hence only from ``STAGE_MIN_ROWS`` rows.

Memory: the caller's rows plus the centred copy (float32: twice a float16 slice's training
rows, once a float32 slice's).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from .torch_solver import LbfgsMemory, lbfgs_batched, loss_and_residuals, targets

__all__ = ["FLOAT32_MIN_TOL", "FullFitSettings", "held_dtype", "reused_copy_buffer",
           "solve_full_lbfgs", "stage_sizes"]

#: the centred copy is float32 (for float16/float32 input) only at tolerances from this one
#: up: float32 products give the mean gradient to about 1e-7, far inside them
FLOAT32_MIN_TOL = 1e-6
#: the smallest warm-start stage has at least this many rows ...
STAGE_MIN_ROWS = 16384
#: ... and at least this many rows per feature. With the diagonal preconditioner a fit on
#: embedding-like rows (non-separable classes) takes 5-9 passes from zero, and stages cost
#: more than they save; on nearly separable rows, where the weights keep growing, they
#: still cut passes 2-4x at 50,000-100,000 rows (measured, widths 768 and 2,560)
STAGE_ROWS_PER_FEATURE = 8
#: the permutation that orders the copy (any order gives the same optimum)
ROW_ORDER_SEED = 0
#: the centring shift is the mean of this many rows (a random sample: any shift gives the
#: same optimum, the intercept absorbs it; a mean of 8,192 rows conditions as well as the
#: exact one and costs no pass over the data)
SHIFT_SAMPLE_ROWS = 8192

_buffers = threading.local()


@contextmanager
def reused_copy_buffer():
    """Within this block, the full fits of this thread write their centred copies into one
    buffer, kept from fit to fit and dropped at the end.

    A fresh copy of a 100,000 x 768 slice costs more in page faults (the memory is new to
    the process) than in copying: 149 ms vs 20 ms, measured. A probe worker wraps a bundle
    of (model, task) pairs in it; outside, every fit allocates (and frees) its own copy.
    """
    depth = getattr(_buffers, "depth", 0)
    _buffers.depth = depth + 1
    try:
        yield
    finally:
        _buffers.depth = depth
        if depth == 0:
            _buffers.tensor = None


def _copy_buffer(n: int, d: int, dtype: torch.dtype, dev: torch.device) -> torch.Tensor:
    """An uninitialised (n, d) tensor: a view of this thread's kept buffer inside
    :func:`reused_copy_buffer`, else a new one."""
    if not getattr(_buffers, "depth", 0):
        return torch.empty((n, d), dtype=dtype, device=dev)
    buf = getattr(_buffers, "tensor", None)
    if buf is None or buf.dtype != dtype or buf.device != dev or buf.numel() < n * d:
        _buffers.tensor = None  # the old one goes before the new one comes
        buf = _buffers.tensor = torch.empty(n * d, dtype=dtype, device=dev)
    return buf[:n * d].view(n, d)


def held_dtype(X: torch.Tensor, dtype: torch.dtype, tol: float) -> torch.dtype:
    """The dtype of the centred copy: float32 when the input has no more precision and
    ``tol`` allows it, else the compute ``dtype``."""
    if dtype == torch.float32:
        return torch.float32
    if X.dtype in (torch.float16, torch.bfloat16, torch.float32) and tol >= FLOAT32_MIN_TOL:
        return torch.float32
    return dtype


def stage_sizes(n: int, d: int) -> list[int]:
    """Rows of each warm-start stage, smallest first, ending with ``n``.

    Halves ``n`` while the half keeps ``max(STAGE_MIN_ROWS, STAGE_ROWS_PER_FEATURE · d)``
    rows: ``stage_sizes(100_000, 768) == [25000, 50000, 100000]``.
    """
    floor = max(STAGE_MIN_ROWS, STAGE_ROWS_PER_FEATURE * d)
    sizes = [n]
    while sizes[-1] // 2 >= floor:
        sizes.append(sizes[-1] // 2)
    return sizes[::-1]


def centred_copy(Xt: torch.Tensor, order: torch.Tensor, *, hold: torch.dtype,
                 dev: torch.device, standardize: bool, block_rows: int):
    """The rows ``Xt[order]`` centred (and scaled), as one (n, d) ``hold`` tensor on ``dev``.

    Rows are gathered, converted and shifted a block at a time (no full-size temporary,
    one pass). The shift is the mean of the first ``SHIFT_SAMPLE_ROWS`` rows of ``order``
    (a random sample), or with ``standardize`` the exact mean (the scale must be the exact
    standard deviation: it changes the objective). Shift and scale are returned as applied
    (rounded to ``hold``), in float64, so the coefficients map back to raw features exactly.

    Returns
    -------
    Z : Tensor (n, d) ``hold``
    shift, scale : Tensor (d,) float64
    variance : Tensor (d,) float64
        The columns' variance in Z, estimated on the sample (a preconditioner's input).
    """
    n, d = Xt.shape
    Z = _copy_buffer(n, d, hold, dev)
    sample = Xt.index_select(0, order[:SHIFT_SAMPLE_ROWS].to(Xt.device)).to(dev, hold)
    shift = (_column_sums(sample) / len(sample)).to(hold)
    sample -= shift
    variance = _column_sums(sample * sample) / len(sample)
    for i in range(0, n, block_rows):
        block = Z[i:i + block_rows]
        block.copy_(Xt.index_select(0, order[i:i + block_rows].to(Xt.device)))
        block -= shift
    scale = torch.ones(d, dtype=torch.float64, device=dev)
    if standardize:  # exact mean and standard deviation, as scikit-learn's StandardScaler
        rest = (_column_sums(Z) / n).to(hold)
        Z -= rest
        shift = shift + rest
        std = torch.sqrt(sum(_column_sums(Z[i:i + block_rows] ** 2)
                             for i in range(0, n, block_rows)) / n)
        scale = torch.where(std > 0, std, torch.ones_like(std)).to(hold).double()
        Z /= scale.to(hold)
        variance = (std / scale) ** 2
    return Z, shift.double(), scale, variance


def _column_sums(Z: torch.Tensor) -> torch.Tensor:
    """Column sums of Z (n, d) accumulated in float64, shape (d,).

    On the CPU through numpy (about 7x faster than torch's float64-accumulating sum of a
    float32 tensor, measured).
    """
    if Z.device.type == "cpu":
        return torch.from_numpy(Z.numpy().sum(0, dtype=np.float64))
    return Z.sum(0, dtype=torch.float64)


def blocked_objective(Z: torch.Tensor, Y: torch.Tensor, n_full: int, C: float,
                      binary: bool, block_rows: int, dtype: torch.dtype):
    """``fg(x) -> (f, g)`` of the objective on the rows of Z, with the full data's penalty.

    f = mean log-loss over Z's m rows + ‖W‖² / (2 C n_full); the same function as the
    full objective when m = n_full. x (1, (d+1)·Kp) in ``dtype``; each row block of Z
    (``hold`` dtype) gives its logits and its share of the gradient while in cache; the
    elementwise loss and the sums are in ``dtype``.
    """
    m, d = Z.shape
    Kp = Y.shape[1]
    blocks = [slice(i, min(i + block_rows, m)) for i in range(0, m, block_rows)]
    hold = Z.dtype

    def fg(flat: torch.Tensor):
        theta = flat.view(d + 1, Kp)
        W, c = theta[:-1], theta[-1:]
        Wt = W.T.to(hold).contiguous()  # (Kp, d): Z Wᵀᵀ is up to 5x faster than Z W for Kp ≥ 2
        loss = flat.new_zeros(())
        gW = torch.zeros_like(W)
        rs = torch.zeros_like(c)
        for sl in blocks:
            Zb = Z[sl]
            logits = torch.nn.functional.linear(Zb, Wt).to(dtype) + c
            part, Rr = loss_and_residuals(logits, Y[sl], binary)
            loss += part
            gW += (Rr.to(hold).T @ Zb).T.to(dtype)  # (Rᵀ Z)ᵀ: see torch_solver._loss_grad
            rs += Rr.sum(0, keepdim=True)
        f = loss / m + (W * W).sum() / (2 * C * n_full)
        g = torch.cat([gW / m + W / (C * n_full), rs / m], dim=0)
        return f.reshape(1), g.reshape(1, -1)

    return fg


def diagonal_preconditioner(variance: torch.Tensor, n_classes: int, n: int,
                            C: float) -> torch.Tensor:
    """The inverse of the Hessian's diagonal at zero weights, shape (1, (d+1)·Kp).

    At W = 0 every class has probability 1/K, so the log-loss curvature of weight (j, k) is
    ``p(1-p) · var_j`` with p = 1/K (1/4 for the one sigmoid output), plus the penalty's
    ``1/(C n)``; of an intercept, ``p(1-p)``. Raw embeddings have feature variances over
    several decades, which is what makes first-order solvers slow on them; this diagonal
    removes that spread, exactly as standardising would, without changing the objective.

    Parameters
    ----------
    variance : Tensor, shape (d,)
        Feature variances of the (centred) rows.
    """
    Kp = 1 if n_classes == 2 else n_classes
    p = 1.0 / n_classes
    curv_w = p * (1 - p) * variance + 1.0 / (C * n)  # (d,)
    curv = torch.cat([curv_w, curv_w.new_full((1,), p * (1 - p))])  # (d+1,): the intercept
    return (1.0 / curv)[:, None].expand(len(curv), Kp).reshape(1, -1)


@dataclass(frozen=True)
class FullFitSettings:
    """How a full-regime problem is solved (scikit-learn's settings plus where and how).

    Attributes
    ----------
    C, tol : float
    max_iter : int
        Iterations allowed on the full objective (and on each warm-start stage).
    standardize : bool
    device : torch.device
    dtype : torch.dtype
        Compute dtype of the parameters, losses and sums.
    block_values : int
        Row blocks of the copy hold about this many values.
    """

    C: float
    tol: float
    max_iter: int
    standardize: bool
    device: torch.device
    dtype: torch.dtype
    block_values: int


def solve_full_lbfgs(X, y: np.ndarray, classes: np.ndarray, how: FullFitSettings):
    """One problem in feature space: L-BFGS on a centred copy, warm-started on subsamples.

    Parameters
    ----------
    X : ndarray or Tensor, shape (n, d)
        Raw training rows (never changed).
    y : ndarray, shape (n,)
    classes : ndarray, shape (K,)
        Sorted distinct labels (K = 2: one sigmoid output, else K softmax outputs).
    how : FullFitSettings

    Returns
    -------
    theta : Tensor (1, d+1, Kp)
        Coefficients over the intercept row, in centred (scaled) coordinates.
    n_iter : Tensor (1,)
        Iterations on the full objective (the warm-start stages are not counted).
    converged : Tensor (1,) bool
    shift, scale : Tensor (1, d)
    """
    dev, dtype = how.device, how.dtype
    Xt = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X))
    n, d = Xt.shape
    block_rows = max(1, how.block_values // max(1, d))
    order = torch.as_tensor(np.random.default_rng(ROW_ORDER_SEED).permutation(n))
    Z, shift, scale, variance = centred_copy(Xt, order, hold=held_dtype(Xt, dtype, how.tol),
                                             dev=dev, standardize=how.standardize,
                                             block_rows=block_rows)
    binary = len(classes) == 2
    Kp = 1 if binary else len(classes)
    precond = diagonal_preconditioner(variance.to(dtype), len(classes), n, how.C)
    Y = targets(np.asarray(y)[order.numpy()], classes, dtype, dev)  # in the copy's row order
    x = torch.zeros((1, (d + 1) * Kp), dtype=dtype, device=dev)
    memory = LbfgsMemory()
    for m in stage_sizes(n, d):
        fg = blocked_objective(Z[:m], Y[:m], n, how.C, binary, block_rows, dtype)
        x, n_iter, conv = lbfgs_batched(fg, x, tol=how.tol, max_iter=how.max_iter,
                                        memory=memory, precond=precond)
    return x.view(1, d + 1, Kp), n_iter, conv, shift[None].to(dtype), scale[None].to(dtype)
