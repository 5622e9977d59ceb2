"""The built-in training pipeline on the real data file, triggered over REST."""

from __future__ import annotations

import json
from pathlib import Path

from bankmarketing_ops import ModelDeployer, PipelinePublisher, Workspace, training_pipeline


def test_the_training_pipeline_runs_end_to_end_over_rest(
    workspace: Workspace, real_data_path: Path
) -> None:
    publisher = PipelinePublisher(workspace)
    # the data file lies outside the workspace: the publisher allows it
    published = publisher.publish(training_pipeline(data_roots=[real_data_path]))
    with publisher.client() as client:
        run_id = client.trigger(
            published,
            experiment_name="integration",
            parameters={"data_path": str(real_data_path), "timeout_minutes": 0.1},
        )
        run = client.wait(run_id, timeout=300)
    assert [s.status for s in run.steps] == ["Completed"] * 5
    outputs = {s.name: s.outputs for s in run.steps}

    def read(step: str, name: str) -> dict[str, object]:
        result: dict[str, object] = json.loads(
            (Path(outputs[step][name]) / "output.json").read_text()
        )
        return result

    assert read("validate_data", "dataset")["rows"] == 32_950
    metrics = read("train", "metrics")
    assert metrics["source"] == "test"  # measured on held-out rows the search never saw
    assert metrics["model"]["AUC_weighted"] > 0.9  # type: ignore[index]
    assert read("evaluate", "evaluation")["better"] is True  # nothing was deployed before
    assert read("register", "model")["version"] == 1
    deployment = read("deploy", "deployment")
    assert deployment["deployed"] is True
    assert ModelDeployer(workspace).get("bankmarketing").model == "bankmarketing:1"
