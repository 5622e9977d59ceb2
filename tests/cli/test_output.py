"""How commands write: `--json` stays one JSON document whatever else prints."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from bankmarketing_ops.cli._output import emit_json, handle_errors, stdout_for_json_only


class _Answer(BaseModel):
    value: int


def test_other_prints_go_to_stderr_while_json_goes_to_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with stdout_for_json_only():
        print("Registering model bankmarketing")  # noqa: T201 — as an SDK would
        emit_json(_Answer(value=3))
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"value": 3}
    assert "Registering model" in captured.err


def test_without_the_guard_json_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    emit_json(_Answer(value=4))
    assert json.loads(capsys.readouterr().out) == {"value": 4}


def test_every_json_command_is_guarded(capsys: pytest.CaptureFixture[str]) -> None:
    @handle_errors
    def command(*, json_output: bool = False) -> None:
        print("noise from a library")  # noqa: T201
        emit_json(_Answer(value=5))

    command(json_output=True)
    guarded = capsys.readouterr()
    assert json.loads(guarded.out) == {"value": 5}
    assert "noise" in guarded.err
    command(json_output=False)  # a human's output is left alone
    assert "noise" in capsys.readouterr().out
