"""The built-in bank-marketing training pipeline and its steps.

validate_data → train (AutoML) → evaluate (against the model the service serves now) →
register → deploy (only when the new model is better, or nothing is deployed yet).
The steps hand on files, as Azure's `AutoMLStep` does: `dataset`, `metrics`,
`best_model`, `evaluation`, `model` and `deployment`, each an `output.json`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bankmarketing_ops import _constants as C
from bankmarketing_ops import data as data_layer
from bankmarketing_ops._exceptions import DataNotFoundError
from bankmarketing_ops._rules import (
    MAX_BUDGET_MINUTES,
    MIN_BUDGET_MINUTES,
    MODEL_NAME_HINT,
    MODEL_NAME_PATTERN,
    SERVICE_NAME_HINT,
    SERVICE_NAME_PATTERN,
)
from bankmarketing_ops.automl import AutoMLTrainer
from bankmarketing_ops.champion import Evaluation, compare_with_deployed
from bankmarketing_ops.deploy import ModelDeployer
from bankmarketing_ops.ml.metrics import PRIMARY_METRICS
from bankmarketing_ops.registry import ModelRegistry
from bankmarketing_ops.steps.context import StepContext
from bankmarketing_ops.types.automl import TrainingRun
from bankmarketing_ops.types.pipelines import Pipeline, PipelineParameter, PipelineStep

__all__ = ["Evaluation", "training_pipeline"]

_HERE = __name__


def training_pipeline(*, data_roots: Iterable[str | Path] = ()) -> Pipeline:
    """The bank-marketing training pipeline, with the REST parameters `data_path`,
    `timeout_minutes`, `primary_metric`, `model_name` and `service_name`.

    Each parameter carries the rule of the step that uses it (the budget's bounds, the
    name patterns, the metric choices), so a trigger that breaks one is refused before
    the run starts. `data_path` may name files in the workspace, the data cache,
    `BANKOPS_DATA`, and in `data_roots` (absolute paths: directories or files).
    """
    return Pipeline(
        name=C.DEFAULT_PIPELINE_NAME,
        description="Validate the data, train with AutoML, evaluate against the deployed "
        "model, register, and deploy when better.",
        parameters=(
            PipelineParameter(
                name="data_path",
                type="path",
                default="",
                description="Data file on the server's machine, in the workspace, the data "
                "cache, BANKOPS_DATA or a place the publisher allowed (relative: to the "
                "workspace); empty: BANKOPS_DATA, else the cached or downloaded public file.",
                roots=tuple(str(Path(root).expanduser().absolute()) for root in data_roots),
            ),
            PipelineParameter(
                name="timeout_minutes",
                type="float",
                default=C.QUICKSTART_BUDGET_MINUTES,
                minimum=MIN_BUDGET_MINUTES,
                maximum=MAX_BUDGET_MINUTES,
                description="AutoML search budget in minutes.",
            ),
            PipelineParameter(
                name="primary_metric",
                type="str",
                default="AUC_weighted",
                choices=PRIMARY_METRICS,
                description="The metric the search optimizes and the evaluation compares.",
            ),
            PipelineParameter(
                name="model_name",
                type="str",
                default=C.DEFAULT_MODEL_NAME,
                pattern=MODEL_NAME_PATTERN,
                hint=MODEL_NAME_HINT,
                description="Register the model under this name.",
            ),
            PipelineParameter(
                name="service_name",
                type="str",
                default=C.DEFAULT_SERVICE_NAME,
                pattern=SERVICE_NAME_PATTERN,
                hint=SERVICE_NAME_HINT,
                description="The service to compare against and deploy to.",
            ),
        ),
        steps=(
            PipelineStep(
                name="validate_data",
                function=f"{_HERE}:validate_data",
                outputs=("dataset",),
                description="Find the data file and check it against the schema.",
            ),
            PipelineStep(
                name="train",
                function=f"{_HERE}:train",
                inputs=("dataset",),
                outputs=("metrics", "best_model"),
                description="AutoML search; the best model and its test metrics.",
            ),
            PipelineStep(
                name="evaluate",
                function=f"{_HERE}:evaluate",
                inputs=("dataset", "best_model"),
                outputs=("evaluation",),
                description="Score the deployed model on the new model's test rows.",
            ),
            PipelineStep(
                name="register",
                function=f"{_HERE}:register",
                inputs=("best_model", "evaluation"),
                outputs=("model",),
                description="Register the new model as the next version.",
            ),
            PipelineStep(
                name="deploy",
                function=f"{_HERE}:deploy",
                inputs=("evaluation", "model"),
                outputs=("deployment",),
                description="Deploy the new model if it is better (or nothing is deployed).",
            ),
        ),
    )


def validate_data(context: StepContext) -> None:
    value = context.parameters["data_path"]
    # relative to the workspace, as the trigger's check took it (PathRoots)
    path = context.workspace_root / value if value else None
    if path is not None and not path.is_file():
        raise DataNotFoundError(
            f"data_path names {value}, but there is no file there on the machine that runs "
            "the pipeline; give a path there, or leave it empty for BANKOPS_DATA or the "
            "public file"
        )
    source = data_layer.locate(path)
    frame = data_layer.load(source.path)  # DataValidationError fails the step, with the report
    context.log.info("%s (%s): %d rows, valid", source.path, source.origin, len(frame))
    context.write_json(
        "dataset",
        {"path": str(source.path), "rows": len(frame), "sha256": frame.attrs.get("sha256")},
    )


def train(context: StepContext) -> None:
    dataset = context.read_json("dataset")
    trainer = AutoMLTrainer(
        context.workspace,
        experiment_timeout_minutes=context.parameters["timeout_minutes"],
        primary_metric=context.parameters["primary_metric"],
    )
    poller = trainer.begin_train(dataset["path"])
    context.log.info("AutoML run %s: %s", poller.run_id, trainer.config.model_dump_json())
    try:
        run = poller.result()
    except BaseException:  # the run was canceled (SIGTERM) or failed: stop the search too
        poller.cancel()
        raise
    metric = context.parameters["primary_metric"]
    context.log.info(
        "best: %s, %s %s %.4f (default LightGBM on test rows %.4f), %d iterations",
        run.best.model_type,
        run.metrics_source,
        metric,
        run.metrics.value(metric),
        run.baseline_metrics.value(metric),
        len(run.iterations),
    )
    context.write_json(
        "metrics",
        {
            "primary_metric": metric,
            "source": run.metrics_source,
            "model": run.metrics.model_dump(),
            "baseline": run.baseline_metrics.model_dump(),
        },
    )
    context.write_json("best_model", run)


def evaluate(context: StepContext) -> None:
    run = TrainingRun.model_validate(context.read_json("best_model"))
    result = compare_with_deployed(
        context.workspace,
        run,
        context.parameters["service_name"],
        context.read_json("dataset")["path"],
        primary_metric=context.parameters["primary_metric"],
    )
    context.log.info("evaluation: %s", result.reason)
    context.write_json("evaluation", result)


def register(context: StepContext) -> None:
    run = TrainingRun.model_validate(context.read_json("best_model"))
    evaluation = Evaluation.model_validate(context.read_json("evaluation"))
    version = ModelRegistry(context.workspace).register_run(
        run,
        name=context.parameters["model_name"],
        description=f"pipeline run {context.run_id}",
        tags={"pipeline_run": context.run_id, "better_than_deployed": str(evaluation.better)},
    )
    context.log.info("registered %s", version.ref)
    context.write_json("model", version)


def deploy(context: StepContext) -> None:
    evaluation = Evaluation.model_validate(context.read_json("evaluation"))
    model = context.read_json("model")
    ref = f"{model['name']}:{model['version']}"
    service_name = context.parameters["service_name"]
    outcome: dict[str, Any] = {"service": service_name, "model": ref, "deployed": False}
    if not evaluation.better:
        context.log.info("not deployed: %s", evaluation.reason)
        context.write_json("deployment", {**outcome, "reason": evaluation.reason})
        return
    deployer = ModelDeployer(context.workspace)
    if evaluation.deployed_model is None:
        service = deployer.begin_deploy(ref, service_name).result()
    else:
        service = deployer.update(service_name, model=ref)
    context.log.info("deployed %s to %s (%s)", ref, service.name, service.scoring_uri)
    context.write_json(
        "deployment",
        {
            **outcome,
            "deployed": True,
            "scoring_uri": service.scoring_uri,
            "reason": evaluation.reason,
        },
    )
