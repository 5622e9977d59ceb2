"""`bankops data fetch|validate|profile` through typer's CliRunner."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from bankmarketing_ops.cli import app
from tests.conftest import WriteCsv, frame_to_csv_text
from tests.http_server import Route, serve

runner = CliRunner()


def _defective_file(write_csv: WriteCsv, frame: pd.DataFrame) -> Path:
    lines = frame_to_csv_text(frame).splitlines()
    header = lines[0].split(",")

    def spoil(line: int, column: str, value: str) -> None:
        cells = lines[line - 1].split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells)

    spoil(3, "age", "thirty")
    spoil(4, "education", "phd")
    spoil(6, "y", "perhaps")
    spoil(8, "nr.employed", "")
    return write_csv(text="\n".join(lines) + "\n")


def test_validate_a_valid_file(write_csv: WriteCsv) -> None:
    result = runner.invoke(app, ["data", "validate", str(write_csv())])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    assert "300 rows" in result.stdout


def test_validate_lists_every_defect_and_exits_1(
    write_csv: WriteCsv, small_frame: pd.DataFrame
) -> None:
    result = runner.invoke(app, ["data", "validate", str(_defective_file(write_csv, small_frame))])
    assert result.exit_code == 1
    for expected in (
        "thirty",
        "phd",
        "perhaps",
        "nr.employed",
        "wrong_type",
        "unknown_category",
        "bad_target",
        "missing_value",
    ):
        assert expected in result.stdout
    assert "Traceback" not in result.output


def test_validate_json_is_one_document(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    result = runner.invoke(
        app, ["data", "validate", "--json", str(_defective_file(write_csv, small_frame))]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    located = {(i["kind"], i["line"], i["column"]) for i in report["issues"]}
    assert located == {
        ("wrong_type", 3, "age"),
        ("unknown_category", 4, "education"),
        ("bad_target", 6, "y"),
        ("missing_value", 8, "nr.employed"),
    }


def test_validate_a_missing_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "validate", str(tmp_path / "none.csv")])
    assert result.exit_code == 1
    assert "no data file" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_validate_without_target(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    path = write_csv(small_frame.drop(columns=["y"]))
    assert runner.invoke(app, ["data", "validate", str(path)]).exit_code == 1
    assert runner.invoke(app, ["data", "validate", "--no-target", str(path)]).exit_code == 0


def test_profile_table_and_json(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    path = write_csv()
    table = runner.invoke(app, ["data", "profile", str(path)])
    assert table.exit_code == 0, table.output
    rate = (small_frame["y"] == "yes").mean()
    assert f"{rate:.1%} yes" in table.stdout
    assert "leaky column 'duration'" in table.stdout
    document = json.loads(runner.invoke(app, ["data", "profile", "--json", str(path)]).stdout)
    assert document["rows"] == 300
    assert document["target"]["positive_rate"] == rate


def test_profile_of_invalid_data_exits_1(write_csv: WriteCsv, small_frame: pd.DataFrame) -> None:
    result = runner.invoke(app, ["data", "profile", str(_defective_file(write_csv, small_frame))])
    assert result.exit_code == 1
    assert "4 problem(s)" in result.stderr


def test_fetch_downloads_into_the_cache(tmp_path: Path) -> None:
    body = frame_to_csv_text(pd.DataFrame({"a": [1, 2]})).encode()
    with serve({"/bank.csv": Route(body=body)}) as server:
        args = [
            "data",
            "fetch",
            "--url",
            server.url("/bank.csv"),
            "--sha256",
            hashlib.sha256(body).hexdigest(),
            "--cache-dir",
            str(tmp_path / "c"),
        ]
        first = runner.invoke(app, [*args, "--json"])
        second = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["from_cache"] is False
    assert (tmp_path / "c" / "bank.csv").read_bytes() == body
    assert "cached copy verified" in second.stdout


def test_fetch_without_network_names_the_offline_options() -> None:
    result = runner.invoke(app, ["data", "fetch", "--url", "http://127.0.0.1:9/bank.csv"])
    assert result.exit_code == 1
    assert "--data PATH" in result.stderr
    assert "BANKOPS_DATA" in result.stderr
    assert result.stdout == ""
