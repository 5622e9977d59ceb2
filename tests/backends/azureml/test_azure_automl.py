"""AutoML on Azure ML: our configuration → the SDK's `AutoMLConfig` and cluster settings,
and an Azure parent run with its child runs → `TrainingRun`.

Training from the public file is replayed through the real SDK against hand-built
cassettes (`_cassettes_automl.py`): a finished run (with its confusion matrix), a failed
run, a canceled run, a refused token and a refused cluster (quota).
Unit tests build the real SDK objects from our configuration and map SDK-shaped run
objects (stand-ins with the SDK's attributes) for the cases the cassettes do not cover.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from bankmarketing_ops import (
    AutoMLConfig,
    AutoMLTrainer,
    ConfigurationError,
    CredentialError,
    TrainingCanceledError,
    TrainingError,
    Workspace,
)
from bankmarketing_ops import _constants as C
from bankmarketing_ops.backends.azureml import AzureMLOptions
from bankmarketing_ops.backends.azureml.automl import (
    AzureTrainingJob,
    automl_arguments,
    compute_arguments,
    map_metrics,
    map_state,
)
from bankmarketing_ops.ml.families import AZURE_FAMILIES, DEFAULT_FAMILIES
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_automl as A
from tests.backends.azureml.conftest import assert_all_played

#: The metrics Azure reports for a best child: the scalars, and the confusion matrix in
#: its artifact's schema (as `get_metrics(populate=True)` gives it).
METRICS: dict[str, Any] = {**A.SCALARS, "confusion_matrix": A.CONFUSION_MATRIX}


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
    # one switch for ensembles: the SDK would add a stack ensemble on its own
    assert settings["enable_stack_ensemble"] is True
    off = automl_arguments(
        AutoMLConfig(enable_voting_ensemble=False), training_data=None, compute_target=None
    )
    assert (off["enable_voting_ensemble"], off["enable_stack_ensemble"]) == (False, False)


def test_cross_validation_replaces_the_validation_split() -> None:
    arguments = automl_arguments(
        AutoMLConfig(n_cross_validations=5), training_data=None, compute_target=None
    )
    assert arguments["n_cross_validations"] == 5
    assert "validation_size" not in arguments


def test_families_azure_lacks_are_refused_when_asked_for() -> None:
    asked = AutoMLConfig(experiment_timeout_minutes=30, allowed_models=("LightGBM", "CatBoost"))
    with pytest.raises(ConfigurationError, match="Azure AutoML has no model family CatBoost"):
        automl_arguments(asked, training_data=None, compute_target=None)
    with pytest.raises(ConfigurationError, match="max_scoring_us_per_row"):
        automl_arguments(
            AutoMLConfig(max_scoring_us_per_row=50), training_data=None, compute_target=None
        )
    with pytest.raises(ConfigurationError, match="max_ensemble_trees is a local-backend"):
        automl_arguments(
            AutoMLConfig(max_ensemble_trees=300), training_data=None, compute_target=None
        )


def test_the_default_families_run_on_azure_without_the_local_only_ones() -> None:
    arguments = automl_arguments(AutoMLConfig(), training_data=None, compute_target=None)
    assert arguments["allowed_models"] == [f for f in DEFAULT_FAMILIES if f in AZURE_FAMILIES]
    assert "CatBoost" not in arguments["allowed_models"]
    blocked = automl_arguments(
        AutoMLConfig(blocked_models=("CatBoost", "RandomForest")),
        training_data=None,
        compute_target=None,
    )
    assert blocked["blocked_models"] == ["RandomForest"]


def test_cluster_is_sized_by_the_options() -> None:
    from azureml.core.compute import AmlCompute

    options = AzureMLOptions(vm_size="STANDARD_D2_V2", max_nodes=2, min_nodes=0)
    config = AmlCompute.provisioning_configuration(**compute_arguments(options))
    assert config.vm_size == "STANDARD_D2_V2"
    scale = config.scale_settings
    assert (scale.minimum_node_count, scale.maximum_node_count) == (0, 2)
    assert scale.idle_seconds_before_scaledown == 1800


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
    # a cancel asked is not a cancel done (as the pipelines backend maps it)
    assert map_state("CancelRequested") == "Running"
    assert map_state("Canceled") == "Canceled"
    assert map_state("Failed") == "Failed"


class FakeRun:
    """MOCK OF THE AZURE BOUNDARY: the attributes and methods of an SDK `Run` the job
    reads, for states a replay covers less directly (the HTTP of these is replayed in
    test_train_on_azure_submits_polls_and_maps_the_run and the cancel test)."""

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
    assert result.metrics.AUC_weighted == pytest.approx(0.947)
    assert result.metrics_source == "validation"
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


def test_a_failure_without_azures_error_still_says_so(
    tmp_path: Path, small_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = FakeRun("r", status="Failed")
    monkeypatch.setattr(run, "get_details", lambda: {"error": None})
    job = AzureTrainingJob(run, AutoMLConfig(), small_frame, AzureMLOptions(), tmp_path)
    with pytest.raises(TrainingError, match="r failed: Azure gave no message"):
        job.result()


def test_the_wait_never_sleeps_past_the_callers_timeout(
    tmp_path: Path, small_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    job = AzureTrainingJob(
        FakeRun("r", status="Running"),
        AutoMLConfig(),
        small_frame,
        AzureMLOptions(poll_interval_s=30),
        tmp_path,
    )
    with pytest.raises(TimeoutError):
        job.result(timeout=0.2)
    assert slept
    assert max(slept) <= 0.2  # not the 30 s poll interval


class Clock:
    """Time that passes only when someone sleeps (for `time.monotonic` and `time.sleep`)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class CountingRun(FakeRun):
    """A running run that counts the reads Azure would answer, and ends Completed after
    `reads_until_done` reads of its state."""

    def __init__(self, *, reads_until_done: int) -> None:
        children = [_child(0, "LightGBM", 0.941), _child(1, "XGBoostClassifier", 0.944)]
        super().__init__("AutoML_n", status="Running", children=children)
        self.reads = {"status": 0, "children": 0, "details": 0}
        self._left = reads_until_done
        for child in children:
            child.get_details = self._counted_details(child.get_details)  # type: ignore[method-assign]

    def _counted_details(self, read: Any) -> Any:
        def details() -> dict[str, Any]:
            self.reads["details"] += 1
            return read()  # type: ignore[no-any-return]

        return details

    def get_status(self) -> str:
        self.reads["status"] += 1
        self._left -= 1
        if self._left <= 0:
            self._status = "Completed"
        return self._status

    def get_children(self) -> list[FakeRun]:
        self.reads["children"] += 1
        return self._children


def test_a_live_view_asks_azure_once_per_poll_interval(
    tmp_path: Path, small_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bankops train`'s loop asks `done()` and `status()` every half second; Azure is
    asked once per poll interval, and each finished child's details once in all."""
    from bankmarketing_ops import _constants as C

    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    run = CountingRun(reads_until_done=5)
    job = AzureTrainingJob(
        run, AutoMLConfig(), small_frame, AzureMLOptions(poll_interval_s=30), tmp_path
    )
    started = clock.now
    refreshes = 0
    while not job.done():  # cli.train.follow's loop
        job.status()
        time.sleep(C.TRAINING_REFRESH_S)
        refreshes += 1
    assert refreshes == 4
    assert run.reads["status"] == 5  # one per done(): none from status()
    assert clock.now - started >= 4 * 30  # each read a poll interval after the last
    assert run.reads["children"] == 4  # one per interval, not one per refresh
    assert run.reads["details"] == 2  # each scored child once: it will not change


class SdkError(Exception):
    """MOCK OF THE AZURE BOUNDARY: an SDK error that carries its HTTP status."""

    def __init__(self, status_code: int | None, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


class FlakyRun(FakeRun):
    """A running run whose reads of its state meet the given errors first."""

    def __init__(self, errors: list[Exception]) -> None:
        super().__init__("AutoML_f", status="Running")
        self._errors = errors

    def get_status(self) -> str:
        if self._errors:
            raise self._errors.pop(0)
        return self._status


def test_transient_errors_are_tried_again_and_the_follow_goes_on(
    tmp_path: Path, small_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    import requests

    errors = [
        SdkError(429, "Too Many Requests"),
        SdkError(503, "Service Unavailable"),
        requests.exceptions.ConnectionError("the connection was reset"),  # the SDK's HTTP
    ]
    run = FlakyRun(errors)
    job = AzureTrainingJob(
        run, AutoMLConfig(), small_frame, AzureMLOptions(poll_interval_s=30), tmp_path
    )
    assert not job.done()  # three failed reads, then the state
    assert clock.sleeps == [2.0, 4.0, 8.0]  # backing off, at most the poll interval


@pytest.mark.parametrize(
    ("errors", "message"),
    [
        ([SdkError(400, "Bad Request: the run id is malformed")], "malformed"),
        ([SdkError(500, "Internal Server Error")] * 5, "Internal Server Error"),
    ],
)
def test_a_lasting_or_permanent_error_still_ends_the_follow(
    tmp_path: Path,
    small_frame: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
    errors: list[SdkError],
    message: str,
) -> None:
    from bankmarketing_ops import _constants as C

    clock = Clock()
    monkeypatch.setattr(time, "sleep", clock.sleep)
    job = AzureTrainingJob(
        FlakyRun(list(errors)), AutoMLConfig(), small_frame, AzureMLOptions(), tmp_path
    )
    with pytest.raises(TrainingError, match=message):
        job.done()
    assert len(clock.sleeps) == (0 if len(errors) == 1 else C.AZUREML_READ_ATTEMPTS - 1)


class CancelingRun(FakeRun):
    """A run Azure takes a few reads to stop: CancelRequested, then Canceled."""

    def __init__(self, *, reads_until_canceled: int) -> None:
        children = [_child(0, "LightGBM", 0.941)]
        super().__init__("AutoML_c", status="Running", children=children)
        self._left = reads_until_canceled

    @property
    def status(self) -> str:
        return self._status

    def get_status(self) -> str:
        if self._status == "CancelRequested":
            self._left -= 1
            if self._left <= 0:
                self._status = "Canceled"
        return self._status

    def cancel(self) -> None:
        self._status = "CancelRequested"


def test_ctrl_c_in_the_cli_waits_until_azure_has_canceled(
    tmp_path: Path, small_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bankops train`'s Ctrl-C path (cli.train.follow) on an Azure run: the cancel is
    asked, the run read until Azure says Canceled (CancelRequested is not done), then the
    partial leaderboard is shown and `TrainingCanceledError` raised."""
    from rich.console import Console

    from bankmarketing_ops import TrainingPoller
    from bankmarketing_ops.cli import train as cli_train

    run = CancelingRun(reads_until_canceled=3)
    job = AzureTrainingJob(run, AutoMLConfig(), small_frame, AzureMLOptions(), tmp_path)

    def interrupted(_seconds: float) -> None:
        if run.status == "Running":
            raise KeyboardInterrupt  # Ctrl-C during the live view

    monkeypatch.setattr(cli_train.time, "sleep", interrupted)
    console = Console(file=open(tmp_path / "out.txt", "w"), width=120)  # noqa: SIM115
    with pytest.raises(TrainingCanceledError, match=r"after 1 iteration\(s\)"):
        cli_train.follow(TrainingPoller(job, backend="azureml"), console)
    console.file.close()
    assert run.status == "Canceled"  # read until Azure said so, not at CancelRequested
    assert "LightGBM" in (tmp_path / "out.txt").read_text()


def test_a_matrix_the_sdk_only_names_is_no_matrix_not_a_crash() -> None:
    # get_metrics() without populate=True gives file-backed metrics as an artifact link.
    named = {**METRICS, "confusion_matrix": "aml://artifactId/ExperimentRun/dcid.x/cm"}
    metrics = map_metrics(named)
    assert metrics.confusion_matrix == []
    assert metrics.AUC_weighted == pytest.approx(0.947)


def test_a_downloaded_matrix_artifact_is_read() -> None:
    """`get_metrics(populate=True)` gives an artifact-backed metric as the SDK's
    `JsonArtifact` (the file's bytes), not as the JSON it holds."""
    from azureml.core._metrics import JsonArtifact

    from bankmarketing_ops.backends.azureml.automl import _metrics_with_artifacts

    location = "aml://artifactId/ExperimentRun/dcid.x/confusion_matrix"
    artifact = JsonArtifact(
        location,
        data=json.dumps(METRICS["confusion_matrix"]).encode(),
        metric_type="azureml.v2.confusion_matrix",
    )
    unreadable = JsonArtifact(location, metric_type="azureml.v2.confusion_matrix")
    run = SimpleNamespace(get_metrics=lambda populate: {**METRICS, "confusion_matrix": artifact})
    assert map_metrics(_metrics_with_artifacts(run)).rows == 4940
    run = SimpleNamespace(get_metrics=lambda populate: {**METRICS, "confusion_matrix": unreadable})
    assert map_metrics(_metrics_with_artifacts(run)).confusion_matrix == []


def test_budgets_under_azures_minimum_are_refused_before_anything_is_created() -> None:
    from bankmarketing_ops import BudgetTooSmallError
    from bankmarketing_ops.backends.azureml.automl import check_budget

    with pytest.raises(BudgetTooSmallError, match="at least 15"):
        check_budget(1.0)
    check_budget(C.AZUREML_MIN_BUDGET_MINUTES)
    # and the SDK's own limit is the same
    from azureml.automl.core.automl_base_settings import AutoMLBaseSettings

    assert AutoMLBaseSettings.MIN_EXPTIMEOUT_MINUTES == C.AZUREML_MIN_BUDGET_MINUTES


@pytest.mark.vcr
def test_train_on_azure_submits_polls_and_maps_the_run(
    azure_workspace: Workspace,
    vcr: Any,
    small_frame: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`AutoMLTrainer.train` through the real SDK and its HTTP (a hand-built cassette).

    Replayed: the missing cluster created with our size and waited for (first: a refused
    cluster leaves no data set behind), the data set registered from the public URL
    (dataset service, then its engine definition from the data service), the
    experiment, the AutoML client's checks (compute list, the environments it looks
    for), Jasmine's validation and the parent run with our
    settings (the body matcher checks primary metric, label column, budget,
    featurization, early stopping, models, cluster and data set id), the snapshot-less
    submission, polling to Completed, the child runs and their details, the best child
    named by the parent's tag, its metrics (metrics service v2; the confusion matrix, an
    artifact-backed metric, read from its artifact's blob) and the parent's details.

    Nothing of the SDK is mocked. The data set is declared with `validate=False`,
    `infer_column_types=False` and the schema's column types: the SDK then never reads
    the file here through the dataprep engine (whose own HTTP client vcrpy cannot see),
    and Azure's AutoML service validates the data (the Jasmine validation call). Only the
    SDK's telemetry is dropped (see conftest's `_azureml_sdk`).
    """
    # outside any git repository: the SDK records the branch and commit of the working
    # directory on the run (a PATCH that differs from machine to machine)
    monkeypatch.chdir(tmp_path)
    frame = small_frame.copy()
    # the synthetic rows stand in for the whole public file (only its identity matters
    # here: Azure reads the file from its URL)
    frame.attrs.update(sha256=C.DEFAULT_DATA_SHA256, source=C.DEFAULT_DATA_URL)
    trainer = AutoMLTrainer(
        azure_workspace, experiment_timeout_minutes=20, max_concurrent_iterations=2
    )
    run = trainer.train(frame)

    assert run.run_id == B.PARENT_RUN
    assert [(it.family, it.validation_score) for it in run.leaderboard()] == [
        ("XGBoostClassifier", pytest.approx(0.944)),
        ("LightGBM", pytest.approx(0.941)),
    ]
    assert run.iterations[0].learner == "MaxAbsScaler XGBoostClassifier"
    assert run.iterations[0].wall_clock_s == 180.0
    assert run.best.model_type == "VotingEnsemble"
    assert run.best.validation_score == pytest.approx(0.947)
    assert run.best.best_single_validation_score == pytest.approx(0.944)
    # Azure's metrics are its validation metrics, and say so
    assert run.metrics_source == "validation"
    assert run.metrics.AUC_weighted == pytest.approx(0.947)
    assert run.metrics.log_loss == pytest.approx(0.18)
    # the artifact-backed metric, downloaded (its artifact's read SAS, then the blob)
    assert run.metrics.confusion_matrix == [[4300, 100], [320, 220]]
    assert run.metrics.rows == 4940
    # the baseline is measured here, on the held-out split of the data
    assert run.baseline_metrics.rows == run.test_rows
    assert run.duration_s == 1800.0
    assert run.data_sha256 == C.DEFAULT_DATA_SHA256
    described = json.loads((Path(run.run_dir) / "azureml_run.json").read_text())
    assert described["best_child_run_id"] == B.BEST_RUN
    assert_all_played(vcr)


def _public_file(frame: pd.DataFrame) -> pd.DataFrame:
    copy = frame.copy()
    copy.attrs.update(sha256=C.DEFAULT_DATA_SHA256, source=C.DEFAULT_DATA_URL)
    return copy


@pytest.mark.vcr
def test_a_failed_run_raises_azures_error(
    azure_workspace: Workspace,
    vcr: Any,
    small_frame: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same submission; the run ends Failed and `TrainingError` says Azure's reason."""
    monkeypatch.chdir(tmp_path)
    trainer = AutoMLTrainer(
        azure_workspace, experiment_timeout_minutes=20, max_concurrent_iterations=2
    )
    poller = trainer.begin_train(_public_file(small_frame))
    with pytest.raises(TrainingError, match="ran out of core quota") as caught:
        poller.result()
    assert B.PARENT_RUN in str(caught.value)
    assert_all_played(vcr)


@pytest.mark.vcr
def test_cancel_an_azure_run(
    azure_workspace: Workspace,
    vcr: Any,
    small_frame: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The poller's `cancel()` asks Azure (Jasmine's cancel of the parent run); the run is
    not done while Azure says CancelRequested, and `result()` raises
    `TrainingCanceledError` once Azure says Canceled."""
    monkeypatch.chdir(tmp_path)
    trainer = AutoMLTrainer(
        azure_workspace, experiment_timeout_minutes=20, max_concurrent_iterations=2
    )
    poller = trainer.begin_train(_public_file(small_frame))
    poller.cancel()
    assert not poller.done()  # CancelRequested: a cancel asked is not a cancel done
    with pytest.raises(TrainingCanceledError, match="was canceled") as caught:
        poller.result()
    assert B.PARENT_RUN in str(caught.value)
    assert_all_played(vcr)


@pytest.mark.vcr
def test_a_refused_token_is_a_credential_error(
    azure_workspace: Workspace, vcr: Any, small_frame: pd.DataFrame
) -> None:
    """A 401 from Azure (here the first call of a submission, the cluster's read) is our
    `CredentialError`, not the SDK's exception; no data set or run is asked for after it."""
    trainer = AutoMLTrainer(azure_workspace, experiment_timeout_minutes=20)
    with pytest.raises(CredentialError, match="create the compute cluster"):
        trainer.train(_public_file(small_frame))
    assert_all_played(vcr)


@pytest.mark.vcr
def test_a_refused_cluster_is_a_training_error_before_any_data_set(
    azure_workspace: Workspace, vcr: Any, small_frame: pd.DataFrame
) -> None:
    """The missing cluster's creation is refused (400 QuotaExceeded): `TrainingError`
    says Azure's code and message (not the SDK's dump of the response headers), and no
    data set is registered nor run submitted (the cassette has neither)."""
    trainer = AutoMLTrainer(azure_workspace, experiment_timeout_minutes=20)
    with pytest.raises(TrainingError, match="compute cluster 'cpu-cluster'") as caught:
        trainer.train(_public_file(small_frame))
    message = str(caught.value)
    assert "QuotaExceeded" in message
    assert A.QUOTA in message
    assert_all_played(vcr)
