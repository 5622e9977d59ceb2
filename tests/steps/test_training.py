"""The built-in training steps, called with a real `StepContext` on real files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bankmarketing_ops import (
    DataNotFoundError,
    DataValidationError,
    ModelDeployer,
    ModelVersion,
    StepContext,
    TrainingRun,
    Workspace,
    data,
)
from bankmarketing_ops.steps import training


def _context(
    workspace: Workspace,
    tmp_path: Path,
    *,
    inputs: dict[str, object],
    outputs: tuple[str, ...],
    **parameters: object,
) -> StepContext:
    folders = {}
    for name, value in inputs.items():
        folder = tmp_path / "in" / name
        folder.mkdir(parents=True)
        text = value.model_dump_json() if isinstance(value, TrainingRun) else json.dumps(value)
        (folder / "output.json").write_text(text)
        folders[name] = folder
    out = {name: tmp_path / "out" / name for name in outputs}
    for folder in out.values():
        folder.mkdir(parents=True)
    return StepContext(
        run_id="test-run",
        step_name="step",
        parameters={
            "primary_metric": "AUC_weighted",
            "model_name": "bank",
            "service_name": "svc",
            **parameters,
        },
        inputs=folders,
        outputs=out,
        workspace_root=Path(workspace.info().location),
        log=logging.getLogger("test"),
    )


def _output(context: StepContext, name: str) -> dict[str, object]:
    result: dict[str, object] = json.loads((context.outputs[name] / "output.json").read_text())
    return result


def test_evaluate_scores_the_deployed_model_on_the_candidates_test_rows(
    workspace: Workspace, model: ModelVersion, trained_run: TrainingRun, tmp_path: Path
) -> None:
    # The shared run was trained on synthetic(3000, seed=5): the same rows, on disk.
    csv = tmp_path / "same.csv"
    data.synthetic(3_000, seed=5).to_csv(csv, index=False)
    ModelDeployer(workspace).deploy(model, "svc")
    context = _context(
        workspace,
        tmp_path,
        inputs={"dataset": {"path": str(csv)}, "best_model": trained_run},
        outputs=("evaluation",),
    )
    training.evaluate(context)
    evaluation = training.Evaluation.model_validate(_output(context, "evaluation"))
    # The deployed model *is* the candidate: on the same rows it scores exactly the same.
    assert evaluation.deployed_model == "bank:1"
    assert evaluation.deployed == pytest.approx(trained_run.metrics.AUC_weighted, abs=1e-9)
    assert evaluation.better is False
    assert evaluation.candidate_source == "test"  # like with like: the deployed model's rows
    assert "<=" in evaluation.reason


def test_evaluate_without_a_service_calls_the_candidate_better(
    workspace: Workspace, trained_run: TrainingRun, tmp_path: Path
) -> None:
    context = _context(
        workspace,
        tmp_path,
        inputs={"dataset": {"path": "unused"}, "best_model": trained_run},
        outputs=("evaluation",),
    )
    training.evaluate(context)
    evaluation = _output(context, "evaluation")
    assert evaluation["better"] is True
    assert evaluation["deployed"] is None
    assert evaluation["reason"] == "no service 'svc' yet"


def test_deploy_leaves_the_service_alone_when_not_better(
    workspace: Workspace, model: ModelVersion, tmp_path: Path
) -> None:
    evaluation = training.Evaluation(
        primary_metric="AUC_weighted",
        candidate=0.90,
        candidate_source="test",
        deployed_model="bank:0",
        deployed=0.95,
        better=False,
        reason="AUC_weighted 0.9000 <= 0.9500",
    )
    context = _context(
        workspace,
        tmp_path,
        inputs={"evaluation": evaluation.model_dump(), "model": model.model_dump()},
        outputs=("deployment",),
    )
    training.deploy(context)
    assert _output(context, "deployment") == {
        "service": "svc",
        "model": "bank:1",
        "deployed": False,
        "reason": "AUC_weighted 0.9000 <= 0.9500",
    }
    assert ModelDeployer(workspace).list() == []


def test_deploy_creates_the_service_when_there_is_none(
    workspace: Workspace, model: ModelVersion, tmp_path: Path
) -> None:
    evaluation = training.Evaluation(
        primary_metric="AUC_weighted",
        candidate=0.9,
        candidate_source="test",
        deployed_model=None,
        deployed=None,
        better=True,
        reason="no service 'svc' yet",
    )
    context = _context(
        workspace,
        tmp_path,
        inputs={"evaluation": evaluation.model_dump(), "model": model.model_dump()},
        outputs=("deployment",),
    )
    training.deploy(context)
    outcome = _output(context, "deployment")
    assert outcome["deployed"] is True
    service = ModelDeployer(workspace).get("svc")
    assert (service.state, service.model) == ("Healthy", "bank:1")
    assert outcome["scoring_uri"] == service.scoring_uri


def test_validate_data_fails_with_the_report_on_bad_data(
    workspace: Workspace, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("age,job\n1,x\n")
    context = _context(workspace, tmp_path, inputs={}, outputs=("dataset",), data_path=str(bad))
    with pytest.raises(DataValidationError, match="missing"):
        training.validate_data(context)


def test_validate_data_names_the_parameter_when_the_file_is_missing(
    workspace: Workspace, tmp_path: Path
) -> None:
    context = _context(
        workspace, tmp_path, inputs={}, outputs=("dataset",), data_path="/no/such.csv"
    )
    with pytest.raises(DataNotFoundError, match=r"data_path names /no/such\.csv"):
        training.validate_data(context)
