"""`PipelinePublisher.submit` on Azure, replayed through the real SDK: the training
pipeline built as an `AutoMLStep` graph and run now in an experiment
(`Experiment.submit(Pipeline)`), followed by the facade's poller to Completed; a
submission Azure refuses; parameters refused before any request."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from bankmarketing_ops import (
    BudgetTooSmallError,
    PipelineError,
    PipelineParameterError,
    PipelinePublisher,
    Workspace,
)
from tests.backends.azureml import _cassettes_pipeline_runs as R
from tests.backends.azureml import _cassettes_pipeline_submit as S
from tests.backends.azureml.conftest import assert_all_played


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The AutoMLStep's source folder is made here (and must be gone after), and the
    SDK's automl.log is written in the current directory: both in the test's folder."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_module_hash")
def test_submit_runs_the_training_pipeline_to_completed(
    azure_workspace: Workspace, vcr: Any, temp_dir: Path
) -> None:
    """The graph built as for publishing (the module made with our AutoML settings, the
    budget raised to Azure's minimum), the run created with it in our experiment and
    submitted, tagged with our pipeline's name and parameters, then followed by the
    poller (Running, Completed). The cassette checks the experiment (in the URL), the
    graph's AutoML settings and data set, and the tags."""
    publisher = PipelinePublisher(azure_workspace)
    run = publisher.submit(experiment_name=R.EXPERIMENT, timeout=60)
    assert run.id == S.RUN_ID
    assert run.status == "Completed"
    assert run.done
    assert run.pipeline_id is None  # run from code, not a published pipeline
    assert run.pipeline_name == "bankmarketing-training"  # ours, not Azure's display name
    assert run.experiment_name == R.EXPERIMENT
    assert run.parameters == S.PARAMETERS
    assert run.parameters["timeout_minutes"] == 15.0  # what Azure ran with
    assert run.error is None
    assert run.finished_at == "2026-11-02T12:31:00.000+00:00"
    assert [(s.name, s.status) for s in run.steps] == [("train", "Completed")]
    assert list(temp_dir.iterdir()) == []  # the step's source folder is gone
    assert_all_played(vcr)


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_module_hash")
def test_a_refused_submission_is_a_pipeline_error(
    azure_workspace: Workspace, vcr: Any, temp_dir: Path
) -> None:
    """The pipelines service refuses the submission (400): our `PipelineError` with
    Azure's message; no run is read or tagged, no folder is left behind."""
    publisher = PipelinePublisher(azure_workspace)
    with pytest.raises(PipelineError, match="run the pipeline in the experiment") as raised:
        publisher.begin_submit(experiment_name=R.EXPERIMENT)
    assert S.REFUSED in str(raised.value)
    assert list(temp_dir.iterdir()) == []
    assert_all_played(vcr)


@pytest.mark.vcr
def test_parameters_azure_would_not_use_are_refused_before_any_request(
    azure_workspace: Workspace, vcr: Any
) -> None:
    """The cassette holds the workspace's requests only: a request of the submission
    would fail the replay. Unknown and ill-typed parameters are refused as locally;
    those of the steps that do not run on Azure (and a path on this machine) are refused
    rather than ignored; a budget below Azure's minimum is refused."""
    publisher = PipelinePublisher(azure_workspace)
    with pytest.raises(PipelineParameterError, match="unknown parameter") as unknown:
        publisher.submit(parameters={"epochs": 3})
    assert [p.name for p in unknown.value.problems] == ["epochs"]
    with pytest.raises(PipelineParameterError, match="expected float"):
        publisher.begin_submit(parameters={"timeout_minutes": "soon"})
    with pytest.raises(PipelineParameterError, match="not used on Azure ML") as unused:
        publisher.begin_submit(parameters={"data_path": "data.csv", "model_name": "other"})
    assert [p.name for p in unused.value.problems] == ["data_path", "model_name"]
    with pytest.raises(BudgetTooSmallError):
        publisher.begin_submit(parameters={"timeout_minutes": 5.0})
    assert_all_played(vcr)
