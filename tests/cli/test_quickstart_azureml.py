"""`bankops quickstart --backend azureml`: which workspace it opens, and how it fails.

The Azure calls the steps make are covered by the replayed cassettes of
tests/backends/azureml; here only the command's choice of workspace is checked.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import ConfigurationError, Workspace
from bankmarketing_ops.cli import app
from bankmarketing_ops.cli.quickstart import open_workspace

runner = CliRunner()


class Opened(Exception):
    """Raised by the stand-ins to stop quickstart once the workspace is chosen."""


def test_config_json_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[Any] = []

    def from_config(path: Path | None, *, auth: str) -> Workspace:
        calls.append((path, auth))
        raise ConfigurationError("stop here")

    monkeypatch.setattr(Workspace, "from_config", staticmethod(from_config))
    config = tmp_path / "config.json"
    result = runner.invoke(
        app, ["quickstart", "--backend", "azureml", "--config", str(config), "--auth", "cli"]
    )
    assert result.exit_code == 1
    assert calls == [(config, "cli")]


def test_names_open_the_workspace_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []

    def azureml(*names: str, auth: str) -> Workspace:
        calls.append((names, auth))
        raise Opened

    monkeypatch.setattr(Workspace, "azureml", staticmethod(azureml))
    with pytest.raises(Opened):
        open_workspace(
            "azureml",
            subscription_id="sub",
            resource_group="rg",
            workspace_name="ws",
            auth="service_principal",
        )
    assert calls == [(("sub", "rg", "ws"), "service_principal")]
    with pytest.raises(ConfigurationError, match="--resource-group"):
        open_workspace("azureml", subscription_id="sub")


def test_local_stays_the_default() -> None:
    assert open_workspace("local").kind == "local"


def test_without_the_extra_quickstart_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "azureml" or m.startswith("azureml.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "azureml", None)
    result = runner.invoke(
        app,
        [
            "quickstart",
            "--backend",
            "azureml",
            "--subscription-id",
            "s",
            "--resource-group",
            "r",
            "--workspace-name",
            "w",
        ],
    )
    assert result.exit_code == 1
    assert "pip install 'bankmarketing_ops[azureml]'" in " ".join(result.output.split())
