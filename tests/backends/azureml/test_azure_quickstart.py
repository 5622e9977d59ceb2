"""`bankops quickstart --backend azureml`, its sign-in and its calls, replayed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import ConfigurationError
from bankmarketing_ops import _constants as C
from bankmarketing_ops.cli import app
from bankmarketing_ops.cli.quickstart import TOKEN_VARIABLES, open_workspace
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_pipeline_runs as R
from tests.backends.azureml import _cassettes_pipelines as P
from tests.backends.azureml.conftest import assert_all_played

runner = CliRunner()


@pytest.fixture
def fake_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZUREML_ARM_TOKEN", B.fake_jwt())
    monkeypatch.setenv("AZUREML_MONITOR_TOKEN", B.fake_jwt("https://api.loganalytics.io"))


@pytest.mark.vcr
@pytest.mark.usefixtures("fake_tokens")
def test_quickstart_opens_the_workspace_of_config_json_with_tokens(
    tmp_path: Path, vcr: object
) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "subscription_id": B.SUBSCRIPTION,
                "resource_group": B.RESOURCE_GROUP,
                "workspace_name": B.WORKSPACE,
            }
        ),
        encoding="utf-8",
    )
    workspace = open_workspace("azureml", config=config, auth="token")
    assert workspace.kind == "azureml"
    assert B.WORKSPACE in repr(workspace)
    assert_all_played(vcr)


def test_token_sign_in_names_the_missing_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZUREML_ARM_TOKEN", B.fake_jwt())
    monkeypatch.delenv("AZUREML_MONITOR_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match=r"not set: AZUREML_MONITOR_TOKEN$"):
        open_workspace(
            "azureml",
            subscription_id=B.SUBSCRIPTION,
            resource_group=B.RESOURCE_GROUP,
            workspace_name=B.WORKSPACE,
            auth="token",
        )
    assert TOKEN_VARIABLES == ("AZUREML_ARM_TOKEN", "AZUREML_MONITOR_TOKEN")


@pytest.mark.vcr
@pytest.mark.usefixtures("fake_tokens", "fixed_dependency_uploads", "fixed_module_hash")
def test_quickstart_runs_every_step_on_azure(
    real_data_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vcr: Any
) -> None:
    """`bankops quickstart --backend azureml --json` runs every step against one
    hand-built cassette made of the other tests' conversations, through the real SDK:
    the workspace opened with tokens from the environment, AutoML submitted and followed
    live to Completed, the best child registered, an ACI service deployed and scored, App
    Insights switched on and quickstart's 55 requests (5 refused or malformed) read back,
    the training pipeline published, triggered over REST and followed to Completed. Each
    request body that carries our configuration is checked, and every recorded request
    must have been made."""
    monkeypatch.chdir(tmp_path)  # no git branch and commit on the runs
    result = runner.invoke(
        app,
        [
            "quickstart",
            "--backend",
            "azureml",
            "--subscription-id",
            B.SUBSCRIPTION,
            "--resource-group",
            B.RESOURCE_GROUP,
            "--workspace-name",
            B.WORKSPACE,
            "--auth",
            "token",
            "--data",
            str(real_data_path),
            "--model-name",
            "bankmarketing-automl",
            "--service",
            B.SERVICE,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["valid"]
    assert report["profile"]["rows"] == 32950
    # 4. trained on Azure from the public file's URL (the same bytes as the local file)
    training = report["training"]
    assert training["run_id"] == B.PARENT_RUN
    assert training["data_source"] == C.DEFAULT_DATA_URL
    assert training["config"]["experiment_timeout_minutes"] == 20.0
    assert training["best"]["model_type"] == "VotingEnsemble"
    # Azure's confusion matrix (an artifact-backed metric, read from its blob)
    assert training["metrics_source"] == "validation"
    assert training["metrics"]["confusion_matrix"] == [[4300, 100], [320, 220]]
    assert training["metrics"]["rows"] == 4940  # Azure's validation rows
    assert training["test_rows"] == training["baseline_metrics"]["rows"]  # held out here
    assert report["registered"]["name"] == "bankmarketing-automl"
    assert report["registered"]["version"] == 1
    assert report["registered"]["training"]["run_id"] == B.PARENT_RUN
    # 5. deployed with key auth, scored once
    service = report["service"]
    assert (service["state"], service["auth_enabled"]) == ("Healthy", True)
    assert service["scoring_uri"] == B.SCORING_URI
    assert report["scoring_response"] == {"result": [[0.93, 0.07]]}
    # 6. the telemetry of quickstart's own traffic, read back from App Insights
    insights = report["insights"]
    assert (insights["requests"], insights["failures"]) == (55, 5)
    assert insights["by_result_code"] == {"200": 50, "401": 3, "400": 2}
    # 7. published, triggered over REST with the workspace's token, followed to its end
    assert report["pipeline"]["endpoint"] == P.submit_url(P.PIPELINE_ID)
    assert report["pipeline"]["version"] == "1"
    run = report["pipeline_run"]
    assert (run["id"], run["status"], run["experiment_name"]) == (
        R.RUN_ID,
        "Completed",
        "quickstart",
    )
    assert [step["status"] for step in run["steps"]] == ["Completed"]
    assert report["drift"] is None  # Azure ML has no input capture (the capability table)
    assert_all_played(vcr)
