from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from bankmarketing_ops import (
    ModelDeployer,
    ModelRegistry,
    ModelVersion,
    TrainingRun,
    Workspace,
    compare_with_deployed,
    data,
)
from bankmarketing_ops.cli import app
from bankmarketing_ops.cli.quickstart import deploy_and_score, deployment_decision
from tests.conftest import WriteCsv

runner = CliRunner()


FAST = ["--timeout-minutes", "0.1"]


def test_quickstart_with_data_runs_every_step(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    frame = data.synthetic(1_500, seed=2)
    result = runner.invoke(app, ["quickstart", "--data", str(write_csv(frame)), *FAST])
    assert result.exit_code == 0, result.output
    for step in (
        "1. data",
        "2. validate",
        "3. profile",
        "1,500 rows",
        "4. train",
        "Leaderboard",
        "default LightGBM",
        "registered bankmarketing:1",
        "5. deploy and score",
        "deployed bankmarketing:1 to bankmarketing: no service 'bankmarketing' yet",
        "scoring URI",
        '"result"',
        "bankops services delete bankmarketing",
        "6. insights",
        "55 requests, 5 failed",
        "7. automate",
        "published bankmarketing-training version 1",
        "triggered run",
        "Completed",
        "8. monitor",
        "600 rows compared",
        "euribor3m",
        "Capture is off again",
    ):
        assert step in result.stdout, step
    assert result.stdout.index("6. insights") < result.stdout.index("55 requests, 5 failed")
    assert result.stdout.index("55 requests, 5 failed") < result.stdout.index("7. automate")


def test_quickstart_reads_bankops_data(
    write_csv: WriteCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANKOPS_DATA", str(write_csv(data.synthetic(1_500, seed=3))))
    result = runner.invoke(app, ["quickstart", "--json", *FAST])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["source"]["origin"] == "environment"
    assert report["valid"] is True
    assert report["profile"]["rows"] == 1_500
    assert report["training"]["iterations"]
    assert report["registered"]["version"] == 1
    assert report["registered"]["metrics"] == report["training"]["metrics"]
    assert report["registered"]["metrics_source"] == report["training"]["metrics_source"]
    assert report["training"]["metrics_source"] == "test"
    assert report["service"]["state"] == "Healthy"
    assert report["service"]["model"] == "bankmarketing:1"
    assert report["evaluation"]["better"] is True
    assert report["evaluation"]["reason"] == "no service 'bankmarketing' yet"
    [probability] = report["scoring_response"]["result"]
    assert 0 <= probability <= 1
    assert report["insights"]["by_result_code"] == {"200": 50, "400": 2, "401": 3}
    run = report["pipeline_run"]
    assert run["status"] == "Completed"
    assert run["pipeline_id"] == report["pipeline"]["id"]
    assert [s["status"] for s in run["steps"]] == ["Completed"] * 5
    assert run["parameters"]["timeout_minutes"] == 0.1
    drift = report["drift"]
    assert drift["current_rows"] == 600  # the 40 % lowest-Euribor rows, all captured
    assert drift["status"] in ("ok", "drift")
    euribor = next(f for f in drift["features"] if f["name"] == "euribor3m")
    assert euribor["drifted"] is True  # the lowest rates, against all of them
    # The pipeline registered a second version; the service serves whichever scored better.
    assert ModelRegistry(Workspace.from_settings()).get("bankmarketing").version == 2


def test_quickstart_stops_on_invalid_data(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    broken = small_frame.astype({"age": "object"})
    broken.loc[broken.index[2], "age"] = "n/a"
    result = runner.invoke(app, ["quickstart", "--json", "--data", str(write_csv(broken))])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["profile"] is None
    assert report["problems"]["issues"][0]["row"] == 3


def test_quickstart_offline_without_data_explains_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANKOPS_DATA_URL", "http://127.0.0.1:9/bankmarketing_train.csv")
    result = runner.invoke(app, ["quickstart"])
    assert result.exit_code == 1
    assert "--data PATH" in result.stderr
    assert "Traceback" not in result.output


def test_quickstart_deploys_then_keeps_a_served_model_it_does_not_beat(
    workspace: Workspace, model: ModelVersion, trained_run: TrainingRun
) -> None:
    """Quickstart decides with the pipeline's rule: the candidate replaces the served model
    only when strictly better on the candidate's test rows. The second time the candidate
    *is* the served model (same run, registered again): it ties, and svc keeps bank:1."""
    frame = data.synthetic(3_000, seed=5)  # the rows the shared run was trained on
    first, _, _, evaluation = deploy_and_score(
        workspace, model, "svc", run=trained_run, frame=frame
    )
    assert (first.model, evaluation.better) == ("bank:1", True)
    assert deployment_decision(evaluation, model, first) == (
        "deployed bank:1 to svc: no service 'svc' yet"
    )
    again = ModelRegistry(workspace).register_run(trained_run, name="bank")
    service, _, response, evaluation = deploy_and_score(
        workspace, again, "svc", run=trained_run, frame=frame
    )
    assert (service.model, evaluation.better, evaluation.deployed_model) == (
        "bank:1",
        False,
        "bank:1",
    )
    assert ModelDeployer(workspace).get("svc").model == "bank:1"
    assert len(response["result"]) == 1  # still scored
    said = deployment_decision(evaluation, again, service)
    assert said.startswith("kept bank:1 on svc, not the new bank:2: AUC_weighted")
    assert "bankops deploy bank:2 --service svc" in said
    # what the pipeline's evaluate step says on the same inputs
    assert compare_with_deployed(workspace, trained_run, "svc", frame) == evaluation
