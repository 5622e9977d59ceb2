"""What drift monitoring stores and reports: reference profiles, per-feature results,
alerts, windows and model performance.

Options forbid unknown fields (a typo must not be ignored silently); results allow them
(a newer library must not break code reading an older report).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

from bankmarketing_ops import _constants as C
from bankmarketing_ops.ml.metrics import ClassificationMetrics

__all__ = [
    "CategoricalReference",
    "DriftAlert",
    "DriftOptions",
    "DriftReport",
    "DriftStatus",
    "FeatureDrift",
    "NumericReference",
    "PerformanceWindow",
    "ReferenceProfile",
    "WindowDrift",
]

DriftStatus = Literal["ok", "drift", "insufficient_data", "no_data"]
"""`ok` (measured, no data-set drift), `drift` (data-set drift), `insufficient_data`
(fewer rows than `min_rows`: measured, never alarming), `no_data` (nothing to measure)."""


# --- the reference profile stored with each model version --------------------------------
class NumericReference(BaseModel):
    """A numeric input (or the score) as it was in the training data."""

    model_config = ConfigDict(frozen=True, extra="allow")

    name: str
    rows: int
    mean: float
    std: float
    """Sample standard deviation; the unit of the normalized Wasserstein distance."""
    scale: float
    """What the Wasserstein distance is divided by: `std`, or 1 when `std` is 0."""
    quantiles: list[float]
    """The values at evenly spaced probabilities `(i + 0.5) / n`: the distribution's
    quantile function, from which Wasserstein and KS are computed."""
    bin_edges: list[float]
    """Inner edges of the PSI bins: the distinct values (midway between them) when there
    are few, else the deciles; bins are `(-inf, e0], (e0, e1], …, (ek, inf)`."""
    bin_proportions: list[float]
    """Share of the reference rows in each bin (one more than `bin_edges`)."""


class CategoricalReference(BaseModel):
    """A categorical input as it was in the training data."""

    model_config = ConfigDict(frozen=True, extra="allow")

    name: str
    rows: int
    counts: dict[str, int]
    """Rows per category, every category of the schema included (0 when unseen)."""


class ReferenceProfile(BaseModel):
    """The training data's distributions, stored as `reference.json` in a model version."""

    model_config = ConfigDict(frozen=True, extra="allow")

    format_version: int = 1
    source: str
    """Where the reference rows came from (a file, or `<dataframe>`)."""
    rows: int
    created_at: str
    numeric: list[NumericReference]
    categorical: list[CategoricalReference]
    scores: NumericReference | None = None
    """P(yes) of the model on held-out rows of its training data, when known."""
    metrics: ClassificationMetrics | None = None
    """The model's test metrics at training time (what performance is compared with)."""

    def feature_names(self) -> list[str]:
        """The inputs profiled, numeric then categorical."""
        return [f.name for f in self.numeric] + [f.name for f in self.categorical]


# --- options ------------------------------------------------------------------------------
class DriftOptions(BaseModel):
    """How drift is decided. Every field has the documented default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: float = Field(default=C.DRIFT_THRESHOLD, gt=0)
    """A feature drifts when its deciding statistic exceeds this: the normalized
    Wasserstein distance for numeric inputs, the Jensen–Shannon distance for categorical."""
    feature_thresholds: dict[str, PositiveFloat] = Field(default_factory=dict)
    """Per-feature thresholds that replace `threshold` for those features."""
    drift_share: float = Field(default=C.DRIFT_SHARE, gt=0, le=1)
    """The data set drifts when at least this share of the measured features drift."""
    min_rows: int = Field(default=C.DRIFT_MIN_ROWS, ge=1)
    """Windows with fewer rows are reported as `insufficient_data` and never alarm."""
    features: list[str] | None = None
    """Only these inputs (default: every input the reference profiles)."""
    performance_tolerance: float = Field(default=C.PERFORMANCE_TOLERANCE, ge=0)
    """Alert when AUC or accuracy falls more than this below the training metrics."""

    def threshold_for(self, feature: str) -> float:
        """The threshold that applies to `feature`."""
        return self.feature_thresholds.get(feature, self.threshold)


# --- results ------------------------------------------------------------------------------
class FeatureDrift(BaseModel):
    """One input (or the score) compared between the reference and a window."""

    model_config = ConfigDict(frozen=True, extra="allow")

    name: str
    kind: Literal["numeric", "categorical"]
    statistic: Literal["wasserstein_normalized", "jensen_shannon"]
    """The statistic that decides `drifted`."""
    value: float
    """Its value."""
    threshold: float
    drifted: bool
    """`value > threshold` (always False when the window is too small)."""
    reference_rows: int
    current_rows: int
    psi: float
    """Population stability index over the PSI bins (or categories)."""
    wasserstein_normalized: float | None = None
    """Wasserstein-1 distance divided by the reference's standard deviation (numeric)."""
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    """Kolmogorov–Smirnov; shown, not deciding: on large windows tiny shifts are
    'significant' without mattering."""
    jensen_shannon: float | None = None
    """Jensen–Shannon distance, base 2 (0 = same, 1 = disjoint), categorical."""
    chi2_statistic: float | None = None
    chi2_pvalue: float | None = None
    unseen_categories: list[str] = Field(default_factory=list)
    """Categories in the window that the reference never saw."""
    bins: list[str] = Field(default_factory=list)
    """Bin or category labels of the two distributions below (for plots)."""
    reference_distribution: list[float] = Field(default_factory=list)
    current_distribution: list[float] = Field(default_factory=list)


class DriftAlert(BaseModel):
    """Something crossed a threshold: what, by how much, and how bad."""

    model_config = ConfigDict(frozen=True, extra="allow")

    kind: Literal["feature", "dataset", "prediction", "performance"]
    feature: str | None
    """The input (or metric) concerned; None for the whole data set."""
    statistic: str
    value: float
    threshold: float
    severity: Literal["warning", "critical"]
    """`critical` when the value is at least twice the threshold (or the data set drifts)."""
    message: str
    window_start: float | None = None


class WindowDrift(BaseModel):
    """Data-set drift in one time window of served inputs."""

    model_config = ConfigDict(frozen=True, extra="allow")

    start: float
    end: float
    rows: int
    status: DriftStatus
    dataset_drift: bool
    drift_share: float
    """Share of measured features that drift."""
    drifted_features: list[str]


class PerformanceWindow(BaseModel):
    """Model performance on the labelled rows of one window."""

    model_config = ConfigDict(frozen=True, extra="allow")

    start: float | None
    end: float | None
    labelled_rows: int
    accuracy: float | None
    auc: float | None
    """ROC AUC (None when the window holds only one class)."""
    positive_rate: float | None
    """Share of `yes` labels."""
    training_accuracy: float | None
    training_auc: float | None


class DriftReport(BaseModel):
    """Drift between a reference and current data (a file, or a service's served inputs)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    generated_at: float
    reference: str
    """What the reference is: a model version or a file."""
    current: str
    """What was compared with it: a service and its period, or a file."""
    status: DriftStatus
    dataset_drift: bool
    """True when at least `options.drift_share` of the measured features drift."""
    drift_share: float
    drifted_features: list[str]
    current_rows: int
    features: list[FeatureDrift]
    prediction: FeatureDrift | None = None
    """Drift of the served P(yes) against the model's held-out scores."""
    alerts: list[DriftAlert] = Field(default_factory=list)
    windows: list[WindowDrift] = Field(default_factory=list)
    performance: list[PerformanceWindow] = Field(default_factory=list)
    """Per window when labels arrived (the first entry covers the whole period)."""
    since: float | None = None
    until: float | None = None
    options: DriftOptions = Field(default_factory=DriftOptions)

    def feature(self, name: str) -> FeatureDrift:
        """The result for input `name`; `KeyError` if it was not measured."""
        for result in self.features:
            if result.name == name:
                return result
        raise KeyError(name)
