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


def test_a_budget_keeps_the_members_total_cost_within_it() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(3_000) < 0.3).astype(int)
    signals = [y + rng.normal(0, 1.0, 3_000) for _ in range(4)]  # all useful, all different
    predictions = np.column_stack(signals)
    auc = lambda p: roc_auc_score(y, p)  # noqa: E731
    unlimited = select_ensemble(predictions, auc)
    assert len(unlimited) >= 3  # without a budget it mixes most of them

    costs = [300.0, 300.0, 300.0, 300.0]
    weights = select_ensemble(predictions, auc, costs=costs, budget=650)

    assert len(weights) == 2  # two members of 300 fit in 650, a third does not
    assert sum(costs[j] for j in weights) <= 650
    assert abs(sum(weights.values()) - 1.0) < 1e-12


def test_a_cheap_candidate_can_join_where_an_expensive_one_cannot() -> None:
    rng = np.random.default_rng(4)
    y = (rng.random(3_000) < 0.3).astype(int)
    strong = y + rng.normal(0, 0.8, 3_000)
    costly = y + rng.normal(0, 0.9, 3_000)
    cheap = y + rng.normal(0, 1.1, 3_000)
    predictions = np.column_stack([strong, costly, cheap])
    auc = lambda p: roc_auc_score(y, p)  # noqa: E731

    weights = select_ensemble(predictions, auc, costs=[400, 400, 100], budget=500)

    assert set(weights) == {0, 2}


def test_when_nothing_fits_the_cheapest_candidate_stands_alone() -> None:
    rng = np.random.default_rng(5)
    y = (rng.random(500) < 0.3).astype(int)
    predictions = np.column_stack([y + rng.normal(0, s, 500) for s in (0.5, 1.0, 2.0)])
    weights = select_ensemble(
        predictions, lambda p: roc_auc_score(y, p), costs=[900, 700, 800], budget=600
    )
    assert weights == {1: 1.0}
