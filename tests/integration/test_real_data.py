"""The real data file at BANKOPS_DATA (CI sets it; these tests must run there)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from bankmarketing_ops import data
from bankmarketing_ops._constants import DEFAULT_DATA_SHA256
from bankmarketing_ops.cli import app
from tests.conftest import frame_to_csv_text

pytestmark = pytest.mark.integration


def test_real_file_has_the_documented_shape(real_data_path: Path) -> None:
    frame = data.load(real_data_path)
    assert frame.shape == (32_950, 21)
    assert frame.attrs["format"] == "azure"
    counts = frame["y"].value_counts()
    assert (counts["no"], counts["yes"]) == (29_258, 3_692)


def test_real_file_is_the_published_one(real_data_path: Path) -> None:
    frame = data.load(real_data_path)
    assert frame.attrs["sha256"] == DEFAULT_DATA_SHA256


def test_real_file_profile(real_data_path: Path) -> None:
    result = data.profile(real_data_path)
    assert result.rows == 32_950
    assert round(result.target.positive_rate * 100, 1) == 11.2
    assert result.duplicate_rows == 9
    assert all(c.distinct > 1 for c in result.numeric)


def test_uci_rendering_of_the_real_file_loads_identically(
    real_data_path: Path, tmp_path: Path
) -> None:
    frame = data.load(real_data_path)
    uci = tmp_path / "bank-additional-full.csv"
    uci.write_text(frame_to_csv_text(frame, fmt="uci"))
    pd.testing.assert_frame_equal(data.load(uci), frame)


def test_quickstart_shows_rows_and_positive_rate(
    real_data_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANKOPS_DATA", str(real_data_path))
    result = CliRunner().invoke(app, ["quickstart", "--timeout-minutes", "0.25"])
    assert result.exit_code == 0, result.output
    assert "32,950 rows" in result.stdout
    assert "11.2% yes" in result.stdout
    assert "registered bankmarketing:1" in result.stdout


def test_validate_of_a_damaged_copy_lists_all_defects_without_traceback(
    real_data_path: Path, tmp_path: Path
) -> None:
    lines = real_data_path.read_text().splitlines()
    header = lines[0].split(",")
    damaged = {
        (10, "age"): "abc",
        (200, "job"): "pirate",
        (3000, "y"): "YES",
        (32_951, "euribor3m"): "-99",
    }
    for (line, column), value in damaged.items():
        cells = lines[line - 1].split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells)
    path = tmp_path / "damaged.csv"
    path.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "NO_COLOR": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "bankmarketing_ops", "data", "validate", "--json", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    found = {(i["line"], i["column"]) for i in json.loads(out.stdout)["issues"]}
    assert found == set(damaged)
