"""The generated CLI reference and the examples stay true."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bankmarketing_ops import PipelinePublisher, Workspace

ROOT = Path(__file__).resolve().parents[1]
REGENERATE = (
    "typer bankmarketing_ops.cli.app utils docs --name bankops --title 'CLI reference' "
    "--output docs/cli.md"
)


def _example(name: str, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """Run `examples/<name>` as a user would; a non-zero exit fails the test."""
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True,
        text=True,
        check=True,
        **options,
    )


def test_cli_reference_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "typer",
            "bankmarketing_ops.cli.app",
            "utils",
            "docs",
            "--name",
            "bankops",
            "--title",
            "CLI reference",
            "--output",
            str(out),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), f"run: {REGENERATE}"


def test_data_example_runs_on_synthetic_data() -> None:
    out = _example("data_quickstart.py", "--synthetic")
    assert "5,000 rows" in out.stdout
    assert "19 inputs without the leaky ones" in out.stdout


@pytest.mark.integration
def test_data_example_runs_on_the_real_file(real_data_path: Path) -> None:
    env = {**os.environ, "BANKOPS_DATA": str(real_data_path)}
    out = _example("data_quickstart.py", env=env)
    assert "32,950 rows, 11.2% subscribed" in out.stdout


def test_training_example_runs_on_synthetic_data(tmp_path: Path) -> None:
    out = _example(
        "train_and_register.py", "--synthetic", "--minutes", "0.1", "--workspace", str(tmp_path)
    )
    assert "registered bankmarketing:1" in out.stdout
    assert "refused: row 0, field 'job'" in out.stdout


def test_deploy_example_runs_on_synthetic_data(tmp_path: Path) -> None:
    out = _example("deploy_and_score.py", "--synthetic", "--workspace", str(tmp_path), timeout=300)
    assert "example-service: Healthy" in out.stdout
    assert "batch: 50 answers" in out.stdout
    assert "refused: FieldError(row=0, field='month'" in out.stdout
    assert not list((tmp_path / "services").glob("*/service.json"))  # it stops its service


def test_native_scoring_example_compiles_and_agrees(tmp_path: Path) -> None:
    out = _example(
        "native_scoring.py",
        "--synthetic",
        "--workspace",
        str(tmp_path),
        timeout=300,
        env={**os.environ, "BANKOPS_CACHE_DIR": str(tmp_path / "cache")},
    )
    compiled, total = re.search(r"(\d+) of (\d+) members compiled", out.stdout).groups()  # type: ignore[union-attr]
    assert compiled == total != "0"
    difference = float(re.search(r"differs by (\S+) between", out.stdout).group(1))  # type: ignore[union-attr]
    assert difference < 1e-6
    assert "one row: libraries" in out.stdout


def test_pipeline_example_runs_on_synthetic_data(tmp_path: Path) -> None:
    out = _example(
        "publish_and_trigger.py",
        "--synthetic",
        "--minutes",
        "0.1",
        "--workspace",
        str(tmp_path),
        timeout=300,
    )
    assert "refused: budget: unknown parameter" in out.stdout
    assert "run Completed:" in out.stdout
    assert "evaluation: no service 'bankmarketing' yet" in out.stdout
    assert "service bankmarketing serves bankmarketing:1 (Healthy)" in out.stdout
    assert not list((tmp_path / "services").glob("*/service.json"))  # it stops its service
    assert PipelinePublisher(Workspace.local(tmp_path)).server_status() is None


@pytest.mark.integration
def test_drift_example_finds_the_regime_change_and_nothing_at_random(
    real_data_path: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "BANKOPS_DATA": str(real_data_path)}
    html = tmp_path / "drift.html"
    out = _example("drift_regimes.py", "--html", str(html), env=env, timeout=300)
    assert "regime split: DATA-SET DRIFT" in out.stdout
    assert "random split: no data-set drift — 0 of 20 inputs drifted" in out.stdout
    for marker in ("euribor3m", "nr.employed", "emp.var.rate"):
        assert f"* {marker}" in out.stdout
    assert html.read_text().count("<figure") == 20


@pytest.mark.integration
def test_drift_example_serves_a_model_and_sees_its_performance_fall(
    real_data_path: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "BANKOPS_DATA": str(real_data_path)}
    out = _example("drift_regimes.py", "--serve", "--minutes", "0.2", env=env, timeout=600)
    assert "served, same regime: no data-set drift" in out.stdout
    assert "served, crisis regime: DATA-SET DRIFT" in out.stdout
    assert out.stdout.count("performance on 2,000 labelled rows") == 2
    assert out.stdout.count("alert (critical): auc") == 1  # the crisis regime only
