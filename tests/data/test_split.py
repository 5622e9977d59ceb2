from __future__ import annotations

import pandas as pd
import pytest

from bankmarketing_ops import data


def test_stratified_split_keeps_the_positive_rate(small_frame: pd.DataFrame) -> None:
    frame = data.synthetic(4_000, seed=9)
    split = data.train_test_split(frame, test_size=0.25, seed=1)
    assert len(split.train) == 3_000
    assert len(split.test) == 1_000
    assert set(split.train.index).isdisjoint(split.test.index)
    overall = (frame["y"] == "yes").mean()
    for part in split:
        assert (part["y"] == "yes").mean() == pytest.approx(overall, abs=0.002)


def test_split_is_reproducible(small_frame: pd.DataFrame) -> None:
    first = data.train_test_split(small_frame, seed=3)
    second = data.train_test_split(small_frame, seed=3)
    assert list(first.test.index) == list(second.test.index)


@pytest.mark.parametrize("size", [0, 1, -0.1, 1.5])
def test_test_size_must_be_a_fraction(small_frame: pd.DataFrame, size: float) -> None:
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(small_frame, test_size=size)


def test_split_features_can_drop_the_leaky_column(small_frame: pd.DataFrame) -> None:
    x, y = data.split_features(small_frame)
    assert list(x.columns) == list(data.INPUT_COLUMNS)
    assert y.name == "y"
    x_honest, _ = data.split_features(small_frame, drop_leaky=True)
    assert "duration" not in x_honest.columns
    assert len(x_honest.columns) == 19
