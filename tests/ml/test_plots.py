"""Permutation importance: scored on all cores, equal to the one-by-one computation."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from bankmarketing_ops.ml.plots import permutation_importance


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2_000, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=2_000) > 0).astype(np.int64)
    return x, y


def _predict(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-(x[:, 0] + 0.5 * x[:, 1]))))  # ignores columns 2, 3


def test_importance_ranks_what_the_predictor_uses_and_ignores_the_rest() -> None:
    x, y = _data()
    importance = permutation_importance(_predict, x, y, ["a", "b", "c", "d"], seed=1)
    assert list(importance)[:2] == ["a", "b"]
    assert importance["a"] > importance["b"] > 0.01
    assert importance["c"] == importance["d"] == 0.0


def test_parallel_scoring_gives_the_sequential_answer() -> None:
    x, y = _data()
    names, repeats = ["a", "b", "c", "d"], 3
    rng = np.random.default_rng(7)
    reference = roc_auc_score(y, _predict(x))
    expected = {}
    for column, name in enumerate(names):  # the plain loop, shuffles drawn in this order
        drops = []
        for _ in range(repeats):
            shuffled = x.copy()
            shuffled[:, column] = rng.permutation(x[:, column])
            drops.append(reference - roc_auc_score(y, _predict(shuffled)))
        expected[name] = float(np.mean(drops))

    assert permutation_importance(_predict, x, y, names, seed=7, repeats=repeats) == expected
