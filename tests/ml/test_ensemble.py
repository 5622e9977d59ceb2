from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from bankmarketing_ops.ml.ensemble import select_ensemble


def test_complementary_models_are_mixed() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(3_000) < 0.3).astype(int)
    signal_a = y + rng.normal(0, 1.0, 3_000)
    signal_b = y + rng.normal(0, 1.0, 3_000)  # independent noise: averaging helps
    predictions = np.column_stack([signal_a, signal_b, rng.random(3_000)])
    weights = select_ensemble(predictions, lambda p: roc_auc_score(y, p))
    assert set(weights) == {0, 1}
    assert sum(weights.values()) == 1.0
    mixed = predictions[:, list(weights)] @ np.array(list(weights.values()))
    assert roc_auc_score(y, mixed) > max(roc_auc_score(y, signal_a), roc_auc_score(y, signal_b))


def test_a_dominant_model_stands_alone() -> None:
    rng = np.random.default_rng(2)
    y = (rng.random(1_000) < 0.3).astype(int)
    perfect = y.astype(float)
    predictions = np.column_stack([rng.random(1_000), perfect])
    assert select_ensemble(predictions, lambda p: roc_auc_score(y, p)) == {1: 1.0}
