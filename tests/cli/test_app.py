from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import __version__
from bankmarketing_ops.cli import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"bankops {__version__}"


def test_help_lists_the_command_groups() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "data" in result.stdout
    assert "quickstart" in result.stdout


def test_an_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["fly"])
    assert result.exit_code == 2


READ_ONLY = [
    ["models", "list"],
    ["models", "show", "bank"],
    ["services", "list"],
    ["services", "show", "svc"],
    ["insights", "show", "svc"],
    ["insights", "requests", "svc"],
    ["pipelines", "list"],
    ["pipelines", "runs"],
    ["pipelines", "show", "bankmarketing-training"],
]


def test_read_only_commands_never_create_a_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BANKOPS_WORKSPACE")
    monkeypatch.chdir(tmp_path)
    for command in READ_ONLY:
        result = runner.invoke(app, command)
        assert result.exit_code in (0, 1), (command, result.output)
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_workspace_is_found_upward_and_named_when_a_service_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like git: a command in a subfolder uses the project's `.bankops`, and says so."""
    monkeypatch.delenv("BANKOPS_WORKSPACE")
    (tmp_path / ".bankops").mkdir()
    inside = tmp_path / "notebooks" / "drafts"
    inside.mkdir(parents=True)
    monkeypatch.chdir(inside)
    missing = runner.invoke(app, ["services", "show", "svc"])
    assert missing.exit_code == 1
    message = " ".join(missing.stderr.split())
    assert f"no service named 'svc' in workspace {tmp_path / '.bankops'}" in message
    assert not (inside / ".bankops").exists()


def test_the_root_options_choose_the_backend_for_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--backend azureml` reaches the command (here: no config.json to open, said
    before any sign-in); `--backend local` wins over BANKOPS_BACKEND."""
    monkeypatch.chdir(tmp_path)
    on_azure = runner.invoke(
        app, ["--backend", "azureml", "--azure-config", str(tmp_path), "services", "list"]
    )
    assert on_azure.exit_code == 1
    assert f"no Azure ML config.json in {tmp_path}" in " ".join(on_azure.stderr.split())
    monkeypatch.setenv("BANKOPS_BACKEND", "azureml")
    local = runner.invoke(app, ["--backend", "local", "services", "list", "--json"])
    assert local.exit_code == 0, local.output
    assert json.loads(local.stdout) == []


def test_serve_says_it_runs_on_this_machine_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANKOPS_BACKEND", "azureml")
    result = runner.invoke(app, ["serve", "bank:1"])
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "works with the local backend only" in message
    assert "bankops deploy MODEL" in message
