import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

from geneb.probe.metrics import score


@pytest.mark.parametrize("k", [2, 3, 7])
def test_score_matches_scikit_learn(k):
    rng = np.random.default_rng(k)
    for trial in range(30):
        y = rng.integers(0, k, 50)
        p = np.where(rng.random(50) < 0.6, y, rng.integers(0, k + (trial % 2), 50))
        if trial % 5 == 0:
            p[:] = p[0]  # constant prediction: MCC 0
        got = score(y, p)
        assert got["mcc"] == pytest.approx(matthews_corrcoef(y, p), abs=1e-12)
        assert got["accuracy"] == pytest.approx(accuracy_score(y, p), abs=1e-12)
        assert got["f1_macro"] == pytest.approx(
            f1_score(y, p, average="macro", zero_division=0), abs=1e-12)


def test_score_string_labels():
    y = np.array(["a", "b", "b", "c"])
    p = np.array(["a", "b", "c", "c"])
    assert score(y, p)["mcc"] == pytest.approx(matthews_corrcoef(y, p))
