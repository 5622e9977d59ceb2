from __future__ import annotations

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
