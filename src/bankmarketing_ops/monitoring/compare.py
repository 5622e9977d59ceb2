"""Compare a window of inputs with a reference profile: per-feature results, the
data-set verdict and the alerts they raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bankmarketing_ops._exceptions import DriftError
from bankmarketing_ops.monitoring.statistics import categorical_drift, numeric_drift
from bankmarketing_ops.types.drift import (
    DriftAlert,
    DriftOptions,
    DriftStatus,
    FeatureDrift,
    ReferenceProfile,
)

__all__ = ["Measurement", "dataset_alert", "drift_alert", "feature_alerts", "measure"]


@dataclass(frozen=True)
class Measurement:
    """Every feature of one window against the reference, and the verdict."""

    rows: int
    status: DriftStatus
    dataset_drift: bool
    drift_share: float
    drifted_features: list[str]
    features: list[FeatureDrift]


def _selected(profile: ReferenceProfile, options: DriftOptions) -> set[str]:
    known = profile.feature_names()
    unknown = sorted(set(options.feature_thresholds) - {*known, "score"})
    if unknown:  # a misspelt name would silently keep the default threshold
        raise DriftError(
            f"feature_thresholds names {', '.join(unknown)}, which the reference does not "
            f"profile (it has: {', '.join(known)})"
        )
    if options.features is None:
        return set(known)
    missing = sorted(set(options.features) - set(known))
    if missing:
        raise DriftError(
            f"the reference does not profile {', '.join(missing)} (it has: {', '.join(known)})"
        )
    return set(options.features)


def measure(profile: ReferenceProfile, frame: pd.DataFrame, options: DriftOptions) -> Measurement:
    """Compare the inputs in `frame` with `profile` as `options` say.

    A window with no row is `no_data` (no feature measured); one with fewer than
    `options.min_rows` rows is measured but `insufficient_data`, and never drifts.
    """
    rows = len(frame)
    if rows == 0:
        return Measurement(0, "no_data", False, 0.0, [], [])
    wanted = _selected(profile, options)
    decide = rows >= options.min_rows
    results: list[FeatureDrift] = []
    for numeric in profile.numeric:
        if numeric.name in wanted and numeric.name in frame.columns:
            results.append(
                numeric_drift(
                    numeric,
                    frame[numeric.name].to_numpy(dtype=np.float64),
                    threshold=options.threshold_for(numeric.name),
                    decide=decide,
                )
            )
    for categorical in profile.categorical:
        if categorical.name in wanted and categorical.name in frame.columns:
            results.append(
                categorical_drift(
                    categorical,
                    frame[categorical.name].astype(str).tolist(),
                    threshold=options.threshold_for(categorical.name),
                    decide=decide,
                )
            )
    if not results:
        raise DriftError("no input of the reference is in the data to compare")
    drifted = [r.name for r in results if r.drifted]
    share = len(drifted) / len(results)
    dataset_drift = decide and share >= options.drift_share
    status: DriftStatus = "insufficient_data" if not decide else "drift" if dataset_drift else "ok"
    return Measurement(rows, status, dataset_drift, share, drifted, results)


def drift_alert(
    result: FeatureDrift,
    *,
    kind: Literal["feature", "prediction"] = "feature",
    subject: str | None = None,
) -> DriftAlert:
    """The alert of one drifted result (`subject` names it in the message; default: its
    name); critical from twice the threshold."""
    return DriftAlert(
        kind=kind,
        feature=result.name,
        statistic=result.statistic,
        value=result.value,
        threshold=result.threshold,
        severity="critical" if result.value >= 2 * result.threshold else "warning",
        message=f"{subject or result.name} drifted: {result.statistic} {result.value:.3f} > "
        f"{result.threshold:g}",
    )


def dataset_alert(
    measurement: Measurement, options: DriftOptions, *, window_start: float | None = None
) -> DriftAlert:
    """The alert of a window whose data set drifted."""
    return DriftAlert(
        kind="dataset",
        feature=None,
        statistic="drift_share",
        value=measurement.drift_share,
        threshold=options.drift_share,
        severity="critical",
        message=f"data-set drift: {len(measurement.drifted_features)} of "
        f"{len(measurement.features)} features drifted "
        f"({measurement.drift_share:.0%} ≥ {options.drift_share:.0%})",
        window_start=window_start,
    )


def feature_alerts(measurement: Measurement, options: DriftOptions) -> list[DriftAlert]:
    """One alert per drifted feature, and one for the data set when it drifts."""
    alerts = [drift_alert(result) for result in measurement.features if result.drifted]
    if measurement.dataset_drift:
        alerts.append(dataset_alert(measurement, options))
    return alerts
