"""Reference profiles: what they keep, and what they say when missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankmarketing_ops import ReferenceNotFoundError, data
from bankmarketing_ops.monitoring.reference import (
    bin_index,
    build_reference,
    numeric_reference,
    read_reference,
    write_reference,
)


def test_profile_covers_every_input_and_round_trips(
    tmp_path: Path, small_frame: pd.DataFrame
) -> None:
    profile = build_reference(small_frame, scores=np.linspace(0, 1, 50))
    assert sorted(profile.feature_names()) == sorted(data.SCHEMA.input_names)
    assert profile.rows == len(small_frame)
    assert profile.scores is not None
    assert profile.scores.rows == 50
    write_reference(tmp_path, profile)
    assert read_reference(tmp_path, model_ref="m:1") == profile


def test_categorical_counts_include_unseen_schema_categories(small_frame: pd.DataFrame) -> None:
    profile = build_reference(small_frame)
    [month] = [c for c in profile.categorical if c.name == "month"]
    assert set(month.counts) == set(data.SCHEMA.column("month").categories)
    assert month.counts["jan"] == 0  # the file has no January
    assert sum(month.counts.values()) == len(small_frame)


def test_few_distinct_values_get_one_bin_each() -> None:
    reference = numeric_reference("rate", [1.1, 1.1, 1.4, -1.8, -1.8, -1.8])
    assert reference.bin_proportions == pytest.approx([0.5, 1 / 3, 1 / 6])
    assert bin_index(reference.bin_edges, [-1.8, 1.1, 1.4]).tolist() == [0, 1, 2]


def test_many_values_get_decile_bins() -> None:
    reference = numeric_reference("x", np.arange(10_000, dtype=float))
    assert len(reference.bin_proportions) == 10
    assert reference.bin_proportions == pytest.approx([0.1] * 10, abs=0.001)
    assert len(reference.quantiles) == 1_000


def test_a_constant_column_is_measured_in_its_units() -> None:
    reference = numeric_reference("c", [5.0] * 100)
    assert (reference.std, reference.scale) == (0.0, 1.0)


def test_missing_profile_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ReferenceNotFoundError, match=r"bank:3 .*set_reference\('bank:3'"):
        read_reference(tmp_path, model_ref="bank:3")
