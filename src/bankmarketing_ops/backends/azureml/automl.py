"""AutoML on an Azure ML compute cluster: `AutoMLConfig` in, `TrainingRun` out.

The data is validated on this machine first (the facade does that). Azure trains on a
registered tabular data set: read straight from the public URL when the data is the
published file, uploaded to the workspace's default datastore otherwise. The parent run's
child runs become `Iteration`s, the best child's metrics the run's metrics.

What differs from the local backend, on purpose and said in the docs:
- `metrics` are Azure's metrics of the best child on its validation data (or cross
  validation), as Azure reports them, and `metrics_source` says so (`validation`);
  `baseline_metrics` is the default LightGBM computed on this machine on a held-out split
  of the same data with the run's `test_size` and seed (`test_rows` rows).
- `model_dir` and `run_dir` are a local folder holding the run's description; the model
  itself stays in the run's outputs (`outputs/model.pkl`) and is registered from there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    BudgetTooSmallError,
    ConfigurationError,
    OperationTimeoutError,
    TrainingCanceledError,
    TrainingError,
)
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.azureml._sdk import (
    require,
    sdk_error_text,
    sdk_status,
    translated,
)
from bankmarketing_ops.backends.azureml.options import AzureMLOptions
from bankmarketing_ops.data.schema import (
    CATEGORICAL_COLUMNS,
    FLOAT_COLUMNS,
    INTEGER_COLUMNS,
    LEAKY_COLUMNS,
    TARGET,
)
from bankmarketing_ops.ml.families import AZURE_FAMILIES, MODEL_FAMILIES, ModelFamily
from bankmarketing_ops.ml.metrics import ClassificationMetrics
from bankmarketing_ops.types.automl import (
    AutoMLConfig,
    BestModel,
    EnsembleMember,
    Iteration,
    RunState,
    TrainingRun,
    TrainingStatus,
)

__all__ = [
    "AzureAutoML",
    "AzureTrainingJob",
    "automl_arguments",
    "azure_families",
    "column_types",
    "compute_arguments",
    "map_metrics",
    "map_state",
]

_log = get_logger(__name__)

T = TypeVar("T")

#: Names of the exception classes of a dropped connection or a timed-out request.
_TRANSPORT_ERRORS = frozenset({"ConnectionError", "Timeout", "ReadTimeout", "ConnectTimeout"})


def _transient(exc: BaseException) -> bool:
    """Whether a failed read of a run is worth trying again: Azure throttled it (429) or
    failed on its side (408, 5xx), or the connection dropped."""
    status = sdk_status(exc)
    if status is not None:
        return status in (408, 429) or status >= 500
    return bool({cls.__name__ for cls in type(exc).__mro__} & _TRANSPORT_ERRORS)


#: Azure's terminal run statuses; every other one (NotStarted, Preparing, Running,
#: Finalizing, CancelRequested …) is Running. A cancel asked is not a cancel done: the
#: run is Canceled when Azure says it is (as the pipelines backend maps it).
_STATES: dict[str, RunState] = {
    "Completed": "Completed",
    "Finished": "Completed",  # an older name of Completed (as the pipelines backend reads it)
    "Failed": "Failed",
    "Canceled": "Canceled",
}
_SCALAR_METRICS = (
    "accuracy",
    "AUC_weighted",
    "AUC_macro",
    "AUC_micro",
    "average_precision_score_weighted",
    "f1_score_weighted",
    "precision_score_weighted",
    "recall_score_weighted",
    "norm_macro_recall",
    "log_loss",
    "balanced_accuracy",
    "matthews_correlation",
)


def check_budget(minutes: float) -> None:
    """Azure AutoML refuses budgets under 15 minutes; say so before anything is created."""
    if minutes < C.AZUREML_MIN_BUDGET_MINUTES:
        raise BudgetTooSmallError(
            f"Azure ML AutoML needs experiment_timeout_minutes of at least "
            f"{C.AZUREML_MIN_BUDGET_MINUTES:g}, not {minutes:g}"
        )


def azure_families(config: AutoMLConfig) -> list[ModelFamily]:
    """The families to ask Azure for; refuses what Azure cannot do.

    Families named in `allowed_models` that Azure lacks (CatBoost) are refused; when the
    list is our default, they are left out quietly, so the default config runs on Azure.

    Raises:
        ConfigurationError: a family Azure lacks was asked for, or a local-only option set.
    """
    if config.max_scoring_us_per_row is not None:
        raise ConfigurationError(
            "max_scoring_us_per_row is a local-backend option: Azure AutoML has no latency "
            "budget; leave it unset for the azureml backend"
        )
    if "max_ensemble_trees" in config.model_fields_set:
        raise ConfigurationError(
            "max_ensemble_trees is a local-backend option: Azure AutoML's VotingEnsemble has "
            "no size limit; leave it unset for the azureml backend"
        )
    lacking = [f for f in config.families if f not in AZURE_FAMILIES]
    if lacking and "allowed_models" in config.model_fields_set:
        possible = ", ".join(f for f in MODEL_FAMILIES if f in AZURE_FAMILIES)
        raise ConfigurationError(
            f"Azure AutoML has no model family {', '.join(lacking)}; allowed_models on the "
            f"azureml backend may name: {possible}"
        )
    return [f for f in config.families if f in AZURE_FAMILIES]


def automl_arguments(
    config: AutoMLConfig, *, training_data: Any, compute_target: Any
) -> dict[str, Any]:
    """Our `AutoMLConfig` as the keyword arguments of the SDK's `AutoMLConfig`."""
    arguments: dict[str, Any] = {
        "task": config.task,
        "primary_metric": config.primary_metric,
        "experiment_timeout_minutes": config.experiment_timeout_minutes,
        "max_concurrent_iterations": config.max_concurrent_iterations,
        "featurization": config.featurization,
        "enable_early_stopping": config.enable_early_stopping,
        "enable_voting_ensemble": config.enable_voting_ensemble,
        # the SDK adds a stack ensemble by default; ours has one switch for ensembles
        "enable_stack_ensemble": config.enable_voting_ensemble,
        "label_column_name": config.label_column_name,
        "training_data": training_data,
        "compute_target": compute_target,
        "allowed_models": azure_families(config),
    }
    blocked = [f for f in config.blocked_models if f in AZURE_FAMILIES]
    if blocked:
        arguments["blocked_models"] = blocked
    if config.n_cross_validations is not None:
        arguments["n_cross_validations"] = config.n_cross_validations
    else:
        arguments["validation_size"] = config.validation_size
    return arguments


def compute_arguments(options: AzureMLOptions) -> dict[str, Any]:
    """`AmlCompute.provisioning_configuration` arguments for the cluster."""
    return {
        "vm_size": options.vm_size,
        "min_nodes": options.min_nodes,
        "max_nodes": options.max_nodes,
        "idle_seconds_before_scaledown": options.idle_seconds_before_scaledown,
    }


def column_types(data_type: Any) -> dict[str, Any]:
    """The schema's columns as the SDK's `DataType`s (`azureml.data.DataType`)."""
    types: dict[str, Any] = {name: data_type.to_long() for name in INTEGER_COLUMNS}
    types.update({name: data_type.to_float() for name in FLOAT_COLUMNS})
    types.update({name: data_type.to_string() for name in (*CATEGORICAL_COLUMNS, TARGET)})
    return types


def map_state(status: str) -> RunState:
    """An Azure run status (`NotStarted`, `Preparing`, `Running`, `Completed` …) as ours."""
    return _STATES.get(status, "Running")


def map_metrics(values: dict[str, Any]) -> ClassificationMetrics:
    """A child run's `get_metrics()` as `ClassificationMetrics`.

    `confusion_matrix` comes from Azure's artifact metric (`{"data": {"matrix": …}}`);
    `rows` is the sum of its cells (0 when Azure did not report a matrix).
    """
    missing = [name for name in _SCALAR_METRICS if name not in values]
    if missing:
        raise TrainingError(f"the Azure run reported no {', '.join(missing)}")
    matrix: list[list[int]] = []
    raw = values.get("confusion_matrix")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            # get_metrics() without populate=True names the artifact ("aml://artifactId/…")
            # instead of holding it: no matrix rather than a failed run.
            _log.warning("the Azure run's confusion matrix was not readable: %.80s", raw)
            raw = None
    if isinstance(raw, dict):
        matrix = [[int(cell) for cell in row] for row in raw.get("data", {}).get("matrix", [])]
    return ClassificationMetrics(
        **{name: float(values[name]) for name in _SCALAR_METRICS},
        confusion_matrix=matrix,
        rows=sum(sum(row) for row in matrix),
    )


def _metrics_with_artifacts(run: Any) -> dict[str, Any]:
    """The run's metrics, with file-backed ones (the confusion matrix) read in, where the
    SDK can: `populate=True` downloads them.

    The SDK gives a downloaded artifact-backed metric as its own `Artifact` object (the
    file's bytes in `.data`), not as the JSON it holds: `convert_to_object()` parses it
    (None when the file could not be read or parsed).
    """
    try:
        values: dict[str, Any] = run.get_metrics(populate=True)
    except TypeError:  # an SDK without `populate`
        values = run.get_metrics()
    return {
        name: value.convert_to_object()
        if callable(getattr(value, "convert_to_object", None))
        else value
        for name, value in values.items()
    }


class AzureAutoML:
    """Submits AutoML runs to the workspace's compute cluster."""

    def __init__(self, workspace: Any, options: AzureMLOptions, cache: Path) -> None:
        self._ws, self._options, self._cache = workspace, options, cache

    def ensure_compute(self) -> Any:
        """The cluster named in the options, created (and waited for) when missing.

        Raises:
            TrainingError: the cluster cannot be read or created (a refused size or quota).
            CredentialError: Azure refused the credentials.
        """
        compute = require("azureml.core.compute")
        exceptions = require("azureml.exceptions")
        name = self._options.compute_name
        with translated(TrainingError, f"create the compute cluster {name!r}"):
            try:
                return compute.ComputeTarget(workspace=self._ws, name=name)
            except exceptions.ComputeTargetException as exc:
                # The SDK says "not found" and "401" with the same exception class: only
                # a missing cluster is created.
                if sdk_status(exc) is not None:
                    raise
            _log.info(
                "creating compute cluster %s (%s, up to %d nodes)",
                name,
                self._options.vm_size,
                self._options.max_nodes,
            )
            config = compute.AmlCompute.provisioning_configuration(
                **compute_arguments(self._options)
            )
            target = compute.ComputeTarget.create(self._ws, name, config)
            target.wait_for_completion(show_output=False)
            return target

    def public_dataset(self) -> Any:
        """The public data file, registered as a tabular data set Azure reads from its URL.

        The column types are ours (the schema), and the SDK neither validates nor infers
        them: both would read the file here through the dataprep engine, and the facade
        has validated the very same file (its sha256) on this machine already.
        """
        core = require("azureml.core")
        data_type = require("azureml.data").DataType
        with translated(TrainingError, f"register the data set {self._options.dataset_name!r}"):
            dataset = core.Dataset.Tabular.from_delimited_files(
                path=self._options.dataset_url,
                validate=False,
                infer_column_types=False,
                set_column_types=column_types(data_type),
            )
            return dataset.register(
                workspace=self._ws,
                name=self._options.dataset_name,
                description="UCI Bank Marketing (public copy)",
                create_new_version=True,
            )

    @staticmethod
    def is_public_file(frame: pd.DataFrame, *, whole_file: bool = True) -> bool:
        """Whether `frame` is the whole public file (its bytes), which Azure reads from its
        URL instead of an upload."""
        return whole_file and frame.attrs.get("sha256") == C.DEFAULT_DATA_SHA256

    def training_data(self, frame: pd.DataFrame, *, whole_file: bool = True) -> Any:
        """The registered tabular data set: the public URL (when `frame` is the whole public
        file, not a changed copy of it), or the frame uploaded."""
        if self.is_public_file(frame, whole_file=whole_file):
            return self.public_dataset()
        core = require("azureml.core")
        with translated(TrainingError, f"upload the data set {self._options.dataset_name!r}"):
            datastore = self._ws.get_default_datastore()
            return core.Dataset.Tabular.register_pandas_dataframe(
                frame, datastore, self._options.dataset_name
            )

    def begin_train(self, config: AutoMLConfig, frame: pd.DataFrame) -> AzureTrainingJob:
        """Make sure of the cluster, register the data, and submit the AutoML run.

        Raises:
            BudgetTooSmallError: the budget is under Azure's minimum; nothing is created.
            TrainingError: Azure refused the cluster, the data set or the run.
            CredentialError: Azure refused the credentials.
        """
        check_budget(config.experiment_timeout_minutes)  # before any cluster or data set
        azure_families(config)
        if config.drop_leaky_columns:
            frame = frame.drop(columns=list(LEAKY_COLUMNS), errors="ignore")
        train_module = require("azureml.train.automl")
        core = require("azureml.core")
        # the cluster first: a refused size or quota leaves no data set version behind
        compute_target = self.ensure_compute()
        # the public URL still holds the leaky columns: upload the dropped frame
        whole_file = not config.drop_leaky_columns
        training_data = self.training_data(frame, whole_file=whole_file)
        # what Azure trained from, for the registry: the URL it read, or the uploaded file
        data_source = (
            self._options.dataset_url
            if self.is_public_file(frame, whole_file=whole_file)
            else str(frame.attrs.get("source", "an uploaded data frame"))
        )
        experiment_name = self._options.experiment_name
        with translated(TrainingError, f"submit the AutoML run to {experiment_name!r}"):
            automl_config = train_module.AutoMLConfig(
                **automl_arguments(
                    config, training_data=training_data, compute_target=compute_target
                )
            )
            experiment = core.Experiment(self._ws, experiment_name)
            run = experiment.submit(automl_config, show_output=False)
            run_id = str(run.id)
        _log.info("submitted AutoML run %s to experiment %s", run_id, experiment_name)
        return AzureTrainingJob(
            run, config, frame, self._options, self._cache, data_source=data_source
        )


class AzureTrainingJob:
    """An Azure AutoML parent run, polled until it finishes."""

    def __init__(
        self,
        run: Any,
        config: AutoMLConfig,
        frame: pd.DataFrame,
        options: AzureMLOptions,
        cache: Path,
        *,
        data_source: str | None = None,
    ) -> None:
        self._run, self._config, self._frame = run, config, frame
        self._options, self._cache = options, cache
        self._data_source = data_source or str(frame.attrs.get("source", options.dataset_url))
        self._started = time.monotonic()
        self.run_id: str = str(run.id)
        # Azure is asked about the run at most once per poll interval, however often a
        # live view asks: the last reads are kept with their (monotonic) times
        self._last_read: float | None = None
        self._last_state: tuple[float, RunState] | None = None
        self._last_board: tuple[float, list[Iteration]] | None = None
        # a scored child is finished: its iteration never changes, so it is read once
        self._iterations: dict[str, Iteration | None] = {}

    def _reading(self) -> Any:
        """Translate SDK errors while reading the run (TrainingError, CredentialError)."""
        return translated(TrainingError, f"read AutoML run {self.run_id}")

    def _read(self, what: str, read: Callable[[], T]) -> T:
        """`read()`, tried again after a transient error (429, 5xx, a dropped connection)
        up to `AZUREML_READ_ATTEMPTS` times: the run goes on in Azure meanwhile, and a
        follower must not stop over one refused poll. Other errors are raised at once."""
        with self._reading():
            for attempt in range(1, C.AZUREML_READ_ATTEMPTS + 1):
                try:
                    value = read()
                    break
                except Exception as exc:
                    if attempt == C.AZUREML_READ_ATTEMPTS or not _transient(exc):
                        raise
                    wait = min(2.0**attempt, self._options.poll_interval_s)
                    _log.warning(
                        "reading %s of AutoML run %s failed (%s); trying again in %g s",
                        what,
                        self.run_id,
                        sdk_error_text(exc),
                        wait,
                    )
                    time.sleep(wait)
        self._last_read = time.monotonic()
        return value

    def _wait_for_turn(self) -> None:
        """Sleep until a poll interval has passed since Azure was last asked."""
        if self._last_read is not None:
            wait = self._last_read + self._options.poll_interval_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def _fresh(self, read_at: float) -> bool:
        return time.monotonic() - read_at < self._options.poll_interval_s

    def _state(self) -> RunState:
        state = map_state(str(self._read("the state", self._run.get_status)))
        self._last_state = (time.monotonic(), state)
        return state

    def _leaderboard(self) -> list[Iteration]:
        """The leaderboard, read again only when the last reading is a poll interval old."""
        if self._last_board is not None and self._fresh(self._last_board[0]):
            return self._last_board[1]
        return self.partial_leaderboard()

    def status(self) -> TrainingStatus:
        """The run's progress; Azure is asked at most once per poll interval (a caller
        that asks sooner gets the last reading)."""
        leaderboard = self._leaderboard()
        best_by_family: dict[str, float] = {}
        for it in leaderboard:
            best_by_family[it.family] = max(
                best_by_family.get(it.family, it.validation_score), it.validation_score
            )
        state = self._current_state()
        return TrainingStatus(
            run_id=self.run_id,
            state=state,
            phase="done" if state != "Running" else "searching",
            elapsed_s=time.monotonic() - self._started,
            budget_s=self._config.experiment_timeout_minutes * 60,
            iterations=len(leaderboard),
            best_score=leaderboard[0].validation_score if leaderboard else None,
            best_by_family=best_by_family,
        )

    def _current_state(self) -> RunState:
        if self._last_state is not None and self._fresh(self._last_state[0]):
            return self._last_state[1]
        return self._state()

    def done(self) -> bool:
        """Whether the run has ended. Asked again within a poll interval of the last
        read, this waits for the interval to pass before asking Azure again."""
        self._wait_for_turn()
        return self._state() != "Running"

    def cancel(self) -> None:
        """Ask Azure to cancel the run; it stays Running (CancelRequested) until Azure has
        stopped it, then `result()` raises `TrainingCanceledError`."""
        with translated(TrainingError, f"cancel AutoML run {self.run_id}"):
            self._run.cancel()

    def partial_leaderboard(self) -> list[Iteration]:
        children = self._read("the child runs", lambda: list(self._run.get_children()))
        found = [it for it in (self._child_iteration(child) for child in children) if it]
        board = sorted(found, key=lambda it: it.validation_score, reverse=True)
        self._last_board = (time.monotonic(), board)
        return board

    def _child_iteration(self, child: Any) -> Iteration | None:
        key = str(getattr(child, "id", "") or "")
        if key and key in self._iterations:
            return self._iterations[key]
        iteration = self._read(f"child run {key}", lambda: _iteration(child))
        if key and iteration is not None:  # scored: finished, it will not change
            self._iterations[key] = iteration
        return iteration

    def result(self, timeout: float | None = None) -> TrainingRun:
        deadline = None if timeout is None else time.monotonic() + timeout
        self._wait_for_turn()
        while (state := self._state()) == "Running":
            if deadline is not None and time.monotonic() >= deadline:
                raise OperationTimeoutError(
                    f"AutoML run {self.run_id} is still running after {timeout:g} s",
                    operation_id=self.run_id,
                )
            wait = self._options.poll_interval_s
            if deadline is not None:  # never sleep past the caller's timeout
                wait = min(wait, max(deadline - time.monotonic(), 0.0))
            time.sleep(wait)
        if state == "Canceled":
            raise TrainingCanceledError(f"AutoML run {self.run_id} was canceled")
        if state == "Failed":
            details = self._read("the error", self._run.get_details) or {}
            error = ((details.get("error") or {}).get("error") or {}).get("message")
            error = error or "Azure gave no message"
            raise TrainingError(f"AutoML run {self.run_id} failed: {error}")
        return self._finished()

    def _finished(self) -> TrainingRun:
        from bankmarketing_ops.data.split import train_test_split
        from bankmarketing_ops.ml.baseline import baseline_proba
        from bankmarketing_ops.ml.features import encode_frame, feature_specs, target_vector
        from bankmarketing_ops.ml.metrics import compute_metrics
        from bankmarketing_ops.ml.provenance import library_versions

        config = self._config
        iterations = self.partial_leaderboard()
        if not iterations:
            raise TrainingError(f"AutoML run {self.run_id} finished without a child run")
        best_run = self._read("the best child run", self._run.get_best_child)
        best_properties = dict(best_run.properties or {})
        best = self._read("the best child run", lambda: _iteration(best_run))
        metrics = self._read("the metrics", lambda: _metrics_with_artifacts(best_run))
        details = self._read("the details", self._run.get_details) or {}
        portal_url = str(self._read("the portal URL", self._run.get_portal_url))
        best_type = str(best_properties.get("run_algorithm", "unknown"))
        best_score = float(best_properties.get("score", "nan"))
        validation_metrics = map_metrics(metrics)

        features = feature_specs(drop_leaky=config.drop_leaky_columns)
        split = train_test_split(self._frame, test_size=config.test_size, seed=config.random_seed)
        y_test = target_vector(split.test)
        baseline = compute_metrics(
            y_test,
            baseline_proba(
                encode_frame(split.train, features),
                target_vector(split.train),
                encode_frame(split.test, features),
                features,
                seed=config.random_seed,
            ),
        )
        run_dir = self._cache / "runs" / self.run_id
        run_dir.mkdir(parents=True, exist_ok=True)
        description = {
            "backend": "azureml",
            "run_id": self.run_id,
            "best_child_run_id": str(best_run.id),
            "model_path": "outputs/model.pkl",
            "portal_url": portal_url,
        }
        (run_dir / "azureml_run.json").write_text(json.dumps(description, indent=2) + "\n")
        best_single = max(it.validation_score for it in iterations)
        return TrainingRun(
            run_id=self.run_id,
            config=config,
            started_at=str(details.get("startTimeUtc") or datetime.now(UTC).isoformat()),
            duration_s=_duration(details),
            search_s=_duration(details),
            data_source=self._data_source,
            data_sha256=self._frame.attrs.get("sha256"),
            train_rows=len(self._frame),
            test_rows=len(split.test),
            features=[f.name for f in features],
            iterations=iterations,
            best=BestModel(
                model_type=best_type,
                # An ensemble's members live in its pickled model on Azure, not in metadata.
                members=[]
                if best is None
                else [
                    EnsembleMember(
                        family=best.family,
                        learner=best.learner,
                        weight=1.0,
                        hyperparameters=best.hyperparameters,
                        iteration=best.iteration,
                    )
                ],
                validation_score=best_score,
                best_single_validation_score=best_single,
            ),
            metrics=validation_metrics,
            metrics_source="validation",
            baseline_metrics=baseline,
            run_dir=str(run_dir),
            model_dir=str(run_dir),
            library_versions=library_versions(),
        )


def _iteration(child: Any) -> Iteration | None:
    """A child run as an `Iteration`; None for setup runs without a score and for
    ensemble runs (`VotingEnsemble`, `StackEnsemble`), which are not one family's trial."""
    properties = dict(getattr(child, "properties", {}) or {})
    score: Any = properties.get("score")
    algorithm: Any = properties.get("run_algorithm")
    if score in (None, "", "nan") or algorithm not in MODEL_FAMILIES:
        return None
    details = child.get_details() or {}
    return Iteration(
        iteration=int(properties.get("iteration", -1)),
        family=algorithm,
        learner=" ".join(
            p for p in (str(properties.get("run_preprocessor", "")), str(algorithm)) if p
        ),
        hyperparameters={},
        validation_score=float(score),
        fit_time_s=_duration(details),
        wall_clock_s=_duration(details),
    )


def _duration(details: dict[str, Any]) -> float:
    start, end = details.get("startTimeUtc"), details.get("endTimeUtc")
    if not start or not end:
        return 0.0
    parse = datetime.fromisoformat
    return max(
        0.0,
        (
            parse(str(end).replace("Z", "+00:00")) - parse(str(start).replace("Z", "+00:00"))
        ).total_seconds(),
    )
