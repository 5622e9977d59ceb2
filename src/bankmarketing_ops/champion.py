"""Champion/challenger: does a newly trained model beat the one a service serves now?

One rule for every caller that may replace a deployed model (the training pipeline's
evaluate step, `bankops quickstart`): score the deployed model on exactly the rows the
new model was tested on, and call the new one better only when its primary metric is
strictly higher there. With no such service, the new model is better by default.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel

from bankmarketing_ops import data as data_layer
from bankmarketing_ops._exceptions import ModelArtifactError, ServiceNotFoundError
from bankmarketing_ops.deploy import ModelDeployer
from bankmarketing_ops.ml.features import records_of, target_vector
from bankmarketing_ops.ml.metrics import MetricsSource, compute_metrics
from bankmarketing_ops.registry import ModelRegistry
from bankmarketing_ops.types.automl import TrainingRun
from bankmarketing_ops.workspace import Workspace

__all__ = ["Evaluation", "compare_models", "compare_with_deployed"]


class Evaluation(BaseModel):
    """What the champion/challenger comparison decided, and on which numbers."""

    primary_metric: str
    candidate: float
    """The new model's `primary_metric`, on the rows `candidate_source` names."""
    candidate_source: MetricsSource
    """`test`: its held-out test rows, the rows `deployed` is measured on too."""
    deployed_model: str | None
    """What the service serves now (None: no such service)."""
    deployed: float | None
    """The deployed model on the same rows (optimistic if it was trained on them)."""
    better: bool
    """Whether the new model should replace the deployed one."""
    reason: str


def compare_with_deployed(
    workspace: Workspace,
    run: TrainingRun,
    service_name: str,
    data: pd.DataFrame | str | Path,
    *,
    primary_metric: str | None = None,
) -> Evaluation:
    """Compare `run`'s best model with the model `service_name` serves now.

    Args:
        workspace: where the service and the registered models live.
        run: the finished training run (its test metrics are the candidate's).
        service_name: the service whose model is the champion.
        data: the data `run` was trained on (a frame, or the file), to rebuild its test
            rows; read only when a service exists.
        primary_metric: the metric compared (default: the one the run optimized).

    Raises:
        ModelNotFoundError: the service serves a model the registry no longer has.
    """
    try:
        deployed_ref: str | None = ModelDeployer(workspace).get(service_name).model
    except ServiceNotFoundError:
        deployed_ref = None
    return compare_models(
        workspace, run, deployed_ref, data, service_name=service_name, primary_metric=primary_metric
    )


def compare_models(
    workspace: Workspace,
    run: TrainingRun,
    deployed_model: str | None,
    data: pd.DataFrame | str | Path,
    *,
    service_name: str,
    primary_metric: str | None = None,
) -> Evaluation:
    """`compare_with_deployed` when you already know what the service serves:
    `deployed_model` is its `name:version`, None when there is no such service.

    A deployed model this machine cannot load (Azure AutoML's pickled models) is judged
    by the test metrics it was registered with, on its own test rows; the reason says so.
    """
    metric = primary_metric or run.config.primary_metric

    def decided(deployed: float | None, *, better: bool, reason: str) -> Evaluation:
        return Evaluation(
            primary_metric=metric,
            candidate=run.metrics.value(metric),
            candidate_source=run.metrics_source,
            deployed_model=deployed_model,
            deployed=deployed,
            better=better,
            reason=reason,
        )

    if deployed_model is None:
        return decided(None, better=True, reason=f"no service {service_name!r} yet")
    name, _, number = deployed_model.partition(":")
    version: int | str = int(number) if number.isdigit() else "latest"
    try:
        frame = data if isinstance(data, pd.DataFrame) else data_layer.load(data)
        deployed: float | None = _score_on_test_rows(workspace, run, name, version, metric, frame)
        where = f"on the same {run.test_rows:,} test rows"
    except ModelArtifactError:
        recorded = ModelRegistry(workspace).get(name, version).metrics
        deployed = None if recorded is None else recorded.value(metric)
        where = f"as registered ({deployed_model} cannot be loaded on this machine)"
    if deployed is None:
        reason = f"{deployed_model} has no recorded {metric} to compare with; kept"
        return decided(None, better=False, reason=reason)
    candidate = run.metrics.value(metric)
    better = candidate > deployed
    return decided(
        deployed,
        better=better,
        reason=f"{metric} {candidate:.4f} {'>' if better else '<='} {deployed:.4f} "
        f"of {deployed_model} {where}",
    )


def _score_on_test_rows(
    workspace: Workspace,
    run: TrainingRun,
    name: str,
    version: int | str,
    metric: str,
    frame: pd.DataFrame,
) -> float:
    """The deployed model's `metric` on exactly the rows the new model was tested on."""
    scorer = ModelRegistry(workspace).load_scorer(name, version)
    test = data_layer.train_test_split(
        frame, test_size=run.config.test_size, seed=run.config.random_seed
    ).test
    inputs = test.drop(columns=[data_layer.SCHEMA.target.name])
    proba = scorer.predict_proba(records_of(inputs))  # type: ignore[arg-type]
    return compute_metrics(target_vector(test), proba).value(metric)
