"""Every `bankops` command that Azure ML can serve, run on the azureml backend.

The backend is chosen once, as a user would: `BANKOPS_BACKEND=azureml`, a `config.json`
in the working directory, token sign-in from the environment. The conversations are
replayed through the real SDK from `_cassettes_cli.py` (built by hand from the other
tests' pieces), and every recorded request must have been made.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import ModelVersion, PipelineRun, RequestRecord, WebService
from bankmarketing_ops.cli import app
from bankmarketing_ops.cli.endpoints import TWO_RECORDS
from tests.backends.azureml import _cassette_builder as B
from tests.backends.azureml import _cassettes_cli as C
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


def as_locally(*args: str) -> Any:
    """The same command on the local backend (`bankops --backend local …`, an empty
    local workspace: no request reaches the cassette)."""
    return bankops("--backend", "local", *args)


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
    assert set(summary) == set(as_locally("insights", "show", B.SERVICE, "--json"))
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


@pytest.mark.vcr
def test_models_commands(vcr: Any) -> None:
    listed = bankops("models", "list", "--json")
    assert [(m["name"], m["version"]) for m in listed] == [
        ("bankmarketing-automl", 1),
        ("bankmarketing-automl", 2),
    ]
    same_shape(listed[0], ModelVersion)
    shown = bankops("models", "show", "bankmarketing-automl:2", "--json")
    same_shape(shown, ModelVersion)
    assert shown["metrics"]["AUC_weighted"] == B.TEST_METRICS["AUC_weighted"]
    # no model card beside an Azure model: its row of the versions table instead
    text = bankops("models", "show", "bankmarketing-automl")
    assert text.startswith("1 model version(s)")
    assert "files: aml://asset/bankmarketing-automl-2" in text
    assert "deleted bankmarketing-automl:2" in bankops("models", "delete", "bankmarketing-automl:2")
    assert_all_played(vcr)


@pytest.mark.vcr
@pytest.mark.usefixtures("fixed_dependency_uploads")
def test_deploy_updates_a_running_service(vcr: Any) -> None:
    """`deploy` to a service that exists switches its model (Azure's json-patch of the
    image request, checked in the request body), as locally."""
    switched = bankops("deploy", "bankmarketing-automl:2", "--service", B.SERVICE, "--json")
    same_shape(switched, WebService)
    assert (switched["model"], switched["state"]) == ("bankmarketing-automl:2", "Healthy")
    assert_all_played(vcr)


@pytest.mark.vcr
def test_insights_requests_dashboard_and_disable(vcr: Any, tmp_path: Path) -> None:
    failed = bankops("insights", "requests", B.SERVICE, "--failed", "--limit", "5", "--json")
    assert [r["result_code"] for r in failed] == [400, 401, 401]  # the newest first
    for record in failed:
        same_shape(record, RequestRecord)
    page = tmp_path / "insights.html"
    assert "(10 requests)" in bankops("insights", "dashboard", B.SERVICE, "-o", str(page))
    assert B.SERVICE in page.read_text()
    assert f"insights off for {B.SERVICE}" in bankops("insights", "disable", B.SERVICE)
    assert_all_played(vcr)


@pytest.mark.vcr
def test_endpoints_benchmark(vcr: Any, tmp_path: Path) -> None:
    payload = tmp_path / "data.json"
    report = bankops(
        "endpoints",
        "benchmark",
        "--service",
        B.SERVICE,
        "-n",
        str(C.BENCHMARKED),
        "-c",
        "1",
        "--payload-file",
        str(payload),
        "--json",
    )
    assert (report["uri"], report["requests"], report["failures"]) == (
        B.SCORING_URI,
        C.BENCHMARKED,
        0,
    )
    assert json.loads(payload.read_text()) == {"data": TWO_RECORDS, "method": "predict"}
    assert "Authorization: Bearer $KEY" in report["ab_command"]
    assert_all_played(vcr)


@pytest.mark.vcr
def test_pipelines_commands(vcr: Any) -> None:
    listing = bankops("pipelines", "list", "--json")
    assert set(listing) == set(as_locally("pipelines", "list", "--json"))
    assert [p["version"] for p in listing["pipelines"]] == ["1", "2"]
    assert [e["default_version"] for e in listing["endpoints"]] == ["2"]
    assert listing["server"] is None  # Azure ML runs the endpoints: no local server
    runs = bankops("pipelines", "runs", "--json")
    assert [(r["id"], r["status"]) for r in runs] == [
        (R.FAILED_RUN_ID, "Failed"),
        (R.RUN_ID, "Completed"),
    ]
    for run in runs:
        same_shape(run, PipelineRun)
    logs = bankops("pipelines", "logs", R.RUN_ID, "--json")
    assert list(logs) == ["train"]
    assert f"==> {R.USER_LOG} <==" in logs["train"]
    assert "Running" in bankops("pipelines", "cancel", R.RUN_ID)  # asked; Azure stops it
    assert_all_played(vcr)


@pytest.mark.vcr
def test_ctrl_c_cancels_the_azure_run(
    real_data_path: Path, monkeypatch: pytest.MonkeyPatch, vcr: Any
) -> None:
    """Ctrl-C in `train`'s live view (the first pause of its loop): the cancel is asked of
    Azure, the run followed until Azure says Canceled, nothing registered, exit 130."""
    from types import SimpleNamespace

    from bankmarketing_ops.cli import train as cli_train

    pressed: list[float] = []

    def ctrl_c(seconds: float) -> None:
        if not pressed:  # once; the wait for Azure's cancel goes on
            pressed.append(seconds)
            raise KeyboardInterrupt

    monkeypatch.setattr(cli_train, "time", SimpleNamespace(sleep=ctrl_c, monotonic=time.monotonic))
    result = runner.invoke(app, ["train", "--data", str(real_data_path), "--timeout-minutes", "20"])
    assert result.exit_code == 130, result.output
    assert "training canceled after 2 iteration(s)" in " ".join(result.stderr.split())
    assert_all_played(vcr)  # the cancel was asked, and no model registered


@pytest.mark.vcr
def test_pipelines_show_disable_enable(vcr: Any) -> None:
    endpoint = bankops("pipelines", "show", P.PIPELINE_NAME, "--json")
    assert (endpoint["name"], endpoint["default_version"]) == (P.PIPELINE_NAME, "2")
    assert endpoint["pipelines"] == [P.PIPELINE_ID, P.PIPELINE_ID_2]
    assert "disabled" in bankops("pipelines", "disable", P.PIPELINE_ID)
    assert "enabled" in bankops("pipelines", "enable", P.PIPELINE_ID)
    assert_all_played(vcr)
