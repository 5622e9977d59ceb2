"""Published pipelines on Azure ML: the training pipeline as an `AutoMLStep` (built from
real SDK objects), and `PipelineClient` triggering an Azure endpoint with the
workspace's auth header (replayed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bankmarketing_ops import (
    ConfigurationError,
    Pipeline,
    PipelineClient,
    PipelinePublisher,
    PipelineStep,
    Workspace,
    training_pipeline,
)
from bankmarketing_ops.backends.azureml import AzureMLBackend
from bankmarketing_ops.backends.azureml.pipelines import (
    TRAIN_STEP,
    AzurePipelines,
    map_run_status,
    pipeline_automl_config,
)
from tests.backends.azureml import _cassette_builder as B


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": ["authorization", "idempotency-key"],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
    }


@pytest.mark.vcr
def test_pipeline_client_triggers_with_the_workspace_header() -> None:
    from azureml.core.authentication import ArmTokenAuthentication

    token = B.fake_jwt()
    pipelines = AzurePipelines(object(), None, ArmTokenAuthentication(token), "exp")  # type: ignore[arg-type]
    header = pipelines.auth_header()
    assert header == {"Authorization": f"Bearer {token}"}
    with PipelineClient(auth_header=header, max_retries=0) as client:
        run_id = client.trigger(B.PIPELINE_SUBMIT, experiment_name="nightly")
    assert run_id == "4d5e6f70-1111-2222-3333-444455556666"


_BUILD_STEP = """
import json, sys
from azureml.core import Dataset
from azureml.pipeline import core
from azureml.pipeline.steps import AutoMLStep
from bankmarketing_ops import _constants as C, training_pipeline
from bankmarketing_ops.backends.azureml.pipelines import AzurePipelines

# A real TabularDataset definition (not validated, so nothing is fetched).
dataset = Dataset.Tabular.from_delimited_files(
    path=C.DEFAULT_DATA_URL, validate=False, infer_column_types=False
)


class FakeAutoML:
    def public_dataset(self):
        return dataset

    def ensure_compute(self):
        return "cpu-cluster"


class FakeWorkspace:
    def get_default_datastore(self):
        return None


built = {}
core.Pipeline = lambda workspace, steps, description: built.update(steps=steps) or "pipeline"
pipelines = AzurePipelines(FakeWorkspace(), FakeAutoML(), None, "exp")
assert pipelines._azure_pipeline(training_pipeline(), {"timeout_minutes": 30.0}) == "pipeline"
(step,) = built["steps"]
settings = step._automl_config.user_settings
json.dump(
    {
        "type": type(step).__name__,
        "is_automl_step": isinstance(step, AutoMLStep),
        "name": step.name,
        "timeout": settings["experiment_timeout_minutes"],
        "compute": settings["compute_target"],
        "label": settings["label_column_name"],
        "outputs": [o.name for o in step._outputs],
    },
    sys.stdout,
)
"""


def test_the_training_pipeline_becomes_one_automl_step(tmp_path: Path) -> None:
    # In a process of its own: the SDK objects this builds leave state behind that lets
    # later replayed requests past vcrpy in the same process.
    env = {**os.environ, "HOME": str(tmp_path), "AZUREML_DEFAULT_RETRIES": "0"}
    out = subprocess.run(
        [sys.executable, "-c", _BUILD_STEP],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=300,
    )
    step = json.loads(out.stdout.strip().splitlines()[-1])
    assert step["is_automl_step"]
    assert step["name"] == TRAIN_STEP
    assert step["timeout"] == 30.0
    assert step["compute"] == "cpu-cluster"
    assert step["label"] == "y"
    assert step["outputs"] == ["metrics_data", "model_data"]


def test_parameters_reach_the_automl_config() -> None:
    config = pipeline_automl_config(
        training_pipeline(), {"timeout_minutes": 45.0, "primary_metric": "accuracy"}
    )
    assert config.experiment_timeout_minutes == 45.0
    assert config.primary_metric == "accuracy"


def test_other_pipelines_are_not_translated() -> None:
    other = Pipeline(name="hello", steps=[PipelineStep(name="greet", function="x.y:greet")])
    with pytest.raises(ConfigurationError, match="only the built-in training pipeline"):
        pipeline_automl_config(other, {})


def test_run_states_map() -> None:
    assert map_run_status("Finished") == "Completed"
    assert map_run_status("Preparing") == "Queued"
    assert map_run_status("CancelRequested") == "Canceled"


def test_local_server_operations_are_refused_on_azure() -> None:
    from azureml.core.authentication import ArmTokenAuthentication

    backend = AzureMLBackend(SimpleNamespace(name="ws"), auth=ArmTokenAuthentication(B.fake_jwt()))
    publisher = PipelinePublisher(Workspace(backend))
    with pytest.raises(ConfigurationError, match="local pipeline server"):
        publisher.token()
    assert publisher.auth_header()["Authorization"].startswith("Bearer ")


def test_the_default_budget_is_raised_to_azures_minimum_an_explicit_one_is_checked() -> None:
    from bankmarketing_ops import BudgetTooSmallError, training_pipeline

    pipeline = training_pipeline()
    assert pipeline_automl_config(pipeline, {}).experiment_timeout_minutes == 15.0
    assert (
        pipeline_automl_config(pipeline, {"timeout_minutes": 30.0}).experiment_timeout_minutes
        == 30.0
    )
    with pytest.raises(BudgetTooSmallError):
        pipeline_automl_config(pipeline, {"timeout_minutes": 1.0})
