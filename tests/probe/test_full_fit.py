"""The full-regime fit (:mod:`geneb.probe.full_fit`): a centred copy, float32 where the
tolerance allows it, L-BFGS warm-started on nested subsamples.

What must hold whatever the path: the optimum is scikit-learn's (at a tight tolerance), the
caller's rows are never changed, the stopping test is the one on the full objective, and a
fit that runs out of iterations says so.
"""

import numpy as np
import pytest
import torch

from geneb.probe import full_fit
from geneb.probe.full_fit import (FLOAT32_MIN_TOL, FullFitSettings, held_dtype,
                                  reused_copy_buffer, solve_full_lbfgs, stage_sizes)
from geneb.probe.torch_solver import solve_probes

from test_solvers import planted, reference, rel


def settings(**kw) -> FullFitSettings:
    base = dict(C=1.0, tol=1e-10, max_iter=20000, standardize=False,
                device=torch.device("cpu"), dtype=torch.float64, block_values=1 << 12)
    return FullFitSettings(**{**base, **kw})


def raw_coef(X, y, how):
    classes = np.unique(y)
    theta, n_iter, conv, shift, scale = solve_full_lbfgs(X, y, classes, how)
    W = (theta[0, :-1] / scale[0][:, None]).numpy()
    return W, int(n_iter[0]), bool(conv[0])


def test_stage_sizes_halve_down_to_the_floor_and_end_with_all_rows():
    assert stage_sizes(100_000, 768) == [25000, 50000, 100000]
    assert stage_sizes(100_000, 4096) == [50000, 100000]  # floor: 8 rows per feature
    assert stage_sizes(30_000, 64) == [30000]  # half would be under 16,384 rows
    for n, d in ((50_000, 1), (123_457, 300), (10_000, 4096)):
        sizes = stage_sizes(n, d)
        assert sizes[-1] == n and sizes == sorted(sizes)
        assert all(s >= max(16384, 8 * d) for s in sizes[:-1])


def test_copy_dtype_follows_the_input_and_the_tolerance():
    f16, f32, f64 = (torch.zeros(1, dtype=t) for t in (torch.float16, torch.float32,
                                                        torch.float64))
    assert held_dtype(f16, torch.float64, 1e-4) == torch.float32
    assert held_dtype(f32, torch.float64, FLOAT32_MIN_TOL) == torch.float32
    assert held_dtype(f32, torch.float64, FLOAT32_MIN_TOL / 10) == torch.float64
    assert held_dtype(f64, torch.float64, 1e-4) == torch.float64  # no precision is dropped
    assert held_dtype(f64, torch.float32, 1e-4) == torch.float32  # asked for float32


@pytest.mark.parametrize("k", [2, 3])
def test_warm_started_stages_reach_sklearns_optimum(k):
    rng = np.random.default_rng(k)
    X, y = planted(rng, 70000, 12, k)  # stages of 17,500, 35,000 and 70,000 rows
    assert len(stage_sizes(len(X), 12)) == 3
    W, n_iter, conv = raw_coef(X, y, settings(block_values=12 * 5000))
    assert conv and n_iter < 20000
    assert rel(W, reference(X, y)) < 1e-6


def test_standardized_fit_matches_sklearn_on_scaled_features():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    rng = np.random.default_rng(8)
    X, y = planted(rng, 5000, 10, 2)
    X[:, 3] *= 50  # very different scales
    W, _, conv = raw_coef(X, y, settings(standardize=True))
    Xs = StandardScaler().fit_transform(X)
    ref = LogisticRegression(tol=1e-12, max_iter=500, solver="newton-cholesky").fit(Xs, y)
    assert conv
    assert rel(W * X.std(0)[:, None], ref.coef_.T) < 1e-6


def test_float32_copy_stays_within_the_geneb_tolerance_of_the_float64_optimum():
    rng = np.random.default_rng(3)
    X, y = planted(rng, 6000, 40, 2, offset=300.0)  # a large offset: centring must happen
    X16 = X.astype(np.float16)
    W32, _, conv = raw_coef(X16, y, settings(tol=FLOAT32_MIN_TOL))
    W64, _, _ = raw_coef(X16.astype(np.float64), y, settings(tol=1e-10))
    assert conv
    assert rel(W32, W64) < 1e-3
    got = solve_probes([X16], [y], X16)[0]  # the GENEB tolerance, through the public entry
    want = solve_probes([X16.astype(np.float64)], [y], X16.astype(np.float64), tol=1e-10)[0]
    assert np.mean(got.y_pred == want.y_pred) > 0.995


def test_the_callers_rows_are_left_alone_and_a_kept_buffer_changes_nothing():
    rng = np.random.default_rng(4)
    X, y = planted(rng, 5000, 16, 2)
    X32 = X.astype(np.float32)
    before = X32.copy()
    fresh = raw_coef(X32, y, settings(tol=1e-6))[0]
    with reused_copy_buffer():
        first = raw_coef(X32, y, settings(tol=1e-6))[0]
        kept = full_fit._buffers.tensor
        again = raw_coef(X32[:4000], y[:4000], settings(tol=1e-6))[0]  # smaller: same buffer
        assert full_fit._buffers.tensor is kept
    assert full_fit._buffers.tensor is None  # dropped at the end of the block
    np.testing.assert_array_equal(X32, before)
    np.testing.assert_array_equal(first, fresh)
    assert again.shape == fresh.shape


def test_a_fit_cut_by_max_iter_is_not_converged():
    rng = np.random.default_rng(5)
    X, y = planted(rng, 5000, 30, 2)
    _, n_iter, conv = raw_coef(X, y, settings(max_iter=2))
    assert not conv and n_iter <= 2


def test_the_preconditioner_is_the_inverse_hessian_diagonal_at_zero_weights():
    from geneb.probe.full_fit import diagonal_preconditioner
    var = torch.tensor([1.0, 4.0], dtype=torch.float64)
    two = diagonal_preconditioner(var, 2, n=100, C=1.0)  # sigmoid: p(1-p) = 1/4
    np.testing.assert_allclose(two.numpy(), [[1 / (0.25 + 0.01), 1 / (1 + 0.01), 4.0]])
    three = diagonal_preconditioner(var, 3, n=100, C=1.0).view(3, 3)  # (d+1, K), p = 1/3
    np.testing.assert_allclose(three[0].numpy(), 1 / (2 / 9 + 0.01))
    np.testing.assert_allclose(three[2].numpy(), 9 / 2)  # the intercepts: no penalty


def test_badly_scaled_features_need_few_passes():
    rng = np.random.default_rng(6)
    X, y = planted(rng, 4000, 50, 2)
    X *= np.logspace(2, -2, 50)  # variances over eight decades, as raw embeddings have
    _, n_iter, conv = raw_coef(X, y, settings(tol=1e-4))
    assert conv and n_iter <= 30  # 9 here; plain L-BFGS (no preconditioner): 16,105
