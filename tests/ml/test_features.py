from __future__ import annotations

import numpy as np
import pandas as pd

from bankmarketing_ops import data
from bankmarketing_ops.ml.features import (
    categorical_indices,
    encode_frame,
    feature_specs,
    records_of,
    target_vector,
)


def test_feature_specs_follow_the_schema_and_can_drop_duration() -> None:
    assert [f.name for f in feature_specs()] == list(data.INPUT_COLUMNS)
    honest = feature_specs(drop_leaky=True)
    assert "duration" not in [f.name for f in honest]
    assert len(honest) == 19


def test_categories_become_schema_positions(small_frame: pd.DataFrame) -> None:
    features = feature_specs()
    matrix = encode_frame(small_frame, features)
    job = [f.name for f in features].index("job")
    expected = [data.SCHEMA.column("job").categories.index(v) for v in small_frame["job"]]
    assert matrix[:, job].tolist() == expected
    age = [f.name for f in features].index("age")
    assert matrix[:, age].tolist() == small_frame["age"].astype(float).tolist()
    assert categorical_indices(features) == [
        i for i, f in enumerate(features) if f.kind == "categorical"
    ]


def test_codes_equal_the_typed_frame_codes(small_frame: pd.DataFrame) -> None:
    features = feature_specs()
    matrix = encode_frame(small_frame, features)
    for position, feature in enumerate(features):
        if feature.kind == "categorical":
            assert np.array_equal(matrix[:, position], small_frame[feature.name].cat.codes)


def test_target_vector_and_records(small_frame: pd.DataFrame) -> None:
    y = target_vector(small_frame)
    assert y.dtype == np.int64
    assert y.sum() == (small_frame["y"] == "yes").sum()
    first = next(iter(records_of(small_frame.drop(columns=["y"]))))
    assert set(first) == set(data.INPUT_COLUMNS)
    assert isinstance(first["job"], str)
    assert isinstance(first["age"], int)
