"""The data-set verdict: thresholds, drift share, empty and tiny windows."""

from __future__ import annotations

import pandas as pd
import pytest

from bankmarketing_ops import DriftError, DriftOptions, data
from bankmarketing_ops.monitoring.compare import feature_alerts, measure
from bankmarketing_ops.monitoring.reference import build_reference

ECONOMIC = list(data.ECONOMIC_COLUMNS)


@pytest.fixture(scope="module")
def reference_frame() -> pd.DataFrame:
    return data.synthetic(4_000, seed=1)


def _shifted(frame: pd.DataFrame, columns: list[str], by_std: float) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        out[column] = out[column] + by_std * frame[column].std()
    return out


def test_same_source_does_not_drift(reference_frame: pd.DataFrame) -> None:
    result = measure(
        build_reference(reference_frame), data.synthetic(4_000, seed=2), DriftOptions()
    )
    assert result.status == "ok"
    assert not result.dataset_drift
    assert result.drifted_features == []


def test_features_drift_but_the_data_set_only_at_the_share(reference_frame: pd.DataFrame) -> None:
    profile = build_reference(reference_frame)
    current = _shifted(data.synthetic(4_000, seed=2), ECONOMIC, 1.0)  # 5 of 20 inputs
    result = measure(profile, current, DriftOptions())
    assert sorted(result.drifted_features) == sorted(ECONOMIC)
    assert result.drift_share == pytest.approx(0.25)
    assert not result.dataset_drift
    assert measure(profile, current, DriftOptions(drift_share=0.25)).dataset_drift


def test_per_feature_thresholds_and_feature_selection(reference_frame: pd.DataFrame) -> None:
    profile = build_reference(reference_frame)
    current = _shifted(data.synthetic(4_000, seed=2), ["age"], 0.5)
    assert measure(profile, current, DriftOptions()).drifted_features == ["age"]
    relaxed = DriftOptions(feature_thresholds={"age": 0.8})
    assert measure(profile, current, relaxed).drifted_features == []
    only = measure(profile, current, DriftOptions(features=["age", "job"]))
    assert [f.name for f in only.features] == ["age", "job"]
    assert only.dataset_drift  # 1 of 2
    with pytest.raises(DriftError, match="does not profile agee"):
        measure(profile, current, DriftOptions(features=["agee"]))


def test_empty_window_is_no_data_not_a_crash(reference_frame: pd.DataFrame) -> None:
    result = measure(build_reference(reference_frame), reference_frame.iloc[:0], DriftOptions())
    assert (result.status, result.dataset_drift, result.features) == ("no_data", False, [])


def test_tiny_window_is_insufficient_not_an_alarm(reference_frame: pd.DataFrame) -> None:
    tiny = _shifted(reference_frame.iloc[:3], [*ECONOMIC, "age", "campaign", "pdays"], 5.0)
    result = measure(build_reference(reference_frame), tiny, DriftOptions())
    assert result.status == "insufficient_data"
    assert not result.dataset_drift
    assert result.drifted_features == []
    assert max(f.value for f in result.features) > 1  # measured, just not judged
    assert feature_alerts(result, DriftOptions()) == []


def test_alerts_are_structured(reference_frame: pd.DataFrame) -> None:
    current = _shifted(data.synthetic(4_000, seed=2), ECONOMIC, 3.0)
    options = DriftOptions(drift_share=0.2)
    alerts = feature_alerts(measure(build_reference(reference_frame), current, options), options)
    by_feature = {a.feature: a for a in alerts}
    assert set(by_feature) == {*ECONOMIC, None}
    euribor = by_feature["euribor3m"]
    assert (euribor.kind, euribor.statistic, euribor.threshold) == (
        "feature",
        "wasserstein_normalized",
        0.1,
    )
    assert euribor.value > 1
    assert euribor.severity == "critical"
    assert by_feature[None].kind == "dataset"


def test_options_forbid_unknown_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        DriftOptions(treshold=0.2)  # type: ignore[call-arg]
