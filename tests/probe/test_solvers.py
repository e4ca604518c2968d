"""The solvers behind the torch backend: exact Newton, dense and sparse L-BFGS.

Each reaches scikit-learn's optimum of the same objective at a tight tolerance (the reference
is scikit-learn's own exact Newton, ``newton-cholesky``, on centred features), in feature space
(n > d) and in the span of the rows (n < d), for 2 and 3 classes; and a solver stopped by
``max_iter`` says so.
"""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from geneb.probe.torch_solver import NEWTON_MAX_COST, newton_cost, solve_probes


def planted(rng, n, d, k, offset=5.0):
    X = rng.normal(size=(n, d)) * 3 + offset
    y = ((X - offset) @ rng.normal(size=(d, k)) / np.sqrt(d) + rng.gumbel(size=(n, k))).argmax(1)
    return X, y


def counts(rng, n, d, k, rate=0.08):
    """Sparse k-mer-like counts (about 8% nonzero) with a planted signal."""
    X = rng.poisson(rate, size=(n, d)).astype(np.float64)
    y = (X @ rng.normal(size=(d, k)) + rng.gumbel(size=(n, k))).argmax(1)
    return X, y


def reference(X, y):
    """scikit-learn's exact optimum: Newton-Cholesky at tol 1e-12 on centred features."""
    mean = X.mean(0)
    clf = LogisticRegression(C=1.0, tol=1e-12, max_iter=500, solver="newton-cholesky")
    clf.fit(X - mean, y)
    return clf.coef_.T


def rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n,d,reduce", [(400, 30, "primal"), (60, 150, "span")])
def test_newton_reaches_sklearns_optimum(k, n, d, reduce):
    rng = np.random.default_rng(10 * k + d)
    X, y = planted(rng, n, d, k)
    s = solve_probes([X], [y], X[:50], tol=1e-10, max_iter=100, solver="newton",
                     reduce=reduce)[0]
    assert s.converged and 0 < s.n_iter < 30  # Newton: a handful of iterations
    assert rel(s.coef, reference(X, y)) < 1e-7


@pytest.mark.parametrize("k", [2, 3])
def test_newton_settles_exactly_collinear_features(k):
    """Rows of k-mer counts sum to a constant: the null direction is set by the penalty only."""
    rng = np.random.default_rng(k)
    X, y = counts(rng, 500, 40, k, rate=2.0)
    X[:, -1] = 100 - X[:, :-1].sum(1)  # every row sums to 100
    s = solve_probes([X], [y], X, tol=1e-10, max_iter=100, solver="newton")[0]
    assert s.converged
    assert rel(s.coef, reference(X, y)) < 1e-7


@pytest.mark.parametrize("k", [2, 3])
def test_sparse_lbfgs_reaches_sklearns_optimum_and_matches_dense(k):
    rng = np.random.default_rng(5 + k)
    X, y = counts(rng, 300, 120, k)
    assert np.count_nonzero(X) < 0.3 * X.size
    sparse = solve_probes([X], [y], X[:80], tol=1e-10, max_iter=20000, solver="lbfgs")[0]
    dense = solve_probes([X], [y], X[:80], tol=1e-10, max_iter=20000, solver="lbfgs",
                         sparse_max_density=0.0)[0]
    assert sparse.converged and dense.converged
    ref = reference(X, y)
    assert rel(sparse.coef, ref) < 1e-5
    assert rel(sparse.coef, dense.coef) < 1e-5
    np.testing.assert_array_equal(sparse.y_pred, dense.y_pred)


@pytest.mark.parametrize("solver,sparse", [("newton", False), ("lbfgs", False),
                                           ("lbfgs", True)])
def test_unconverged_fits_are_reported(solver, sparse):
    rng = np.random.default_rng(1)
    X, y = counts(rng, 400, 100, 3) if sparse else planted(rng, 400, 100, 3)
    s = solve_probes([X], [y], X[:5], tol=1e-12, max_iter=1, solver=solver,
                     sparse_max_density=0.3 if sparse else 0.0)[0]
    assert s.n_iter == 1 and not s.converged


def test_auto_picks_newton_for_narrow_and_few_shot_lbfgs_for_wide():
    rng = np.random.default_rng(2)
    X, y = planted(rng, 300, 20, 2)
    narrow = solve_probes([X], [y], X[:5], max_iter=1000)[0]
    assert narrow.n_iter <= 15  # Newton; L-BFGS needs more on these offsets
    assert newton_cost(2000, 64, 1) < newton_cost(2000, 4096, 1)
    # wide full fits go to L-BFGS, few-shot spans (30 rows, 3 classes) to Newton
    assert newton_cost(2000, 4096, 1) > NEWTON_MAX_COST > newton_cost(30, 30, 3)


def test_unknown_solver_is_refused():
    X, y = planted(np.random.default_rng(0), 50, 5, 2)
    with pytest.raises(ValueError, match="solver"):
        solve_probes([X], [y], X, solver="sgd")
