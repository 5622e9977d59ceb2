"""How commands write: `--json` stays one JSON document whatever else prints."""

from __future__ import annotations

import io
import json

import pytest
from pydantic import BaseModel
from rich.console import Console

from bankmarketing_ops.cli._output import (
    CopyableTable,
    emit_json,
    handle_errors,
    stdout_for_json_only,
)


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


def _render(table: CopyableTable, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, soft_wrap=True)
    table.print(console)
    return console.file.getvalue()  # type: ignore[attr-defined]


URI = "http://127.0.0.1:56941/score"


def _services(*names: str) -> CopyableTable:
    table = CopyableTable(
        "service",
        "state",
        "model",
        "scoring URI",
        "auth",
        title=f"{len(names)} service(s)",
        copyable=("service", "model", "scoring URI"),
    )
    for name in names:
        table.add_row(name, "[green]Transitioning[/]", f"{name}-model:12", URI, "key")
    return table


@pytest.mark.parametrize("width", [80, 60, 40])
def test_copyable_values_are_whole_on_one_line_at_any_width(width: int) -> None:
    names = ("bankmarketing-service", "bankmarketing-challenger-[x]")
    out = _render(_services(*names), width)
    lines = out.splitlines()
    for value in (*names, *(f"{n}-model:12" for n in names), URI):
        assert any(value in line for line in lines), (value, out)
    assert "…" not in out
    assert "Transitioning" in out  # the other columns lose nothing either


def test_a_table_that_fits_stays_a_table() -> None:
    out = _render(_services("svc"), 80)
    title, header, rule, row = out.splitlines()
    assert title == "1 service(s)"
    assert header.split() == ["service", "state", "model", "scoring", "URI", "auth"]
    assert set(rule) == {"─"}
    assert row.split() == ["svc", "Transitioning", "svc-model:12", URI, "key"]


def test_a_table_that_does_not_fit_becomes_one_block_per_row() -> None:
    out = _render(_services("bankmarketing-service", "another-long-service-name"), 80)
    assert "scoring URI  http://127.0.0.1:56941/score" in out
    assert "─" not in out
