import numpy as np

from geneb.tasks.split import stratified_subsample


def test_stratified_subsample_keeps_rare_classes_and_exactly_n_rows():
    labels = np.array([0] * 990 + [1] * 5 + [2] * 5)
    rows = np.arange(len(labels))
    got = stratified_subsample(rows, labels, 10, seed=42)
    assert len(got) == 10 and set(labels[got]) == {0, 1, 2}
