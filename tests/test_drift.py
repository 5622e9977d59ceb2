"""DriftMonitor on the real data (false alarms, regime split) and end to end on a
running service (capture, sampling, reports, labels, purge)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankmarketing_ops import (
    ConfigurationError,
    DriftError,
    DriftMonitor,
    EndpointClient,
    InsightsManager,
    ModelDeployer,
    ModelVersion,
    ReferenceNotFoundError,
    ServiceNotFoundError,
    Workspace,
    data,
)

ECONOMIC_MARKERS = {"euribor3m", "nr.employed", "emp.var.rate"}
RANDOM_HALVES = 50


@pytest.fixture(scope="module")
def real_frame(real_data_path: Path) -> pd.DataFrame:
    return data.load(real_data_path)


# --- the real data --------------------------------------------------------------------------
@pytest.mark.integration
def test_random_halves_of_the_real_data_do_not_alarm(
    workspace: Workspace, real_frame: pd.DataFrame
) -> None:
    monitor = DriftMonitor(workspace)
    dataset_alarms, feature_alarms, largest = 0, 0, 0.0
    for seed in range(RANDOM_HALVES):
        order = np.random.default_rng(seed).permutation(len(real_frame))
        half = len(order) // 2
        report = monitor.compare(real_frame.iloc[order[:half]], real_frame.iloc[order[half:]])
        dataset_alarms += report.dataset_drift
        feature_alarms += len(report.drifted_features)
        largest = max(largest, *(f.value for f in report.features))
    # Measured: 0 of 50 data-set alarms, 0 of 1,000 feature alarms, largest statistic 0.051.
    assert dataset_alarms / RANDOM_HALVES <= 0.02
    assert feature_alarms / (RANDOM_HALVES * 20) <= 0.005
    assert largest < 0.1


@pytest.mark.integration
@pytest.mark.parametrize(
    ("column", "cut"), [("euribor3m", 3.0), ("nr.employed", 5_150.0)], ids=["euribor", "employed"]
)
def test_the_economic_regime_split_alarms(
    workspace: Workspace, real_frame: pd.DataFrame, column: str, cut: float
) -> None:
    before = real_frame[real_frame[column] >= cut]  # 2008: high rates, high employment
    after = real_frame[real_frame[column] < cut]  # 2009–2010: the crisis regime
    report = DriftMonitor(workspace).compare(before, after)
    assert report.dataset_drift
    assert report.status == "drift"
    assert set(report.drifted_features) >= ECONOMIC_MARKERS
    assert report.feature("euribor3m").value > 1
    assert {a.feature for a in report.alerts if a.kind == "feature"} == set(report.drifted_features)


@pytest.mark.integration
def test_compare_reads_files_without_the_target(
    workspace: Workspace, real_frame: pd.DataFrame, tmp_path: Path
) -> None:
    reference, current = tmp_path / "reference.csv", tmp_path / "current.csv"
    real_frame.iloc[:5_000].to_csv(reference, index=False)
    real_frame.iloc[5_000:10_000].drop(columns="y").to_csv(current, index=False)
    report = DriftMonitor(workspace).compare(reference, current)
    assert report.current_rows == 5_000
    assert report.reference == str(reference)


def test_invalid_options_are_configuration_errors(workspace: Workspace) -> None:
    with pytest.raises(ConfigurationError, match="drift_share"):
        DriftMonitor(workspace, drift_share=1.5)


# --- a running service ------------------------------------------------------------------------
def _wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll until the writer's flush (once a second) makes `condition` true."""
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited 20 s for {what}")
        time.sleep(0.2)


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    inputs = frame[list(data.SCHEMA.input_names)].astype(object)
    return [{str(k): v for k, v in row.items()} for row in inputs.to_dict(orient="records")]


@pytest.mark.integration
def test_capture_report_labels_and_purge_end_to_end(
    workspace: Workspace, model: ModelVersion, real_frame: pd.DataFrame
) -> None:
    deployer, monitor = ModelDeployer(workspace), DriftMonitor(workspace, min_rows=100)
    service = deployer.deploy(model, "svc")
    assert service.capture_sample_rate == 0.0
    key = deployer.get_keys("svc").primary_key.get_secret_value()
    sample = real_frame.sample(2_000, random_state=0)
    rows = _records(sample)
    with EndpointClient.from_service(service, key=key) as client:
        # Off: nothing is stored.
        off = client.score(rows[:50], method="predict_proba")
        # On, every record: 300 rows in batches of 50, with the answers kept.
        assert monitor.enable_capture("svc", sample_rate=1.0).capture_sample_rate == 1.0
        answered: dict[tuple[str, int], float] = {}
        for start in range(50, 350, 50):
            response = client.score(rows[start : start + 50], method="predict_proba")
            assert response.request_id is not None
            for row, probability in enumerate(response.result):
                answered[(response.request_id, row)] = float(probability)
        _wait_until(lambda: len(monitor.captured("svc")) >= 300, "300 captured rows")
        captured = monitor.captured("svc")
        assert off.request_id not in set(captured["request_id"])  # queued earlier, never kept
        assert len(captured) == 300
        assert {
            (r, int(i)): p
            for r, i, p in zip(
                captured["request_id"], captured["row_index"], captured["probability"], strict=True
            )
        } == answered
        assert captured["age"].tolist() == sample["age"].iloc[50:350].tolist()
        assert set(captured["model_version"]) == {"bank:1"}

        # Half of the records: a binomial(1000, 0.5) count, 500 ± 16.
        monitor.enable_capture("svc", sample_rate=0.5)
        for start in range(350, 1_350, 100):
            client.score(rows[start : start + 100])
        monitor.enable_capture("svc", sample_rate=1.0)
        marker = client.score(rows[1_350:1_351])
        _wait_until(
            lambda: marker.request_id in set(monitor.captured("svc")["request_id"]),
            "the marker request",
        )
        halved = len(monitor.captured("svc")) - 300 - 1
        assert 400 <= halved <= 600

    report = monitor.report("svc", window="1h")
    assert report.current_rows == 301 + halved
    # enough rows for a verdict (the model was trained on synthetic data, so either one),
    # and the verdict is the data-set decision
    assert report.status == ("drift" if report.dataset_drift else "ok")
    assert report.prediction is not None
    assert report.prediction.current_rows == report.current_rows
    assert sum(w.rows for w in report.windows) == report.current_rows
    assert report.performance[0].labelled_rows == 0

    # Labels arrive for the 300 fully captured rows.
    truth = sample["y"].astype(str).iloc[50:350].tolist()
    keyed = {f"{r}#{i}": truth[n] for n, (r, i) in enumerate(answered)}
    logged = monitor.log_labels("svc", keyed)
    assert (logged.stored, logged.matched) == (300, 300)
    whole = monitor.report("svc").performance[0]
    assert whole.labelled_rows == 300
    assert whole.auc is not None
    assert 0.5 < whole.auc <= 1.0
    assert whole.training_auc == model.metrics.AUC_weighted  # type: ignore[union-attr]
    y = np.array([t == "yes" for t in truth])
    p = np.array(list(answered.values()))
    assert whole.accuracy == pytest.approx(float(np.mean((p >= 0.5) == y)))
    with pytest.raises(DriftError, match="must be 'yes' or 'no'"):
        monitor.log_labels("svc", {"abc": "maybe"})

    # Captured inputs are personal data: purge removes them with the telemetry.
    assert InsightsManager(workspace).purge(service="svc") >= report.current_rows + 300
    assert monitor.captured("svc").empty
    empty = monitor.report("svc")
    assert (empty.status, empty.dataset_drift, empty.current_rows) == ("no_data", False, 0)


def test_a_model_without_a_profile_says_how_to_get_one(
    workspace: Workspace, model: ModelVersion, small_frame: pd.DataFrame
) -> None:
    monitor = DriftMonitor(workspace)
    assert monitor.reference(model).rows > 0  # registered from a run: it has one
    (Path(model.path) / "reference.json").unlink()  # as a version registered earlier
    with pytest.raises(ReferenceNotFoundError, match="set_reference"):
        monitor.report("svc", model=model.ref)
    profile = monitor.set_reference(model.ref, small_frame)
    assert profile.rows == len(small_frame)
    assert profile.scores is None  # in-sample scores would fake prediction drift
    assert monitor.reference("bank:1") == profile


def test_a_mistyped_version_is_an_error_not_the_latest(
    workspace: Workspace, model: ModelVersion, small_frame: pd.DataFrame
) -> None:
    monitor = DriftMonitor(workspace)
    stored = (Path(model.path) / "reference.json").read_bytes()
    for wrong in ("bank:v1", "bank:1x"):
        with pytest.raises(ConfigurationError, match="must be a number"):
            monitor.set_reference(wrong, small_frame)
    assert (Path(model.path) / "reference.json").read_bytes() == stored  # latest untouched


def test_report_on_an_unknown_service(workspace: Workspace) -> None:
    with pytest.raises(ServiceNotFoundError):
        DriftMonitor(workspace).report("nope")


def test_capture_rate_must_be_a_share(workspace: Workspace) -> None:
    with pytest.raises(ConfigurationError, match="sample_rate"):
        DriftMonitor(workspace).enable_capture("svc", sample_rate=0.0)


def test_feature_thresholds_must_be_positive_and_name_profiled_inputs(
    workspace: Workspace, small_frame: pd.DataFrame
) -> None:
    with pytest.raises(ConfigurationError, match="feature_thresholds"):
        DriftMonitor(workspace, feature_thresholds={"age": 0.0})
    monitor = DriftMonitor(workspace, feature_thresholds={"agee": 0.2})
    with pytest.raises(DriftError, match="feature_thresholds names agee"):
        monitor.compare(small_frame, small_frame)
    tuned = DriftMonitor(workspace, feature_thresholds={"age": 0.5, "score": 0.3})
    report = tuned.compare(small_frame, small_frame)
    assert next(f for f in report.features if f.name == "age").threshold == 0.5
