"""AutoML on Azure ML: our configuration → the SDK's `AutoMLConfig` and cluster settings,
and an Azure parent run with its child runs → `TrainingRun`.

Submitting a run (snapshot upload, run history, data set registration) is too large a
call graph to cassette by hand; these tests build the real SDK objects from our
configuration and map SDK-shaped run objects (stand-ins with the SDK's attributes).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from bankmarketing_ops import AutoMLConfig, TrainingCanceledError, TrainingError
from bankmarketing_ops import _constants as C
from bankmarketing_ops.backends.azureml import AzureMLOptions
from bankmarketing_ops.backends.azureml.automl import (
    AzureAutoML,
    AzureTrainingJob,
    automl_arguments,
    compute_arguments,
    map_metrics,
    map_state,
)

METRICS: dict[str, Any] = {
    "accuracy": 0.915,
    "AUC_weighted": 0.947,
    "AUC_macro": 0.947,
    "AUC_micro": 0.98,
    "average_precision_score_weighted": 0.955,
    "f1_score_weighted": 0.91,
    "precision_score_weighted": 0.909,
    "recall_score_weighted": 0.915,
    "norm_macro_recall": 0.5,
    "log_loss": 0.18,
    "balanced_accuracy": 0.75,
    "matthews_correlation": 0.55,
    "confusion_matrix": {
        "schema_type": "confusion_matrix",
        "schema_version": "1.0.0",
        "data": {"class_labels": ["no", "yes"], "matrix": [[4300, 100], [320, 220]]},
    },
}


def test_config_maps_to_the_sdk_automlconfig() -> None:
    from azureml.train.automl import AutoMLConfig as SdkAutoMLConfig

    ours = AutoMLConfig(
        experiment_timeout_minutes=30,
        max_concurrent_iterations=4,
        primary_metric="accuracy",
        blocked_models=("XGBoostClassifier",),
        allowed_models=("LightGBM", "XGBoostClassifier", "RandomForest"),
    )
    data = pd.DataFrame({"age": [30, 40], "y": ["no", "yes"]})
    sdk = SdkAutoMLConfig(
        **automl_arguments(ours, training_data=data, compute_target="cpu-cluster")
    )
    settings = sdk.user_settings
    assert settings["task_type"] == "classification"
    assert settings["primary_metric"] == "accuracy"
    assert settings["experiment_timeout_minutes"] == 30
    assert settings["max_concurrent_iterations"] == 4
    assert settings["enable_early_stopping"] is True
    assert settings["featurization"] == "auto"
    assert settings["label_column_name"] == "y"
    assert settings["validation_size"] == ours.validation_size
    assert settings["allowed_models"] == ["LightGBM", "RandomForest"]
    assert settings["blocked_models"] == ["XGBoostClassifier"]
    assert settings["compute_target"] == "cpu-cluster"


def test_cross_validation_replaces_the_validation_split() -> None:
    arguments = automl_arguments(
        AutoMLConfig(n_cross_validations=5), training_data=None, compute_target=None
    )
    assert arguments["n_cross_validations"] == 5
    assert "validation_size" not in arguments


def test_cluster_is_sized_by_the_options() -> None:
    from azureml.core.compute import AmlCompute

    options = AzureMLOptions(vm_size="STANDARD_D2_V2", max_nodes=2, min_nodes=0)
    config = AmlCompute.provisioning_configuration(**compute_arguments(options))
    assert config.vm_size == "STANDARD_D2_V2"
    scale = config.scale_settings
    assert (scale.minimum_node_count, scale.maximum_node_count) == (0, 2)
    assert scale.idle_seconds_before_scaledown == 1800


def test_a_missing_cluster_is_created(monkeypatch: pytest.MonkeyPatch) -> None:
    from azureml.core import compute
    from azureml.exceptions import ComputeTargetException

    created: dict[str, Any] = {}

    class FakeTarget:
        def __init__(self, workspace: Any, name: str) -> None:
            raise ComputeTargetException(f"ComputeTargetNotFound: {name}")

        @staticmethod
        def create(workspace: Any, name: str, config: Any) -> Any:
            created.update(name=name, config=config)
            return SimpleNamespace(wait_for_completion=lambda show_output: None, name=name)

    monkeypatch.setattr(compute, "ComputeTarget", FakeTarget)
    target = AzureAutoML(object(), AzureMLOptions(max_nodes=3), Path()).ensure_compute()
    assert target.name == "cpu-cluster"
    assert created["config"].scale_settings.maximum_node_count == 3


def test_the_public_file_is_registered_from_its_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from azureml.core import Dataset

    calls: list[Any] = []

    class FakeTabular:
        @staticmethod
        def from_delimited_files(path: str) -> Any:
            calls.append(path)
            return SimpleNamespace(register=lambda **kw: calls.append(kw) or "registered")

    monkeypatch.setattr(Dataset, "Tabular", FakeTabular)
    frame = pd.DataFrame({"y": ["no"]})
    frame.attrs["sha256"] = C.DEFAULT_DATA_SHA256
    assert AzureAutoML(object(), AzureMLOptions(), Path()).training_data(frame) == "registered"
    assert calls[0] == C.DEFAULT_DATA_URL
    assert calls[1]["name"] == "bankmarketing_train"
    assert calls[1]["create_new_version"] is True


def test_metrics_map_with_the_confusion_matrix() -> None:
    metrics = map_metrics(METRICS)
    assert metrics.AUC_weighted == pytest.approx(0.947)
    assert metrics.confusion_matrix == [[4300, 100], [320, 220]]
    assert metrics.rows == 4940
    with pytest.raises(TrainingError, match="log_loss"):
        map_metrics({k: v for k, v in METRICS.items() if k != "log_loss"})


def test_run_states_map() -> None:
    assert map_state("NotStarted") == "Running"
    assert map_state("Preparing") == "Running"
    assert map_state("Completed") == "Completed"
    assert map_state("CancelRequested") == "Canceled"


class FakeRun:
    """The attributes and methods of an SDK `Run` the job reads."""

    def __init__(
        self,
        run_id: str,
        *,
        status: str = "Completed",
        properties: dict[str, str] | None = None,
        children: list[FakeRun] | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> None:
        self.id = run_id
        self.properties = properties or {}
        self._status, self._children, self._metrics = status, children or [], metrics or {}

    def get_status(self) -> str:
        return self._status

    def get_children(self) -> list[FakeRun]:
        return self._children

    def get_details(self) -> dict[str, Any]:
        return {"startTimeUtc": "2026-11-02T09:00:00Z", "endTimeUtc": "2026-11-02T09:01:30Z"}

    def get_metrics(self) -> dict[str, Any]:
        return self._metrics

    def get_best_child(self) -> FakeRun:
        return max(self._children, key=lambda c: float(c.properties.get("score", "-1")))

    def get_portal_url(self) -> str:
        return "https://ml.azure.com/runs/" + self.id

    def cancel(self) -> None:
        self._status = "Canceled"


def _child(i: int, algorithm: str, score: float, **kw: Any) -> FakeRun:
    properties = {"iteration": str(i), "run_algorithm": algorithm, "score": str(score)}
    properties["run_preprocessor"] = "MaxAbsScaler"
    return FakeRun(f"AutoML_x_{i}", properties=properties, **kw)


def test_a_finished_run_maps_to_a_training_run(tmp_path: Path, small_frame: pd.DataFrame) -> None:
    children = [
        FakeRun("AutoML_x_setup"),
        _child(0, "LightGBM", 0.941),
        _child(1, "XGBoostClassifier", 0.944),
        _child(2, "VotingEnsemble", 0.947, metrics=METRICS),
    ]
    run = FakeRun("AutoML_x", children=children)
    config = AutoMLConfig(experiment_timeout_minutes=20)
    job = AzureTrainingJob(run, config, small_frame, AzureMLOptions(), tmp_path)
    assert job.done()
    result = job.result(timeout=1)
    assert result.run_id == "AutoML_x"
    assert [it.family for it in result.leaderboard()] == ["XGBoostClassifier", "LightGBM"]
    assert result.iterations[0].learner == "MaxAbsScaler XGBoostClassifier"
    assert result.iterations[0].wall_clock_s == 90.0
    assert result.best.model_type == "VotingEnsemble"
    assert result.best.validation_score == pytest.approx(0.947)
    assert result.best.best_single_validation_score == pytest.approx(0.944)
    assert result.test_metrics.AUC_weighted == pytest.approx(0.947)
    assert 0.5 <= result.baseline_metrics.AUC_weighted <= 1.0  # computed here, on the data
    described = Path(result.run_dir) / "azureml_run.json"
    assert '"best_child_run_id": "AutoML_x_2"' in described.read_text()
    status = job.status()
    assert status.state == "Completed"
    assert status.best_by_family == {"XGBoostClassifier": 0.944, "LightGBM": 0.941}


def test_failed_and_canceled_runs_raise(tmp_path: Path, small_frame: pd.DataFrame) -> None:
    config = AutoMLConfig()
    canceled = AzureTrainingJob(
        FakeRun("r", status="Canceled"), config, small_frame, AzureMLOptions(), tmp_path
    )
    with pytest.raises(TrainingCanceledError):
        canceled.result()
    failed = AzureTrainingJob(
        FakeRun("r", status="Failed"), config, small_frame, AzureMLOptions(), tmp_path
    )
    with pytest.raises(TrainingError, match="failed"):
        failed.result()
    running = AzureTrainingJob(
        FakeRun("r", status="Running"), config, small_frame, AzureMLOptions(), tmp_path
    )
    with pytest.raises(TimeoutError):
        running.result(timeout=0)


def test_a_matrix_the_sdk_only_names_is_no_matrix_not_a_crash() -> None:
    # get_metrics() without populate=True gives file-backed metrics as an artifact link.
    named = {**METRICS, "confusion_matrix": "aml://artifactId/ExperimentRun/dcid.x/cm"}
    metrics = map_metrics(named)
    assert metrics.confusion_matrix == []
    assert metrics.AUC_weighted == pytest.approx(0.947)


def test_budgets_under_azures_minimum_are_refused_before_anything_is_created() -> None:
    from bankmarketing_ops import BudgetTooSmallError
    from bankmarketing_ops.backends.azureml.automl import check_budget

    with pytest.raises(BudgetTooSmallError, match="at least 15"):
        check_budget(1.0)
    check_budget(C.AZUREML_MIN_BUDGET_MINUTES)
    # and the SDK's own limit is the same
    from azureml.automl.core.automl_base_settings import AutoMLBaseSettings

    assert AutoMLBaseSettings.MIN_EXPTIMEOUT_MINUTES == C.AZUREML_MIN_BUDGET_MINUTES
