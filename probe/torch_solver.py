"""Batched L2 logistic regression in torch: many probes solved at once, on CPU or CUDA.

The objective is scikit-learn's, scaled as scikit-learn scales it before calling lbfgs::

    f(W, c) = (1/n) Σ_i log-loss(y_i, x_i W + c) + ‖W‖² / (2 C n)

(i.e. ``C · Σ log-loss + ½‖W‖²`` divided by ``C n``), intercept ``c`` not penalised; one
weight vector (sigmoid) for 2 classes, one per class (softmax) for more. Three exact
reformulations make it cheap (see ``../shared/design/PROBE_NOTES.md``):

* **Centring.** The intercept is not penalised, so fitting on ``x - mean`` and setting
  ``c_raw = c - mean · W`` gives the same optimum, in far fewer iterations.
* **Span of the training rows.** When n < d the optimal W lies in the row span of the centred
  training matrix ``Xc = U S Vᵀ``; with ``Z = U S`` (n × r) and ``W = V v`` the problem is the same
  logistic regression on ``Z`` with the same penalty ``‖v‖² = ‖W‖²``: few-shot fits cost O(n²d)
  once and then do not depend on d.
* **Batching.** Many problems (seeds × few-shot regimes of a task; several tasks and models,
  each with its own test set) are padded to a common shape (zero rows carry zero sample
  weight, zero columns get zero weight) and solved together by one batched Newton or L-BFGS
  whose per-problem state (step, convergence, history) is independent.

Two solvers, chosen per batch by a cost model (``solver="auto"``, :func:`newton_cost`):

* **Exact Newton** (:func:`newton_batched`): the Hessian in the solved coordinates, Cholesky,
  Armijo backtracking; 3–8 iterations. Used when one iteration is cheap (few-shot spans, widths
  up to ~256 at 2,000 rows); it also settles directions fixed only by the L2 term (exactly
  collinear k-mer counts) that L-BFGS leaves at its stopping point.
* **L-BFGS** (:func:`lbfgs_batched`) otherwise; a single CPU problem whose features are mostly
  zeros (k-mer counts) runs on a CSR copy with the centring applied implicitly (exact), so each
  step reads the nonzeros instead of a dense n × d float64 matrix.

Stopping is scikit-learn's (scipy's): max |gradient| ≤ ``tol`` or a relative decrease of f below
``64·eps``; ``converged`` is False for any problem that stopped at ``max_iter`` or whose line search
failed before meeting either criterion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

FTOL = 64 * np.finfo(float).eps
#: ``solver="auto"`` uses exact Newton when one iteration costs at most this many
#: multiply-adds per problem (crossover measured on geneb-mini, one CPU thread per block)
NEWTON_MAX_COST = 1e9
#: (it holds for one dense full-regime fit too: on Gaussian-like rows the L-BFGS of
#: geneb.probe.full_fit wins from ~1e8 (d=256, n=5,000: Newton 253 ms vs 71 ms), but on
#: collinear k-mer counts it needs 100+ iterations where Newton needs 5: geneb-mini's kmer-4
#: full fits took 4.4 s with a 1e8 crossover vs 1.9 s with this one)
#: the same crossover when the rows are sparse enough for the sparse L-BFGS path (k-mer
#: counts: one L-BFGS step reads only the nonzeros, so Newton must be cheaper to win)
NEWTON_MAX_COST_SPARSE = 2e8
#: ... at tolerances from this one up; tighter, L-BFGS needs many more steps (collinear
#: counts) while Newton needs one or two more, so the dense crossover applies
SPARSE_MIN_TOL = 1e-6
#: exact Newton stops at ``tol`` times this: near the optimum each iteration squares the
#: error, so one or two more iterations land on the optimum rather than near it (where a
#: test row on the boundary can still flip)
NEWTON_TOL_FACTOR = 1e-2
#: L-BFGS on a sparse copy of the training rows at or below this density (k-mer counts)
SPARSE_MAX_DENSITY = 0.3
#: test rows are converted and predicted in blocks of about this many values
PREDICT_BLOCK_VALUES = 1 << 20
#: a single problem's training rows are read in row blocks of about this many values (one
#: objective pass of 100,000 x 768 float32 rows: 50 ms at 2^18, 39 ms at 2^20, 47 ms in two
#: whole-matrix products; measured on 1 core)
BLOCK_VALUES_CPU = 1 << 20
BLOCK_VALUES_CUDA = 1 << 26


@dataclass(frozen=True)
class SolvedProbe:
    """One solved problem, in the original (raw) feature space.

    Attributes
    ----------
    classes : ndarray, shape (K,)
        Sorted training labels.
    coef : ndarray, shape (d, 1) for 2 classes else (d, K)
        scikit-learn's ``coef_.T``.
    intercept : ndarray, shape (1,) or (K,)
    y_pred : ndarray, shape (n_test,)
        Predicted labels of the test rows.
    n_iter : int
    converged : bool
    """

    classes: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    y_pred: np.ndarray
    n_iter: int
    converged: bool


def _loss_grad(theta: torch.Tensor, Z: torch.Tensor, Y: torch.Tensor, sw: torch.Tensor,
               n: torch.Tensor, C: float, binary: bool):
    """Objective and gradient of B problems at once.

    theta (B, R+1, Kp): weights stacked over the intercept row; Z (B, N, R); Y (B, N, Kp)
    one-hot (binary: the 0/1 label of class 1); sw (B, N) sample weights (0 on padding);
    n (B,) training rows.
    """
    W, c = theta[:, :-1, :], theta[:, -1:, :]
    if Z.shape[0] == 1:  # one problem: plain matrix products (gemv/gemm), not bmm
        logits = (Z[0] @ W[0] + c[0]).unsqueeze(0)
    else:
        logits = torch.baddbmm(c, Z, W)  # (B, N, Kp)
    if binary:  # sigmoid loss: softplus(z) - y z, gradient sigmoid(z) - y
        loss = (torch.nn.functional.softplus(logits) - Y * logits)[:, :, 0]
        R = torch.sigmoid(logits) - Y
    else:
        logp = torch.log_softmax(logits, dim=2)
        loss = -(logp * Y).sum(2)  # (B, N)
        R = logp.exp() - Y
    R = R * sw.unsqueeze(2)
    f = (loss * sw).sum(1) / n + (W * W).sum((1, 2)) / (2 * C * n)
    # (Rᵀ Z)ᵀ, not Zᵀ R: the transposed-left product is ~10x slower on CPU BLAS paths
    if Z.shape[0] == 1:
        gW = (R[0].T @ Z[0]).T.unsqueeze(0)
    else:
        gW = torch.bmm(R.transpose(1, 2), Z).transpose(1, 2)
    gW = gW / n[:, None, None] + W / (C * n)[:, None, None]
    gc = R.sum(1, keepdim=True) / n[:, None, None]
    return f, torch.cat([gW, gc], dim=1)


def targets(y: np.ndarray, classes: np.ndarray, dtype: torch.dtype,
            dev: torch.device) -> torch.Tensor:
    """One problem's labels as the objective's targets, shape (n, Kp): the 0/1 label of
    class 1 for 2 classes (Kp = 1), else one-hot over the K sorted ``classes``."""
    codes = torch.as_tensor(np.searchsorted(classes, y), device=dev)
    if len(classes) == 2:
        return codes.to(dtype)[:, None]
    Y = torch.zeros((len(codes), len(classes)), dtype=dtype, device=dev)
    Y[torch.arange(len(codes), device=dev), codes] = 1.0
    return Y


def loss_and_residuals(logits: torch.Tensor, Y: torch.Tensor,
                       binary: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed log-loss of one problem's rows and their residuals.

    logits, Y : (rows, Kp), Y one-hot (binary: the 0/1 label of class 1). Returns the loss
    summed over the rows (a scalar) and R (rows, Kp), whose product with the rows is the
    loss's gradient: ``sigmoid(z) - y`` (binary) or ``softmax(z) - y``.
    """
    if binary:  # sigmoid loss: softplus(z) - y z
        return ((torch.nn.functional.softplus(logits) - Y * logits).sum(),
                torch.sigmoid(logits) - Y)
    logp = torch.log_softmax(logits, dim=1)
    return -(logp * Y).sum(), logp.exp() - Y


def _armijo(fg, x: torch.Tensor, f: torch.Tensor, g: torch.Tensor, p: torch.Tensor,
            gtp: torch.Tensor, done: torch.Tensor, max_halvings: int):
    """Backtracking Armijo line search along ``p``, each of the B problems its own step.

    Starts from the full step and halves it until ``f(x + t p) <= f + 1e-4 t g.p``.

    Returns
    -------
    x_new, f_new, g_new : Tensors (B, P), (B,), (B, P)
        The accepted points (``x``, ``f``, ``g`` where none was found).
    accepted : Tensor (B,) bool
        True for finished problems and problems that found a step.
    """
    t = torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
    accepted = done.clone()
    x_new, f_new, g_new = x, f, g
    for _ in range(max_halvings):
        trial = torch.addcmul(x, t[:, None], p)
        ft, gt = fg(trial)
        ok = (ft <= f + 1e-4 * t * gtp) & torch.isfinite(ft) & ~accepted
        # new tensors, never writes into x, f, g (the caller's)
        x_new = torch.where(ok[:, None], trial, x_new)
        f_new = torch.where(ok, ft, f_new)
        g_new = torch.where(ok[:, None], gt, g_new)
        accepted |= ok
        if bool(accepted.all()):
            break
        t = torch.where(accepted, t, 0.5 * t)
    return x_new, f_new, g_new, accepted


def _stopped(f_old: torch.Tensor, f: torch.Tensor, g: torch.Tensor, moved: torch.Tensor,
             tol: float) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's stopping tests: max |gradient| <= tol, or a relative decrease of f
    below ``FTOL`` on a step that moved. Returns ``(gconv, fconv)``, each (B,) bool."""
    gconv = g.abs().amax(1) <= tol
    fconv = moved & ((f_old - f) <= FTOL * torch.maximum(torch.maximum(f_old.abs(), f.abs()),
                                                         torch.ones_like(f)))
    return gconv, fconv


def _start(fg, x0: torch.Tensor, tol: float):
    """Common start of both solvers: ``x, f, g`` at ``x0``, ``n_iter`` (B,) zeros, and
    ``converged``/``done`` (B,) for problems whose gradient already meets ``tol``."""
    x = x0.clone()
    f, g = fg(x)
    n_iter = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    converged = g.abs().amax(1) <= tol
    return x, f, g, n_iter, converged, converged.clone()


@dataclass
class LbfgsMemory:
    """The curvature pairs L-BFGS keeps, handed from one solve to the next.

    A solve on a subsample of the rows leaves pairs that describe the curvature of the
    full objective well; the solve on the next, larger sample starts from them instead of
    from steepest descent (:mod:`geneb.probe.full_fit`). ``LbfgsMemory()`` is empty; the
    first solve given it fills it.

    Attributes
    ----------
    S, Y : Tensor, shape (history, B, P)
        Steps and gradient changes (zero where a slot is unused).
    rho : Tensor, shape (history, B)
        ``1 / sᵀy`` of each pair (0 where unused).
    gamma : Tensor, shape (B,)
        Scale of the initial inverse Hessian.
    slot, stored : int
        Next slot to write; slots written so far.
    """

    S: torch.Tensor | None = None
    Y: torch.Tensor | None = None
    rho: torch.Tensor | None = None
    gamma: torch.Tensor | None = None
    slot: int = 0
    stored: int = 0

    def start(self, history: int, g: torch.Tensor, scaled: bool = False) -> None:
        """Allocate an empty history for gradients g (B, P) if there is none yet; the first
        step then has length 1, as scipy's (``scaled``: the first step is the
        preconditioned gradient itself)."""
        if self.S is None:
            B, P = g.shape
            self.S, self.Y = g.new_zeros(history, B, P), g.new_zeros(history, B, P)
            self.rho = g.new_zeros(history, B)
            self.gamma = (torch.ones_like(g[:, 0]) if scaled
                          else 1.0 / g.norm(dim=1).clamp_min(1e-300))


def lbfgs_batched(fg, x0: torch.Tensor, *, tol: float, max_iter: int, history: int = 10,
                  memory: LbfgsMemory | None = None, precond: torch.Tensor | None = None):
    """Minimise B independent smooth problems with one batched L-BFGS.

    Parameters
    ----------
    fg : callable
        ``fg(x) -> (f, g)`` for x of shape (B, P): f (B,), g (B, P).
    x0 : Tensor, shape (B, P)
    memory : LbfgsMemory, optional
        Curvature pairs to start from (a warm start), updated in place; default none
        (an empty one is filled in place too).
    precond : Tensor, shape (B, P), optional
        A positive diagonal approximation of the inverse Hessian: the initial matrix of
        the two-loop recursion (scaled by ``sᵀy / yᵀ D y``) instead of a multiple of the
        identity. It changes the path, not the optimum or the stopping test (on the
        gradient in x's own coordinates).

    Returns
    -------
    x : Tensor (B, P), n_iter : Tensor (B,) int, converged : Tensor (B,) bool
    """
    x, f, g, n_iter, converged, done = _start(fg, x0, tol)
    mem = memory if memory is not None else LbfgsMemory()
    mem.start(history, g, scaled=precond is not None)
    S, Yh, rho, history = mem.S, mem.Y, mem.rho, mem.S.shape[0]
    gamma, slot, stored = mem.gamma, mem.slot, mem.stored
    for _ in range(max_iter):
        if bool(done.all()):
            break
        active = ~done
        order = [(slot - 1 - j) % history for j in range(stored)]  # newest first
        p = -_two_loop(g, S, Yh, rho, gamma, order, precond)
        gtp = torch.linalg.vecdot(g, p)
        bad = gtp >= 0
        if bool(bad.any()):  # not a descent direction: restart from steepest descent
            p[bad] = -g[bad] / g[bad].norm(dim=1, keepdim=True).clamp_min(1e-300)
            gtp = (g * p).sum(1)
        x_new, f_new, g_new, accepted = _armijo(fg, x, f, g, p, gtp, done, max_halvings=50)
        moved = active & accepted
        s, y = x_new - x, g_new - g
        sy = torch.linalg.vecdot(s, y)
        yy = torch.linalg.vecdot(y, y if precond is None else precond * y).clamp_min(1e-300)
        valid = moved & (sy > 1e-10 * yy)
        S[slot] = torch.where(valid[:, None], s, 0.0)
        Yh[slot] = torch.where(valid[:, None], y, 0.0)
        rho[slot] = torch.where(valid, 1.0 / sy.clamp_min(1e-300), 0.0)
        gamma = torch.where(valid, sy / yy, gamma)
        slot = (slot + 1) % history
        stored = min(stored + 1, history)
        f_old = f
        x = torch.where(moved[:, None], x_new, x)
        f = torch.where(moved, f_new, f)
        g = torch.where(moved[:, None], g_new, g)
        n_iter += moved.long()
        gconv, fconv = _stopped(f_old, f, g, moved, tol)
        converged |= active & (gconv | fconv)
        done |= gconv | fconv | (active & ~accepted)
    mem.gamma, mem.slot, mem.stored = gamma, slot, stored
    return x, n_iter, converged


def _two_loop(g: torch.Tensor, S: torch.Tensor, Yh: torch.Tensor, rho: torch.Tensor,
              gamma: torch.Tensor, order: list[int],
              precond: torch.Tensor | None) -> torch.Tensor:
    """L-BFGS's two-loop recursion: the inverse-Hessian estimate times g (B, P), from the
    pairs in ``order`` (newest first) and the initial matrix ``gamma`` (× ``precond``).

    One problem on the CPU (a full-regime fit) runs it on numpy views: its ~90 small vector
    operations cost less as numpy calls than as torch calls, and they hold the GIL that a
    second worker thread waits for (a whole L-BFGS iteration's overhead, measured on a
    10-pair history: 481 -> 400-466 µs on one thread, 1.8 -> 1.6-1.7 ms with two threads).
    """
    if g.shape[0] == 1 and g.device.type == "cpu":
        q = g[0].numpy().copy()
        S1, Y1, rho1 = S[:, 0].numpy(), Yh[:, 0].numpy(), rho[:, 0].numpy()
        alphas = []
        for j in order:
            a = rho1[j] * S1[j].dot(q)
            q -= a * Y1[j]
            alphas.append(a)
        q *= float(gamma[0])
        if precond is not None:
            q *= precond[0].numpy()
        for j, a in zip(reversed(order), reversed(alphas)):
            q += (a - rho1[j] * Y1[j].dot(q)) * S1[j]
        return torch.from_numpy(q)[None]
    q = g.clone()
    alphas = []
    for j in order:
        a = rho[j] * torch.linalg.vecdot(S[j], q)
        q.addcmul_(Yh[j], a[:, None], value=-1.0)
        alphas.append(a)
    r = q.mul_(gamma[:, None] if precond is None else gamma[:, None] * precond)
    for j, a in zip(reversed(order), reversed(alphas)):
        b = rho[j] * torch.linalg.vecdot(Yh[j], r)
        r.addcmul_(S[j], (a - b)[:, None])
    return r


def _hessian(theta: torch.Tensor, Za: torch.Tensor, sw: torch.Tensor, n: torch.Tensor,
             C: float, binary: bool) -> torch.Tensor:
    """Exact Hessian of the objective of B problems, shape (B, P, P) with P = (R+1)·Kp.

    Za (B, N, R+1) is Z with a column of ones (the intercept) appended; the parameter order
    is theta (B, R+1, Kp) flattened row-major.
    """
    H = _hessian_data(theta, Za, sw / n[:, None], binary)
    return _add_penalty(H, n, C, Za.shape[2], binary)


def _hessian_data(theta: torch.Tensor, Za: torch.Tensor, w: torch.Tensor,
                  binary: bool) -> torch.Tensor:
    """The log-loss part of the Hessian, ``Σ_i w_i ∇²loss_i``, shape (B, P, P).

    theta (B, R+1, Kp); Za (B, N, R+1) with the intercept column; w (B, N) row weights
    (``1/n`` on real rows, 0 on padding). Additive over rows: a sum over row blocks is the
    Hessian of all the rows.
    """
    B, N, R1 = Za.shape
    logits = torch.bmm(Za, theta)  # (B, N, Kp)
    if binary:
        p = torch.sigmoid(logits[:, :, 0])
        return torch.bmm(Za.transpose(1, 2), Za * (w * p * (1 - p))[:, :, None])
    P = torch.softmax(logits, dim=2)
    Kp = P.shape[2]
    H4 = Za.new_empty((B, R1, Kp, R1, Kp))
    for k in range(Kp):
        for m in range(k, Kp):
            wkm = w * P[:, :, k] * ((1.0 if k == m else 0.0) - P[:, :, m])
            blk = torch.bmm(Za.transpose(1, 2), Za * wkm[:, :, None])
            H4[:, :, k, :, m] = blk
            if m != k:
                H4[:, :, m, :, k] = blk
    return H4.reshape(B, R1 * Kp, R1 * Kp)


def _add_penalty(H: torch.Tensor, n: torch.Tensor, C: float, R1: int,
                 binary: bool) -> torch.Tensor:
    """Add the L2 term's ``1/(C n)`` to the weight diagonal of H (B, P, P), in place.

    The softmax intercepts have one flat direction (adding a constant to all of them); a
    tiny ridge on the intercept block makes the matrix definite without moving the step
    (the gradient is orthogonal to that direction).
    """
    B, P = H.shape[0], H.shape[1]
    Kp = P // R1
    diag = H.diagonal(dim1=1, dim2=2)
    diag[:, :(R1 - 1) * Kp] += (1.0 / (C * n))[:, None].expand(B, (R1 - 1) * Kp)
    if not binary:
        diag[:, (R1 - 1) * Kp:] += 1e-12 * diag.abs().amax(1, keepdim=True).clamp_min(1e-300)
    return H


def newton_batched(fg, hess, x0: torch.Tensor, *, tol: float, max_iter: int):
    """Minimise B independent smooth, strictly convex problems with batched exact Newton.

    Each iteration solves ``H p = -g`` by Cholesky (the exact Hessian, from ``hess(x)``) and
    backtracks from the full step (Armijo). Stopping is scikit-learn's: max |gradient| ≤
    ``tol`` or a relative decrease of f below ``64·eps``. Near the optimum the convergence is
    quadratic, so a problem stopping at ``tol`` is usually much closer to the optimum than
    L-BFGS at the same ``tol``.

    Parameters
    ----------
    fg : callable
        ``fg(x) -> (f, g)`` for x of shape (B, P): f (B,), g (B, P).
    hess : callable
        ``hess(x) -> H`` of shape (B, P, P), symmetric positive definite.
    x0 : Tensor, shape (B, P)

    Returns
    -------
    x : Tensor (B, P), n_iter : Tensor (B,) int, converged : Tensor (B,) bool
    """
    P = x0.shape[1]
    x, f, g, n_iter, converged, done = _start(fg, x0, tol)
    eye = torch.eye(P, dtype=x.dtype, device=x.device)
    for _ in range(max_iter):
        if bool(done.all()):
            break
        active = ~done
        H = hess(x)
        L, info = torch.linalg.cholesky_ex(H)
        if bool((info != 0).any()):  # numerically indefinite: add a growing ridge
            scale = H.diagonal(dim1=1, dim2=2).abs().amax(1).clamp_min(1e-300)
            for jitter in (1e-12, 1e-10, 1e-8, 1e-6, 1e-4):
                L, info = torch.linalg.cholesky_ex(H + (jitter * scale)[:, None, None] * eye)
                if not bool((info != 0).any()):
                    break
        p = -torch.cholesky_solve(g.unsqueeze(2), L).squeeze(2)
        gtp = (g * p).sum(1)
        bad = ~(gtp < 0) | (info != 0)
        if bool(bad.any()):  # not a descent direction: steepest descent
            p[bad] = -g[bad]
            gtp = (g * p).sum(1)
        x_new, f_new, g_new, accepted = _armijo(fg, x, f, g, p, gtp, done, max_halvings=60)
        moved = active & accepted
        f_old = f
        x = torch.where(moved[:, None], x_new, x)
        f = torch.where(moved, f_new, f)
        g = torch.where(moved[:, None], g_new, g)
        n_iter += moved.long()
        gconv, fconv = _stopped(f_old, f, g, moved, tol)
        converged |= active & (gconv | fconv)
        done |= gconv | fconv | (active & ~accepted)
    return x, n_iter, converged


def newton_cost(n_rows: int, n_coords: int, n_outputs: int) -> float:
    """Multiply-adds of one exact Newton iteration: Hessian blocks plus the Cholesky.

    ``n_coords`` is R (features or span coordinates, without the intercept), ``n_outputs``
    Kp (1 for 2 classes, else K).
    """
    blocks = n_outputs * (n_outputs + 1) / 2
    P = (n_coords + 1) * n_outputs
    return n_rows * (n_coords + 1) ** 2 * blocks + P ** 3 / 6


def _lbfgs_sparse(X: np.ndarray, y: np.ndarray, classes: np.ndarray, binary: bool, *, C: float,
                  tol: float, max_iter: int, dtype: torch.dtype):
    """One problem by L-BFGS on a CSR copy of X (n, d), in centred coordinates (exact).

    Returns theta (1, d+1, Kp) in centred coordinates, n_iter (1,), converged (1,), mean (1, d).
    Each objective evaluation reads the nonzeros twice instead of n·d dense values.
    """
    import scipy.sparse as sp
    n, d = X.shape
    # CSR in the input dtype first: no dense float64 copy of X, even transiently
    Xs = sp.csr_matrix(X).astype(np.float64 if dtype == torch.float64 else np.float32)
    XsT = Xs.T  # a CSC view, no copy: its products are as fast as a transposed CSR copy's

    # scipy's CSR products (C loops that release the GIL) on views of the torch tensors;
    # several outputs one column at a time: scipy's one-vector product is ~2x faster per
    # column than its several-vector one
    def _product(A, M: torch.Tensor) -> torch.Tensor:
        if M.shape[1] == 1:
            return torch.from_numpy(A @ M.numpy())
        cols = M.numpy().T.copy()
        return torch.from_numpy(np.stack([A @ col for col in cols], axis=1))

    def Amul(W):
        return _product(Xs, W)

    def ATmul(R):
        return _product(XsT, R)

    mu = torch.from_numpy(np.asarray(Xs.mean(axis=0)).ravel().astype(Xs.dtype))  # (d,)
    Kp = 1 if binary else len(classes)
    Y = targets(y, classes, dtype, torch.device("cpu"))

    def fg(flat: torch.Tensor):
        theta = flat.view(d + 1, Kp)
        W, c = theta[:-1], theta[-1:]
        loss, Rr = loss_and_residuals(Amul(W) + (c - mu @ W), Y, binary)
        rs = Rr.sum(0, keepdim=True)
        gW = (ATmul(Rr) - mu[:, None] * rs) / n + W / (C * n)
        f = loss / n + (W * W).sum() / (2 * C * n)
        return f.reshape(1), torch.cat([gW, rs / n], dim=0).reshape(1, -1)

    x, n_iter, conv = lbfgs_batched(fg, torch.zeros((1, (d + 1) * Kp), dtype=dtype), tol=tol,
                                    max_iter=max_iter)
    return x.view(1, d + 1, Kp), n_iter, conv, mu[None, :].to(dtype)


def _solve_single_newton(X, y: np.ndarray, classes: np.ndarray, binary: bool, *, C: float,
                         tol: float, max_iter: int, standardize: bool, dev: torch.device,
                         dtype: torch.dtype, block_values: int):
    """One problem in feature space by exact Newton, reading X (n, d) block by block: no
    full-size copy (widths and row counts where a Newton iteration is cheap; wider problems
    go to :func:`geneb.probe.full_fit.solve_full_lbfgs`).

    X stays as given (float32 embeddings stay float32, on the CPU or already on ``dev``);
    each block of rows is converted to ``dtype`` on ``dev``, centred (and scaled) there and
    used at once, for the objective, its gradient (one fused pass: the residuals of a row
    depend on that row only) and the Hessian. Peak memory is X plus one block, where a
    centred float64 copy would be twice X again.

    Returns theta (1, d+1, Kp) in centred coordinates, n_iter (1,), converged (1,),
    mean (1, d) and scale (1, d).
    """
    Xt = _tensor(X)
    if Xt.device != dev:  # on a GPU: X goes over once, in its own dtype, not at every step
        Xt = Xt.to(dev)
    n, d = Xt.shape
    step = max(1, block_values // max(1, d))
    blocks = [slice(i, min(i + step, n)) for i in range(0, n, step)]

    def raw(sl):
        return Xt[sl].to(device=dev, dtype=dtype)

    mean = sum(raw(sl).sum(0) for sl in blocks) / n
    scale = torch.ones_like(mean)
    if standardize:
        var = sum(((raw(sl) - mean) ** 2).sum(0) for sl in blocks) / n
        std = var.sqrt()
        scale = torch.where(std > 0, std, torch.ones_like(std))

    buf = torch.empty((min(step, n), d), dtype=dtype, device=dev)  # reused by every block

    def centred(sl):
        Z = buf[:sl.stop - sl.start]
        Z.copy_(Xt[sl])  # into our buffer: never an in-place change of the caller's X
        Z -= mean
        if standardize:
            Z /= scale
        return Z

    Kp = 1 if binary else len(classes)
    Y = targets(y, classes, dtype, dev)

    def fg(flat: torch.Tensor):
        theta = flat.view(d + 1, Kp)
        W, c = theta[:-1], theta[-1:]
        loss = flat.new_zeros(())
        gW = torch.zeros_like(W)
        rs = torch.zeros_like(c)
        for sl in blocks:
            Z = centred(sl)
            part, Rr = loss_and_residuals(Z @ W + c, Y[sl], binary)
            loss += part
            gW += (Rr.T @ Z).T  # (Rᵀ Z)ᵀ: see _loss_grad
            rs += Rr.sum(0, keepdim=True)
        f = loss / n + (W * W).sum() / (2 * C * n)
        g = torch.cat([gW / n + W / (C * n), rs / n], dim=0)
        return f.reshape(1), g.reshape(1, -1)

    x0 = torch.zeros((1, (d + 1) * Kp), dtype=dtype, device=dev)
    n_t = torch.tensor([float(n)], dtype=dtype, device=dev)

    def hess(flat: torch.Tensor):
        theta = flat.view(1, d + 1, Kp)
        H = None
        for sl in blocks:
            Z = centred(sl)
            Za = torch.cat([Z, torch.ones_like(Z[:, :1])], dim=1)[None]
            w = torch.full((1, Za.shape[1]), 1.0 / n, dtype=dtype, device=dev)
            part = _hessian_data(theta, Za, w, binary)
            H = part if H is None else H.add_(part)
        return _add_penalty(H, n_t, C, d + 1, binary)

    x, n_iter, conv = newton_batched(fg, hess, x0, tol=tol * NEWTON_TOL_FACTOR,
                                     max_iter=max_iter)
    return x.view(1, d + 1, Kp), n_iter, conv, mean[None], scale[None]


#: rows :func:`mostly_zeros` counts (a float16 count over a whole 100k-row slice took 0.2 s)
DENSITY_SAMPLE_ROWS = 1024


def mostly_zeros(X: np.ndarray, max_density: float) -> bool:
    """True when at most ``max_density`` of X's values are nonzero, judged on an evenly
    strided sample of at most ``DENSITY_SAMPLE_ROWS`` rows (the choice of the sparse path
    only changes the speed, never the optimum)."""
    step = max(1, len(X) // DENSITY_SAMPLE_ROWS)
    sample = X[::step]
    return np.count_nonzero(sample) <= max_density * sample.size


def _single_path(X, N: int, d: int, Kp: int, *, tol: float, solver: str, standardize: bool,
                 dev: torch.device, newton_max_cost: float | None,
                 sparse_max_density: float) -> str:
    """How one problem in feature space is solved: ``"newton"`` (exact, on blocks of X),
    ``"sparse"`` (L-BFGS on a CSR copy: CPU, mostly-zero numpy rows) or ``"lbfgs"``
    (L-BFGS on a centred copy, :func:`geneb.probe.full_fit.solve_full_lbfgs`)."""
    if solver == "newton":
        return "newton"
    loose = tol >= SPARSE_MIN_TOL
    sparse = (not standardize and dev.type == "cpu" and not isinstance(X, torch.Tensor)
              and mostly_zeros(np.asarray(X), sparse_max_density))
    if newton_max_cost is None:
        newton_max_cost = NEWTON_MAX_COST_SPARSE if sparse and loose else NEWTON_MAX_COST
    elif sparse and loose:
        newton_max_cost = min(newton_max_cost, NEWTON_MAX_COST_SPARSE)
    if solver == "auto" and newton_cost(N, d, Kp) <= newton_max_cost:
        return "newton"
    return "sparse" if sparse else "lbfgs"


def _tensor(a) -> torch.Tensor:
    """A torch view of a numpy array or a tensor (kept on its device)."""
    return a if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a))


def solve_probes(X_trains: list[np.ndarray], y_trains: list[np.ndarray],
                 X_test: np.ndarray | list[np.ndarray], *,
                 C: float = 1.0, tol: float = 1e-4, max_iter: int = 1000,
                 standardize: bool = False, device: str = "cpu",
                 dtype: torch.dtype = torch.float64, reduce: str = "auto",
                 reduce_max_rows: int = 256, solver: str = "auto",
                 newton_max_cost: float | None = None,
                 sparse_max_density: float = SPARSE_MAX_DENSITY,
                 block_values: int | None = None,
                 test_of: list[int] | None = None) -> list[SolvedProbe]:
    """Fit B probes in one batched solve, sharing one test set or each with its own.

    Parameters
    ----------
    X_trains : list of ndarray or Tensor, each shape (n_b, d)
        Training features of each problem (raw; centring is done here and is exact).
    y_trains : list of ndarray, each shape (n_b,)
        Labels; every problem must have the same number K ≥ 2 of distinct classes.
    X_test : ndarray, shape (n_test, d), or list of them
        The shared test rows, or several test sets with ``test_of``: problems of several
        tasks (and models: widths may differ, narrower problems are padded with zero
        columns, which get zero weight) solved in one batch.
    C, tol, max_iter : float, float, int
        scikit-learn's ``LogisticRegression`` settings.
    standardize : bool
        Divide features by their training standard deviation (changes the objective).
    device : str
        ``"cpu"`` or ``"cuda"``/``"cuda:N"``.
    reduce : {"auto", "span", "primal"}
        Solve in the span of the training rows (``span``), in feature space (``primal``) or
        ``auto``: span when n_b < d and n_b ≤ ``reduce_max_rows`` for all problems.
    solver : {"auto", "newton", "lbfgs"}
        Exact Newton (Cholesky of the Hessian in the solved coordinates), L-BFGS, or ``auto``:
        Newton when one Newton iteration costs at most ``newton_max_cost`` multiply-adds per
        problem (:func:`newton_cost`: small widths, few-shot spans), else L-BFGS (wide
        features, where one pass over the data is far cheaper than a Hessian).
    newton_max_cost : float, optional
        That crossover; default ``NEWTON_MAX_COST``, or ``NEWTON_MAX_COST_SPARSE`` for one
        sparse problem at ``tol`` ≥ ``SPARSE_MIN_TOL``.
    sparse_max_density : float
        A single L-BFGS problem on CPU whose training matrix has at most this fraction of
        nonzeros (k-mer counts) is solved on a sparse copy, centred implicitly (exact):
        ``Xc W = X W - 1 (mean W)`` and ``Xcᵀ R = Xᵀ R - meanᵀ (1ᵀ R)``. Such a problem
        goes to Newton only when an iteration costs at most ``NEWTON_MAX_COST_SPARSE``
        (at ``tol`` ≥ ``SPARSE_MIN_TOL``).
    block_values : int, optional
        A single problem solved in feature space (a full-regime fit) reads its training
        rows in blocks of about this many values: its centred copy
        (:mod:`geneb.probe.full_fit`), or for exact Newton the input itself, converted and
        centred block by block (default ``BLOCK_VALUES_CPU``, or
        ``BLOCK_VALUES_CUDA`` on a GPU).
    reduce_max_rows : int
        Largest training set solved in its row span (few-shot sizes; the span's setup, a
        Gram matrix and its eigendecomposition, costs more than it saves beyond).

    test_of : list of int, optional
        With a list of test sets: the index of problem b's test set (default all 0).

    Returns
    -------
    list of SolvedProbe, one per problem
    """
    B = len(X_trains)
    if B == 0:
        return []
    dev = torch.device(device)
    y_trains = [y.cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y) for y in y_trains]
    classes = [np.unique(y) for y in y_trains]
    K = len(classes[0])
    if K < 2 or any(len(c) != K for c in classes):
        raise ValueError(f"every problem of a batch needs the same number (>= 2) of classes; "
                         f"got {[len(c) for c in classes]}")
    binary = K == 2
    n_sets = len(X_test) if isinstance(X_test, (list, tuple)) else 1
    if test_of is not None and (len(test_of) != B or any(not 0 <= j < n_sets for j in test_of)):
        raise ValueError(f"test_of needs one index in [0, {n_sets}) per problem ({B}); "
                         f"got {list(test_of)}")
    widths = [int(X.shape[1]) for X in X_trains]
    d = max(widths)
    ns = [len(y) for y in y_trains]
    N = max(ns)
    use_span = reduce == "span" or (reduce == "auto" and N < d and N <= reduce_max_rows)

    Kp = 1 if binary else K
    if solver not in ("auto", "newton", "lbfgs"):
        raise ValueError(f"solver must be auto, newton or lbfgs, got {solver!r}")
    if B == 1 and not use_span:  # a full-regime fit
        path = _single_path(X_trains[0], N, d, Kp, tol=tol, solver=solver,
                            standardize=standardize, dev=dev,
                            newton_max_cost=newton_max_cost,
                            sparse_max_density=sparse_max_density)
        if path == "sparse":
            theta, n_iter, conv, mean = _lbfgs_sparse(np.asarray(X_trains[0]), y_trains[0],
                                                      classes[0], binary, C=C, tol=tol,
                                                      max_iter=max_iter, dtype=dtype)
            return _finish(theta, None, mean, torch.ones_like(mean), X_test, classes, binary,
                           n_iter, conv, dev, dtype, test_of, widths)
        from .full_fit import FullFitSettings, solve_full_lbfgs
        how = FullFitSettings(C=C, tol=tol, max_iter=max_iter, standardize=standardize,
                              device=dev, dtype=dtype, block_values=block_values or (
                                  BLOCK_VALUES_CUDA if dev.type == "cuda" else BLOCK_VALUES_CPU))
        if path == "newton":
            theta, n_iter, conv, mean, scale = _solve_single_newton(
                X_trains[0], y_trains[0], classes[0], binary, C=C, tol=tol, max_iter=max_iter,
                standardize=standardize, dev=dev, dtype=dtype, block_values=how.block_values)
        else:
            theta, n_iter, conv, mean, scale = solve_full_lbfgs(X_trains[0], y_trains[0],
                                                                classes[0], how)
        return _finish(theta, None, mean, scale, X_test, classes, binary, n_iter, conv, dev,
                       dtype, test_of, widths)
    newton_max_cost = NEWTON_MAX_COST if newton_max_cost is None else newton_max_cost
    Xc = torch.empty((B, N, d), dtype=dtype, device=dev)  # becomes the centred rows, in place
    Y = torch.zeros((B, N, Kp), dtype=dtype, device=dev)
    sw = torch.zeros((B, N), dtype=dtype, device=dev)
    for b, (Xb, yb) in enumerate(zip(X_trains, y_trains)):
        Xc[b, :ns[b], :widths[b]].copy_(_tensor(Xb))
        Xc[b, ns[b]:] = 0
        Xc[b, :, widths[b]:] = 0
        codes = torch.as_tensor(np.searchsorted(classes[b], yb), device=dev)
        if binary:
            Y[b, :ns[b], 0] = codes.to(dtype)
        else:
            Y[b, torch.arange(ns[b], device=dev), codes] = 1.0
        sw[b, :ns[b]] = 1.0
    n = sw.sum(1)
    mean = torch.bmm(sw[:, None, :], Xc)[:, 0, :] / n[:, None]  # (B, d)
    Xc -= mean[:, None, :]
    if N > min(ns):
        Xc *= sw[:, :, None]  # padding rows back to zero
    scale = torch.ones_like(mean)
    if standardize:
        std = (torch.bmm(sw[:, None, :], Xc * Xc)[:, 0, :] / n[:, None]).sqrt()
        scale = torch.where(std > 0, std, torch.ones_like(std))
        Xc /= scale[:, None, :]

    if use_span:
        G = torch.bmm(Xc, Xc.transpose(1, 2))  # (B, N, N) Gram of the centred rows
        lam, U = torch.linalg.eigh(G)
        keep = lam > lam.amax(1, keepdim=True).clamp_min(1e-300) * (N * torch.finfo(dtype).eps * 10)
        sroot = torch.where(keep, lam.clamp_min(0).sqrt(), torch.zeros_like(lam))
        Z = U * sroot[:, None, :]  # (B, N, N) = U S, columns with s = 0 are zero
        inv = torch.where(keep, 1.0 / sroot.clamp_min(1e-300), torch.zeros_like(sroot))
        V = torch.bmm(Xc.transpose(1, 2), U * inv[:, None, :])  # (B, d, N): Xc = U S Vᵀ
    else:
        Z, V = Xc, None
    R = Z.shape[2]
    theta0 = torch.zeros((B, R + 1, Kp), dtype=dtype, device=dev)

    def fg(flat: torch.Tensor):
        f, g = _loss_grad(flat.view(B, R + 1, Kp), Z, Y, sw, n, C, binary)
        return f, g.reshape(B, -1)

    if solver == "newton" or (solver == "auto" and newton_cost(N, R, Kp) <= newton_max_cost):
        Za = torch.cat([Z, torch.ones_like(Z[:, :, :1])], dim=2)

        def hess(flat: torch.Tensor):
            return _hessian(flat.view(B, R + 1, Kp), Za, sw, n, C, binary)

        theta, n_iter, conv = newton_batched(fg, hess, theta0.reshape(B, -1),
                                             tol=tol * NEWTON_TOL_FACTOR,
                                             max_iter=max_iter)
        del Za
    else:
        theta, n_iter, conv = lbfgs_batched(fg, theta0.reshape(B, -1), tol=tol,
                                            max_iter=max_iter)
    theta = theta.view(B, R + 1, Kp)
    return _finish(theta, V, mean, scale, X_test, classes, binary, n_iter, conv, dev, dtype,
                   test_of, widths)


def _finish(theta, V, mean, scale, X_test, classes, binary, n_iter, conv, dev, dtype,
            test_of=None, widths=None):
    """Centred (span) solution -> raw-space coefficients, intercepts and test predictions.

    ``X_test`` is one test matrix or a list of them, problem b predicting
    ``X_test[test_of[b]]``; ``widths[b]`` is problem b's own width (problems narrower than
    the batch were padded with zero columns, whose weights are zero).
    """
    B = theta.shape[0]
    W, c = theta[:, :-1, :], theta[:, -1, :]
    if V is not None:
        W = torch.bmm(V, W)  # back to feature space (B, d, Kp)
    W = W / scale[:, :, None]
    c_raw = c - torch.bmm(mean[:, None, :], W)[:, 0, :]
    tests = list(X_test) if isinstance(X_test, (list, tuple)) else [X_test]
    test_of = list(test_of) if test_of is not None else [0] * B
    widths = list(widths) if widths is not None else [W.shape[1]] * B
    codes: list[np.ndarray | None] = [None] * B
    for j, X_j in enumerate(tests):
        members = [b for b in range(B) if test_of[b] == j]
        if members:
            for b, code in zip(members, _predict(_tensor(X_j), W[members], c_raw[members],
                                                 binary, dev, dtype)):
                codes[b] = code
    W_np, c_np = W.cpu().numpy(), c_raw.cpu().numpy()
    n_iter, conv = n_iter.cpu().numpy(), conv.cpu().numpy()
    return [SolvedProbe(classes=classes[b], coef=W_np[b, :widths[b]], intercept=c_np[b],
                        y_pred=classes[b][codes[b]], n_iter=int(n_iter[b]),
                        converged=bool(conv[b])) for b in range(B)]


def _predict(Xt: torch.Tensor, W: torch.Tensor, c: torch.Tensor, binary: bool, dev,
             dtype) -> np.ndarray:
    """Class codes (m, n_test) of m problems W (m, ≥d, Kp), c (m, Kp) on one test set
    Xt (n_test, d): one (rows, d) x (d, m·Kp) product per block of test rows, so the test
    set is never copied whole to float64."""
    n_test, d = Xt.shape
    m = W.shape[0]
    Wf = W[:, :d].permute(1, 0, 2).reshape(d, -1)
    step = max(1, PREDICT_BLOCK_VALUES // max(1, d))
    buf = torch.empty((min(step, n_test), d), dtype=dtype, device=dev)
    logits = torch.empty((n_test, Wf.shape[1]), dtype=dtype, device=dev)
    for i in range(0, n_test, step):
        rows = buf[:min(step, n_test - i)]
        rows.copy_(Xt[i:i + step])
        torch.matmul(rows, Wf, out=logits[i:i + step])
    logits = logits.view(n_test, m, -1).permute(1, 0, 2) + c[:, None, :]
    codes = (logits[:, :, 0] > 0).long() if binary else logits.argmax(2)
    return codes.cpu().numpy()
