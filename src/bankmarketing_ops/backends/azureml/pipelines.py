"""Published pipelines on Azure ML: the training pipeline as an `AutoMLStep`, published
with `Pipeline.publish` behind a `PipelineEndpoint`, triggered with the workspace's auth
header (`PipelineClient`), its runs read back as our `PipelineRun`.

What is translated, and what is not (said in docs/azureml.md):
- Only the built-in training pipeline (`training_pipeline()`) is translated: its `train`
  step becomes one `AutoMLStep` (outputs: Azure's metrics and best model). Its other
  steps (validate, evaluate, register, deploy) are this library's Python functions and
  are not run on Azure; a pipeline of other Python steps raises `ConfigurationError`.
- Azure fixes the AutoML settings when the pipeline is built, so the published pipeline
  declares no REST parameters; `submit` (run now) builds it with the run's
  `timeout_minutes` and `primary_metric`, refuses other parameters set to anything but
  their default (their steps do not run on Azure), and tags the run with the pipeline's
  name and parameters.
"""

from __future__ import annotations

import builtins
import json
import re
import tempfile
from datetime import UTC, datetime
from typing import Any

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    ConfigurationError,
    ParameterProblem,
    PipelineError,
    PipelineNotFoundError,
    PipelineParameterError,
    TrainingError,
)
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.azureml._sdk import reading, require, translated
from bankmarketing_ops.backends.azureml.automl import AzureAutoML, automl_arguments, check_budget
from bankmarketing_ops.types.automl import AutoMLConfig
from bankmarketing_ops.types.pipelines import (
    TERMINAL,
    Pipeline,
    PipelineEndpoint,
    PipelineRun,
    PublishedPipeline,
    RunStatus,
    StepRun,
    StepStatus,
    next_version,
)

__all__ = ["TRAIN_STEP", "AzurePipelines", "map_run_status", "pipeline_automl_config"]

_log = get_logger(__name__)

#: The training pipeline's step that becomes the `AutoMLStep`.
TRAIN_STEP = "train"
_TRAIN_FUNCTION = "bankmarketing_ops.steps.training:train"
#: Azure's run states (run history's, and the few the pipelines service says instead) as
#: ours. A cancel is only requested until Azure stops the run: as locally, the run stays
#: `Running` until it is `Canceled` (or ends otherwise).
_RUN_STATES: dict[str, RunStatus] = {
    "NotStarted": "NotStarted",
    "Starting": "Queued",
    "Provisioning": "Queued",
    "Preparing": "Queued",
    "Queued": "Queued",
    "Running": "Running",
    "Finalizing": "Running",
    "CancelRequested": "Running",
    "NotResponding": "Running",
    "Completed": "Completed",
    "Finished": "Completed",
    "Failed": "Failed",
    "Canceled": "Canceled",
}


def map_run_status(status: str | None) -> RunStatus:
    """An Azure run status as ours (an unknown one is `Running`: not over)."""
    return _RUN_STATES.get(str(status), "Running")


def _step_status(status: str | None) -> StepStatus:
    mapped = map_run_status(status)
    return "NotStarted" if mapped == "Queued" else mapped


def _created(run: Any) -> datetime:
    """When a run was made, for sorting (runs without a time last)."""
    created = _iso(_record(run).get("created_utc"))
    return datetime.fromisoformat(created) if created else datetime.min.replace(tzinfo=UTC)


def _iso(value: Any) -> str | None:
    """A time of the SDK (a `datetime`, or the ISO text of its run records, `...Z`) as
    ISO 8601 text in UTC, as the local backend writes it; None when there is none."""
    if value is None or value == "":
        return None
    moment = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _record(run: Any) -> dict[str, Any]:
    """The run's history record as the SDK read it with the run (`Run._run_dto`: the REST
    run, snake_case keys, times as ISO text). Reading it costs no request, where
    `get_details()` asks again and lists the log files, and `StepRun.get_status()` asks
    the pipelines service once per step. Should a later SDK drop that private record,
    the public `get_details()` answers instead, its camelCase keys in snake_case."""
    dto = getattr(run, "_run_dto", None)
    if isinstance(dto, dict):
        return dict(dto)
    details = dict(run.get_details() or {})
    record = {_CAMEL.sub(r"_\1", key).lower(): value for key, value in details.items()}
    record.setdefault("tags", dict(getattr(run, "tags", None) or {}))
    return record


def _error_text(record: dict[str, Any]) -> str | None:
    """Azure's error message of a run record (`error.error.message`), if any."""
    error = (record.get("error") or {}).get("error") or {}
    message = error.get("message") or error.get("code")
    return " ".join(str(message).split()) if message else None


#: Tags of a run submitted from code (`submit`): its pipeline's name and its parameters.
_NAME_TAG = "bankops.pipeline"
_PARAMETERS_TAG = "bankops.parameters"


def _parameters(properties: dict[str, Any], tags: dict[str, Any]) -> dict[str, Any]:
    """The run's parameter assignments: Azure keeps them as JSON text in a property (a run
    submitted from code: in our tag)."""
    try:
        values = json.loads(
            tags.get(_PARAMETERS_TAG) or properties.get("azureml.parameters") or "{}"
        )
    except (TypeError, ValueError):
        return {}
    return dict(values) if isinstance(values, dict) else {}


def pipeline_automl_config(pipeline: Pipeline, parameters: dict[str, Any]) -> AutoMLConfig:
    """The AutoML settings of the training pipeline's `train` step for these parameters
    (the pipeline's defaults when a parameter is not given)."""
    if TRAIN_STEP not in pipeline.step_names() or not any(
        s.function == _TRAIN_FUNCTION for s in pipeline.steps
    ):
        raise ConfigurationError(
            "on Azure ML only the built-in training pipeline is translated (its train step "
            "becomes an AutoMLStep); pipelines of other Python steps run on the local backend"
        )
    values: dict[str, Any] = {p.name: p.default for p in pipeline.parameters}
    values.update(parameters)
    options: dict[str, Any] = {}
    if values.get("timeout_minutes") is not None:
        # The local default (1 minute) is below Azure's minimum: raise it to the minimum
        # (a budget asked for explicitly below it is refused, not changed).
        minutes = float(values["timeout_minutes"])
        if "timeout_minutes" not in parameters:
            minutes = max(minutes, C.AZUREML_MIN_BUDGET_MINUTES)
        check_budget(minutes)
        options["experiment_timeout_minutes"] = minutes
    if values.get("primary_metric"):
        options["primary_metric"] = values["primary_metric"]
    return AutoMLConfig(**options)


#: The training pipeline's parameters the AutoMLStep takes; the others belong to the steps
#: that do not run on Azure (and `data_path` to this machine).
_AZURE_PARAMETERS = frozenset({"timeout_minutes", "primary_metric"})


def _chosen(pipeline: Pipeline, parameters: dict[str, object]) -> dict[str, Any]:
    """The parameters a run sets, out of the resolved ones (`Pipeline.resolve` fills in
    every default): those that differ from the pipeline's default. A value Azure would not
    use is refused (`PipelineParameterError`), before any request, rather than ignored."""
    defaults = {p.name: p.default for p in pipeline.parameters}
    chosen = {
        name: value
        for name, value in parameters.items()
        if name not in defaults or value != defaults[name]
    }
    unused = [
        ParameterProblem(name, "not used on Azure ML (only the train step runs there)")
        for name in chosen
        if name not in _AZURE_PARAMETERS
    ]
    if unused:
        raise PipelineParameterError(unused)
    return chosen


class AzurePipelines:
    """Published pipelines, pipeline endpoints and pipeline runs of an Azure ML workspace."""

    def __init__(self, workspace: Any, automl: AzureAutoML, auth: Any, experiment: str) -> None:
        self._ws, self._automl, self._auth, self._experiment = workspace, automl, auth, experiment
        self._names: dict[str, str] = {}  # published pipeline id -> name

    # --- building ---------------------------------------------------------------------
    def _azure_pipeline(self, pipeline: Pipeline, parameters: dict[str, Any], folder: str) -> Any:
        """The Azure pipeline of one `AutoMLStep`. `folder` is the step's source folder: an
        empty one, else the SDK snapshots (uploads) and hashes the current directory."""
        core = require("azureml.pipeline.core")
        steps = require("azureml.pipeline.steps")
        train = require("azureml.train.automl")
        config = pipeline_automl_config(pipeline, parameters)
        try:
            # the cluster first, as for training: a refused one leaves no data set behind
            compute_target = self._automl.ensure_compute()
            training_data = self._automl.public_dataset()
        except TrainingError as exc:  # the data set or the cluster: the pipeline's problem
            raise PipelineError(f"cannot build the training pipeline: {exc}") from None
        automl_config = train.AutoMLConfig(
            **automl_arguments(config, training_data=training_data, compute_target=compute_target),
            path=folder,
        )
        datastore = self._ws.get_default_datastore()
        metrics = core.PipelineData(
            "metrics_data",
            datastore=datastore,
            pipeline_output_name="metrics_output",
            training_output=core.TrainingOutput(type="Metrics"),
        )
        model = core.PipelineData(
            "model_data",
            datastore=datastore,
            pipeline_output_name="best_model_output",
            training_output=core.TrainingOutput(type="Model"),
        )
        step = steps.AutoMLStep(
            name=TRAIN_STEP,
            automl_config=automl_config,
            outputs=[metrics, model],
            # a run triggered over REST must search again: with reuse, Azure would hand
            # back the cached step, since the data set (a URL) and settings never change
            allow_reuse=False,
            # ours above are the same outputs: without this the step writes both twice
            enable_default_metrics_output=False,
            enable_default_model_output=False,
        )
        return core.Pipeline(self._ws, steps=[step], description=pipeline.description)

    # --- mapping ----------------------------------------------------------------------
    def _published(self, published: Any) -> PublishedPipeline:
        return PublishedPipeline(
            id=str(published.id),
            name=str(published.name),
            version=str(published.version or ""),
            description=str(published.description or ""),
            enabled=str(published.status) == "Active",
            endpoint=str(published.endpoint),
            parameters=[],
            steps=[TRAIN_STEP],
            created_at="",
            backend="azureml",
        )

    def _endpoint(self, endpoint: Any) -> PipelineEndpoint:
        default = endpoint.get_pipeline()
        versions = builtins.list(endpoint.list_pipelines(active_only=False))
        return PipelineEndpoint(
            name=str(endpoint.name),
            default_pipeline_id=str(default.id),
            # Azure's default_version is an index into the list; ours is the version name
            default_version=str(default.version or endpoint.default_version),
            endpoint=str(endpoint.endpoint),
            pipelines=[str(p.id) for p in versions],
            updated_at="",
        )

    def _step(self, record: dict[str, Any]) -> StepRun:
        """A step run (a child of the pipeline run) from its history record."""
        status = _step_status(record.get("status"))
        return StepRun(
            name=str(record.get("name") or record.get("display_name") or record.get("run_id")),
            status=status,
            started_at=_iso(record.get("start_time_utc")),
            finished_at=_iso(record.get("end_time_utc")),
            error=_error_text(record) if status == "Failed" else None,
        )

    def _pipeline_name(self, pipeline_id: str) -> str:
        """The name of a published pipeline (read once per backend; "" when it is gone)."""
        if pipeline_id not in self._names:
            try:
                self._names[pipeline_id] = str(self._published_sdk(pipeline_id).name)
            except PipelineNotFoundError:
                self._names[pipeline_id] = ""
        return self._names[pipeline_id]

    def _run(
        self,
        run: Any,
        *,
        pipeline_name: str | None = None,
        endpoint_name: str | None = None,
    ) -> PipelineRun:
        """Our run from the SDK's: its record (read with it) and its step runs (one
        request: the run's children), plus the published pipeline's name once."""
        record = _record(run)
        try:  # without rehydrating: one request for every child's record
            children = builtins.list(run.get_children(_rehydrate_runs=False))
        except TypeError:  # an SDK without that (private) switch
            children = builtins.list(run.get_children())
        steps = [self._step(_record(child)) for child in children]
        steps.sort(key=lambda step: step.started_at or "~")
        properties = dict(record.get("properties") or {})
        tags = dict(record.get("tags") or {})
        pipeline_id = properties.get("azureml.pipelineid") or None
        if pipeline_name is None:
            pipeline_name = (
                self._pipeline_name(pipeline_id)
                if pipeline_id
                else str(
                    tags.get(_NAME_TAG) or record.get("display_name") or record.get("name") or ""
                )
            )
        status = map_run_status(record.get("status"))
        error = None
        if status in ("Failed", "Canceled"):
            failing = next((step for step in steps if step.status == "Failed"), None)
            # as locally: the failing step's error, else what Azure says of the run
            error = (
                f"step {failing.name} failed: {failing.error}"
                if failing is not None and failing.error
                else _error_text(record)
            )
        created = _iso(record.get("created_utc")) or _iso(record.get("start_time_utc"))
        return PipelineRun(
            id=str(run.id),
            pipeline_id=pipeline_id,
            pipeline_name=pipeline_name,
            endpoint_name=endpoint_name,
            experiment_name=str(run.experiment.name),
            status=status,
            parameters=_parameters(properties, tags),
            steps=steps,
            created_at=created or "",
            started_at=_iso(record.get("start_time_utc")),
            finished_at=_iso(record.get("end_time_utc")),
            error=error,
        )

    # --- PipelineBackend ----------------------------------------------------------------
    def publish(
        self,
        pipeline: Pipeline,
        *,
        name: str,
        description: str,
        version: str | None,
        set_default: bool,
    ) -> PublishedPipeline:
        core = require("azureml.pipeline.core")
        description = description or pipeline.description
        with (
            translated(PipelineError, f"publish the pipeline {name!r}"),
            tempfile.TemporaryDirectory(prefix="bankops-automlstep-") as folder,
        ):
            endpoint = self._find_endpoint(name)
            if version is None:  # as locally: the next number under this name
                versions = [] if endpoint is None else endpoint.list_pipelines(active_only=False)
                version = next_version(str(p.version or "") for p in versions)
            published = self._azure_pipeline(pipeline, {}, folder).publish(
                name=name, description=description, version=version
            )
            if endpoint is None:  # the first version makes it
                core.PipelineEndpoint.publish(
                    workspace=self._ws, name=name, description=description, pipeline=published
                )
            else:
                (endpoint.add_default if set_default else endpoint.add)(published)
        _log.info("published pipeline %s (%s)", name, published.id)
        return self._published(published)

    def _find_endpoint(self, name: str) -> Any:
        """The pipeline endpoint `name`, or None when there is none."""
        try:
            return self._endpoint_sdk(name)
        except PipelineNotFoundError:
            return None

    def _endpoint_sdk(self, name: str) -> Any:
        core = require("azureml.pipeline.core")
        with reading(PipelineError, f"pipeline endpoint {name!r}", not_found=PipelineNotFoundError):
            return core.PipelineEndpoint.get(workspace=self._ws, name=name)

    def _published_sdk(self, pipeline_id: str) -> Any:
        core = require("azureml.pipeline.core")
        with reading(
            PipelineError, f"published pipeline {pipeline_id!r}", not_found=PipelineNotFoundError
        ):
            return core.PublishedPipeline.get(self._ws, id=pipeline_id)

    def get(self, pipeline_id: str) -> PublishedPipeline:
        return self._published(self._published_sdk(pipeline_id))

    def list(self, name: str | None = None) -> builtins.list[PublishedPipeline]:
        core = require("azureml.pipeline.core")
        with translated(PipelineError, "list the published pipelines"):
            return [
                self._published(p)
                for p in core.PublishedPipeline.list(self._ws, active_only=False)
                if name is None or p.name == name
            ]

    def set_enabled(self, pipeline_id: str, enabled: bool) -> PublishedPipeline:
        published = self._published_sdk(pipeline_id)
        action = "enable" if enabled else "disable"
        with translated(PipelineError, f"{action} the published pipeline {pipeline_id!r}"):
            (published.enable if enabled else published.disable)()
        return self.get(pipeline_id)

    def get_endpoint(self, name: str) -> PipelineEndpoint:
        endpoint = self._endpoint_sdk(name)
        with translated(PipelineError, f"read the pipeline endpoint {name!r}"):
            return self._endpoint(endpoint)

    def list_endpoints(self) -> builtins.list[PipelineEndpoint]:
        core = require("azureml.pipeline.core")
        with translated(PipelineError, "list the pipeline endpoints"):
            return [self._endpoint(e) for e in core.PipelineEndpoint.list(self._ws)]

    def set_default(self, endpoint_name: str, pipeline_id: str) -> PipelineEndpoint:
        endpoint = self._endpoint_sdk(endpoint_name)
        published = self._published_sdk(pipeline_id)
        with translated(
            PipelineError, f"make {pipeline_id!r} the default of the endpoint {endpoint_name!r}"
        ):
            endpoint.set_default(published)
            return self._endpoint(endpoint)

    def submit(
        self, pipeline: Pipeline, parameters: dict[str, object], *, experiment_name: str
    ) -> PipelineRun:
        core = require("azureml.core")
        chosen = _chosen(pipeline, parameters)
        # what Azure runs with: the default budget is raised to Azure's minimum
        budget = pipeline_automl_config(pipeline, chosen).experiment_timeout_minutes
        used = (
            {**parameters, "timeout_minutes": budget}
            if "timeout_minutes" in parameters
            else {**parameters}
        )
        with (
            translated(PipelineError, f"run the pipeline in the experiment {experiment_name!r}"),
            tempfile.TemporaryDirectory(prefix="bankops-automlstep-") as folder,
        ):
            azure_pipeline = self._azure_pipeline(pipeline, chosen, folder)
            # Azure knows the run by a random display name and no parameters (ours are in
            # the AutoML settings): the tags keep the pipeline's name and the run's
            # parameters, as the local backend records them
            tags = {_NAME_TAG: pipeline.name, _PARAMETERS_TAG: json.dumps(used)}
            run = core.Experiment(self._ws, experiment_name).submit(azure_pipeline, tags=tags)
            _log.info("submitted pipeline run %s in %s", run.id, experiment_name)
            return self._run(run, pipeline_name=pipeline.name)

    def _get_run(self, run_id: str) -> Any:
        core = require("azureml.pipeline.core")
        with reading(PipelineError, f"pipeline run {run_id!r}", not_found=PipelineNotFoundError):
            return core.PipelineRun.get(self._ws, run_id)

    def get_run(self, run_id: str) -> PipelineRun:
        run = self._get_run(run_id)
        with translated(PipelineError, f"read the pipeline run {run_id!r}"):
            return self._run(run)

    def list_runs(
        self,
        *,
        pipeline_id: str | None = None,
        endpoint_name: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> builtins.list[PipelineRun]:
        """Runs of one published pipeline, of an endpoint's versions, or of every published
        pipeline; newest first. One request per published pipeline lists its runs (with
        each run's record); only the `limit` runs returned have their steps read."""
        core = require("azureml.pipeline.core")
        if limit <= 0:
            return []
        if pipeline_id is not None:
            ids = [pipeline_id]
        elif endpoint_name is not None:
            endpoint = self._endpoint_sdk(endpoint_name)
            with translated(PipelineError, f"list the versions of {endpoint_name!r}"):
                versions = builtins.list(endpoint.list_pipelines(active_only=False))
            self._names.update({str(p.id): str(p.name) for p in versions})
            ids = [str(p.id) for p in versions]
        else:
            published = self.list()
            self._names.update({p.id: p.name for p in published})
            ids = [p.id for p in published]
        with translated(PipelineError, "list the pipeline runs"):
            found = {
                run.id: run
                for pid in dict.fromkeys(ids)
                for run in core.PipelineRun.get_pipeline_runs(self._ws, pid)
            }
            runs = [
                run
                for run in found.values()
                if status is None or map_run_status(_record(run).get("status")) == status
            ]
            runs.sort(key=_created, reverse=True)
            return [self._run(run, endpoint_name=endpoint_name) for run in runs[:limit]]

    def cancel_run(self, run_id: str) -> PipelineRun:
        """Ask Azure to cancel the run; it stays `Running` until Azure has stopped it."""
        run = self._get_run(run_id)
        with translated(PipelineError, f"cancel the pipeline run {run_id!r}"):
            if map_run_status(_record(run).get("status")) not in TERMINAL:
                run.cancel()
        return self.get_run(run_id)

    def run_logs(self, run_id: str, step: str | None = None) -> dict[str, builtins.list[str]]:
        """Each step's log files (those Azure lists for the step run, then the step's
        stdout, stderr and job log from the pipelines service), one `==> name <==` line
        before each file's lines; steps not started yet have none."""
        run = self._get_run(run_id)
        logs: dict[str, builtins.list[str]] = {}
        with translated(PipelineError, f"read the logs of the pipeline run {run_id!r}"):
            step_runs = builtins.list(run.get_steps())
            names = [str(step_run.name) for step_run in step_runs]
            if step is not None and step not in names:
                raise PipelineError(
                    f"run {run_id} has no step {step!r} ({', '.join(names) or 'none started'})"
                )
            for name, step_run in zip(names, step_runs, strict=True):
                if step is not None and name != step:
                    continue
                details = step_run.get_details_with_logs() or {}
                lines: builtins.list[str] = []
                for file_name, text in (details.get("logFiles") or {}).items():
                    if text:
                        lines += [f"==> {file_name} <==", *str(text).splitlines()]
                logs[name] = lines
        return logs

    def auth_header(self) -> dict[str, str]:
        """The workspace sign-in's header (`auth.get_authentication_header()`): Azure's
        pipeline endpoints take an Entra token, not a key."""
        if self._auth is None:
            raise ConfigurationError(
                "this workspace has no sign-in to make a token with: open it with "
                "Workspace.azureml(..., auth=...) or Workspace.from_config(...)"
            )
        with translated(PipelineError, "get a token for the pipeline endpoints"):
            return dict(self._auth.get_authentication_header())
