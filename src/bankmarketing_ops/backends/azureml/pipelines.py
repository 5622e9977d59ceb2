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
  `timeout_minutes` and `primary_metric`.
"""

from __future__ import annotations

import builtins
import tempfile
from typing import Any

from bankmarketing_ops import _constants as C
from bankmarketing_ops._exceptions import (
    ConfigurationError,
    PipelineError,
    PipelineNotFoundError,
)
from bankmarketing_ops._logging import get_logger
from bankmarketing_ops.backends.azureml._sdk import require, translated
from bankmarketing_ops.backends.azureml.automl import AzureAutoML, automl_arguments, check_budget
from bankmarketing_ops.types.automl import AutoMLConfig
from bankmarketing_ops.types.pipelines import (
    Pipeline,
    PipelineEndpoint,
    PipelineRun,
    PublishedPipeline,
    RunStatus,
    StepRun,
    StepStatus,
)

__all__ = ["TRAIN_STEP", "AzurePipelines", "map_run_status", "pipeline_automl_config"]

_log = get_logger(__name__)

#: The training pipeline's step that becomes the `AutoMLStep`.
TRAIN_STEP = "train"
_TRAIN_FUNCTION = "bankmarketing_ops.steps.training:train"
_RUN_STATES: dict[str, RunStatus] = {
    "NotStarted": "NotStarted",
    "Queued": "Queued",
    "Preparing": "Queued",
    "Starting": "Queued",
    "Running": "Running",
    "Finalizing": "Running",
    "Finished": "Completed",
    "Completed": "Completed",
    "Failed": "Failed",
    "Canceled": "Canceled",
    "CancelRequested": "Canceled",
}


def map_run_status(status: str) -> RunStatus:
    """An Azure run status as ours (unknown ones are `Running`)."""
    return _RUN_STATES.get(status, "Running")


def _step_status(status: str) -> StepStatus:
    mapped = map_run_status(status)
    return "NotStarted" if mapped == "Queued" else mapped


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


class AzurePipelines:
    """Published pipelines, pipeline endpoints and pipeline runs of an Azure ML workspace."""

    def __init__(self, workspace: Any, automl: AzureAutoML, auth: Any, experiment: str) -> None:
        self._ws, self._automl, self._auth, self._experiment = workspace, automl, auth, experiment

    # --- building ---------------------------------------------------------------------
    def _azure_pipeline(self, pipeline: Pipeline, parameters: dict[str, Any], folder: str) -> Any:
        """The Azure pipeline of one `AutoMLStep`. `folder` is the step's source folder: an
        empty one, else the SDK snapshots (uploads) and hashes the current directory."""
        core = require("azureml.pipeline.core")
        steps = require("azureml.pipeline.steps")
        train = require("azureml.train.automl")
        config = pipeline_automl_config(pipeline, parameters)
        automl_config = train.AutoMLConfig(
            **automl_arguments(
                config,
                training_data=self._automl.public_dataset(),
                compute_target=self._automl.ensure_compute(),
            ),
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
            allow_reuse=True,
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
            default_version=str(endpoint.default_version),
            endpoint=str(endpoint.endpoint),
            pipelines=[str(p.id) for p in versions],
            updated_at="",
        )

    def _run(self, run: Any) -> PipelineRun:
        details = run.get_details() or {}
        steps = [
            StepRun(name=str(step.name), status=_step_status(str(step.get_status())))
            for step in run.get_steps()
        ]
        properties = dict(getattr(run, "properties", {}) or {})
        error = details.get("error", {}).get("error", {}).get("message")
        return PipelineRun(
            id=str(run.id),
            pipeline_id=properties.get("azureml.pipelineid"),
            pipeline_name=str(properties.get("azureml.pipelineComponent", "") or run.name or ""),
            experiment_name=str(run.experiment.name),
            status=map_run_status(str(run.get_status())),
            parameters=dict(details.get("properties", {}).get("azureml.parameters", {}) or {})
            if isinstance(details.get("properties", {}).get("azureml.parameters"), dict)
            else {},
            steps=steps,
            created_at=str(details.get("startTimeUtc") or ""),
            started_at=details.get("startTimeUtc"),
            finished_at=details.get("endTimeUtc"),
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
            published = self._azure_pipeline(pipeline, {}, folder).publish(
                name=name, description=description, version=version
            )
            endpoint = self._find_endpoint(name)
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
        with translated(
            PipelineError,
            f"read the pipeline endpoint {name!r}",
            not_found=PipelineNotFoundError,
            not_found_message=f"no pipeline endpoint {name!r}",
        ):
            return core.PipelineEndpoint.get(workspace=self._ws, name=name)

    def _published_sdk(self, pipeline_id: str) -> Any:
        core = require("azureml.pipeline.core")
        with translated(
            PipelineError,
            f"read the published pipeline {pipeline_id!r}",
            not_found=PipelineNotFoundError,
            not_found_message=f"no published pipeline {pipeline_id!r}",
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
        with (
            translated(PipelineError, f"run the pipeline in the experiment {experiment_name!r}"),
            tempfile.TemporaryDirectory(prefix="bankops-automlstep-") as folder,
        ):
            azure_pipeline = self._azure_pipeline(pipeline, dict(parameters), folder)
            run = core.Experiment(self._ws, experiment_name).submit(azure_pipeline)
            return self._run(run)

    def _get_run(self, run_id: str) -> Any:
        core = require("azureml.pipeline.core")
        with translated(
            PipelineError,
            f"read the pipeline run {run_id!r}",
            not_found=PipelineNotFoundError,
            not_found_message=f"no pipeline run {run_id!r}",
        ):
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
        core = require("azureml.pipeline.core")
        if pipeline_id is not None:
            ids = [pipeline_id]
        elif endpoint_name is not None:
            endpoint = self._endpoint_sdk(endpoint_name)
            with translated(PipelineError, f"list the versions of {endpoint_name!r}"):
                ids = [str(p.id) for p in endpoint.list_pipelines(active_only=False)]
        else:
            ids = [p.id for p in self.list()]
        with translated(PipelineError, "list the pipeline runs"):
            runs = [
                self._run(run)
                for pid in ids
                for run in core.PipelineRun.get_pipeline_runs(self._ws, pid)
            ]
        if status is not None:
            runs = [r for r in runs if r.status == status]
        runs.sort(key=lambda r: r.created_at, reverse=True)
        return runs[:limit]

    def cancel_run(self, run_id: str) -> PipelineRun:
        run = self._get_run(run_id)
        with translated(PipelineError, f"cancel the pipeline run {run_id!r}"):
            run.cancel()
            return self._run(run)

    def run_logs(self, run_id: str, step: str | None = None) -> dict[str, builtins.list[str]]:
        run = self._get_run(run_id)
        logs: dict[str, builtins.list[str]] = {}
        with translated(PipelineError, f"read the logs of the pipeline run {run_id!r}"):
            for step_run in run.get_steps():
                if step is not None and step_run.name != step:
                    continue
                details = step_run.get_details_with_logs() or {}
                lines: builtins.list[str] = []
                for text in (details.get("logFiles") or {}).values():
                    lines += str(text).splitlines()
                logs[str(step_run.name)] = lines
        return logs

    def auth_header(self) -> dict[str, str]:
        """The workspace sign-in's header (`auth.get_authentication_header()`): Azure's
        pipeline endpoints take an Entra token, not a key."""
        with translated(PipelineError, "get a token for the pipeline endpoints"):
            return dict(self._auth.get_authentication_header())
