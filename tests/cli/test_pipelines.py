"""`bankops pipelines …` end to end (a real server and real runner processes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import PipelinePublisher, PipelineRunError, Workspace
from bankmarketing_ops.cli import app
from bankmarketing_ops.cli.pipelines import parse_assignments
from tests.pipeline_steps import toy_pipeline

runner = CliRunner()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, ["pipelines", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_publish_without_arguments_publishes_the_training_pipeline() -> None:
    report = json.loads(_invoke("publish", "--json"))
    pipeline = report["pipeline"]
    assert pipeline["name"] == "bankmarketing-training"
    assert pipeline["version"] == "1"
    assert pipeline["endpoint"].endswith(f"/PipelineRuns/PipelineSubmit/{pipeline['id']}")
    assert [p["name"] for p in pipeline["parameters"]] == [
        "data_path",
        "timeout_minutes",
        "primary_metric",
        "model_name",
        "service_name",
    ]
    assert report["pipeline_endpoint"]["default_pipeline_id"] == pipeline["id"]
    assert _invoke("token").strip() == report["token"]
    human = _invoke("publish")
    assert "version 2" in human
    assert "bearer token" in human
    assert "curl -X POST" in human
    listing = json.loads(_invoke("list", "--json"))
    assert [p["version"] for p in listing["pipelines"]] == ["1", "2"]
    assert listing["server"]["port"]
    shown = json.loads(_invoke("show", "bankmarketing-training", "--json"))
    assert shown["default_version"] == "2"


def test_trigger_runs_and_logs_over_the_cli(workspace: Workspace) -> None:
    published = PipelinePublisher(workspace).publish(toy_pipeline(), name="toy")
    run = json.loads(_invoke("trigger", "toy", "-p", "word=cli", "--wait", "--json"))
    assert run["status"] == "Completed"
    assert run["parameters"]["word"] == "cli"
    assert run["pipeline_id"] == published.id
    assert "Completed" in _invoke("runs")
    detail = _invoke("runs", run["id"])
    assert "consume.result:" in detail
    logs = _invoke("logs", run["id"], "--step", "produce")
    assert "producing cli" in logs
    assert json.loads(_invoke("runs", "--json", "--status", "Completed"))[0]["id"] == run["id"]


def test_trigger_by_id_without_wait_prints_the_run_and_runs_wait_follows_it(
    workspace: Workspace,
) -> None:
    publisher = PipelinePublisher(workspace)
    published = publisher.publish(toy_pipeline(), name="toy")
    out = _invoke("trigger", published.id, "-p", "seconds=1")  # a POST, as curl would send
    assert "bankops pipelines runs" in out
    [started] = publisher.list_runs()
    assert started.status in ("Queued", "Running")
    followed = json.loads(_invoke("runs", started.id, "--wait", "--json"))
    assert (followed["id"], followed["status"]) == (started.id, "Completed")
    listing = _invoke("runs")  # CliRunner's console is 80 columns wide
    assert any(started.id in line for line in listing.splitlines())
    assert "…" not in listing
    alone = runner.invoke(app, ["pipelines", "runs", "--wait"])
    assert alone.exit_code == 1
    assert "--wait follows one run" in alone.stderr


def test_a_failed_run_exits_1_with_the_steps_error(workspace: Workspace) -> None:
    PipelinePublisher(workspace).publish(toy_pipeline(), name="toy")
    result = runner.invoke(app, ["pipelines", "trigger", "toy", "-p", "fail=true", "--wait"])
    assert result.exit_code == 1
    assert "step consume failed: RuntimeError: asked to fail" in " ".join(result.output.split())


def test_bad_parameters_name_each_and_exit_1(workspace: Workspace) -> None:
    PipelinePublisher(workspace).publish(toy_pipeline(), name="toy")
    result = runner.invoke(app, ["pipelines", "trigger", "toy", "-p", "seconds=soon", "-p", "x=1"])
    assert result.exit_code == 1
    said = " ".join(result.output.split())  # rich wraps lines
    assert "seconds: expected float" in said
    assert "x: unknown parameter" in said
    assert "Traceback" not in result.output


def test_a_budget_the_train_step_would_refuse_is_refused_at_trigger() -> None:
    _invoke("publish")
    result = runner.invoke(app, ["pipelines", "trigger", "-p", "timeout_minutes=0.05"])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "timeout_minutes: must be at least 0.1; got 0.05" in said
    assert "Traceback" not in result.output
    assert json.loads(_invoke("runs", "--json")) == []


def test_publish_names_more_places_data_path_may_read(tmp_path: Path) -> None:
    report = json.loads(_invoke("publish", "--data-root", str(tmp_path / "shared"), "--json"))
    (data_path,) = [p for p in report["pipeline"]["parameters"] if p["name"] == "data_path"]
    assert data_path["type"] == "path"
    assert data_path["roots"] == [str(tmp_path / "shared")]


def test_disable_enable_and_unknown_ids(workspace: Workspace) -> None:
    published = PipelinePublisher(workspace).publish(toy_pipeline(), name="toy")
    assert "disabled" in _invoke("disable", published.id)
    refused = runner.invoke(app, ["pipelines", "trigger", "toy"])
    assert refused.exit_code == 1
    assert "403" in refused.output
    assert "enabled" in _invoke("enable", published.id)
    missing = runner.invoke(app, ["pipelines", "show", "nope"])
    assert missing.exit_code == 1
    assert "no published pipeline with id 'nope'" in " ".join(missing.output.split())
    bad_status = runner.invoke(app, ["pipelines", "runs", "--status", "Done"])
    assert bad_status.exit_code == 1
    assert "--status must be one of" in " ".join(bad_status.output.split())


def test_token_regenerate_and_stop() -> None:
    first = _invoke("token").strip()
    second = _invoke("token", "--regenerate").strip()
    assert first != second
    assert "no pipeline server was running" in _invoke("stop")


def test_parse_assignments_reads_json_values_else_text() -> None:
    assert parse_assignments(["a=0.5", "b=true", "c=/data/x.csv", "d=", "e=NaN"]) == {
        "a": 0.5,
        "b": True,
        "c": "/data/x.csv",
        "d": "",
        "e": "NaN",
    }
    # a parameter declared as text keeps its text, digits or not
    assert parse_assignments(["model_name=2024"], {"model_name": "str"}) == {"model_name": "2024"}
    # a path is the user's, from the current directory (the server would read it from the
    # workspace)
    assert parse_assignments(["data_path=d/x.csv", "p="], {"data_path": "path", "p": "path"}) == {
        "data_path": str(Path.cwd() / "d" / "x.csv"),
        "p": "",
    }
    with pytest.raises(Exception, match="NAME=VALUE"):
        parse_assignments(["novalue"])


def test_runs_with_markup_in_names_and_errors_list_without_crashing(workspace: Workspace) -> None:
    publisher = PipelinePublisher(workspace)
    with pytest.raises(PipelineRunError):
        publisher.submit(toy_pipeline(), {"fail": True, "word": "[/] [bold]"}, timeout=60)
    listing = runner.invoke(app, ["pipelines", "runs"])
    assert listing.exit_code == 0, listing.output
    run_id = publisher.list_runs()[0].id
    shown = runner.invoke(app, ["pipelines", "runs", run_id])
    assert shown.exit_code == 0, shown.output
    assert "[/] [bold]" in shown.stdout  # shown as text, not swallowed as markup
