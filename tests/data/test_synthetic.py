from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from bankmarketing_ops import data


def test_synthetic_data_passes_validation_and_is_typed() -> None:
    frame = data.synthetic(2_000, seed=3)
    assert data.validate(frame).valid
    assert list(frame.columns) == list(data.SCHEMA.column_names)
    assert len(frame) == 2_000


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    pd.testing.assert_frame_equal(data.synthetic(500, seed=5), data.synthetic(500, seed=5))
    assert not data.synthetic(500, seed=5).equals(data.synthetic(500, seed=6))


def test_marginals_are_realistic() -> None:
    frame = data.synthetic(20_000, seed=1)
    assert 0.08 < (frame["y"] == "yes").mean() < 0.15  # the real file: 11.2 %
    for spec in data.SCHEMA.inputs:
        if spec.kind == "categorical" and spec.name != "month":
            observed = frame[spec.name].value_counts(normalize=True)
            for category, expected in zip(spec.categories, spec.frequencies, strict=True):
                assert observed.get(category, 0.0) == pytest.approx(expected, abs=0.015)
    assert 35 < frame["age"].mean() < 45
    assert (frame["pdays"] == 999).mean() > 0.9


def test_economic_indicators_move_together() -> None:
    frame = data.synthetic(5_000, seed=2)
    corr = np.corrcoef(frame["euribor3m"], frame["nr.employed"])[0, 1]
    assert corr > 0.8  # as in the real file, where they describe the same periods


def test_target_is_learnable_and_zero_duration_means_no() -> None:
    frame = data.synthetic(6_000, seed=4)
    split = data.train_test_split(frame, seed=4)
    x_train, y_train = data.split_features(split.train)
    x_test, y_test = data.split_features(split.test)
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    model.fit(x_train, y_train == "yes")
    auc = roc_auc_score(y_test == "yes", model.predict_proba(x_test)[:, 1])
    assert auc > 0.75
    assert (frame.loc[frame["duration"] == 0, "y"] == "no").all()


def test_n_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        data.synthetic(0)
