"""Backends: torch reaches scikit-learn's optimum; auto, cuml and exact-reference selection."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from geneb.core.errors import InputError
from geneb.probe import ProbeProtocol
from geneb.probe.backends import BACKEND_CHOICES, get_backend
from geneb.probe.backends.cuml_backend import cuml_available
from geneb.probe.backends.torch_backend import TorchBackend, cuda_available
from geneb.probe.torch_solver import solve_probes


def planted(rng, n, d, k, offset=5.0, scale=3.0):
    """Features with a large offset (like raw embeddings) and a planted linear signal."""
    X = rng.normal(size=(n, d)) * scale + offset
    w = rng.normal(size=(d, k))
    y = ((X - offset) @ w / np.sqrt(d) + rng.gumbel(size=(n, k))).argmax(1)
    return X, y


def sklearn_tight(X, y, standardize=False):
    mean = X.mean(0)
    sd = X.std(0) if standardize else np.ones(X.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = LogisticRegression(C=1.0, tol=1e-10, max_iter=50000).fit((X - mean) / sd, y)
    coef = clf.coef_.T / sd[:, None]
    return clf, coef, clf.intercept_ - mean @ coef


# (n_classes, [n_train of each problem in one batch], d): few-shot n<d in the span of the
# rows, several problems of unequal size padded into one batch, and n>d in feature space
GRID = [(2, [200], 20), (3, [300], 15), (2, [2, 20, 11], 64), (4, [4, 40, 33], 50),
        (3, [90, 60], 200)]


@pytest.mark.parametrize("k,ns,d", GRID)
def test_torch_reaches_sklearns_optimum_at_tight_tolerance(k, ns, d):
    rng = np.random.default_rng(k * 100 + d)
    problems = []
    for n in ns:
        while True:
            X, y = planted(rng, n, d, k)
            if len(np.unique(y)) == k:
                break
        problems.append((X, y))
    X_test, _ = planted(rng, 2000, d, k)
    got = solve_probes([p[0] for p in problems], [p[1] for p in problems], X_test,
                       tol=1e-10, max_iter=20000)
    for (X, y), s in zip(problems, got):
        clf, coef, intercept = sklearn_tight(X, y)
        assert s.converged and 0 < s.n_iter < 20000
        assert np.linalg.norm(s.coef - coef) / np.linalg.norm(coef) < 1e-5
        if k == 2:
            np.testing.assert_allclose(s.intercept, intercept, rtol=1e-4, atol=1e-6)
        else:  # softmax intercepts are defined up to a common shift
            np.testing.assert_allclose(s.intercept - s.intercept.mean(),
                                       intercept - intercept.mean(), rtol=1e-4, atol=1e-6)
        pred = clf.classes_[np.argmax(X_test @ coef + intercept, 1)] if k > 2 else \
            clf.classes_[(X_test @ coef[:, 0] + intercept[0] > 0).astype(int)]
        assert np.mean(s.y_pred == pred) >= 0.999


def test_standardised_objective_matches_sklearn_on_standardised_features():
    rng = np.random.default_rng(7)
    X, y = planted(rng, 150, 30, 3)
    X[:, :5] *= 50  # features on very different scales
    s = solve_probes([X], [y], X[:10], tol=1e-10, max_iter=20000, standardize=True)[0]
    _, coef, _ = sklearn_tight(X, y, standardize=True)
    assert np.linalg.norm(s.coef - coef) / np.linalg.norm(coef) < 1e-5


def test_unconverged_fits_are_reported_as_unconverged():
    rng = np.random.default_rng(3)
    X, y = planted(rng, 300, 40, 2)
    protocol = ProbeProtocol(max_iter=3)
    for name in ("torch", "sklearn"):
        fit = get_backend(name, protocol).fit_predict(X, y, X)
        assert fit.n_iter <= 3 and not fit.converged, name
    fit = get_backend("torch", ProbeProtocol()).fit_predict(X, y, X)
    assert fit.converged and fit.n_iter < 1000


def test_batched_fits_equal_one_at_a_time_fits():
    rng = np.random.default_rng(11)
    X_test, _ = planted(rng, 500, 80, 3)
    problems = [planted(rng, n, 80, 3) for n in (3, 30, 12)]
    backend = get_backend("torch", ProbeProtocol())
    many = backend.fit_predict_many(problems, X_test)
    for (X, y), fit in zip(problems, many):
        one = backend.fit_predict(X, y, X_test)
        assert np.mean(one.y_pred == fit.y_pred) >= 0.99


def test_auto_picks_torch_and_falls_back_to_sklearn_with_a_warning(monkeypatch):
    assert set(BACKEND_CHOICES) == {"auto", "torch", "cuml", "sklearn"}
    auto = get_backend("auto", ProbeProtocol())
    assert auto.name == ("torch:cuda" if cuda_available() else "torch:cpu")

    def broken(self, protocol, **kw):
        raise ImportError("no torch here")

    monkeypatch.setattr(TorchBackend, "__init__", broken)
    if not cuml_available():
        with pytest.warns(RuntimeWarning, match="falling back to scikit-learn"):
            assert get_backend("auto", ProbeProtocol()).name == "sklearn"


def test_exact_reference_and_device_options():
    assert get_backend("torch", ProbeProtocol(), exact_reference=True).name == "sklearn"
    assert get_backend("torch", ProbeProtocol(), device="cpu").name == "torch:cpu"
    with pytest.raises(InputError, match="--device applies to the torch backend"):
        get_backend("sklearn", ProbeProtocol(), device="cpu")
    if not cuda_available():
        with pytest.raises(InputError, match="no CUDA GPU"):
            get_backend("torch", ProbeProtocol(), device="cuda")


@pytest.mark.parametrize("bad", [dict(C=0), dict(max_iter=0), dict(tol=-1), dict(seeds=()),
                                 dict(regimes=(("1shot", 0),))])
def test_bad_protocol_settings_are_refused(bad):
    with pytest.raises(InputError):
        ProbeProtocol(**bad)


@pytest.mark.skipif(cuml_available(), reason="cuML is installed")
def test_cuml_without_cuml_is_a_clear_error():
    with pytest.raises(InputError, match=r"geneb\[gpu\]"):
        get_backend("cuml", ProbeProtocol())


@pytest.mark.gpu
@pytest.mark.skipif(not cuml_available(), reason="needs cuML and a CUDA GPU")
def test_cuml_backend_agrees_with_sklearn():
    rng = np.random.default_rng(5)
    X, y = planted(rng, 400, 30, 2)
    ref = get_backend("sklearn", ProbeProtocol()).fit_predict(X, y, X)
    got = get_backend("cuml", ProbeProtocol()).fit_predict(X, y, X)
    assert np.mean(ref.y_pred == got.y_pred) >= 0.98


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("k,ns,d", GRID[:3])
def test_torch_on_cuda_reaches_sklearns_optimum(k, ns, d):
    rng = np.random.default_rng(k * 100 + d)
    problems = [planted(rng, n, d, k) for n in ns]
    problems = [(X, y) for X, y in problems if len(np.unique(y)) == k]
    X_test, _ = planted(rng, 1000, d, k)
    got = solve_probes([p[0] for p in problems], [p[1] for p in problems], X_test,
                       tol=1e-10, max_iter=20000, device="cuda")
    for (X, y), s in zip(problems, got):
        _, coef, _ = sklearn_tight(X, y)
        assert np.linalg.norm(s.coef - coef) / np.linalg.norm(coef) < 1e-5


@pytest.mark.parametrize("k,solver,standardize", [(2, "newton", False), (3, "newton", False),
                                                  (2, "lbfgs", True), (4, "lbfgs", False)])
def test_full_fit_read_in_row_blocks_matches_one_block_and_leaves_input_alone(k, solver,
                                                                              standardize):
    rng = np.random.default_rng(k)
    X, y = planted(rng, 300, 12, k)
    X32 = X.astype(np.float32)
    before = X32.copy()
    one = solve_probes([X32], [y], X32[:50], tol=1e-10, max_iter=5000, solver=solver,
                       standardize=standardize, block_values=10**9)[0]
    many = solve_probes([X32], [y], X32[:50], tol=1e-10, max_iter=5000, solver=solver,
                        standardize=standardize, block_values=12 * 7)[0]  # 43 blocks of 7 rows
    np.testing.assert_array_equal(X32, before)  # the caller's array is never centred in place
    assert one.converged and many.converged
    np.testing.assert_allclose(many.coef, one.coef, rtol=1e-6, atol=1e-9)
    X64 = X.copy()
    solve_probes([X64], [y], X64[:5], solver=solver)  # float64 input: a block is a view of it
    np.testing.assert_array_equal(X64, X)


def test_problems_of_several_tasks_and_widths_in_one_batch_match_separate_solves():
    rng = np.random.default_rng(11)
    problems, tests, test_of = [], [], []
    for j, (d, n_test) in enumerate(((30, 200), (48, 150), (30, 90))):  # 3 tasks, 2 widths
        X, y = planted(rng, 400, d, 3)
        tests.append(planted(rng, n_test, d, 3)[0])
        for n in (3, 15, 30):  # few-shot sizes: solved in the span of their rows
            rows = rng.choice(400, n, replace=False)
            while len(np.unique(y[rows])) < 3:
                rows = rng.choice(400, n, replace=False)
            problems.append((X[rows], y[rows]))
            test_of.append(j)
    together = solve_probes([p[0] for p in problems], [p[1] for p in problems], tests,
                            test_of=test_of, tol=1e-10, max_iter=5000)
    for (X, y), j, got in zip(problems, test_of, together):
        alone = solve_probes([X], [y], tests[j], tol=1e-10, max_iter=5000, reduce="span")[0]
        assert got.coef.shape == (X.shape[1], 3) and len(got.y_pred) == len(tests[j])
        np.testing.assert_allclose(got.coef, alone.coef, rtol=1e-6, atol=1e-9)
        assert np.mean(got.y_pred == alone.y_pred) >= 0.99


def test_a_test_set_index_out_of_range_is_refused():
    rng = np.random.default_rng(0)
    X, y = planted(rng, 40, 8, 2)
    with pytest.raises(ValueError, match="test_of"):
        solve_probes([X], [y], [X[:5]], test_of=[1])


# --backend auto by measured evidence (geneb.probe.backends.select)
from geneb.probe.backends.select import (Candidate, Evidence, auto_choice,  # noqa: E402
                                         candidates_here, choose_backend,
                                         evidence_from_gpu_check)

GPU_HERE = [Candidate("torch", "cuda"), Candidate("cuml", "cuda"), Candidate("sklearn", "cpu")]


def test_auto_picks_the_fastest_backend_within_parity():
    ev = [Evidence("torch", "cuda", 0.0021, 900.0, "gpu_check.json H200"),
          Evidence("cuml", "cuda", 0.0030, 40.0, "gpu_check.json H200")]
    name, why = choose_backend(GPU_HERE, ev)
    assert name == "torch"
    assert "900.0 fits/s vs cuml 40.0" in why and "H200" in why
    faster_cuml = [ev[0], Evidence("cuml", "cuda", 0.0030, 2000.0, "x")]
    assert choose_backend(GPU_HERE, faster_cuml)[0] == "cuml"


def test_auto_never_picks_a_backend_outside_the_parity_bound():
    ev = [Evidence("torch", "cuda", 0.0021, 900.0, "s"),
          Evidence("cuml", "cuda", 0.02, 5000.0, "s")]
    name, why = choose_backend(GPU_HERE, ev)
    assert name == "torch" and "cuml mean |dMCC| 0.0200 > 0.005" in why
    both_bad = [Evidence("torch", "cuda", 0.01, 900.0, "s"),
                Evidence("cuml", "cuda", 0.02, 1.0, "s")]
    name, why = choose_backend(GPU_HERE, both_bad)
    assert name == "sklearn" and "torch:cuda mean |dMCC| 0.0100" in why


def test_auto_without_evidence_for_this_device_says_so():
    cpu_only = [Candidate("torch", "cpu"), Candidate("sklearn", "cpu")]
    ev = [Evidence("torch", "cuda", 0.001, 900.0, "s")]  # another device: ignored
    name, why = choose_backend(cpu_only, ev)
    assert name == "torch" and "no parity measurement on this device" in why
    # a backend that cannot run here is never picked, whatever its numbers
    no_cuml = [Candidate("torch", "cuda"), Candidate("cuml", "cuda", False, "cuML does not import"),
               Candidate("sklearn", "cpu")]
    ev = [Evidence("torch", "cuda", 0.002, 10.0, "s"), Evidence("cuml", "cuda", 0.002, 99.0, "s")]
    assert choose_backend(no_cuml, ev)[0] == "torch"
    broken = [Candidate("torch", "cuda", False, "torch sees no CUDA GPU"),
              Candidate("sklearn", "cpu")]
    name, why = choose_backend(broken, [])
    assert name == "sklearn" and "torch sees no CUDA GPU" in why


def test_candidates_here_on_this_machine():
    names = [(c.name, c.device, c.available) for c in candidates_here("cpu")]
    assert names == [("torch", "cpu", True), ("sklearn", "cpu", True)]
    if not cuda_available():
        cuda = {c.name: c for c in candidates_here("cuda")}
        assert not cuda["torch"].available and "no CUDA GPU" in cuda["torch"].why_not
        assert not cuda["cuml"].available


def test_evidence_is_read_from_a_gpu_check_summary(tmp_path):
    doc = {"device": "cuda", "started": "2026-11-20T10:00:00",
           "steps": {"env": {"status": "ok", "gpu": {"name": "NVIDIA H200"}},
                     "parity": {"status": "ok", "torch": {"status": "ok", "mean_abs_dmcc": 0.0022},
                                "cuml": {"status": "skipped", "reason": "cuML does not import"}},
                     "scale": {"status": "ok", "cuml_vs_torch": {
                         "status": "ok", "torch": {"fits_per_second": 812.5},
                         "cuml": {"fits_per_second": 37.0}}}}}
    path = tmp_path / "gpu_check.json"
    path.write_text(__import__("json").dumps(doc))
    ev = {e.name: e for e in evidence_from_gpu_check(path)}
    assert ev["torch"] == Evidence("torch", "cuda", 0.0022, 812.5,
                                   "gpu_check.json 2026-11-20 NVIDIA H200")
    assert ev["cuml"].mean_abs_dmcc is None and ev["cuml"].fits_per_second == 37.0
    name, why = choose_backend(GPU_HERE, list(ev.values()))
    assert name == "torch" and "812.5 fits/s" in why


def test_auto_choice_on_this_cpu_with_and_without_a_measurement(tmp_path):
    name, why = auto_choice("cpu")
    assert name == "torch" and why.startswith("torch:cpu: no parity measurement")
    path = tmp_path / "gpu_check.json"
    path.write_text(__import__("json").dumps(
        {"device": "cpu", "started": "2026-12-04T04:25:23Z",
         "steps": {"parity": {"torch": {"status": "ok", "mean_abs_dmcc": 0.0017}},
                   "scale": {"cuml_vs_torch": {"status": "skipped", "reason": "no cuML"}}}}))
    name, why = auto_choice("cpu", path)
    assert name == "torch" and "mean |dMCC| 0.0017 <= 0.005" in why and "no speed measured" in why


def test_get_backend_says_what_was_asked_what_was_chosen_and_why(tmp_path, monkeypatch):
    monkeypatch.delenv("GENEB_BACKEND_EVIDENCE", raising=False)
    auto = get_backend("auto", ProbeProtocol(), device="cpu")
    assert auto.choice["asked"] == "auto" and auto.choice["chosen"] == "torch:cpu"
    assert auto.choice["reason"].startswith("torch:cpu: no parity measurement")
    assert get_backend("sklearn", ProbeProtocol()).choice == {
        "asked": "sklearn", "chosen": "sklearn", "reason": "asked for by name"}
    assert get_backend("auto", ProbeProtocol(), exact_reference=True).choice["reason"] \
        == "--exact-reference"
    # measured evidence outside the parity bound moves auto off torch
    path = tmp_path / "gpu_check.json"
    path.write_text(__import__("json").dumps(
        {"device": "cpu", "steps": {"parity": {"torch": {"status": "ok", "mean_abs_dmcc": 0.02}}}}))
    monkeypatch.setenv("GENEB_BACKEND_EVIDENCE", str(path))
    moved = get_backend("auto", ProbeProtocol(), device="cpu")
    assert moved.name == "sklearn" and "0.0200 > 0.005" in moved.choice["reason"]
    monkeypatch.setenv("GENEB_BACKEND_EVIDENCE", str(tmp_path / "nope.json"))
    with pytest.raises(InputError, match="GENEB_BACKEND_EVIDENCE"):
        get_backend("auto", ProbeProtocol())


def test_the_cube_records_the_backend_choice(store2, monkeypatch):
    from geneb.probe import run_probes
    monkeypatch.delenv("GENEB_BACKEND_EVIDENCE", raising=False)
    store, models, tasks, _ = store2
    cube = run_probes(store, models[:1], tasks[:1], protocol=ProbeProtocol(seeds=(13,)),
                      backend="auto", device="cpu", show_progress=False, n_workers=1)
    assert cube.attrs["backend_choice"]["asked"] == "auto"
    assert cube.attrs["backend_choice"]["chosen"] == cube.attrs["backend"] == "torch:cpu"
