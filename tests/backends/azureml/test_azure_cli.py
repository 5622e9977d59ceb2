"""Every `bankops` command that Azure ML can serve, run on the azureml backend.

The backend is chosen once, as a user would: `BANKOPS_BACKEND=azureml`, a `config.json`
in the working directory, token sign-in from the environment. The conversations are
replayed through the real SDK from `_cassettes_cli.py` (built by hand from the other
tests' pieces), and every recorded request must have been made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import WebService
from bankmarketing_ops.cli import app
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_pipeline_runs as R
from tests.backends.azureml import _cassettes_pipelines as P
from tests.backends.azureml.conftest import assert_all_played

runner = CliRunner()


@pytest.fixture(autouse=True)
def _azure_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """BANKOPS_BACKEND=azureml, token sign-in, and the workspace's config.json where the
    commands run (found by the upward search, as `Workspace.from_config()` finds it)."""
    monkeypatch.setenv("BANKOPS_BACKEND", "azureml")
    monkeypatch.setenv("BANKOPS_AZURE_AUTH", "token")
    monkeypatch.setenv("AZUREML_ARM_TOKEN", B.fake_jwt())
    monkeypatch.setenv("AZUREML_MONITOR_TOKEN", B.fake_jwt("https://api.loganalytics.io"))
    Path("config.json").write_text(
        json.dumps(
            {
                "subscription_id": B.SUBSCRIPTION,
                "resource_group": B.RESOURCE_GROUP,
                "workspace_name": B.WORKSPACE,
            }
        ),
        encoding="utf-8",
    )


def bankops(*args: str) -> Any:
    """Run one command; its JSON document with --json, else its standard output."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def same_shape(document: dict[str, Any], model: type[Any]) -> None:
    """`document` is `model` as the local backend prints it: the same fields, no more."""
    assert set(document) == set(model.model_fields), set(document) ^ set(model.model_fields)
    model.model_validate(document)


@pytest.mark.vcr
def test_services_commands(vcr: Any) -> None:
    listed = bankops("services", "list", "--json")
    assert [s["name"] for s in listed] == [B.SERVICE]
    same_shape(listed[0], WebService)
    shown = bankops("services", "show", B.SERVICE, "--json")
    same_shape(shown, WebService)
    assert (shown["state"], shown["scoring_uri"], shown["auth_enabled"]) == (
        "Healthy",
        B.SCORING_URI,
        True,
    )
    keys = bankops("services", "keys", B.SERVICE, "--json")
    assert keys == {"primary_key": B.PRIMARY, "secondary_key": B.SECONDARY}
    rotated = bankops("services", "regenerate-key", B.SERVICE, "primary")
    assert f"regenerated the primary key of {B.SERVICE}" in rotated
    logs = bankops("services", "logs", B.SERVICE, "-n", "3")
    assert logs.splitlines()[-1].endswith("Scoring request received")
    assert "deleted service" in bankops("services", "delete", B.SERVICE)
    assert_all_played(vcr)


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_dependency_uploads", "fixed_module_hash")
def test_the_whole_flow_on_azure(real_data_path: Path, vcr: Any) -> None:
    """With BANKOPS_BACKEND=azureml and a config.json, the commands of the whole flow run
    one after another against Azure ML: train → deploy → services keys → endpoints test
    → insights enable/show → pipelines publish/trigger/runs."""
    trained = bankops(
        "train",
        "--data",
        str(real_data_path),
        "--timeout-minutes",
        "20",
        "--model-name",
        "bankmarketing-automl",
        "--json",
    )
    assert trained["run"]["run_id"] == B.PARENT_RUN
    assert trained["run"]["best"]["model_type"] == "VotingEnsemble"
    assert (trained["registered"]["name"], trained["registered"]["version"]) == (
        "bankmarketing-automl",
        1,
    )
    deployed = bankops("deploy", "bankmarketing-automl:1", "--service", B.SERVICE, "--json")
    assert (deployed["state"], deployed["scoring_uri"]) == ("Healthy", B.SCORING_URI)
    keys = bankops("services", "keys", B.SERVICE, "--json")
    assert keys["primary_key"] == B.PRIMARY
    tried = bankops("endpoints", "test", "--service", B.SERVICE, "--json")
    assert (tried["uri"], tried["response"]) == (B.SCORING_URI, ["no", "yes"])
    assert "insights on" in bankops("insights", "enable", B.SERVICE)
    summary = bankops("insights", "show", B.SERVICE, "--json")
    assert (summary["requests"], summary["failures"]) == (55, 5)
    published = bankops("pipelines", "publish", "--json")
    assert published["pipeline"]["endpoint"] == P.submit_url(P.PIPELINE_ID)
    assert published["token"] == B.fake_jwt()  # the workspace sign-in's token
    run = bankops("pipelines", "trigger", P.PIPELINE_ID, "--experiment", R.EXPERIMENT, "--json")
    assert (run["id"], run["status"]) == (R.RUN_ID, "Running")
    finished = bankops("pipelines", "runs", R.RUN_ID, "--json")
    assert (finished["status"], [s["status"] for s in finished["steps"]]) == (
        "Completed",
        ["Completed"],
    )
    assert_all_played(vcr)
