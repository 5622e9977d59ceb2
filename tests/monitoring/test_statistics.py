"""Drift statistics on data whose drift is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from bankmarketing_ops import data
from bankmarketing_ops.monitoring.reference import build_reference, numeric_reference
from bankmarketing_ops.monitoring.statistics import categorical_drift, numeric_drift, psi
from bankmarketing_ops.types.drift import CategoricalReference


@pytest.mark.parametrize("shift", [0.05, 0.2, 0.5, 1.0, 3.0])
def test_a_shift_of_k_standard_deviations_measures_k(shift: float) -> None:
    rng = np.random.default_rng(1)
    reference = numeric_reference("x", rng.normal(10.0, 2.0, 20_000))
    current = rng.normal(10.0 + shift * 2.0, 2.0, 20_000)
    result = numeric_drift(reference, current, threshold=0.1)
    assert result.wasserstein_normalized == pytest.approx(shift, abs=0.03)
    assert result.drifted == (shift > 0.1)


def test_a_known_shift_of_a_real_schema_column_is_measured() -> None:
    frame = data.synthetic(5_000, seed=3)
    reference = build_reference(frame)
    [age] = [f for f in reference.numeric if f.name == "age"]
    shifted = frame["age"].to_numpy(dtype=float) + 0.5 * age.std
    result = numeric_drift(age, shifted, threshold=0.1)
    assert result.value == pytest.approx(0.5, abs=0.01)
    assert result.drifted
    assert result.ks_pvalue is not None
    assert result.ks_pvalue < 1e-6


def test_same_distribution_does_not_drift() -> None:
    rng = np.random.default_rng(2)
    reference = numeric_reference("x", rng.lognormal(5, 1, 20_000))
    result = numeric_drift(reference, rng.lognormal(5, 1, 20_000), threshold=0.1)
    assert result.value < 0.03
    assert not result.drifted
    assert result.psi < 0.01


def test_p_values_are_shown_but_do_not_decide() -> None:
    # 200,000 rows make a shift of 0.03 standard deviations "significant", not drift.
    rng = np.random.default_rng(3)
    reference = numeric_reference("x", rng.normal(0, 1, 200_000))
    result = numeric_drift(reference, rng.normal(0.03, 1, 200_000), threshold=0.1)
    assert result.ks_pvalue is not None
    assert result.ks_pvalue < 0.001
    assert not result.drifted


def test_a_window_too_small_to_decide_never_drifts() -> None:
    reference = numeric_reference("x", np.arange(1_000, dtype=float))
    result = numeric_drift(reference, [5_000.0, 6_000.0, 7_000.0], threshold=0.1, decide=False)
    assert result.value > 1
    assert not result.drifted


def test_categories_unseen_in_the_reference_are_named_and_measured() -> None:
    reference = CategoricalReference(
        name="job", rows=1_000, counts={"admin.": 600, "student": 0, "retired": 400}
    )
    current = ["admin."] * 300 + ["retired"] * 200 + ["student"] * 500
    result = categorical_drift(reference, current, threshold=0.1)
    assert result.unseen_categories == ["student"]
    assert result.drifted
    assert np.isfinite(result.psi)
    assert result.psi > 1
    assert result.chi2_pvalue is not None
    assert result.chi2_pvalue < 1e-10
    assert result.current_distribution[result.bins.index("student")] == pytest.approx(0.5)


def test_a_category_outside_the_schema_is_compared_too() -> None:
    reference = CategoricalReference(name="contact", rows=10, counts={"cellular": 10})
    result = categorical_drift(reference, ["pigeon"] * 10, threshold=0.1)
    assert result.unseen_categories == ["pigeon"]
    assert result.jensen_shannon == pytest.approx(1.0)


def test_one_category_on_both_sides_is_no_drift() -> None:
    reference = CategoricalReference(name="contact", rows=10, counts={"cellular": 10})
    result = categorical_drift(reference, ["cellular"] * 600, threshold=0.1)
    assert (result.value, result.chi2_statistic, result.chi2_pvalue) == (0.0, 0.0, 1.0)
    assert not result.drifted


def test_psi_is_zero_for_equal_shares_and_finite_for_empty_bins() -> None:
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert 0 < psi([0.5, 0.5, 0.0], [0.4, 0.4, 0.2]) < 5
