from __future__ import annotations

import json

import pandas as pd
import pytest

from bankmarketing_ops import DataValidationError, data
from tests.conftest import WriteCsv


def test_profile_counts_rows_target_and_columns(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    result = data.profile(write_csv())
    positives = int((small_frame["y"] == "yes").sum())
    assert result.rows == 300
    assert result.columns == 21
    assert result.target.counts == {"no": 300 - positives, "yes": positives}
    assert result.target.positive_rate == pytest.approx(positives / 300)
    assert {c.name for c in result.numeric} == set(data.INTEGER_COLUMNS + data.FLOAT_COLUMNS)
    assert {c.name for c in result.categorical} == set(data.CATEGORICAL_COLUMNS)
    age = next(c for c in result.numeric if c.name == "age")
    assert age.minimum == small_frame["age"].min()
    assert age.median == small_frame["age"].median()
    assert [n.name for n in result.leaky_columns] == ["duration"]


def test_duplicates_and_unknown_rates(small_frame: pd.DataFrame) -> None:
    frame = pd.concat([small_frame, small_frame.head(4)], ignore_index=True)
    result = data.profile(frame)
    assert result.duplicate_rows == 4
    job = next(c for c in result.categorical if c.name == "job")
    assert job.unknown_rate == pytest.approx((frame["job"] == "unknown").mean())
    assert len(job.top) <= 5


def test_profile_is_json_serialisable(small_frame: pd.DataFrame) -> None:
    document = json.loads(data.profile(small_frame).model_dump_json())
    assert document["target"]["positive_label"] == "yes"


def test_profile_refuses_invalid_data(small_frame: pd.DataFrame) -> None:
    broken = small_frame.astype({"age": "object"})
    broken.loc[broken.index[0], "age"] = "x"
    with pytest.raises(DataValidationError):
        data.profile(broken)
