"""load(): both formats, typed columns, and refusal of invalid data."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from bankmarketing_ops import DataValidationError, data
from bankmarketing_ops.data.loading import is_typed
from tests.conftest import WriteCsv, frame_to_csv_text


def test_both_formats_load_to_the_same_typed_frame(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    azure = data.load(write_csv(fmt="azure"))
    uci = data.load(write_csv(fmt="uci"))
    pd.testing.assert_frame_equal(azure, uci)
    pd.testing.assert_frame_equal(azure, small_frame)
    assert azure.attrs["format"] == "azure"
    assert uci.attrs["format"] == "uci"


def test_dtypes_follow_the_schema(write_csv: WriteCsv) -> None:
    frame = data.load(write_csv())
    assert list(frame.columns) == list(data.SCHEMA.column_names)
    for spec in data.SCHEMA.inputs:
        dtype = frame[spec.name].dtype
        if spec.kind == "categorical":
            assert isinstance(dtype, pd.CategoricalDtype)
            assert tuple(dtype.categories) == spec.categories
        else:
            assert dtype == ("int64" if spec.kind == "integer" else "float64")
    assert tuple(frame["y"].cat.categories) == ("no", "yes")
    assert is_typed(frame)


def test_attrs_carry_the_file_checksum(write_csv: WriteCsv) -> None:
    path = write_csv()
    frame = data.load(path)
    assert frame.attrs["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert frame.attrs["source"] == str(path)


def test_float_reprs_of_the_azure_file_parse(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    text = frame_to_csv_text(small_frame.head(1)).replace(",93.", ",93.00000000000001", 1)
    frame = data.load(write_csv(text=text))
    assert frame["cons.price.idx"].iloc[0] == pytest.approx(small_frame["cons.price.idx"].iloc[0])


def test_invalid_data_is_refused_with_the_full_report(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    frame = small_frame.astype({"age": "object", "job": "object"})
    frame.loc[frame.index[0], "age"] = "abc"
    frame.loc[frame.index[1], "job"] = "pilot"
    with pytest.raises(DataValidationError) as caught:
        data.load(write_csv(frame))
    assert caught.value.report.issue_counts == {"wrong_type": 1, "unknown_category": 1}
    assert "2 problem(s)" in str(caught.value)


def test_scoring_data_without_target_loads(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    frame = data.load(write_csv(small_frame.drop(columns=["y"])), require_target=False)
    assert list(frame.columns) == list(data.SCHEMA.input_names)
    assert is_typed(frame)


def test_is_typed_rejects_a_raw_frame(small_frame: pd.DataFrame) -> None:
    assert not is_typed(small_frame.astype({"job": "object"}))
    assert not is_typed(small_frame[list(reversed(small_frame.columns))])


def test_revalidating_a_loaded_frame_keeps_the_file_identity(write_csv: WriteCsv) -> None:
    path = write_csv()
    frame = data.load(path)
    again = data.load(frame)
    assert again.attrs == frame.attrs
    assert data.load(frame.copy(deep=True).assign(age=frame["age"])).attrs["sha256"]
