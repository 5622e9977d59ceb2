"""`bankops quickstart --backend azureml` without the SDK or with incomplete options.

The command opening a workspace and running every step on Azure is replayed in
tests/backends/azureml/test_azure_quickstart.py.
"""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from bankmarketing_ops import ConfigurationError
from bankmarketing_ops.cli import app
from bankmarketing_ops.cli.quickstart import open_workspace

runner = CliRunner()


def test_partial_names_are_refused() -> None:
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
