"""Cross-validated selection: Azure's fold rule, the splitter, the out-of-fold store."""

from __future__ import annotations

import numpy as np
import pytest

from bankmarketing_ops.ml.crossval import FoldSplitter, OutOfFold, default_folds, trial_key


@pytest.mark.parametrize(("rows", "folds"), [(300, 10), (999, 10), (1_000, 3), (26_000, 3)])
def test_folds_follow_azures_rule(rows: int, folds: int) -> None:
    assert default_folds(rows) == folds


def test_the_splitter_is_stratified_and_remembers_the_fold() -> None:
    y = np.array([0] * 90 + [1] * 30)
    splitter = FoldSplitter(3, seed=0)
    with pytest.raises(TypeError):  # FLAML tries split(X) first, then split(X, y)
        splitter.split(np.zeros((120, 2)))  # type: ignore[call-arg]
    seen = []
    for fit_rows, predict_rows in splitter.split(np.zeros((120, 2)), y):
        assert splitter.current is predict_rows
        assert y[predict_rows].sum() == 10  # each fold has its share of positives
        assert not set(fit_rows) & set(predict_rows)
        seen.extend(predict_rows)
    assert sorted(seen) == list(range(120))


def _record_all(store: OutOfFold, group: str, config: dict[str, float], value: float) -> None:
    for rows in (np.arange(0, 5), np.arange(5, 10)):
        store.record(group, config, rows, np.full(5, value), value)


def test_a_trial_counts_once_all_its_folds_are_in() -> None:
    store = OutOfFold(10, 2)
    store.record("LGBMEstimator", {"lr": 0.1}, np.arange(0, 5), np.full(5, 0.3), 0.8)
    assert store.get(trial_key("LGBMEstimator", {"lr": 0.1})) is None
    store.record("LGBMEstimator", {"lr": 0.1}, np.arange(5, 10), np.full(5, 0.6), 0.9)
    vector = store.get(trial_key("LGBMEstimator", {"lr": np.float64(0.1)}))
    assert vector is not None
    assert vector.tolist() == pytest.approx([0.3] * 5 + [0.6] * 5)


def test_the_store_keeps_the_best_trials_and_the_best_of_each_class() -> None:
    store = OutOfFold(10, 2, keep=3)
    for i in range(5):
        _record_all(store, "LGBMEstimator", {"i": i}, 0.9 + i / 100)
    _record_all(store, "OneHotLogisticRegression", {"C": 1.0}, 0.5)  # worst, but its class's best
    kept_lgbm = [i for i in range(5) if store.get(trial_key("LGBMEstimator", {"i": i})) is not None]
    assert kept_lgbm == [3, 4]
    assert store.get(trial_key("OneHotLogisticRegression", {"C": 1.0})) is not None


def test_folds_that_run_past_the_rows_leave_no_vector() -> None:
    # FLAML repeats the rows of a class with under 20 examples: the folds index past ours
    store = OutOfFold(10, 2)
    store.record("LGBMEstimator", {}, np.arange(0, 6), np.full(6, 0.3), 0.8)
    store.record("LGBMEstimator", {}, np.arange(6, 12), np.full(6, 0.6), 0.9)
    assert store.get(trial_key("LGBMEstimator", {})) is None
