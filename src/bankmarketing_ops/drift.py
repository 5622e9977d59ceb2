"""`DriftMonitor`: data drift, prediction drift and model performance over time."""

from __future__ import annotations

import builtins
import re
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
from pydantic import BaseModel, ConfigDict

from bankmarketing_ops import _constants as C
from bankmarketing_ops import data as data_layer
from bankmarketing_ops._exceptions import ConfigurationError, DriftError
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.capabilities import CAPTURE, SupportsCapture, require
from bankmarketing_ops.data.schema import SCHEMA
from bankmarketing_ops.monitoring.compare import (
    Measurement,
    dataset_alert,
    drift_alert,
    feature_alerts,
    measure,
)
from bankmarketing_ops.monitoring.reference import build_reference, read_reference, write_reference
from bankmarketing_ops.monitoring.statistics import numeric_drift
from bankmarketing_ops.types.deploy import WebService
from bankmarketing_ops.types.drift import (
    DriftAlert,
    DriftOptions,
    DriftReport,
    FeatureDrift,
    PerformanceWindow,
    ReferenceProfile,
    WindowDrift,
)
from bankmarketing_ops.types.registry import ModelVersion
from bankmarketing_ops.workspace import Workspace

__all__ = ["DriftMonitor", "LabelsLogged"]

_log = get_logger(__name__)
_WINDOW = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LABELS = frozenset(SCHEMA.target.labels)
#: Performance alerts need at least this many labelled rows (fewer are reported, not judged).
_MIN_LABELLED_ROWS = 100
#: The columns `captured` reads, in the order it returns them (`input` becomes the inputs).
_CAPTURED = (
    "timestamp",
    "model_version",
    "request_id",
    "row_index",
    "input",
    "probability",
    "label",
)

Source = str | Path | pd.DataFrame


class LabelsLogged(BaseModel):
    """What `log_labels` stored."""

    model_config = ConfigDict(frozen=True, extra="allow")

    stored: int
    """Labels written (a label logged again replaces the earlier one)."""
    matched: int
    """How many of them belong to a captured record (only those count for performance)."""


class DriftMonitor:
    """Watch served inputs and predictions drift away from a model's training data.

    Capture is opt-in per service (`enable_capture`) on backends with the input-capture
    feature (the local one; see the capability table in the docs; elsewhere those methods
    raise `UnsupportedFeatureError`). Captured inputs are stored with the request
    telemetry in `telemetry.db` — they are personal data, so the telemetry
    retention period and `InsightsManager.purge` apply to them. Each registered model
    keeps a reference profile of its training data; `report` compares a service's
    captured inputs with it, `compare` compares two data files.

    A numeric input drifts when its Wasserstein distance, divided by the reference's
    standard deviation, exceeds `threshold`; a categorical input when its Jensen–Shannon
    distance (base 2) does. PSI, KS and chi-square are reported beside them. The data set
    drifts when at least `drift_share` of the measured inputs drift. Windows with fewer
    than `min_rows` rows are `insufficient_data` and never alarm.
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        threshold: float = C.DRIFT_THRESHOLD,
        drift_share: float = C.DRIFT_SHARE,
        min_rows: int = C.DRIFT_MIN_ROWS,
        feature_thresholds: dict[str, float] | None = None,
        features: builtins.list[str] | None = None,
        performance_tolerance: float = C.PERFORMANCE_TOLERANCE,
    ) -> None:
        try:
            self.options = DriftOptions(
                threshold=threshold,
                drift_share=drift_share,
                min_rows=min_rows,
                feature_thresholds=feature_thresholds or {},
                features=features,
                performance_tolerance=performance_tolerance,
            )
        except ValueError as exc:
            raise ConfigurationError(f"invalid drift options: {exc}") from None
        self._workspace = workspace
        self._deployer = workspace.backend.deployer
        self._registry = workspace.backend.registry

    def _capture(self) -> SupportsCapture:
        """Where the backend keeps captured inputs and labels (UnsupportedFeatureError
        where it keeps none: on Azure ML use `compare` with data you export)."""
        return require(self._workspace.backend, CAPTURE)

    # --- capture ------------------------------------------------------------------------
    def enable_capture(
        self, service: str, *, sample_rate: float = C.DEFAULT_CAPTURE_SAMPLE_RATE
    ) -> WebService:
        """Store the inputs and outputs of `sample_rate` of the records SERVICE scores,
        without a restart; returns once every worker applies it."""
        if not 0.0 < sample_rate <= 1.0:
            raise ConfigurationError(f"sample_rate must be in (0, 1], not {sample_rate}")
        self._capture()
        return self._deployer.update(service, capture_sample_rate=sample_rate).result()

    def disable_capture(self, service: str) -> WebService:
        """Stop capturing; what was captured stays (purge it with `InsightsManager.purge`)."""
        self._capture()
        return self._deployer.update(service, capture_sample_rate=0.0).result()

    def captured(
        self, service: str, *, since: float | None = None, until: float | None = None
    ) -> pd.DataFrame:
        """The captured records, oldest first: the inputs (wire names), then `timestamp`,
        `model_version`, `request_id`, `row_index`, `probability` and `label`."""
        rows = self._capture().captured_rows(service, _CAPTURED, since=since, until=until)
        meta = pd.DataFrame(rows, columns=list(_CAPTURED))
        inputs = pd.DataFrame([orjson.loads(str(text)) for text in meta.pop("input")])
        for spec in SCHEMA.inputs:
            if spec.name in inputs.columns and spec.is_numeric:
                inputs[spec.name] = pd.to_numeric(inputs[spec.name], errors="coerce")
        return pd.concat([inputs.reset_index(drop=True), meta], axis=1)

    # --- references ---------------------------------------------------------------------
    def reference(self, model: ModelVersion | str) -> ReferenceProfile:
        """The reference profile stored with a model version (`name[:version]`).

        Raises:
            ReferenceNotFoundError: the version was registered without one.
        """
        version = self._version(model)
        return read_reference(Path(version.path), model_ref=version.ref)

    def set_reference(self, model: ModelVersion | str, training_data: Source) -> ReferenceProfile:
        """Give a version (registered before drift monitoring) a profile of its training
        data, with its stored test metrics. It holds no score distribution: the model's
        scores on its own training rows are sharper than on new rows, so prediction drift
        against them would alarm on healthy traffic; versions registered from a run keep
        their held-out scores instead."""
        version = self._version(model)
        frame = data_layer.load(training_data, require_target=False)
        profile = build_reference(frame, metrics=version.metrics)
        write_reference(Path(version.path), profile)
        _log.info("stored a reference profile for %s (%d rows)", version.ref, len(frame))
        return profile

    # --- comparisons --------------------------------------------------------------------
    def compare(
        self,
        reference: Source | ReferenceProfile,
        current: Source,
        *,
        reference_label: str | None = None,
        current_label: str | None = None,
    ) -> DriftReport:
        """Drift of `current` against `reference` (files, typed frames, or a profile);
        the labels name them in the report (default: their file names).

        Raises:
            DataNotFoundError, DataValidationError: a file is missing or breaks the schema.
        """
        if isinstance(reference, ReferenceProfile):
            profile = reference
        else:
            profile = build_reference(data_layer.load(reference, require_target=False))
        default_reference_label = profile.source
        frame = data_layer.load(current, require_target=False)
        measurement = measure(profile, frame, self.options)
        return self._report(
            measurement,
            reference=reference_label or default_reference_label,
            current=current_label or str(frame.attrs.get("source", "<dataframe>")),
            alerts=feature_alerts(measurement, self.options),
        )

    def report(
        self,
        service: str,
        *,
        since: float | None = None,
        until: float | None = None,
        window: str | None = None,
        model: ModelVersion | str | None = None,
    ) -> DriftReport:
        """Drift of SERVICE's captured inputs against its model's training data, by time
        `window` (`30m`, `1h`, `1d` …) if asked; prediction drift; performance where labels
        arrived. A period without captures gives a `no_data` report, not an error.

        Raises:
            ServiceNotFoundError: no such service (and no `model` given).
            ReferenceNotFoundError: the model has no reference profile.
        """
        self._capture()  # before any request: a backend without captures says so at once
        version = self._version(model if model is not None else self._deployer.get(service).model)
        profile = read_reference(Path(version.path), model_ref=version.ref)
        width = _window_seconds(window) if window is not None else None
        frame = self.captured(service, since=since, until=until)
        labels = self._capture().labels(service)
        options = self.options
        measurement = measure(profile, frame, options)
        alerts = feature_alerts(measurement, options)

        prediction = None
        served = frame[frame["model_version"] == version.ref] if len(frame) else frame
        if profile.scores is not None and len(served):
            prediction = numeric_drift(
                profile.scores,
                served["probability"].to_numpy(dtype=np.float64),
                threshold=options.threshold_for("score"),
                decide=len(served) >= options.min_rows,
            )
            if prediction.drifted:
                alerts.append(
                    drift_alert(prediction, kind="prediction", subject="the distribution of P(yes)")
                )

        windows: list[WindowDrift] = []
        performance = [self._performance(served, labels, profile, version, None, None)]
        if width is not None and len(frame):
            starts = (frame["timestamp"] // width * width).to_numpy()
            for start in sorted(set(starts.tolist())):
                part = frame[starts == start]
                result = measure(profile, part, options)
                windows.append(
                    WindowDrift(
                        start=start,
                        end=start + width,
                        rows=result.rows,
                        status=result.status,
                        dataset_drift=result.dataset_drift,
                        drift_share=result.drift_share,
                        drifted_features=result.drifted_features,
                    )
                )
                if result.dataset_drift:
                    alerts.append(dataset_alert(result, options, window_start=start))
                served_part = part[part["model_version"] == version.ref]
                performance.append(
                    self._performance(served_part, labels, profile, version, start, start + width)
                )
        alerts += _performance_alerts(performance, options)
        return self._report(
            measurement,
            reference=f"model {version.ref} (training data: {profile.source})",
            current=f"service {service}",
            alerts=alerts,
            prediction=prediction,
            windows=windows,
            performance=[p for p in performance if p.labelled_rows or p.start is None],
            since=since,
            until=until,
        )

    # --- labels and performance ---------------------------------------------------------
    def log_labels(self, service: str, labels: Mapping[str, str]) -> LabelsLogged:
        """Store the true outcome (`"yes"`/`"no"`) of scored records, keyed by the
        `x-ms-request-id` of their answer; address a record of a batch as
        `"<request id>#<row>"` (plain `"<request id>"` is row 0).

        Raises:
            DriftError: a label is not `yes` or `no`, or a key is malformed.
        """
        now = time.time()
        rows: list[tuple[float, str, int, str]] = []
        for key, label in labels.items():
            if label not in _LABELS:
                raise DriftError(f"label of {key!r} must be 'yes' or 'no', not {label!r}")
            request_id, _, row = str(key).partition("#")
            if not request_id or (row and not row.isdigit()):
                raise DriftError(f"{key!r} is not a request id (or 'request-id#row')")
            rows.append((now, request_id, int(row or 0), label))
        matched = self._capture().store_labels(service, rows)
        return LabelsLogged(stored=len(rows), matched=matched)

    def performance(
        self,
        service: str,
        *,
        since: float | None = None,
        until: float | None = None,
        window: str | None = None,
        model: ModelVersion | str | None = None,
    ) -> builtins.list[PerformanceWindow]:
        """AUC and accuracy on the labelled captured records — the whole period first,
        then per `window` — beside the model's training metrics."""
        return self.report(
            service, since=since, until=until, window=window, model=model
        ).performance

    @staticmethod
    def render_html(report: DriftReport) -> str:
        """The report as one self-contained HTML page (a plot per feature; works offline)."""
        from bankmarketing_ops.monitoring.report_html import render_html

        return render_html(report)

    # --- internals ----------------------------------------------------------------------
    def _version(self, model: ModelVersion | str) -> ModelVersion:
        if isinstance(model, ModelVersion):
            return model
        name, _, number = model.partition(":")
        if number and not number.isdigit():
            raise ConfigurationError(
                f"model {model!r}: the version after ':' must be a number (or leave it out "
                "for the latest)"
            )
        return self._registry.get(name, int(number) if number else "latest")

    def _performance(
        self,
        served: pd.DataFrame,
        labels: dict[tuple[str, int], str],
        profile: ReferenceProfile,
        version: ModelVersion,
        start: float | None,
        end: float | None,
    ) -> PerformanceWindow:
        training = profile.metrics or version.metrics
        truth: list[int] = []
        probabilities: list[float] = []
        if len(served) and labels:
            for request_id, row_index, probability in zip(
                served["request_id"], served["row_index"], served["probability"], strict=True
            ):
                label = labels.get((str(request_id), int(row_index)))
                if label is not None:
                    truth.append(int(label == SCHEMA.target.positive))
                    probabilities.append(float(probability))
        accuracy = auc = positive_rate = None
        if truth:
            y, p = np.asarray(truth), np.asarray(probabilities)
            accuracy = float(np.mean((p >= 0.5) == (y == 1)))
            positive_rate = float(y.mean())
            if 0 < y.sum() < len(y):
                from sklearn.metrics import roc_auc_score

                auc = float(roc_auc_score(y, p))
        return PerformanceWindow(
            start=start,
            end=end,
            labelled_rows=len(truth),
            accuracy=accuracy,
            auc=auc,
            positive_rate=positive_rate,
            training_accuracy=None if training is None else training.accuracy,
            training_auc=None if training is None else training.AUC_weighted,
        )

    def _report(
        self,
        measurement: Measurement,
        *,
        reference: str,
        current: str,
        alerts: builtins.list[DriftAlert],
        prediction: FeatureDrift | None = None,
        windows: builtins.list[WindowDrift] | None = None,
        performance: builtins.list[PerformanceWindow] | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> DriftReport:
        return DriftReport(
            generated_at=time.time(),
            reference=reference,
            current=current,
            status=measurement.status,
            dataset_drift=measurement.dataset_drift,
            drift_share=measurement.drift_share,
            drifted_features=measurement.drifted_features,
            current_rows=measurement.rows,
            features=measurement.features,
            prediction=prediction,
            alerts=alerts,
            windows=windows or [],
            performance=performance or [],
            since=since,
            until=until,
            options=self.options,
        )


def _window_seconds(window: str) -> int:
    match = _WINDOW.match(window)
    if not match or int(match.group(1)) <= 0:
        raise ConfigurationError(f"window must look like 30m, 1h or 1d, not {window!r}")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _performance_alerts(
    windows: builtins.list[PerformanceWindow], options: DriftOptions
) -> builtins.list[DriftAlert]:
    alerts = []
    for window in windows:
        if window.labelled_rows < _MIN_LABELLED_ROWS:
            continue
        for name, value, training in (
            ("auc", window.auc, window.training_auc),
            ("accuracy", window.accuracy, window.training_accuracy),
        ):
            if value is None or training is None:
                continue
            floor = training - options.performance_tolerance
            if value < floor:
                alerts.append(
                    DriftAlert(
                        kind="performance",
                        feature=name,
                        statistic=name,
                        value=value,
                        threshold=floor,
                        severity="critical"
                        if value < training - 2 * options.performance_tolerance
                        else "warning",
                        message=f"{name} {value:.3f} on {window.labelled_rows} labelled rows is "
                        f"below the training {training:.3f} − {options.performance_tolerance:g}",
                        window_start=window.start,
                    )
                )
    return alerts
